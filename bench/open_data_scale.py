"""How long the public daily table (/open-data) takes at the issue's scale: 1,000,000 leads and
100,000 requests on PostgreSQL, with 50,000 matches and their audit rows.

    python bench/open_data_scale.py [--leads 1000000] [--requests 100000] [--matches 50000] [--runs 5]

It uses its own PostgreSQL database (bench_open_data, dropped and made again). The leads are
bench/queue_scale.py's (about half of them approved); 2,000 buyer organisations post the requests
over 120 days; each match is proposed, about two thirds accepted and a third of those delivered.
Prints the median of --runs runs (after a warm-up), in milliseconds: the job's count
(services.open_data.refresh: daily() and the snapshot's write), the plain SQL counts of the same
tables for comparison, and each public request side by side: counting the table in the request
(what a request on a cache miss did before the snapshot, once every OPEN_DATA_CACHE_SECONDS per
process) and reading the newest snapshot (what every request does now).
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

from bench.database import bench_app, reset_database, vacuum_analyze  # noqa: E402
from bench.queue_scale import CATEGORIES, load_leads, pick  # noqa: E402

DATABASE = "bench_open_data"


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
    vacuum_analyze(DATABASE)


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

    from marketplace.extensions import db
    from marketplace.models.base import utcnow
    from marketplace.services import open_data

    reset_database(DATABASE)
    app = bench_app(DATABASE)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        load_leads(db, args.leads, 0.12, random.Random(42))
        load_demand(db, args.requests, args.matches, args.leads, random.Random(7))
        print(f"  loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        plain = ("SELECT count(*), sum(quantity) FROM demand_requests",
                 "SELECT count(*), sum(quantity) FROM leads WHERE status = 'approved'",
                 "SELECT count(*), sum(quantity) FROM matches",
                 "SELECT count(*) FROM audit_log WHERE entity_type = 'match'")

        def count() -> None:
            open_data.refresh()
            db.session.commit()

        figures = {
            "the job: refresh() (daily() and the write)": median_ms(count, args.runs),
            "of which daily() (the count)": median_ms(open_data.daily, args.runs),
            "plain counts of the same tables": median_ms(
                lambda: [db.session.execute(text(q)).all() for q in plain], args.runs),
        }
        rows = open_data.published().rows
        size = len(db.session.execute(text("SELECT figures::text FROM summary_snapshots WHERE kind = 'open_data' "
                                           "ORDER BY id DESC LIMIT 1")).scalar())
        client = app.test_client()
        snapshot_read = open_data.published
        counted_in_the_request = lambda: open_data.Published(open_data.daily(), utcnow())  # noqa: E731
        requests = {}
        for url in ("/open-data", "/open-data/daily.csv", "/open-data/daily.json"):
            def get(url=url):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
            open_data.published = counted_in_the_request
            before = median_ms(get, args.runs)
            open_data.published = snapshot_read
            requests[url] = (before, median_ms(get, args.runs))
    print(f"{args.leads:,} leads, {args.requests:,} requests, {args.matches:,} matches -> {len(rows):,} rows "
          f"(snapshot {size / 1024:,.0f} KiB of JSON)")
    for name, ms in figures.items():
        print(f"  {name:<44} {ms:9.1f} ms")
    print(f"  {'GET':<26} {'counted in the request':>24} {'read from the snapshot':>24}")
    for url, (before, after) in requests.items():
        print(f"  {url:<26} {before:21.1f} ms {after:21.1f} ms")


if __name__ == "__main__":
    main()
