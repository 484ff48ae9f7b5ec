"""How long the public daily table (/open-data) takes to count at the issue's scale: 1,000,000
leads and 100,000 requests on PostgreSQL, with 50,000 matches and their audit rows.

    python bench/open_data_scale.py [--leads 1000000] [--requests 100000] [--matches 50000] [--runs 5]

It uses its own PostgreSQL database (bench_open_data, dropped and made again). The leads are
bench/queue_scale.py's (about half of them approved); 2,000 buyer organisations post the requests
over 120 days; each match is proposed, about two thirds accepted and a third of those delivered.
Prints the median of --runs runs (after a warm-up) of services.open_data.daily() (what a cache
miss costs), of the cached read (what every other reader gets for OPEN_DATA_CACHE_SECONDS), and of
the plain SQL counts of the same tables for comparison, in milliseconds.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench.queue_scale as queue_scale  # noqa: E402
from bench.dedup_scale import reset_database  # noqa: E402
from bench.queue_scale import CATEGORIES, load_leads, pick  # noqa: E402

DATABASE = "bench_open_data"
URL = f"postgresql://postgres@127.0.0.1:5432/{DATABASE}"


def vacuum_analyze() -> None:
    import psycopg

    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


# queue_scale's loader vacuums its own database when done: here, this one.
queue_scale.vacuum_analyze = vacuum_analyze


def load_demand(db, requests: int, matches: int, leads: int, rng: random.Random) -> None:
    """COPY organisations, requests, matches and the audit rows of their stages."""
    start = datetime.now(UTC) - timedelta(days=120)
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy("COPY organisations (id, name, kind, created_at, verified_at) FROM STDIN") as copy:
            for i in range(1, 2001):
                copy.write_row((i, f"Hospital {i}", "hospital", start, start))
        created = {}
        with cursor.copy("COPY demand_requests (id, organisation_id, category, substitutes, quantity, max_unit_price, "
                         "needed_by, postal_code, days_of_supply, facility_type, status, source, created_at, "
                         "updated_at) FROM STDIN") as copy:
            for i in range(1, requests + 1):
                at = start + timedelta(days=120) * i / requests
                created[i] = at
                copy.write_row((i, rng.randrange(1, 2001), pick(rng, CATEGORIES), "[]", rng.choice((1000, 20_000)),
                                "1.5000", (at + timedelta(days=20)).date(), "90012", 5, "hospital", "open", "form",
                                at, at))
        audit = []
        with cursor.copy("COPY matches (id, demand_id, lead_id, quantity, unit_price, reasons, status, created_at, "
                         "updated_at) FROM STDIN") as copy:
            for i in range(1, matches + 1):
                demand = rng.randrange(1, requests + 1)
                at = created[demand] + timedelta(hours=rng.randint(1, 48))
                status = "proposed"
                if rng.random() < 0.66:
                    status = "accepted"
                    audit.append((at + timedelta(hours=5), "match.accept", i))
                    if rng.random() < 0.33:
                        status = "delivered"
                        audit.append((at + timedelta(days=3), "match.mark_delivered", i))
                copy.write_row((i, demand, rng.randrange(1, leads + 1), 500, "0.8000", "[]", status, at, at))
        with cursor.copy("COPY audit_log (at, action, entity_type, entity_id) FROM STDIN") as copy:
            for at, action, match_id in audit:
                copy.write_row((at, action, "match", match_id))
        for table in ("organisations", "demand_requests", "matches"):
            cursor.execute(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
        raw.commit()
    finally:
        raw.close()
    vacuum_analyze()


def median_ms(action, runs: int) -> float:
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--matches", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("MARKETPLACE_INSTANCE", tempfile.mkdtemp(prefix="bench-open-data-"))
    from flask_migrate import upgrade
    from sqlalchemy import text

    from marketplace.app import create_app
    from marketplace.extensions import db
    from marketplace.services import open_data

    url = reset_database(DATABASE)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url.replace("postgresql://", "postgresql+psycopg://"),
                     SERVER_NAME=None, OPEN_DATA_CACHE_SECONDS=300)
    with app.app_context():
        upgrade()
        # bench/queue_scale.py's loader predates the marketplace reference (migration 0008): the
        # bench database gives it one.
        db.session.execute(text("ALTER TABLE leads ALTER COLUMN marketplace_ref SET DEFAULT gen_random_uuid()::text"))
        db.session.commit()
        started = time.perf_counter()
        load_leads(db, args.leads, 0.12, random.Random(42))
        load_demand(db, args.requests, args.matches, args.leads, random.Random(7))
        print(f"  loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        rows = open_data.daily()
        plain = ("SELECT count(*), sum(quantity) FROM demand_requests",
                 "SELECT count(*), sum(quantity) FROM leads WHERE status = 'approved'",
                 "SELECT count(*), sum(quantity) FROM matches",
                 "SELECT count(*) FROM audit_log WHERE entity_type = 'match'")
        figures = {
            "daily() (a cache miss)": median_ms(open_data.daily, args.runs),
            "daily_published() (cached)": median_ms(open_data.daily_published, args.runs),
            "plain counts of the same tables": median_ms(
                lambda: [db.session.execute(text(q)).all() for q in plain], args.runs),
        }
        client = app.test_client()
        figures["GET /open-data/daily.csv (cached)"] = median_ms(lambda: client.get("/open-data/daily.csv"), args.runs)
    print(f"{args.leads:,} leads, {args.requests:,} requests, {args.matches:,} matches -> {len(rows):,} rows")
    for name, ms in figures.items():
        print(f"  {name:<40} {ms:9.1f} ms")


if __name__ == "__main__":
    main()
