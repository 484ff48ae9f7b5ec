"""Import time for a CSV of leads (issue 2): our batched import against the naive alternative,
one transaction per row, on the same file and database, side by side.

    python bench/import_csv.py [--rows 3000] [--database-url URL]

Without --database-url it uses a temporary SQLite file (the embedded default); pass
postgresql://postgres@127.0.0.1:5432/test for PostgreSQL. It empties that database's tables.
Without --redis-url every lead is also processed in-process after the import's commit (the
embedded default); with it the leads are only queued for workers (production), so the figure is
the time a vetter waits for the import page.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def build_csv(rows: int) -> str:
    from marketplace.domain.demo_data import generate_leads
    from marketplace.domain.leads import LEAD_COLUMNS

    data = generate_leads(rows, seed=7, external_prefix="BENCH")
    for index in range(0, rows, 100):  # 1% bad rows, as real files have
        data[index]["email"] = "no e-mail given"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=LEAD_COLUMNS)
    writer.writeheader()
    writer.writerows(data)
    return buffer.getvalue()


def empty(db) -> None:
    from sqlalchemy import text

    db.session.remove()  # end the session's transaction: TRUNCATE waits for every reader
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("TRUNCATE audit_log, lead_documents, lead_messages, lead_flags, duplicate_pairs, "
                              "lead_block_keys, lead_normals, leads RESTART IDENTITY CASCADE"))
        else:
            for table in ("audit_log", "lead_documents", "lead_messages", "lead_flags", "duplicate_pairs",
                          "lead_block_keys", "lead_normals", "leads"):
                conn.execute(text(f"DELETE FROM {table}"))


def naive_import(text_csv: str) -> int:
    """The obvious alternative: validate and commit each row on its own."""
    from marketplace.domain.leads import parse_lead
    from marketplace.extensions import db
    from marketplace.services import leads

    saved = 0
    for raw in csv.DictReader(io.StringIO(text_csv)):
        values, errors = parse_lead(raw)
        if not errors:
            leads.create_lead(values, owner=None, actor_id=None, source="csv")
            db.session.commit()  # the baseline: one commit per lead
            saved += 1
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    os.environ.setdefault("MARKETPLACE_INSTANCE", str(tmp))
    from flask_migrate import upgrade

    from config import normalise_database_url
    from marketplace.app import create_app
    from marketplace.extensions import db
    from marketplace.services import leads

    url = normalise_database_url(args.database_url or f"sqlite:///{tmp / 'bench.db'}")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, REDIS_URL=args.redis_url)
    text_csv = build_csv(args.rows)
    ours, naive, reimport = [], [], []
    with app.app_context():
        upgrade()
        for _ in range(args.repeat):
            empty(db)
            started = time.perf_counter()
            report = leads.import_leads(io.StringIO(text_csv), actor_id=None)
            db.session.commit()
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            again = leads.import_leads(io.StringIO(text_csv), actor_id=None)
            db.session.commit()
            reimport.append(time.perf_counter() - started)
            empty(db)
            started = time.perf_counter()
            saved = naive_import(text_csv)
            naive.append(time.perf_counter() - started)
        empty(db)
    assert saved == report.imported and again.unchanged == report.imported

    backend = url.split("://")[0] + (" + Redis (jobs queued)" if args.redis_url else " (processed in-process)")
    if args.redis_url:
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
    print(f"CSV import, {args.rows} rows ({len(report.rejected)} invalid), {backend}, median of {args.repeat}")
    print(f"{'method':40} {'seconds':>8} {'rows/s':>8} {'vs ours':>8}")
    base = statistics.median(ours)
    for name, times in (("ours: batched, one transaction", ours),
                        ("ours: re-import (all unchanged)", reimport),
                        ("naive: one transaction per row", naive)):
        median = statistics.median(times)
        print(f"{name:40} {median:8.2f} {args.rows / median:8.0f} {median / base:7.1f}x")
    print(f"report: {report.summary()}")


if __name__ == "__main__":
    main()
