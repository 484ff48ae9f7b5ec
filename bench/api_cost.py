"""Issue 12, "Speed": what one POST /api/v1/leads costs inside the process, and its round trips.

    .venv/bin/python bench/api_cost.py --pg postgresql://postgres@127.0.0.1:5432/bench_api_cost \\
        --redis redis://127.0.0.1:6379/14                 # the deployment's PostgreSQL + Redis
    .venv/bin/python bench/api_cost.py ... --profile      # cProfile of the POSTs (cumulative)
    .venv/bin/python bench/api_cost.py ... --bare         # and the bare endpoint (bench/bare_app.py)

A supplier with a personal API token POSTs the load benchmark's lead as JSON (bench/load_submit's
``lead_form``, each with its own Idempotency-Key) through Flask's test client, --rounds times after
--warmup rounds; then replays of earlier keys (200, Idempotent-Replayed), and GET /api/v1/me (what
every API call costs: the token, the rate limit, a JSON answer). Prints the median and mean
wall milliseconds, this process's CPU, and per POST the statements sent to the database (each a
round trip; BEGIN is implicit in the first, COMMIT counted apart) and the commands sent to Redis
(``send_packed_command`` calls: a pipeline is one); "PostgreSQL waits" counts every exchange
psycopg waits for (BEGIN, the pool's pre-ping, COMMIT included). Round trips are the figure that a busy shared
machine does not blur. With --bare, the bare endpoint's POST (one INSERT, answered 302) is timed
in the same process on the same database, in turns with the API's new-key POSTs (one each), and
the ratio of their CPU medians printed. With --profile, PROFILE_DUMP=FILE also writes the profile
(pstats) to FILE.

The named PostgreSQL database's public schema is dropped and migrated again (never point it at a
database you keep); the Redis database is flushed. The "testing" configuration (cheap argon2 for
the account) with the production request path: real rate-limit counters on Redis (limits raised so
that none refuses), the RQ enqueue of the processing job (no worker runs: jobs stay queued).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load_submit import lead_form  # noqa: E402  (the same lead the load benchmark posts)


class RoundTrips:
    """Counts database statements and commits (SQLAlchemy engine events) and Redis sends (every
    redis-py connection's ``send_packed_command``: one per command or pipeline) while active."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()
        self.statements: Counter = Counter()
        self.active = False

    def install(self, engine) -> None:
        import psycopg
        import redis.connection
        from sqlalchemy import event

        @event.listens_for(engine, "before_cursor_execute")
        def _statement(conn, cursor, statement, parameters, context, executemany):
            if self.active:
                self.counts["db"] += 1
                self.statements[" ".join(statement.split()[:4])[:60]] += 1

        @event.listens_for(engine, "commit")
        def _commit(conn):
            if self.active:
                self.counts["db commit"] += 1

        trips = self
        if not getattr(psycopg.Connection.wait, "counted", False):
            waiting = psycopg.Connection.wait

            def wait(connection, *args, **kwargs):
                if trips.active:
                    trips.counts["pg"] += 1
                return waiting(connection, *args, **kwargs)

            wait.counted = True
            psycopg.Connection.wait = wait
        if getattr(redis.connection.AbstractConnection.send_packed_command, "counted", False):
            return
        original = redis.connection.AbstractConnection.send_packed_command

        def send_packed_command(connection, command, check_health=True):
            if trips.active:
                trips.counts["redis"] += 1
            return original(connection, command, check_health)

        send_packed_command.counted = True
        redis.connection.AbstractConnection.send_packed_command = send_packed_command


def build_app(args):
    os.environ.setdefault("MARKETPLACE_INSTANCE", tempfile.mkdtemp(prefix="api-cost-"))
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from config import normalise_database_url
    from marketplace.app import create_app

    url = normalise_database_url(args.pg)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    if args.redis:
        import redis

        redis.Redis.from_url(args.redis).flushdb()
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, REDIS_URL=args.redis,
                     RATELIMIT_STORAGE_URI=args.redis or "memory://", API_LIMIT="1000000 per hour",
                     API_CREATE_LIMIT="1000000 per hour", SERVER_NAME=None,
                     UPLOAD_FOLDER=tempfile.mkdtemp(prefix="api-cost-uploads-"))
    with app.app_context():
        upgrade()
    return app


def make_token(app) -> str:
    from marketplace.extensions import db
    from marketplace.services import accounts, api_tokens

    with app.app_context():
        user = accounts.create_account(accounts.NewAccount(
            email="bench-supplier-01@bench-supplies-01.com", password="correct horse battery staple",
            role="supplier", name="Alex Bench01", organisation_name="Bench Supplies 01 LLC",
            organisation_kind="supplier"))
        db.session.flush()
        secret = api_tokens.create_token(user, "bench")[1]
        db.session.commit()
    return secret


def body(n: int) -> dict:
    return {k: v for k, v in lead_form(1, n, f"cost-{n}", "-").items() if k != "csrf_token"}


def timed(call, profiler, trips: RoundTrips, per: list[Counter]):
    before = Counter(trips.counts)
    cpu, started = time.process_time(), time.perf_counter()
    trips.active = True
    if profiler:
        profiler.enable()
    response = call()
    if profiler:
        profiler.disable()
    trips.active = False
    per.append(trips.counts - before)
    return response, time.perf_counter() - started, time.process_time() - cpu


def summary(name: str, wall: list[float], cpu: list[float], per: list[Counter]) -> str:
    ms = [t * 1000 for t in wall]
    trips = {k: statistics.median(c[k] for c in per) for k in ("db", "db commit", "pg", "redis")}
    return (f"  {name:34} median {statistics.median(ms):6.2f} ms  mean {statistics.fmean(ms):6.2f} ms  "
            f"CPU median {statistics.median(t * 1000 for t in cpu):6.2f} ms;  round trips: "
            f"db {trips['db']:g} statements + commit {trips['db commit']:g} "
            f"({trips['pg']:g} PostgreSQL waits), redis {trips['redis']:g}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", required=True, help="PostgreSQL URL of a scratch database (emptied!)")
    parser.add_argument("--redis", default=None, help="Redis URL of a scratch database (flushed!)")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the new-key POSTs in this process's CPU time (waiting is not counted)")
    parser.add_argument("--pyinstrument", action="store_true",
                        help="pyinstrument's call tree of the new-key POSTs (wall time; pip install pyinstrument)")
    parser.add_argument("--bare", action="store_true", help="also time bench/bare_app.py's POST in this process, in turns with the API's")
    parser.add_argument("--statements", action="store_true", help="print the statements of one POST")
    parser.add_argument("--top", type=int, default=45, help="lines of the profile to print")
    parser.add_argument("--sort", default="cumulative")
    args = parser.parse_args()

    app = build_app(args)
    secret = make_token(app)
    from marketplace.extensions import db

    trips = RoundTrips()
    with app.app_context():
        trips.install(db.engine)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}

    def post(n: int):
        return client.post("/api/v1/leads", json=body(n), headers={**headers, "Idempotency-Key": f"cost-key-{n:08d}"})

    bare_post = None
    if args.bare:
        from sqlalchemy import create_engine, text

        from config import normalise_database_url

        with create_engine(normalise_database_url(args.pg)).begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS bare_rows (id serial PRIMARY KEY, notes text NOT NULL, "
                              "created_at timestamptz NOT NULL DEFAULT now())"))
        os.environ["BARE_DATABASE_URL"] = args.pg
        import bare_app

        trips.install(bare_app.engine)
        bare_client = bare_app.app.test_client()

        def bare_post(n: int):
            return bare_client.post("/bare", data=lead_form(1, n, f"bare-{n}", "-"))

        for n in range(args.warmup):
            assert bare_post(n).status_code == 302
    bare_wall, bare_cpu, bare_per = [], [], []

    for n in range(args.warmup):
        assert post(n).status_code == 201
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    if args.pyinstrument:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002, async_mode="disabled")
        profiler.enable, profiler.disable = profiler.start, profiler.stop
    results: dict[str, tuple[list, list, list]] = {}
    wall, cpu, per = [], [], []
    for n in range(args.warmup, args.warmup + args.rounds):
        response, w, c = timed(lambda n=n: post(n), profiler, trips, per)
        if response.status_code != 201:
            raise SystemExit(f"POST /api/v1/leads answered {response.status_code}: {response.get_data(as_text=True)}")
        wall.append(w), cpu.append(c)
        if bare_post:  # in turns with the API's POST: both see the same load of a shared machine
            response, w, c = timed(lambda n=n: bare_post(n), None, trips, bare_per)
            assert response.status_code == 302
            bare_wall.append(w), bare_cpu.append(c)
        if args.statements and n == args.warmup:
            print("statements of one POST:", dict(per[-1]), "\n ", "\n  ".join(
                f"{k} x{v}" for k, v in trips.statements.items()))
    results["POST /api/v1/leads (new key)"] = (wall, cpu, per)
    if bare_post:
        results["POST /bare (one INSERT), in turns"] = (bare_wall, bare_cpu, bare_per)
    wall, cpu, per = [], [], []
    for n in range(args.warmup, args.warmup + min(args.rounds, 50)):
        response, w, c = timed(lambda n=n: post(n), None, trips, per)
        if response.status_code != 200 or response.headers.get("Idempotent-Replayed") != "true":
            raise SystemExit(f"replay answered {response.status_code}: {response.get_data(as_text=True)}")
        wall.append(w), cpu.append(c)
    results["POST /api/v1/leads (replayed key)"] = (wall, cpu, per)
    wall, cpu, per = [], [], []
    for n in range(args.warmup + min(args.rounds, 100)):
        response, w, c = timed(lambda: client.get("/api/v1/me", headers=headers), None, trips, per)
        assert response.status_code == 200
        if n >= args.warmup:
            wall.append(w), cpu.append(c)
    results["GET /api/v1/me (token, limit, JSON)"] = (wall, cpu, per)

    print(f"PostgreSQL + {'Redis' if args.redis else 'no Redis (in-process jobs)'}, {args.rounds} rounds after "
          f"{args.warmup} warm-up" + (" (profiled: times inflated)" if args.profile else ""))
    for name, (w, c, p) in results.items():
        print(summary(name, w, c, p))
    if bare_post:
        api_cpu = statistics.median(results["POST /api/v1/leads (new key)"][1])
        print(f"  CPU of the API's POST / the bare POST (medians, in turns): {api_cpu / statistics.median(bare_cpu):.2f}")
    if args.pyinstrument:
        print(profiler.output_text(show_all=False))
    elif profiler:
        if os.environ.get("PROFILE_DUMP"):
            profiler.dump_stats(os.environ["PROFILE_DUMP"])
        print(f"\n--- profile of the new-key POSTs ({args.sort}) ---")
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
