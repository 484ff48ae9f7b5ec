"""How the duplicate search scales (issue 3): time to resolve one new lead against 10k, 100k and
1M existing leads, ours (blocking) beside the alternative (comparing with every lead), and the
throughput of the whole pipeline with 1 and 2 RQ workers on PostgreSQL and Redis.

    python bench/dedup_scale.py [--sizes 10000,100000,1000000] [--probes 40] [--throughput 2000]

It uses its own PostgreSQL database (bench_scale, dropped and made again) and, for the throughput
part, its own redis-server on a free port. The existing leads are synthetic suppliers (1 to 5 leads
each, 1% sharing a generic name such as "pacific medical supply") loaded with COPY; the probes are
real leads processed by the real pipeline (services.processing.process_lead), half of them new
leads of existing suppliers (another contact, a reformatted phone), half new suppliers.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
GENERIC_NAMES = ("pacific medical supply", "global medical supply", "first aid supply", "united safety")


def reset_database(name: str) -> str:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def supplier(i: int) -> dict:
    generic = i % 100 == 0
    name = GENERIC_NAMES[i % len(GENERIC_NAMES)] if generic else f"supplier {i} medical"
    return {"name": name, "domain": f"supplier{i}.com", "phone": f"+1213{i % 10_000_000:07d}",
            "postal": f"{90000 + i % 999:05d}", "city": "los angeles", "street": f"{i % 9999} harbor blvd"}


def load_synthetic(db, start_id: int, count: int, rng: random.Random) -> None:
    """COPY ``count`` synthetic leads (ids from start_id) with their normals, keys and clusters."""
    from marketplace.domain.dedup import lead_blocking_keys
    from marketplace.domain.scoring import load_reference

    now, version = datetime.now(timezone.utc), load_reference().version
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        lead_rows, normal_rows, key_rows = [], [], []
        lead_id, supplier_id = start_id, start_id  # supplier numbers never repeat across loads
        cluster_of_supplier = {}
        while lead_id < start_id + count:
            s = supplier(supplier_id)
            for n in range(rng.randint(1, 5)):
                if lead_id >= start_id + count:
                    break
                cluster = cluster_of_supplier.setdefault(supplier_id, lead_id)
                email = f"contact{n}@{s['domain']}"
                lead_rows.append((lead_id, s["name"].title(), email, s["phone"], f"https://{s['domain']}",
                                  "distributor", "n95_respirator", 10000, "0.79", "csv", "submitted", "done",
                                  now, now, 0, cluster, 100, 100, version))
                record = {"name": s["name"], "phone": s["phone"], "email": email, "domains": s["domain"],
                          "contact": f"contact {n}", "street": s["street"], "postal_code": s["postal"],
                          "city": s["city"]}
                normal_rows.append((lead_id, s["name"], s["phone"], email, s["domain"], s["domain"], False,
                                    s["domain"], f"contact {n}", s["street"], s["city"], s["postal"], "us"))
                key_rows.extend((key, lead_id) for key in lead_blocking_keys(record))
                lead_id += 1
            supplier_id += 1
        with cursor.copy("COPY leads (id, company_name, email, phone, website, supplier_type, product_category, "
                         "quantity, unit_price, source, status, processing_state, created_at, updated_at, "
                         "processing_attempts, cluster_id, risk_score, queue_score, reference_version) FROM STDIN") as copy:
            for row in lead_rows:
                copy.write_row(row)
        with cursor.copy("COPY lead_normals (lead_id, name, phone, email, email_domain, website_domain, webmail, "
                         "domains, contact, street, city, postal_code, country) FROM STDIN") as copy:
            for row in normal_rows:
                copy.write_row(row)
        with cursor.copy("COPY lead_block_keys (key, lead_id) FROM STDIN") as copy:
            for row in key_rows:
                copy.write_row(row)
        cursor.execute("SELECT setval('leads_id_seq', (SELECT max(id) FROM leads))")
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def probe_values(index: int, existing: int, rng: random.Random) -> dict:
    from marketplace.domain.leads import parse_lead
    from tests.conftest import VALID_LEAD

    if index % 2 == 0:  # another lead of an existing supplier: other contact, phone written differently
        s = supplier(rng.randrange(1, existing))
        digits = s["phone"][2:]
        raw = {**VALID_LEAD, "company_name": s["name"].title() + ", Inc.", "email": f"orders@{s['domain']}",
               "phone": f"({digits[:3]}) {digits[3:6]}-{digits[6:]}", "website": s["domain"],
               "street": s["street"].replace("blvd", "Boulevard"), "postal_code": s["postal"], "contact_name": "New Person"}
    else:
        raw = {**VALID_LEAD, "company_name": f"Brand New Supplier {index} {rng.random():.6f}",
               "email": f"sales@new{index}-{rng.randrange(10**9)}.com", "phone": f"(415) 555-{1000 + index}",
               "website": f"new{index}-{rng.randrange(10**9)}.com"}
    values, errors = parse_lead(raw)
    assert not errors, errors
    return values


def time_probes(app, db, existing: int, probes: int, rng: random.Random) -> list[float]:
    from marketplace.models import Lead
    from marketplace.services import processing

    timings = []
    for index in range(probes):
        lead = Lead(**probe_values(index, existing, rng), source="csv", status="submitted", processing_state="pending")
        db.session.add(lead)
        db.session.commit()
        started = time.perf_counter()
        processing.process_lead(lead.id)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def brute_force_ms(db, probes: int, existing: int, rng: random.Random) -> float:
    """The alternative without blocking: compare the new lead with every earlier lead."""
    from marketplace.domain.dedup import LEAD_MATCH_SPEC, lead_record
    from marketplace.domain.normalise import normalise_lead
    from sqlalchemy import text

    timings = []
    for index in range(probes):
        values = probe_values(index, existing, rng)
        record = lead_record(normalise_lead(values).as_dict(), values.get("contact_name"))
        started = time.perf_counter()
        result = db.session.execute(text(
            "SELECT name, phone, email, domains, contact, street, postal_code, city FROM lead_normals"))
        for row in result:
            LEAD_MATCH_SPEC.compare(record, row._mapping)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def throughput(url: str, count: int, workers: int, fork: bool = True) -> float:
    """Leads per second through enqueue -> RQ worker(s) -> database, on a private Redis."""
    port, workdir = free_port(), tempfile.mkdtemp(prefix="bench-redis-")
    redis_proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", workdir], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    redis_url = f"redis://127.0.0.1:{port}/0"
    env = {**os.environ, "MARKETPLACE_ENV": "testing", "DATABASE_URL": url, "REDIS_URL": redis_url,
           "PYTHONPATH": str(ROOT), "MARKETPLACE_INSTANCE": workdir}
    try:
        from marketplace import create_app
        from marketplace.domain.demo_data import generate_leads
        from marketplace.domain.leads import parse_lead
        from marketplace.extensions import db
        from marketplace.jobs.queue import enqueue_lead_processing
        from marketplace.models import Lead
        from sqlalchemy import func, select

        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url.replace("postgresql://", "postgresql+psycopg://"),
                         REDIS_URL=redis_url)
        with app.app_context():
            ids = []
            for row in generate_leads(count, seed=workers * 1000 + count, external_prefix=f"TP{workers}-{int(time.time())}"):
                values, _ = parse_lead(row)
                lead = Lead(**values, source="csv", status="submitted", processing_state="pending")
                db.session.add(lead)
                db.session.flush()
                ids.append(lead.id)
            db.session.commit()
            enqueue_lead_processing(ids)
            started = time.perf_counter()
            mode = "--fork" if fork else "--no-fork"
            procs = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst", mode], cwd=ROOT,
                                      env=env, stdout=open(f"{workdir}/w{n}.log", "wb"), stderr=subprocess.STDOUT)
                     for n in range(workers)]
            for proc in procs:
                proc.wait()
            elapsed = time.perf_counter() - started
            db.session.remove()
            done = db.session.scalar(select(func.count()).select_from(Lead).where(
                Lead.id.in_(ids), Lead.processing_state == "done"))
            assert done == count, f"only {done} of {count} processed"
        return count / elapsed
    finally:
        redis_proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--probes", type=int, default=40)
    parser.add_argument("--brute-probes", type=int, default=3)
    parser.add_argument("--throughput", type=int, default=2000, help="leads per throughput run (0: skip)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    os.environ.setdefault("MARKETPLACE_INSTANCE", tempfile.mkdtemp(prefix="bench-scale-"))
    from flask_migrate import upgrade

    from marketplace import create_app
    from marketplace.extensions import db

    url = reset_database("bench_scale")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url.replace("postgresql://", "postgresql+psycopg://"))
    rng = random.Random(42)
    rows = []
    with app.app_context():
        upgrade()
        loaded = 0
        for size in sizes:
            started = time.perf_counter()
            load_synthetic(db, loaded + 1, size - loaded, rng)
            load_seconds = time.perf_counter() - started
            loaded = size
            ours = time_probes(app, db, size, args.probes, rng)
            brute = brute_force_ms(db, args.brute_probes, size, rng)
            rows.append((size, statistics.median(ours), p95(ours), brute, load_seconds))
            loaded += args.probes
            print(f"  measured {size:,} (loaded in {load_seconds:.0f} s)", file=sys.stderr, flush=True)

    print("\nResolve one new lead against N existing leads (PostgreSQL; ms per lead, whole pipeline:"
          " normalise, block, compare, cluster, score, commit)")
    print(f"{'existing':>10} {'ours median':>12} {'ours p95':>9} {'compare-all':>12} {'ratio':>8}")
    for size, median, high, brute, _ in rows:
        print(f"{size:>10,} {median:>12.1f} {high:>9.1f} {brute:>12.0f} {brute / median:>7.0f}x")
    print(f"flatness: ours at {rows[-1][0]:,} / ours at {rows[0][0]:,} = {rows[-1][1] / rows[0][1]:.2f}x "
          f"(compare-all: {rows[-1][3] / rows[0][3]:.0f}x)")

    if args.throughput:
        print(f"\nPipeline throughput, {args.throughput} leads enqueued, RQ workers in burst mode (PostgreSQL + Redis)")
        print(f"{'workers':>8} {'mode':>22} {'leads/s':>9} {'vs 1 --fork':>13}")
        base = None
        for fork in (True, False):
            for count in (1, 2):
                rate = throughput(url, args.throughput, count, fork)
                base = base or rate
                mode = "--fork" if fork else "--no-fork (default)"
                print(f"{count:>8} {mode:>22} {rate:>9.0f} {rate / base:>12.2f}x", flush=True)


if __name__ == "__main__":
    main()
