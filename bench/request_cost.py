"""Issue 9, item 7: what one GET and one POST of the lead form cost inside the process.

    .venv/bin/python bench/request_cost.py                       # SQLite (embedded default)
    .venv/bin/python bench/request_cost.py --pg postgresql://postgres@127.0.0.1:5432/bench_speed \\
        --redis redis://127.0.0.1:6379/14                         # the deployment's PostgreSQL + Redis
    .venv/bin/python bench/request_cost.py --profile get          # cProfile of the GETs (or post)

A signed-in supplier (Flask's test client, real CSRF, real rate-limit counters with the limit raised
so that none refuses) GETs /leads/new and POSTs a complete, valid lead, --rounds times after
--warmup rounds. Prints the median and mean milliseconds per GET and per POST (the POST answers
302; anything else stops the run). The database is emptied first: with --pg, the named database's
public schema is dropped and migrated again (never point it at a database you keep); with SQLite a
temporary file is used. Redis: the given database is flushed.

Wall-clock milliseconds include waiting for PostgreSQL and Redis and for the CPU on a busy
machine; "this process's CPU" (time.process_time) is the app's own work, steadier when the
machine is shared.

Measured for issue 9, item 7 (2 cores shared with four other sessions, load average 6-13, so
every figure is inflated; before = main at 91c308c, after = branch speed, back to back):
PostgreSQL + Redis, this process's CPU per request: GET 43.0 -> 22.9 ms, POST 25.4 -> 22.8 ms
(wall: GET 144 -> 61 ms, POST 104 -> 76 ms). load_submit, --env testing, 50 clients, 600
submissions, bare endpoint in the same run: before 0 of 600 accepted (every gunicorn worker was
killed at its 30 s timeout while building the index of country names on its first POST), bare
59.1/s; after 600 of 600, 3.9/s = 7.7% of the bare endpoint's 50.9/s.

Without --redis the embedded default processes each lead in the POST itself (no queue), so the
POST then includes normalisation, scoring and duplicate search; with --redis it only enqueues, as
gunicorn does in production. The "testing" configuration is used (cheap argon2 for the one
sign-in), with CSRF on; everything else on the request path is the production one.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import database  # noqa: E402
from load_submit import lead_form  # noqa: E402  (the same lead the load benchmark posts)

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "correct horse battery staple"


def build_app(args):
    return database.scratch_app("request-cost", args.pg, args.redis, SUBMIT_LIMIT="1000000 per hour",
                                LOGIN_LIMIT="1000000 per hour")


def sign_in(app):
    from marketplace.extensions import db
    from marketplace.services import accounts

    with app.app_context():
        accounts.create_account(accounts.NewAccount(
            email="bench-supplier-01@bench-supplies-01.com", password=PASSWORD, role="supplier",
            name="Alex Bench01", organisation_name="Bench Supplies 01 LLC", organisation_kind="supplier"))
        db.session.commit()
    client = app.test_client()
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": "bench-supplier-01@bench-supplies-01.com",
                                           "password": PASSWORD, "next": ""})
    assert response.status_code == 302, response.status_code
    return client


def one_round(client, n: int, timings: dict[str, list[float]], profiler: dict[str, cProfile.Profile | None]):
    cpu = time.process_time()
    started = time.perf_counter()
    if profiler["get"]:
        profiler["get"].enable()
    response = client.get("/leads/new")
    if profiler["get"]:
        profiler["get"].disable()
    timings["get"].append(time.perf_counter() - started)
    timings["get_cpu"].append(time.process_time() - cpu)
    html = response.get_data(as_text=True)
    if response.status_code != 200:
        raise SystemExit(f"GET /leads/new answered {response.status_code}")
    # The load benchmark's lead, at a price and quantity inside the reference (no confirmation step).
    form = {**lead_form(1, n, f"cost-{n}", TOKEN.search(html).group(1)),
            "product_category": "n95_respirator", "unit_price": "0.79", "quantity": str(20000 + n)}
    cpu = time.process_time()
    started = time.perf_counter()
    if profiler["post"]:
        profiler["post"].enable()
    response = client.post("/leads/new", data=form)
    if profiler["post"]:
        profiler["post"].disable()
    timings["post"].append(time.perf_counter() - started)
    timings["post_cpu"].append(time.process_time() - cpu)
    if response.status_code != 302:
        errors = re.findall(r"class=\"error[^>]*>([^<]*)", response.get_data(as_text=True))
        raise SystemExit(f"POST /leads/new answered {response.status_code}: {errors}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=None, help="PostgreSQL URL of a scratch database (emptied!)")
    parser.add_argument("--redis", default=None, help="Redis URL of a scratch database (flushed!)")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", choices=["get", "post"], action="append", default=[])
    parser.add_argument("--top", type=int, default=40, help="lines of the profile to print")
    parser.add_argument("--sort", default="cumulative")
    args = parser.parse_args()

    app = build_app(args)
    client = sign_in(app)
    off = {"get": None, "post": None}
    scratch = {"get": [], "post": [], "get_cpu": [], "post_cpu": []}
    for n in range(args.warmup):
        one_round(client, n, scratch, off)
    timings = {"get": [], "post": [], "get_cpu": [], "post_cpu": []}
    profiler = {kind: (cProfile.Profile() if kind in args.profile else None) for kind in ("get", "post")}
    for n in range(args.warmup, args.warmup + args.rounds):
        one_round(client, n, timings, profiler)
    where = f"{'PostgreSQL' if args.pg else 'SQLite'} + {'Redis' if args.redis else 'no Redis (in-process jobs)'}"
    print(f"{where}, {args.rounds} rounds after {args.warmup} warm-up"
          + (f" (profiled: {', '.join(args.profile)}; times inflated)" if args.profile else ""))
    for kind in ("get", "post"):
        values = [t * 1000 for t in timings[kind]]
        cpu = [t * 1000 for t in timings[kind + "_cpu"]]
        print(f"  {kind.upper():4} /leads/new  median {statistics.median(values):6.2f} ms  "
              f"mean {statistics.fmean(values):6.2f} ms  p90 {sorted(values)[int(len(values) * 0.9)]:6.2f} ms;  "
              f"this process's CPU: median {statistics.median(cpu):6.2f} ms")
    for kind, prof in profiler.items():
        if prof:
            print(f"\n--- profile of {kind.upper()} ({args.sort}) ---")
            pstats.Stats(prof).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
