"""The fault run of issue 10 ("Done when"; quality bar R3, R7, R11, R12): 2,000 leads from 20
clients through the web form while the RQ workers are SIGKILLed again and again, Redis is killed
for 60 s and comes back EMPTY, and PostgreSQL restarts. Nobody restarts anything by hand: a
supervisor loop here restarts a process that exited (as systemd's Restart=always would,
docs/deploy/), and counts every exit it did not cause.

    .venv/bin/python bench/fault_run.py                          # the defaults: 2,000 leads, 60 s outage
    .venv/bin/python bench/fault_run.py --leads 300 --redis-outage 15   # a shorter run

Everything is private and on loopback: a PostgreSQL cluster made with initdb in a temporary
directory (run as the postgres user when this runs as root), a redis-server without persistence
(both from bench/servers.py), gunicorn (2 sync workers) serving wsgi:app, 2 `flask worker`
processes and one `flask sweep --every 10`, all in MARKETPLACE_ENV=production (LOGIN_LIMIT,
SUBMIT_LIMIT and REGISTER_LIMIT raised: every client is 127.0.0.1).

Each client registers a supplier through /register/supplier, signs in, then for each of its leads
GETs /leads/new, takes the hidden `csrf_token` (and `submission_token` when the form has one) and
POSTs the lead, whose notes carry a unique marker (`fault-<client>-<n>`). On any error (5xx, no
answer) it sends the SAME POST, same tokens, again until it is accepted (302 to /leads/<id>).

The chaos, from the start of the load: one RQ worker SIGKILLed (with its scheduler child) every
--kill-every seconds; Redis SIGKILLed when --redis-at of the leads are accepted and started again,
empty, --redis-outage seconds later; PostgreSQL stopped (fast) and started again when --pg-at are
accepted (Redis may still be down then). Then the run waits until no lead is pending.

Printed: leads stored, markers stored more than once (duplicates), accepted but missing,
processed / failed / pending, client errors and whether each fell inside the PostgreSQL restart
window, exits nobody caused, total time, and how long after Redis came back the last lead from
its outage was processed. PASS: all leads stored exactly once, all processed, client errors only
inside the PostgreSQL restart window, no unexpected exits.
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # bench.servers
sys.path.insert(0, str(BENCH))
from load_submit import (  # noqa: E402  (bench/ scripts share their client)
    LEAD_LOCATION,
    PYTHON,
    ROOT,
    Browser,
    HttpError,
    csrf_token,
    lead_form,
    page_title,
)

from bench.servers import PostgresServer, RedisServer, free_port  # noqa: E402

RAISED_LIMIT = "1000000 per hour"
GIVE_UP_AFTER = 300.0  # a lead not accepted after this many seconds of retries counts as refused
SUBMISSION_INPUT = re.compile(r'<input[^>]*\bname="submission_token"[^>]*>')
VALUE_ATTR = re.compile(r'\bvalue="([^"]*)"')
# Distinct organisation names: registration asks about names close to an existing one.
ORGANISATIONS = ["Harbor", "Summit", "Cedar", "Aurora", "Beacon", "Granite", "Juniper", "Meridian", "Orchid",
                 "Pioneer", "Quartz", "Redwood", "Sierra", "Tundra", "Umber", "Vantage", "Willow", "Xenon",
                 "Yarrow", "Zephyr"]
SUPPLY_WORDS = ["Medical Supply", "Safety Goods", "Health Traders", "Protective Wares", "Clinical Stock"]


def organisation_name(client: int) -> str:
    word = ORGANISATIONS[client % len(ORGANISATIONS)]
    return f"{word} {SUPPLY_WORDS[client % len(SUPPLY_WORDS)]} {client // len(ORGANISATIONS) or ''}".strip()


def supplier_email(client: int) -> str:
    return f"sales{client:02d}@{ORGANISATIONS[client % len(ORGANISATIONS)].lower()}-fault{client:02d}.com"


def submission_token(html: str) -> str | None:
    tag = SUBMISSION_INPUT.search(html)
    value = VALUE_ATTR.search(tag.group(0)) if tag else None
    return value.group(1) if value else None


class Supervised:
    """A process restarted whenever it exits, as systemd's Restart=always (RestartSec=1) would.
    ``kill()`` SIGKILLs it (and its children) and marks that exit as ours."""

    def __init__(self, name: str, argv: list[str], env: dict, log: Path) -> None:
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.kills = 0
        self.unexpected: list[str] = []
        self._killed_by_us = False
        self._lock = threading.Lock()

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=open(self.log, "ab"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.starts += 1
        self._killed_by_us = False

    def kill(self) -> None:
        with self._lock:
            if self.process and self.process.poll() is None:
                self._killed_by_us = True
                self.kills += 1
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def check(self) -> None:
        with self._lock:
            if self.process is None or self.process.poll() is None:
                return
            if not self._killed_by_us:
                self.unexpected.append(f"{time.strftime('%H:%M:%S')} exit {self.process.returncode}")
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # leftovers (the RQ scheduler child)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(1)  # RestartSec
        self.start()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


# --- the clients -----------------------------------------------------------------------------------

@dataclass
class ClientLog:
    client: int
    accepted: dict[str, int] = field(default_factory=dict)     # marker -> lead id
    errors: list[tuple[float, str]] = field(default_factory=list)  # (time.time(), what)
    refused: list[str] = field(default_factory=list)           # answers that are neither accepted nor errors
    retries: int = 0


def _is_error(status: int | None) -> bool:
    return status is None or status >= 500


def signed_in(browser: Browser) -> bool:
    return browser.request("GET", "/leads/new")[0] == 200


def register_and_login(browser: Browser, client: int, password: str, log: ClientLog) -> None:
    """Register (which signs the new supplier in); if that did not sign in, sign in."""
    email = supplier_email(client)
    for _ in range(60):
        try:
            status, _, html, _ = browser.request("GET", "/register/supplier")
            token = csrf_token(html)
            if status == 200 and token:
                # Signed in at once, or a "check your e-mail" page (confirmation holds leads out of
                # the vetting queue, not out of processing): either way, sign in next.
                browser.request("POST", "/register/supplier", {
                    "csrf_token": token, "name": f"Alex Fault{client:02d}", "email": email,
                    "organisation_name": organisation_name(client), "password": password, "confirm": password})
            if signed_in(browser):
                return
            status, _, html, _ = browser.request("GET", "/login")
            token = csrf_token(html)
            if status == 200 and token:
                status, _, html, _ = browser.request(
                    "POST", "/login", {"csrf_token": token, "email": email, "password": password, "next": ""})
                if status == 302 and signed_in(browser):
                    return
                log.errors.append((time.time(), f"login {status}: {page_title(html)}"))
        except HttpError as exc:
            log.errors.append((time.time(), f"login: {exc}"))
        time.sleep(1)
    raise RuntimeError(f"client {client} could not sign in")


def login_again(browser: Browser, client: int, password: str) -> None:
    status, _, html, _ = browser.request("GET", "/login")
    token = csrf_token(html)
    if token:
        browser.request("POST", "/login", {"csrf_token": token, "email": supplier_email(client),
                                           "password": password, "next": ""})


def submit_one(browser: Browser, client: int, n: int, password: str, log: ClientLog) -> None:
    """One lead, retried until accepted: the form once (GET until it answers), then the SAME POST."""
    marker = f"fault-{client:02d}-{n:05d}"
    give_up = time.monotonic() + GIVE_UP_AFTER
    while True:
        if time.monotonic() > give_up:
            log.refused.append(f"{marker}: no form within {GIVE_UP_AFTER:.0f} s")
            return
        try:
            status, _, html, _ = browser.request("GET", "/leads/new")
        except HttpError as exc:
            status, html = None, str(exc)
        token = csrf_token(html) if status == 200 else None
        if token:
            break
        if status in (302, 401, 403):
            login_again(browser, client, password)
            continue
        log.errors.append((time.time(), f"GET /leads/new {status}: {page_title(html)}"))
        time.sleep(0.5)
    form = lead_form(client, n, marker, token)
    one_time = submission_token(html)
    if one_time:
        form["submission_token"] = one_time
    while True:
        if time.monotonic() > give_up:
            log.refused.append(f"{marker}: not accepted within {GIVE_UP_AFTER:.0f} s")
            return
        try:
            status, headers, html, _ = browser.request("POST", "/leads/new", form)
        except HttpError as exc:
            status, headers, html = None, {}, str(exc)
        location = headers.get("Location") if status == 302 else None
        match = LEAD_LOCATION.match(location or "")
        if match:
            log.accepted[marker] = int(match.group(1))
            return
        if _is_error(status):
            log.errors.append((time.time(), f"POST {status}: {page_title(html)}"))
            log.retries += 1
            time.sleep(0.5)
            continue
        if status == 302 and "/login" in (location or ""):
            login_again(browser, client, password)
            continue
        log.refused.append(f"{marker}: POST {status} {location or page_title(html)}")
        return


def run_client(client: int, count: int, port: int, password: str, log: ClientLog, gate: threading.Event) -> None:
    browser = Browser("127.0.0.1", port, 30)
    register_and_login(browser, client, password, log)
    gate.wait()
    for n in range(count):
        submit_one(browser, client, n, password, log)


# --- measurements ----------------------------------------------------------------------------------

def lead_rows(database_url: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(database_url, connect_timeout=5) as conn:
        return conn.execute("SELECT id, notes, processing_state, extract(epoch FROM processed_at)::float8,"
                            " extract(epoch FROM created_at)::float8 FROM leads WHERE notes LIKE 'fault-%'").fetchall()


def states(database_url: str) -> Counter:
    try:
        return Counter(row[2] for row in lead_rows(database_url))
    except Exception:  # the database may be restarting
        return Counter()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--redis-outage", type=float, default=60.0, help="seconds Redis stays down")
    parser.add_argument("--redis-at", type=float, default=0.2, help="share of leads accepted when Redis is killed")
    parser.add_argument("--pg-at", type=float, default=0.6, help="share of leads accepted when PostgreSQL restarts")
    parser.add_argument("--pg-down", type=float, default=2.0, help="seconds PostgreSQL stays down")
    parser.add_argument("--kill-every", type=float, default=15.0, help="SIGKILL one RQ worker this often (s)")
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--rq-workers", type=int, default=2)
    parser.add_argument("--drain-wait", type=float, default=600.0, help="give up waiting for processing after (s)")
    args = parser.parse_args()
    if args.leads < args.clients:
        parser.error("need --leads >= --clients")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="fault-run-"))
    if os.geteuid() == 0:
        tmp.chmod(0o755)
    pg = PostgresServer(tmp / "pg")
    redis_server = RedisServer(tmp / "redis", log=tmp / "redis" / "redis.log", new_session=True)
    supervised: list[Supervised] = []
    gunicorn: subprocess.Popen | None = None
    stop_supervisor = threading.Event()
    started = time.time()
    try:
        pg.start()
        import psycopg

        with psycopg.connect(pg.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE market")
        database_url = pg.url("market")
        redis_server.start()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
        env.update(MARKETPLACE_ENV="production", SECRET_KEY=secrets.token_urlsafe(48), DATABASE_URL=database_url,
                   REDIS_URL=redis_server.url, MARKETPLACE_INSTANCE=str(tmp / "instance"),
                   PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", LOGIN_LIMIT=RAISED_LIMIT,
                   LOGIN_ACCOUNT_ADDRESS_LIMIT=RAISED_LIMIT, LOGIN_ACCOUNT_LIMIT=RAISED_LIMIT,
                   SUBMIT_LIMIT=RAISED_LIMIT, REGISTER_LIMIT=RAISED_LIMIT,
                   # production refuses to start without a real sender and public address (domain/mail.py)
                   MAIL_FROM="PPE fault run <fault@ppe.example.gov>", PUBLIC_URL="https://ppe.example.gov")
        subprocess.run([PYTHON, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        web_port = free_port()
        gunicorn = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-w", str(args.gunicorn_workers), "-b", f"127.0.0.1:{web_port}",
             "--access-logfile", str(tmp / "access.log"), "--error-logfile", str(tmp / "gunicorn.log"), "wsgi:app"],
            cwd=ROOT, env=env, stdout=open(tmp / "gunicorn.out", "wb"), stderr=subprocess.STDOUT,
            start_new_session=True)
        workers = [Supervised(f"worker-{i}", [PYTHON, "-m", "flask", "--app", "wsgi", "worker"], env,
                              tmp / f"worker-{i}.log") for i in range(args.rq_workers)]
        sweeper = Supervised("sweeper", [PYTHON, "-m", "flask", "--app", "wsgi", "sweep", "--every", "10"], env,
                             tmp / "sweeper.log")
        supervised = [*workers, sweeper]
        for process in supervised:
            process.start()

        def supervise() -> None:
            while not stop_supervisor.wait(0.5):
                for process in supervised:
                    process.check()

        threading.Thread(target=supervise, daemon=True).start()
        deadline = time.monotonic() + 60
        while True:
            try:
                if Browser("127.0.0.1", web_port, 5).request("GET", "/login")[0] == 200:
                    break
            except HttpError:
                pass
            if time.monotonic() > deadline or gunicorn.poll() is not None:
                raise RuntimeError(f"gunicorn did not answer; see {tmp / 'gunicorn.log'}")
            time.sleep(0.2)

        password = "fault-" + secrets.token_urlsafe(16)
        per_client = [args.leads // args.clients + (1 if c < args.leads % args.clients else 0)
                      for c in range(args.clients)]
        logs = [ClientLog(c) for c in range(args.clients)]
        gate = threading.Event()
        threads = [threading.Thread(target=run_client, daemon=True,
                                    args=(c, per_client[c], web_port, password, logs[c], gate))
                   for c in range(args.clients)]
        print(f"fault run: {args.leads} leads, {args.clients} clients; private PostgreSQL :{pg.port}, "
              f"redis :{redis_server.port}, gunicorn :{web_port} (-w {args.gunicorn_workers}), "
              f"{args.rq_workers} RQ workers + sweeper; logs in {tmp}", flush=True)
        for thread in threads:
            thread.start()
        time.sleep(2)  # registrations
        load_started = time.time()
        gate.set()

        events: dict[str, float] = {}
        next_kill = time.monotonic() + args.kill_every
        kill_index = 0

        def accepted() -> int:
            return sum(len(log.accepted) for log in logs)

        while any(thread.is_alive() for thread in threads):
            time.sleep(0.2)
            now = time.monotonic()
            if now >= next_kill:
                workers[kill_index % len(workers)].kill()
                kill_index += 1
                next_kill = now + args.kill_every
            share = accepted() / args.leads
            if "redis_killed" not in events and share >= args.redis_at:
                redis_server.stop()
                events["redis_killed"] = time.time()
                print(f"  {time.time() - load_started:6.1f} s  Redis killed ({accepted()} accepted)", flush=True)
            if "redis_killed" in events and "redis_back" not in events \
                    and time.time() - events["redis_killed"] >= args.redis_outage:
                redis_server.start()
                events["redis_back"] = time.time()
                print(f"  {time.time() - load_started:6.1f} s  Redis back, empty", flush=True)
            if "pg_stop" not in events and share >= args.pg_at:  # during the Redis outage or after it
                events["pg_stop"] = time.time()
                pg.stop("fast")
                time.sleep(args.pg_down)
                pg.start()
                events["pg_started"] = time.time()
                print(f"  {time.time() - load_started:6.1f} s  PostgreSQL restarted "
                      f"({events['pg_started'] - events['pg_stop']:.1f} s)", flush=True)
        if "redis_killed" in events and "redis_back" not in events:
            time.sleep(max(0.0, events["redis_killed"] + args.redis_outage - time.time()))
            redis_server.start()
            events["redis_back"] = time.time()
        if "pg_stop" not in events:  # the load ended first: restart it now, before the drain
            events["pg_stop"] = time.time()
            pg.stop("fast")
            time.sleep(args.pg_down)
            pg.start()
            events["pg_started"] = time.time()
        load_ended = time.time()
        print(f"  {load_ended - load_started:6.1f} s  load ended; waiting for processing ...", flush=True)

        drain_deadline = time.time() + args.drain_wait
        counts = states(database_url)
        while time.time() < drain_deadline:
            counts = states(database_url)
            if counts and counts.get("pending", 0) == 0:
                break
            time.sleep(2)
        kills_total = sum(w.kills for w in workers)
        stop_supervisor.set()
        drained = time.time()

        rows = lead_rows(database_url)
        stored = Counter(row[1] for row in rows)
        accepted_markers = {m for log in logs for m in log.accepted}
        duplicates = {m: c for m, c in stored.items() if c > 1}
        missing = sorted(accepted_markers - set(stored))
        errors = sorted((t, what) for log in logs for t, what in log.errors)
        window = (events["pg_stop"], events["pg_started"] + 1.0)  # one second's grace for answers under way
        outside = [(t, what) for t, what in errors if not (window[0] <= t <= window[1])]
        refused = [r for log in logs for r in log.refused]
        unexpected = {p.name: p.unexpected for p in supervised if p.unexpected}
        outage_leads = [row for row in rows if events["redis_killed"] <= (row[4] or 0) <= events["redis_back"]]
        last_outage = max((row[3] for row in outage_leads if row[3]), default=None)
        done = sum(1 for row in rows if row[2] == "done")
        passed = (len(stored) == args.leads and not duplicates and not missing and done == len(rows)
                  and not outside and not unexpected and not refused)

        line = "-" * 78
        print(line)
        table = [
            ("leads planned / accepted by clients", f"{args.leads} / {len(accepted_markers)}"),
            ("leads stored (rows) / distinct markers", f"{len(rows)} / {len(stored)}"),
            ("duplicates (markers stored twice or more)", f"{len(duplicates)} ({sum(duplicates.values()) - len(duplicates)} extra rows)"),
            ("accepted but missing", f"{len(missing)}"),
            ("processed: done / pending / failed", f"{done} / {sum(1 for r in rows if r[2] == 'pending')} / "
                                                    f"{sum(1 for r in rows if r[2] == 'failed')}"),
            ("client errors (answers retried)", f"{len(errors)}; {sum(log.retries for log in logs)} POSTs sent again"),
            ("client errors outside the PG restart window", f"{len(outside)}"
                                                            + (" (all inside)" if errors and not outside else "")),
            ("PostgreSQL restart window", f"{window[1] - 1.0 - window[0]:.1f} s (+1 s grace), at "
                                          f"{window[0] - load_started:.0f} s"),
            ("Redis outage", f"{events['redis_back'] - events['redis_killed']:.0f} s, from "
                             f"{events['redis_killed'] - load_started:.0f} s; {len(outage_leads)} leads submitted in it"),
            ("last outage lead processed, after Redis back", f"{last_outage - events['redis_back']:.0f} s"
                                                             if last_outage else "n/a"),
            ("RQ workers SIGKILLed (restarted by the supervisor)", f"{kills_total}"),
            ("exits nobody caused", f"{sum(len(v) for v in unexpected.values())} {unexpected or ''}".strip()),
            ("refused (neither accepted nor error)", f"{len(refused)} {refused[:3] if refused else ''}".strip()),
            ("load time / processed after the load / total", f"{load_ended - load_started:.0f} s / "
                                                             f"{drained - load_ended:.0f} s / {drained - started:.0f} s"),
        ]
        width = max(len(k) for k, _ in table)
        for key, value in table:
            print(f"  {key:<{width}}  {value}")
        print(line)
        print(f"  fault run: {len(stored)} of {args.leads} stored, {len(duplicates)} duplicated, {done} processed, "
              f"{len(outside)} client errors outside the restart window  ->  {'PASS' if passed else 'FAIL'}")
        print(line)
        if outside:
            print("errors outside the window (first 5):")
            for t, what in outside[:5]:
                print(f"  {t - load_started:7.1f} s  {what}")
        if duplicates:
            print(f"duplicated markers (first 5): {list(duplicates.items())[:5]}")
        if errors:
            kinds = Counter(what.split(":")[0] for _, what in errors)
            print("client errors by kind: " + ", ".join(f"{k} x{v}" for k, v in kinds.most_common()))
        print(f"logs kept in {tmp}")
        return 0 if passed else 1
    finally:
        stop_supervisor.set()
        for process in supervised:
            process.stop()
        if gunicorn and gunicorn.poll() is None:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            try:
                gunicorn.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(gunicorn.pid, signal.SIGKILL)
        redis_server.stop()
        if pg.running():
            try:
                pg.stop("fast")
            except subprocess.SubprocessError:
                pass


if __name__ == "__main__":
    sys.exit(main())
