"""A 100,000-row CSV import through the upload page, as a background job (issue 10, item 11;
quality bar R13): how long the upload waits, how fast rows are read and saved, and how fast the
leads are processed after.

    .venv/bin/python bench/import_scale.py                    # PostgreSQL + Redis + 2 workers
    .venv/bin/python bench/import_scale.py --sqlite           # the embedded default (SQLite)
    .venv/bin/python bench/import_scale.py --rows 10000       # a quick check

PostgreSQL + Redis: its OWN database ``bench_import`` on 127.0.0.1:5432 (dropped and made again
at the start), its OWN redis-server on a free port, ``--workers`` ``flask --app wsgi worker``
processes (default 2), all stopped at the end. A vetter uploads the file through the real upload
page (the Flask test client, the same view, CSRF and all); the answer is timed (it must not wait
for the rows); then the benchmark polls the batch until every row is read (the import job), and
then until every imported lead is processed by the workers, or --process-wait seconds passed.

SQLite (the embedded default, no Redis): the same upload, the import run in-process. Processing
each lead in-process would follow each chunk; here it is left pending (the sweeper would process
them), so the SQLite figure is the import alone. Both print rows/s.

The file: demo leads (domain.demo_data), 1% of rows with a broken e-mail (rejected with their row
number), every row with an external id; its size is printed. Re-uploading it is timed too (it is
answered with the first import: nothing is read again).
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import reset_database  # noqa: E402
from bench.servers import RedisServer  # noqa: E402

VENV_PY = ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PY) if VENV_PY.exists() else sys.executable


def build_csv(rows: int) -> bytes:
    from marketplace.domain.demo_data import generate_leads
    from marketplace.domain.leads import LEAD_COLUMNS

    data = generate_leads(rows, seed=7, external_prefix="SCALE")
    for index in range(0, rows, 100):
        data[index]["email"] = "no e-mail given"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=LEAD_COLUMNS)
    writer.writeheader()
    writer.writerows(data)
    return buffer.getvalue().encode()


def upload(app, data: bytes, name: str):
    """Sign in as a vetter and POST the file to the upload page; (answer, seconds)."""
    import re

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"csrf_token": token, "email": "bench@city.example",
                                "password": "a long bench passphrase"})
    page = client.get("/staff/import").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    started = time.perf_counter()
    response = client.post("/staff/import", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    return response, time.perf_counter() - started


def poll(app, batch_id: int):
    from marketplace.extensions import db
    from marketplace.services import imports

    with app.app_context():
        batch = imports.get(batch_id)
        processed, to_process = imports.processing_counts(batch)
        state = (batch.status, batch.rows_read, batch.rows_total, batch.rows_accepted, batch.rows_rejected,
                 processed, to_process, batch.error)
        db.session.remove()
        return state


def without_processing(found: list[tuple]) -> int:
    """The embedded dispatcher, except that leads are left pending (SQLite: the import alone)."""
    from marketplace.jobs.queue import dispatch

    rest = [effect for effect in found if effect[0] != "process_lead"]
    return dispatch(rest) if rest else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sqlite", action="store_true", help="the embedded default instead of PostgreSQL + Redis")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", default="bench_import")
    parser.add_argument("--process-wait", type=float, default=900, help="seconds to wait for processing")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-import-scale-"))
    os.environ["MARKETPLACE_INSTANCE"] = str(tmp / "instance")
    started = time.perf_counter()
    data = build_csv(args.rows)
    print(f"file: {args.rows:,} rows, {len(data) / 1e6:.1f} MB (built in {time.perf_counter() - started:.0f} s)")

    from flask_migrate import upgrade

    from config import normalise_database_url
    from marketplace.app import create_app
    from marketplace.extensions import db
    from marketplace.services import accounts

    redis_server, workers = None, []
    if args.sqlite:
        url, redis_url = f"sqlite:///{tmp / 'bench.db'}", None
        backend = "SQLite (embedded default), import in-process, processing left to the sweeper"
    else:
        url = reset_database(args.db)
        redis_server = RedisServer(tmp)
        redis_server.start()
        redis_url = redis_server.url
        backend = f"PostgreSQL + Redis, {args.workers} worker(s) (--no-fork)"
    upload_folder = str(tmp / "uploads")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=normalise_database_url(url), REDIS_URL=redis_url,
                     RATELIMIT_STORAGE_URI=redis_url or "memory://", UPLOAD_FOLDER=upload_folder,
                     SUBMIT_LIMIT="100000 per minute", LOGIN_LIMIT="100000 per minute",
                     IMPORT_IN_THREAD=True)  # as served: without Redis the import runs in a thread
    try:
        with app.app_context():
            upgrade()
            accounts.create_account(accounts.NewAccount(email="bench@city.example", password="a long bench passphrase",
                                                        role="vetter", name="Bench"))
            db.session.commit()
        if args.sqlite:
            from marketplace.services import effects

            effects.set_dispatcher(without_processing)
        else:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
            env.update(MARKETPLACE_ENV="testing", DATABASE_URL=url, REDIS_URL=redis_url, UPLOAD_FOLDER=upload_folder,
                       PYTHONPATH=str(ROOT))
            for index in range(args.workers):
                log = open(tmp / f"worker-{index}.log", "wb")
                workers.append(subprocess.Popen([PYTHON, "-m", "flask", "--app", "wsgi", "worker", "--no-fork"],
                                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                                start_new_session=True))

        response, answered = upload(app, data, "scale.csv")
        assert response.status_code == 302, response.status_code
        batch_id = int(response.location.rsplit("/", 1)[1])
        t0 = time.perf_counter() - answered
        read_at = None
        last_print = 0.0
        while True:
            status, read, total, accepted, rejected, processed, to_process, error = poll(app, batch_id)
            now = time.perf_counter()
            if read_at is None and status in ("done", "refused"):
                read_at = now
            if now - last_print > 15:
                last_print = now
                print(f"  {now - t0:6.0f} s: {status}, read {read:,} of {total or 0:,}, processed {processed:,}"
                      f" of {to_process:,}", flush=True)
            if status in ("refused",) or (read_at and (args.sqlite or processed >= to_process)):
                break
            if read_at and now - read_at > args.process_wait:
                break
            time.sleep(1)
        done_at = time.perf_counter()
        again, again_seconds = upload(app, data, "scale-again.csv")

        print(f"\nCSV import, {backend}")
        print(f"upload answered in {answered:.2f} s (status {response.status_code} to /imports/{batch_id})")
        if status == "refused":
            print(f"REFUSED: {error}")
            return
        reading = read_at - t0
        print(f"rows read and saved: {read:,} ({accepted:,} accepted, {rejected:,} rejected) in {reading:.1f} s"
              f" = {read / reading:,.0f} rows/s")
        if not args.sqlite:
            total_seconds = done_at - t0
            print(f"leads processed: {processed:,} of {to_process:,} in {total_seconds:.1f} s from the upload"
                  f" = {processed / total_seconds:,.0f} leads/s end to end")
        print(f"same file again: answered in {again_seconds:.2f} s with {again.location} (nothing read again)")
    finally:
        for proc in workers:
            if proc.poll() is None:
                os.killpg(proc.pid, 15)
                proc.wait(timeout=30)
        if redis_server is not None:
            redis_server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
