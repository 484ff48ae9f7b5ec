"""How fast the control tower is at a million leads and 100,000 requests on PostgreSQL (issue 12,
"Speed"): GET /dashboard and GET /signal (p50 and p95) beside the plain aggregate queries they
would run if they counted on every view (services.dashboard.compute, which the job runs instead).

    python bench/dashboard_scale.py [--leads 1000000] [--requests 100000] [--runs 30] [--keep]

It uses its own PostgreSQL database (bench_dashboard, dropped and made again; --keep reuses it when
it already holds the rows). The rows are synthetic and made inside PostgreSQL by INSERT ... SELECT
over generate_series (no round trip per row): 2,000 buyer organisations; --requests demand
requests (ten categories, 80% open, needed in -5 to 60 days); --leads leads over 120 days (about 7%
awaiting a decision, the rest approved or rejected, 12% flagged); matches for 10% of the requests
(proposed, accepted, ordered, delivered, declined) with their audit rows; and the allocation plans
as the app keeps them (services.planning): the newest a draft and planning.KEEP_SUPERSEDED_PLANS
superseded ones before it, each with one line per open request not past its needed-by date (half
its quantity, on an approved lead of the request's category whose quote holds), so that the
refresh counts the plan's units (planning.planned_supply: the "Plan can deliver" column, and the
shortfall projection's free lots). The load time is printed.

Figures: the refresh job's time (one count of everything: what the pages do NOT do per view), the
plain aggregate queries' median, and each page's p50 and p95 through the Flask test client (signed
in as a vetter for /dashboard; signed out for /signal), and the ratio aggregate / page p50. The
target is 300 ms for each page.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import bench_app, ensure_vetter, reuse_or_reset, server_version, vacuum_analyze  # noqa: E402

DATABASE = "bench_dashboard"
TARGET_MS = 300.0
CATEGORIES = ("n95_respirator", "kn95_respirator", "surgical_mask", "face_shield", "nitrile_gloves",
              "isolation_gown", "goggles", "hand_sanitizer", "disinfectant_wipes", "other")
FLAGS = ("price_over_1_1x", "webmail", "no_website", "broker", "payment_upfront", "certification_missing",
         "price_3x", "price_10x", "domain_mismatch", "incomplete")


def _array(values) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"


def load(db, leads: int, requests: int) -> None:
    """Make every row inside PostgreSQL (INSERT ... SELECT over generate_series)."""
    from sqlalchemy import text

    from marketplace.services.planning import KEEP_SUPERSEDED_PLANS

    cats, flags = _array(CATEGORIES), _array(FLAGS)
    plans = KEEP_SUPERSEDED_PLANS + 1
    # Plan lines' leads: lead g is approved when g % 100 is in 4..54 and g is below the newest 5%, of
    # category (g * 17) % 10, and request r of (r * 31) % 10; so lead blocks[r] * 100 + 10 + 10k + (3r) % 10
    # (k in 0..3) is approved and of r's category (17 * 3r = 51r, the same as 31r mod 10).
    blocks = max(1, int(leads * 0.95) // 100 - 1)
    statements = [
        # Buyer organisations, verified.
        """INSERT INTO organisations (id, name, kind, verified_at, created_at)
           SELECT g, 'Bench Hospital ' || g, 'hospital', now(), now() FROM generate_series(1, 2000) g""",
        f"""INSERT INTO demand_requests (id, organisation_id, category, substitutes, quantity, max_unit_price,
               needed_by, postal_code, days_of_supply, facility_type, status, source, created_at, updated_at,
               stock_on_hand, stock_counted_on, avg_daily_use)
           SELECT g, 1 + (g * 7919) % 2000, ({cats})[1 + (g * 31) % 10], '[]', 1000 * (1 + g % 50),
               1.50, current_date + ((g * 13) % 66 - 5), '90012', 1 + g % 30, 'hospital',
               CASE WHEN g % 10 < 8 THEN 'open' WHEN g % 10 = 8 THEN 'withdrawn' ELSE 'closed' END,
               'csv', now() - (g % 90) * interval '1 day', now(),
               -- half the requests give stock counts (the shortfall projection's facilities)
               CASE WHEN g % 2 = 0 THEN (1 + g % 30) * 10 * (1 + g % 20) END,
               CASE WHEN g % 2 = 0 THEN current_date END,
               CASE WHEN g % 2 = 0 THEN 10 * (1 + g % 20) END
           FROM generate_series(1, {requests}) g""",
        # Leads: created over 120 days; the newest 5% mostly open, older ones mostly decided.
        f"""INSERT INTO leads (id, marketplace_ref, company_name, email, supplier_type, product_category, quantity,
               unit_price, source, status, processing_state, created_at, updated_at, processing_attempts,
               processed_at, risk_score, queue_score, decided_at, pack_size, valid_until)
           SELECT g, gen_random_uuid()::text, 'Bench Supplier ' || g, 'sales@supplier' || g || '.example',
               'distributor', ({cats})[1 + (g * 17) % 10], 1000 * (1 + g % 500), 0.80, 'csv', s.status,
               'done', c.created, c.created, 1, c.created + ((g % 300) || ' minutes')::interval, 90, 90,
               CASE WHEN s.status IN ('approved', 'rejected') THEN c.created + ((g % 72) || ' hours')::interval END,
               1, current_date + g % 30
           FROM generate_series(1, {leads}) g
           CROSS JOIN LATERAL (SELECT now() - interval '120 days' + (g::float / {leads}) * interval '120 days'
                                  AS created) c
           CROSS JOIN LATERAL (SELECT CASE
               WHEN g > {leads} * 0.95 AND g % 10 < 6 THEN (ARRAY['submitted', 'under_review', 'info_requested',
                                                                  'escalated'])[1 + g % 4]
               WHEN g % 100 < 4 THEN 'submitted'
               WHEN g % 100 < 55 THEN 'approved' ELSE 'rejected' END AS status) s""",
        f"""INSERT INTO lead_flags (lead_id, flag)
           SELECT g, ({flags})[1 + (g * 7) % 10] FROM generate_series(1, {leads}) g WHERE g % 100 < 12""",
        # Matches for 10% of the requests, each on an approved lead picked by arithmetic (lead g is
        # approved when g % 100 is in 4..54 and g is not among the newest 5%): no search per row.
        f"""INSERT INTO matches (id, demand_id, lead_id, quantity, unit_price, reasons, status, created_at, updated_at)
           SELECT r.id, r.id, (r.id * 7 / 100) * 100 + 10 + r.id % 40, 500, 0.80, '[]',
               (ARRAY['proposed', 'accepted', 'ordered', 'delivered', 'declined'])[1 + r.id % 5],
               now() - interval '20 days', now()
           FROM demand_requests r WHERE r.id % 10 = 0 AND r.id * 7 + 100 < {leads} * 0.95""",
        """INSERT INTO audit_log (at, action, entity_type, entity_id)
           SELECT m.created_at + interval '3 hours', 'match.accept', 'match', m.id FROM matches m
           WHERE m.status IN ('accepted', 'ordered', 'delivered')
           UNION ALL
           SELECT m.created_at + interval '2 days', 'match.mark_ordered', 'match', m.id FROM matches m
           WHERE m.status IN ('ordered', 'delivered')
           UNION ALL
           SELECT m.created_at + interval '6 days', 'match.mark_delivered', 'match', m.id FROM matches m
           WHERE m.status = 'delivered'""",
        # Allocation plans as the app keeps them: the newest a draft, the ones before it superseded
        # (their lines kept: planning.KEEP_SUPERSEDED_PLANS), an hour apart.
        f"""INSERT INTO match_plans (id, status, trigger, created_at, needs_count, offers_count, demand_units, units,
               weighted_units, cost_cents, solve_ms)
           SELECT p, CASE WHEN p = {plans} THEN 'draft' ELSE 'superseded' END, '{{"code": "command", "params": {{}}}}',
               now() - ({plans} + 1 - p) * interval '1 hour', 0, 0, 0, 0, 0, 0, 0
           FROM generate_series(1, {plans}) p""",
        f"""INSERT INTO match_plan_lines (plan_id, demand_id, lead_id, quantity, unit_price, distance_km, reasons)
           SELECT p, r.id, (r.id % {blocks}) * 100 + 10 + 10 * ((r.id / {blocks}) % 4) + (3 * r.id) % 10,
               r.quantity / 2, 0.80, 12.5, '[]'
           FROM generate_series(1, {plans}) p CROSS JOIN demand_requests r
           WHERE r.status = 'open' AND r.needed_by >= current_date""",
    ]
    for statement in statements:
        started = time.perf_counter()
        db.session.execute(text(statement))
        db.session.commit()
        print(f"    {' '.join(statement.split()[:3])} ...: {time.perf_counter() - started:.0f} s", file=sys.stderr,
              flush=True)
    for table in ("organisations", "demand_requests", "leads", "matches", "match_plans"):
        db.session.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
    db.session.commit()
    vacuum_analyze(DATABASE)


def percentiles(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def timed(fn, runs: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30, help="page views per page (p50 and p95 of them)")
    parser.add_argument("--aggregate-runs", type=int, default=5, help="runs of the plain aggregate queries")
    parser.add_argument("--keep", action="store_true", help="reuse bench_dashboard if it holds the rows")
    args = parser.parse_args()

    os.environ.setdefault("MARKETPLACE_INSTANCE", tempfile.mkdtemp(prefix="bench-dashboard-"))
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from marketplace.extensions import db
    from marketplace.models import DemandRequest, Lead, Match, MatchPlanLine
    from marketplace.services import dashboard
    from tests.conftest import login

    reuse = reuse_or_reset(DATABASE, args.keep, args.leads)
    app = bench_app(DATABASE, REDIS_URL=None)
    with app.app_context():
        upgrade()
        if not reuse:
            started = time.perf_counter()
            load(db, args.leads, args.requests)
            print(f"  loaded {args.leads:,} leads and {args.requests:,} requests in "
                  f"{time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        vetter = ensure_vetter()
        counts = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                  for model in (Lead, DemandRequest, Match, MatchPlanLine)}
        started = time.perf_counter()
        snapshot = dashboard.refresh()
        db.session.commit()
        refresh_ms = (time.perf_counter() - started) * 1000
        planned_units = sum(figures["planned"] for figures in snapshot.figures["categories"].values())
        aggregate = timed(lambda: (dashboard.compute(), db.session.rollback()), args.aggregate_runs)
        db.session.remove()

    staff, public = app.test_client(), app.test_client()
    login(staff, vetter)

    def get(client, path):
        def fetch():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        return fetch

    pages = {"/dashboard": timed(get(staff, "/dashboard"), args.runs),
             "/signal": timed(get(public, "/signal"), args.runs)}
    aggregate_ms = statistics.median(aggregate)
    print(f"\nThe control tower at {counts['leads']:,} leads, {counts['demand_requests']:,} requests and "
          f"{counts['matches']:,} matches, {counts['match_plan_lines']:,} plan lines (PostgreSQL {server_version(DATABASE)}; {args.runs} views per page)")
    print(f"refresh job (count every figure and store the snapshot): {refresh_ms:,.0f} ms")
    print(f"units the draft plan can deliver (the \"Plan can deliver\" column): {planned_units:,}")
    print(f"plain aggregate queries (services.dashboard.compute, median of {args.aggregate_runs}): "
          f"{aggregate_ms:,.0f} ms")
    print(f"{'page':<12} {'p50 ms':>8} {'p95 ms':>8} {'aggregate / p50':>16}")
    slow = []
    for path, timings in pages.items():
        p50, p95 = percentiles(timings)
        print(f"{path:<12} {p50:>8.1f} {p95:>8.1f} {aggregate_ms / p50:>15.0f}x"
              f"{'' if p95 < TARGET_MS else f'  > {TARGET_MS:.0f} ms'}")
        if p95 >= TARGET_MS:
            slow.append(path)
    print("all pages under 300 ms at p95" if not slow else f"over 300 ms: {', '.join(slow)}")


if __name__ == "__main__":
    main()
