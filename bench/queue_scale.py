"""How fast the staff vetting queue is at a million leads: every query the queue page makes, as the
page makes it (services.vetting.queue_page and processing_counts), and the page itself over HTTP,
beside the alternatives the design avoids (OFFSET pagination for deep pages, an uncapped COUNT(*)).

    python bench/queue_scale.py [--leads 1000000] [--runs 7] [--deep-pages 20,200,1000] [--keep]

It uses its own PostgreSQL database (bench_queue, dropped and made again; --keep reuses it when it
already holds the leads, to measure a change in code or indexes without loading again: the
migrations are run on it either way). The leads are synthetic and loaded with COPY, as in
bench/dedup_scale.py: most decided (approved or rejected), about 7% awaiting a decision (mostly the
newest), a few still pending or failed processing, ten product categories and four supplier types
in realistic shares, about 12% flagged (1 to 3 flags in lead_flags; every broker has the "broker"
flag, as the scoring gives it; scores are 100 plus the flags' weights, so that, as in the app,
unflagged leads score 100 and every flagged lead comes after them in the default order) and company
names made of common words ("Pacific Medical Supply LLC"), with a few rare ones.

Every figure is the median of --runs runs, after one warm-up run, in milliseconds; the target is
100 ms for every page on this 2-core machine. --explain prints the plan of every statement a page
runs (EXPLAIN ANALYZE) to stderr.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import (  # noqa: E402
    bench_app,
    default_marketplace_refs,
    ensure_vetter,
    reuse_or_reset,
    server_version,
    vacuum_analyze,
)

DATABASE = "bench_queue"
TARGET_MS = 100.0

CATEGORIES = {"n95_respirator": 25, "kn95_respirator": 15, "surgical_mask": 15, "nitrile_gloves": 15,
              "isolation_gown": 8, "face_shield": 6, "hand_sanitizer": 5, "goggles": 4,
              "disinfectant_wipes": 4, "other": 3}
SUPPLIER_TYPES = {"distributor": 52, "manufacturer": 30, "other": 12, "broker": 6}
OPEN = {"submitted": 60, "under_review": 25, "info_requested": 10, "escalated": 5}
DECIDED = {"approved": 55, "rejected": 45}
# Flag codes with their weights (reference_data.json) and how often a flagged lead has each.
FLAGS = {"price_over_1_1x": (-10, 20), "webmail": (-10, 15), "no_website": (-5, 15), "broker": (-10, 12),
         "broker_terms": (-10, 6), "payment_upfront": (-25, 8), "certification_missing": (-15, 8),
         "domain_mismatch": (-10, 6), "price_3x": (-25, 4), "incomplete": (-4, 5), "no_phone": (-5, 3),
         "certification_malformed": (-12, 3), "price_too_low": (-20, 2), "price_10x": (-45, 1),
         "implausible_quantity": (-20, 1), "ready_millions": (-10, 1), "bad_phone": (-5, 1),
         "resembles_rejected": (-30, 0.3)}
PLACES = ("Pacific", "Golden Gate", "Harbor", "Sunset", "Bay Area", "Coastal", "Western", "Summit", "Valley",
          "Liberty", "Eagle", "Pioneer", "Keystone", "Lone Star", "Empire", "Atlantic", "Great Lakes", "Mountain",
          "Desert", "Prairie", "Evergreen", "Redwood", "Cascade", "Gulf", "Northern", "Southern", "Central",
          "Metro", "City", "Capital", "Union", "National", "American", "Global", "First", "Premier", "United",
          "Allied", "Apex", "Vertex", "Orion", "Atlas", "Titan", "Phoenix", "Sierra", "Mesa", "Canyon", "Ridge")
CORES = ("Medical", "Health", "Safety", "Industrial", "Protective", "Surgical", "Care", "Bio", "Clinical",
         "Hygiene", "Janitorial", "Lab", "Pharma", "Dental", "Wellness", "Emergency", "Rescue", "Shield")
TRADES = ("Supply", "Supplies", "Products", "Distribution", "Distributors", "Trading", "Solutions", "Group",
          "Partners", "Imports", "Logistics", "Wholesale", "Resources", "Equipment", "Source")
SUFFIXES = ("", "", "", " LLC", " Inc.", " Co.", " Corp.", " Ltd.", " LP")
# Company-name searches: a common word, a place shared by a few percent, a rare name, no match.
SEARCHES = {"common word": "medical", "place": "redwood", "rare name": "quillfeather", "no match": "zzqx"}


def pick(rng: random.Random, shares: dict) -> str:
    return rng.choices(list(shares), weights=[v if not isinstance(v, tuple) else v[1] for v in shares.values()])[0]


def company(rng: random.Random, i: int) -> str:
    if i % 20_000 == 7:  # a handful of rare names, to look up one supplier
        return f"Quillfeather {rng.choice(CORES)} {rng.choice(TRADES)}"
    if rng.random() < 0.15:  # named after a person
        return f"{rng.choice(('Garcia', 'Nguyen', 'Smith', 'Kim', 'Patel', 'Chen', 'Lopez', 'Cohen'))} & Sons {rng.choice(TRADES)}"
    return f"{rng.choice(PLACES)} {rng.choice(CORES)} {rng.choice(TRADES)}{rng.choice(SUFFIXES)}"


def load_leads(db, count: int, flagged_share: float, rng: random.Random) -> dict:
    """COPY ``count`` leads and their flags; returns what was loaded, by kind."""
    start = datetime.now(UTC) - timedelta(days=120)
    step = timedelta(days=120) / count
    stats = {"open": 0, "flagged": 0, "pending": 0, "failed": 0}
    brokers = SUPPLIER_TYPES["broker"] / sum(SUPPLIER_TYPES.values())
    other_flagged = max(0.0, (flagged_share - brokers) / (1 - brokers))
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        default_marketplace_refs(cursor)
        with cursor.copy("COPY leads (id, company_name, email, phone, website, supplier_type, product_category, "
                         "quantity, unit_price, source, status, processing_state, created_at, updated_at, "
                         "processing_attempts, processing_error, processed_at, risk_score, queue_score, "
                         "risk_signals, reference_version, decided_at, contact_name, street, city, state, postal_code, country, "
                         "product_description, certification, payment_terms, valid_until) FROM STDIN") as copy:
            valid_until = date.today() + timedelta(days=14)  # the quote's validity (domain.quotes)
            flag_rows = []
            for i in range(1, count + 1):
                created = start + step * i + timedelta(microseconds=rng.randrange(1000))
                recent = i > count * 0.95
                is_open = rng.random() < (0.6 if recent else 0.042)
                status = pick(rng, OPEN) if is_open else pick(rng, DECIDED)
                supplier_type = pick(rng, SUPPLIER_TYPES)
                state, error, score, signals = "done", None, 100, []
                if status == "submitted" and recent and rng.random() < 0.03:
                    state = "pending" if rng.random() < 0.85 else "failed"
                    error = "TimeoutError: job exceeded 120 s" if state == "failed" else None
                    stats[state] += 1
                elif supplier_type == "broker" or rng.random() < other_flagged:
                    # As the scoring does: a broker always has the "broker" flag.
                    codes = {pick(rng, FLAGS) for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))}
                    if supplier_type == "broker":
                        codes = {"broker"} | (codes if rng.random() < 0.4 else set())
                    signals = [{"code": c, "weight": FLAGS[c][0], "sentence": f"Synthetic {c}."} for c in sorted(codes)]
                    score = max(0, min(100, 100 + sum(FLAGS[c][0] for c in codes)))
                    flag_rows.extend((i, c) for c in codes)
                    stats["flagged"] += 1
                stats["open"] += is_open
                name = company(rng, i)
                domain = f"{name.split()[0].lower()}{i}.com"
                copy.write_row((
                    i, name, f"sales@{domain}", f"+1213{i % 10_000_000:07d}", f"https://{domain}",
                    supplier_type, pick(rng, CATEGORIES), rng.choice((1000, 20_000, 500_000, 2_000_000)),
                    f"{rng.uniform(0.05, 12):.4f}", "csv", status, state, created, created, 0 if state == "pending" else 1,
                    error, None if state == "pending" else created, None if state != "done" else score,
                    score if state == "done" else -1, json.dumps(signals) if state == "done" else None,
                    "2026-11", None if is_open else created + timedelta(hours=rng.randint(1, 72)),
                    f"{rng.choice(('Maria', 'James', 'Li', 'Aisha', 'Tom'))} {rng.choice(('Garcia', 'Smith', 'Wong', 'Khan'))}",
                    f"{rng.randrange(1, 9999)} {rng.choice(PLACES)} Boulevard", rng.choice(("Los Angeles", "Long Beach", "Carson")),
                    "CA", f"{90000 + rng.randrange(999):05d}", "US",
                    f"{rng.choice(('3M 1860', 'Makrite 9500', 'BYD KN95', 'Ansell nitrile', 'Level 2 gown'))}, "
                    f"{rng.choice((20, 50, 100, 200))} per box, {rng.choice(('in stock', 'ships in 2 weeks', 'FOB LA'))}",
                    rng.choice(("NIOSH TC-84A-0007", "FDA 510(k) K123456", None, "CE 0598")),
                    rng.choice(("Net 30", "50% up front", "Payment on delivery", None)), valid_until))
        with cursor.copy("COPY lead_flags (lead_id, flag) FROM STDIN") as copy:
            for row in flag_rows:
                copy.write_row(row)
        cursor.execute("SELECT setval('leads_id_seq', (SELECT max(id) FROM leads))")
        raw.commit()
    finally:
        raw.close()
    vacuum_analyze(db.engine.url.database)  # the database loaded (open_data_scale loads its own)
    return stats


def timed(fn, runs: int) -> tuple[float, object]:
    """Median milliseconds of ``runs`` calls of ``fn`` (after a warm-up call), and its last result."""
    from marketplace.extensions import db

    result = fn()
    db.session.rollback()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        timings.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
        db.session.expunge_all()
    return statistics.median(timings), result


def cases() -> list[tuple[str, dict, dict]]:
    """(label, QueueFilter fields, the page's query string) for every page measured."""
    out = [("first page (open, best score)", {}, {}),
           ("category nitrile_gloves", {"category": "nitrile_gloves"}, {"category": "nitrile_gloves"}),
           ("category other (3%)", {"category": "other"}, {"category": "other"}),
           ("supplier type broker", {"supplier_type": "broker"}, {"supplier_type": "broker"}),
           ("flag webmail", {"flag": "webmail"}, {"flag": "webmail"}),
           ("flag broker (every broker)", {"flag": "broker"}, {"flag": "broker"}),
           ("flag resembles_rejected (rare)", {"flag": "resembles_rejected"}, {"flag": "resembles_rejected"}),
           ("processing pending (all, oldest)", {"status": "all", "processing": "pending", "sort": "oldest"},
            {"status": "all", "processing": "pending", "sort": "oldest"}),
           ("processing failed (all, oldest)", {"status": "all", "processing": "failed", "sort": "oldest"},
            {"status": "all", "processing": "failed", "sort": "oldest"}),
           ("status all", {"status": "all"}, {"status": "all"}),
           ("status approved", {"status": "approved"}, {"status": "approved"}),
           ("status escalated", {"status": "escalated"}, {"status": "escalated"})]
    for sort in ("risky", "oldest", "newest"):
        out.append((f"sort {sort}", {"sort": sort}, {"sort": sort}))
        out.append((f"sort {sort}, status all", {"sort": sort, "status": "all"}, {"sort": sort, "status": "all"}))
    for label, term in SEARCHES.items():
        out.append((f"search {label} '{term}'", {"search": term}, {"q": term}))
        out.append((f"search {label} '{term}', status all", {"search": term, "status": "all"},
                    {"q": term, "status": "all"}))
    out.append(("flag + category + search", {"flag": "webmail", "category": "n95_respirator", "search": "health"},
                {"flag": "webmail", "category": "n95_respirator", "q": "health"}))
    for label, fields in (("category nitrile_gloves", {"category": "nitrile_gloves"}),
                          ("supplier type broker", {"supplier_type": "broker"}),
                          ("flag webmail", {"flag": "webmail"}),
                          ("flag broker (every broker)", {"flag": "broker"}),
                          ("flag broker_terms, riskiest first", {"flag": "broker_terms", "sort": "risky"})):
        query = {("q" if k == "search" else k): v for k, v in fields.items()}
        out.append((f"{label}, status all", {**fields, "status": "all"}, {**query, "status": "all"}))
    return out


HTTP_CASES = ("first page (open, best score)", "category nitrile_gloves", "supplier type broker",
              "flag webmail", "processing pending (all, oldest)", "status all", "sort oldest",
              "search common word 'medical'", "search rare name 'quillfeather', status all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--flagged", type=float, default=0.12, help="share of leads with flags (brokers included)")
    parser.add_argument("--runs", type=int, default=7, help="runs per figure (the median is shown)")
    parser.add_argument("--deep-pages", default="20,200,1000", help="pages reached through the cursor")
    parser.add_argument("--keep", action="store_true", help="reuse bench_queue if it holds --leads leads")
    parser.add_argument("--explain", action="store_true", help="print the plans of each page's statements")
    args = parser.parse_args()
    deep_pages = [int(p) for p in args.deep_pages.split(",") if p]

    os.environ.setdefault("MARKETPLACE_INSTANCE", tempfile.mkdtemp(prefix="bench-queue-"))
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from marketplace.extensions import db
    from marketplace.models import Lead
    from marketplace.services import vetting
    from tests.conftest import login

    reuse = reuse_or_reset(DATABASE, args.keep, args.leads)
    app = bench_app(DATABASE)
    per_page = app.config["ITEMS_PER_PAGE"]
    with app.app_context():
        upgrade()
        if reuse:
            print(f"  reusing {DATABASE}", file=sys.stderr)
            vacuum_analyze(DATABASE)
        else:
            started = time.perf_counter()
            stats = load_leads(db, args.leads, args.flagged, random.Random(42))
            print(f"  loaded {args.leads:,} leads in {time.perf_counter() - started:.0f} s: {stats}", file=sys.stderr)
        vetter = ensure_vetter()
        total_leads = db.session.scalar(select(func.count()).select_from(Lead))
        indexes = db.session.execute(text("SELECT indexname FROM pg_indexes WHERE tablename IN ('leads', 'lead_flags') "
                                          "ORDER BY indexname")).scalars().all()

        def page(fields: dict, after=None):
            return vetting.queue_page(vetting.QueueFilter(**fields), after=after, per_page=per_page)

        def uncapped(fields: dict) -> int:
            query, _ = vetting.queue_select(vetting.QueueFilter(**fields))
            return db.session.scalar(select(func.count()).select_from(query.subquery()))

        def capped(fields: dict) -> int:
            query, _ = vetting.queue_select(vetting.QueueFilter(**fields))
            return vetting.capped_count(query)

        def offset_page(fields: dict, number: int) -> list:
            """The page as OFFSET would read it, with the same capped count as queue_page."""
            query, columns = vetting.queue_select(vetting.QueueFilter(**fields))
            vetting.capped_count(query)
            query = query.order_by(*[c.desc() if d else c.asc() for c, d in columns])
            return list(db.session.execute(query.offset((number - 1) * per_page).limit(per_page + 1)).scalars())

        rows = []
        for label, fields, _ in cases():
            page_ms, _ = timed(lambda fields=fields: page(fields), args.runs)
            capped_ms, _ = timed(lambda fields=fields: capped(fields), args.runs)
            full_ms, matches = timed(lambda fields=fields: uncapped(fields), args.runs)
            rows.append((label, matches, page_ms, capped_ms, full_ms))
            print(f"  {label}: {page_ms:.1f} ms", file=sys.stderr, flush=True)
            if args.explain:
                explain(db, lambda fields=fields: page(fields))
        counts_ms, _ = timed(vetting.processing_counts, args.runs)

        # Deep pages, reached as a vetter reaches them: page after page through the cursor.
        deep, cursors = [], {}
        after, number = None, 1
        for target in sorted(deep_pages):
            while number < target:
                _, after, _ = page({}, after)
                number += 1
                if after is None:
                    break
            if after is None:
                print(f"  the open queue has fewer than {target} pages", file=sys.stderr)
                break
            cursors[target] = after
            keyset_ms, found = timed(lambda after=after: [lead.id for lead in page({}, after)[0]], args.runs)
            offset_ms, by_offset = timed(lambda target=target: [lead.id for lead in offset_page({}, target)], args.runs)
            assert found == by_offset[:per_page], "OFFSET and the cursor disagree"
            deep.append((target, keyset_ms, offset_ms))
            print(f"  page {target}: {keyset_ms:.1f} ms", file=sys.stderr, flush=True)
        db.session.remove()

    # The real page: GET /staff/leads through the Flask test client, signed in as a vetter.
    client = app.test_client()
    login(client, vetter)
    queries = {label: query for label, _, query in cases()}
    http = []
    for label in HTTP_CASES:
        def get(query=queries[label]):
            response = client.get("/staff/leads", query_string=query)
            assert response.status_code == 200, response.status_code
            return response
        ms, _ = timed_http(get, args.runs)
        http.append((label, ms))
    for target, after in cursors.items():
        ms, _ = timed_http(lambda after=after: client.get("/staff/leads", query_string={"after": after}), args.runs)
        http.append((f"deep page {target} (cursor)", ms))

    print(f"\nThe vetting queue at {total_leads:,} leads (PostgreSQL {server_version(DATABASE)}; "
          f"median of {args.runs} runs, ms; {per_page} leads a page)")
    print(f"indexes: {', '.join(indexes)}")
    print("page ms: vetting.queue_page (count and page); count<=10k: its count, capped at COUNT_CAP + 1;"
          " COUNT(*): the uncapped count; ratio: COUNT(*) / count<=10k")
    print(f"{'page':<50} {'matches':>9} {'page ms':>8} {'count<=10k':>11} {'COUNT(*)':>9} {'ratio':>7}")
    for label, matches, page_ms, capped_ms, full_ms in rows:
        mark = "" if page_ms < TARGET_MS else "  > 100 ms"
        print(f"{label:<50} {matches:>9,} {page_ms:>8.1f} {capped_ms:>11.1f} {full_ms:>9.1f} "
              f"{full_ms / capped_ms:>6.1f}x{mark}")
    print(f"{'processing_counts() (pending, failed)':<50} {'':>9} {counts_ms:>8.1f}")
    print("\nDeep pages of the default queue (open, best score), count included: the cursor beside OFFSET")
    print(f"{'page':>6} {'rows skipped':>13} {'cursor ms':>10} {'OFFSET ms':>10} {'ratio':>7}")
    for target, keyset_ms, offset_ms in deep:
        print(f"{target:>6} {(target - 1) * per_page:>13,} {keyset_ms:>10.1f} {offset_ms:>10.1f} {offset_ms / keyset_ms:>6.1f}x")
    print("\nGET /staff/leads (Flask test client, signed in as a vetter: session, queries, template)")
    print(f"{'page':<50} {'ms':>8}")
    for label, ms in http:
        print(f"{label:<50} {ms:>8.1f}{'' if ms < TARGET_MS else '  > 100 ms'}")
    slow = [r[0] for r in rows if r[2] >= TARGET_MS] + [f"GET {h[0]}" for h in http if h[1] >= TARGET_MS] \
        + [f"deep page {d[0]}" for d in deep if d[1] >= TARGET_MS]
    print(f"\n{len(rows) + len(http) + len(deep) - len(slow)} of {len(rows) + len(http) + len(deep)} under "
          f"{TARGET_MS:.0f} ms" + (f"; over: {', '.join(slow)}" if slow else ""))


def explain(db, fn) -> None:
    """EXPLAIN ANALYZE every statement ``fn`` runs, to stderr."""
    from sqlalchemy import event

    statements = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
        db.session.rollback()
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in statements:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            print("    " + " ".join(statement.split())[:200], file=sys.stderr)
            print("\n".join("      " + line for (line,) in cursor.fetchall()), file=sys.stderr)
        raw.rollback()
    finally:
        raw.close()


def timed_http(fn, runs: int) -> tuple[float, object]:
    result = fn()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), result


if __name__ == "__main__":
    main()
