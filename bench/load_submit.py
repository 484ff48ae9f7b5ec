"""Quality bar R1, "no lost submissions under load": many concurrent suppliers post leads through
the real web form; every receipt is reconciled against the database and processing is timed.

    .venv/bin/python bench/load_submit.py                 # 50 clients, 10,000 submissions
    .venv/bin/python bench/load_submit.py --total 500     # a quick check

The real deployment, on loopback: gunicorn (``-w 4``, the README's command) serving ``wsgi:app``,
two ``flask --app wsgi worker`` processes, its OWN PostgreSQL database ``bench_load`` (dropped and
recreated at the start, left behind at the end unless --drop-db) and its OWN redis-server on a
free port (stopped at the end). Nothing the tests use is touched.

Each client signs in as its own supplier (GET /login for the CSRF token, POST /login), then
repeatedly GETs /leads/new for a fresh CSRF token and POSTs a complete, valid lead whose notes
carry a receipt marker (``receipt-<client>-<n>``). A submission is *accepted* when the POST answers
302 to /leads/<id>. Afterwards every accepted receipt must be in the leads table exactly once,
under that id and that supplier; then the benchmark waits until no lead is pending processing.

Beside it, in the same run (issue 9, item 7): a bare Flask endpoint (bench/bare_app.py: one POST
that inserts one row and answers 302) under the same gunicorn command, posted the same form by the
same number of clients, --bare-total times. The lead form's throughput is printed as a ratio to
it, which holds better than absolute figures on a shared machine. --bare-total 0 skips it.

Beside them, in the same run (issue 12, "Speed"): the JSON API's lead submission (POST /api/v1/leads
with a personal API token and an Idempotency-Key, the same lead as JSON) by the same number of
clients under the same gunicorn, --api-total times; its throughput is printed as a ratio to the
bare endpoint's (target: at least half), and every 201 is reconciled (stored once, no duplicate).
API_LIMIT and API_CREATE_LIMIT are raised like the others. --api-total 0 skips it. The API is run
twice: first with the RQ workers paused (SIGSTOP; the bare endpoint's rows need no processing, so
this is the like-for-like figure: the web tier alone), then with them processing the new leads on
the same cores, as in production on one machine. With --pairs N the bare endpoint and the API (workers paused)
take turns N times and the pair with the median ratio stands for the run (every pair is printed):
on a machine shared with other work the load changes within minutes, and a pair's ratio holds
better than two phases minutes apart.

PASS (R1): N of N submissions stored, no missing, no duplicate, 0 server errors (5xx or no
answer), and every lead processed within 2 minutes of the end of the load.

Configuration used (printed with the results):
* MARKETPLACE_ENV=production (full-strength argon2id, real CSRF, real rate limits); --env testing
  switches to the test profile. Production marks cookies Secure; this client stands in for the
  TLS-terminating proxy and sends them back over plain http (its own cookie jar, no `requests`).
* LOGIN_LIMIT and SUBMIT_LIMIT are raised to "1000000 per hour": all clients come from
  127.0.0.1, and the default SUBMIT_LIMIT (60 per hour per address) would refuse nearly all.
* Nothing else is changed: default SWEEP_AFTER (60 s), JOB_STALE_AFTER, gunicorn's sync workers.

The run is bounded: the load phase stops by itself after --max-minutes (default 15), the wait for
processing after --drain-wait seconds (default 120, the pass line), each request after --timeout
seconds. Run it with the project's virtualenv (it needs psycopg and redis from it; the client is
http.client, so no extra package is needed).

For diagnosis: --sweep-after SECONDS sets SWEEP_AFTER_SECONDS for the workers (e.g. 100000 turns
the sweeper's re-enqueueing off, to measure what it costs under a backlog); --app-limits keeps the
app's own rate limits, to show what suppliers who share one address (or sit behind one proxy) get.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.servers import RedisServer, free_port  # noqa: E402

VENV_PY = ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PY) if VENV_PY.exists() else sys.executable
DEFAULT_DB_NAME = "bench_load"
DB_NAME = DEFAULT_DB_NAME  # --db
RAISED_LIMIT = "1000000 per hour"
PROCESS_WINDOW = 120.0  # R1: all processed within 2 minutes of the end of the load
CREATE_BARE_TABLE = ("CREATE TABLE IF NOT EXISTS bare_rows (id serial PRIMARY KEY, notes text NOT NULL, "
                     "created_at timestamptz NOT NULL DEFAULT now())")

CATEGORIES = ["n95_respirator", "kn95_respirator", "surgical_mask", "face_shield", "nitrile_gloves",
              "isolation_gown", "goggles", "hand_sanitizer", "disinfectant_wipes", "other"]
SUPPLIER_TYPES = ["manufacturer", "distributor", "broker", "other"]
CITIES = [("Long Beach", "CA", "90802"), ("Los Angeles", "CA", "90012"), ("Pasadena", "CA", "91101"),
          ("Torrance", "CA", "90503"), ("Burbank", "CA", "91502")]

CSRF_INPUT = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*>')
VALUE_ATTR = re.compile(r'\bvalue="([^"]*)"')
LEAD_LOCATION = re.compile(r"^(?:https?://[^/]+)?/leads/(\d+)$")


# --- HTTP client: http.client plus a minimal cookie jar ------------------------------------------

class HttpError(Exception):
    pass


class Browser:
    """One user agent: its own cookies, a fresh connection per request (gunicorn's sync workers
    close the connection after every response anyway). The Secure attribute is ignored on purpose:
    the client stands in for the TLS-terminating proxy in front of a production deployment."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        """(status, headers, body text, seconds). Raises HttpError when no answer came."""
        headers = {"User-Agent": "bench-load-submit/1", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise HttpError(f"{type(exc).__name__}: {exc}") from None
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        for header in response.msg.get_all("Set-Cookie") or []:
            first, *attributes = header.split(";")
            name, _, value = first.strip().partition("=")
            lowered = [a.strip().lower() for a in attributes]
            expired = any(a == "max-age=0" or a.startswith("expires=thu, 01 jan 1970") for a in lowered)
            if expired or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response.status, response.msg, data.decode("utf-8", "replace"), elapsed


def csrf_token(html: str) -> str | None:
    tag = CSRF_INPUT.search(html)
    value = VALUE_ATTR.search(tag.group(0)) if tag else None
    return value.group(1) if value else None


def page_title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    return " ".join(match.group(1).split())[:80] if match else html[:80].replace("\n", " ")


# --- the workload --------------------------------------------------------------------------------

@dataclass
class Receipt:
    marker: str
    client: int
    status: int | None          # None: no answer (timeout, reset)
    seconds: float              # POST latency
    get_seconds: float | None   # the GET /leads/new before it
    lead_id: int | None         # from Location: /leads/<id>
    location: str | None
    error: str | None
    finished: float             # time.time() when the answer came


@dataclass
class ClientResult:
    client: int
    receipts: list[Receipt] = field(default_factory=list)
    login_seconds: float | None = None
    login_error: str | None = None
    get_failures: list[str] = field(default_factory=list)


def supplier_email(client: int) -> str:
    return f"bench-supplier-{client:02d}@bench-supplies-{client:02d}.com"


def _reference_prices() -> dict[str, float]:
    """Each category's reference unit price (the scoring rules' reference_data.json)."""
    from marketplace.domain.scoring import load_reference

    return {category: float(entry["price"]) for category, entry in load_reference().data["reference_prices"].items()}


REFERENCE_PRICES = _reference_prices()


def lead_form(client: int, n: int, marker: str, token: str) -> dict:
    """A complete, valid lead whose figures the form accepts at once: the price is 0.5x to 3.5x the
    category's reference (the form asks to confirm a price under 0.1x or over 10x; a client that
    does not confirm would see those leads refused)."""
    city, state, postal = CITIES[client % len(CITIES)]
    quantity = 1000 + (n * 37 + client * 11) % 99000
    category = CATEGORIES[n % len(CATEGORIES)]
    factor = 0.5 + (n % 300) / 100
    price = REFERENCE_PRICES[category] * factor if category in REFERENCE_PRICES else 0.25 + (n % 300) / 100
    return {
        "csrf_token": token,
        "company_name": f"Bench Supplies {client:02d} LLC",
        "contact_name": f"Alex Bench{client:02d}",
        "email": supplier_email(client),
        "phone": f"(213) 555-{100 + client:04d}",
        "website": f"bench-supplies-{client:02d}.com",
        "street": f"{100 + client} Harbor Boulevard",
        "city": city, "state": state, "postal_code": postal, "country": "US",
        "supplier_type": SUPPLIER_TYPES[client % len(SUPPLIER_TYPES)],
        "product_category": category,
        "product_description": f"Lot {n} of {category.replace('_', ' ')}, boxed",
        "quantity": str(quantity),
        "unit_price": f"{price:.4f}",
        "min_order_qty": str(min(500, quantity)),
        "lead_time_days": str(n % 30),
        "certification": "NIOSH TC-84A-0007",
        "payment_terms": "Net 30",
        "country_of_origin": "US",
        "notes": marker,
    }


def login(browser: Browser, email: str, password: str) -> float:
    status, _, html, first = browser.request("GET", "/login")
    token = csrf_token(html)
    if status != 200 or not token:
        raise HttpError(f"GET /login answered {status} without a CSRF token")
    status, headers, html, second = browser.request(
        "POST", "/login", {"csrf_token": token, "email": email, "password": password, "next": ""})
    if status != 302:
        raise HttpError(f"POST /login answered {status}: {page_title(html)}")
    return first + second


def run_client(client: int, count: int, prefix: str, password: str, port: int, timeout: float,
               deadline: float, result: ClientResult, start_gate: threading.Event | None = None) -> None:
    browser = Browser("127.0.0.1", port, timeout)
    if start_gate is not None:
        start_gate.wait()
    for attempt in range(3):
        try:
            result.login_seconds = login(browser, supplier_email(client), password)
            result.login_error = None
            break
        except HttpError as exc:
            result.login_error = str(exc)
            time.sleep(1 + attempt)
    if result.login_error:
        return
    n = 0
    while n < count and time.monotonic() < deadline:
        marker = f"{prefix}-{client:02d}-{n:05d}"
        try:
            status, _, html, get_seconds = browser.request("GET", "/leads/new")
        except HttpError as exc:
            result.get_failures.append(f"GET /leads/new: {exc}")
            time.sleep(0.5)
            if len(result.get_failures) > 20:
                return
            continue
        token = csrf_token(html)
        if status != 200 or not token:
            result.get_failures.append(f"GET /leads/new answered {status}: {page_title(html)}")
            if len(result.get_failures) > 20:
                return
            time.sleep(0.5)
            if status in (302, 401, 403):  # signed out: sign in again
                try:
                    login(browser, supplier_email(client), password)
                except HttpError:
                    pass
            continue
        started = time.perf_counter()
        try:
            status, headers, html, seconds = browser.request("POST", "/leads/new", lead_form(client, n, marker, token))
        except HttpError as exc:
            result.receipts.append(Receipt(marker, client, None, time.perf_counter() - started, get_seconds,
                                           None, None, str(exc), time.time()))
            n += 1
            continue
        location = headers.get("Location")
        match = LEAD_LOCATION.match(location or "") if status == 302 else None
        error = None if match else f"{status} {location or page_title(html)}"
        result.receipts.append(Receipt(marker, client, status, seconds, get_seconds,
                                       int(match.group(1)) if match else None, location, error, time.time()))
        n += 1


def run_bare_client(client: int, count: int, port: int, timeout: float, deadline: float, counts: Counter,
                    start_gate: threading.Event) -> None:
    """POST the same lead form body (no sign-in, no token) to the bare endpoint ``count`` times."""
    browser = Browser("127.0.0.1", port, timeout)
    start_gate.wait()
    for n in range(count):
        if time.monotonic() >= deadline:
            return
        try:
            status = browser.request("POST", "/bare", lead_form(client, n, f"bare-{client:02d}-{n:05d}", "-"))[0]
        except HttpError:
            status = None
        counts[status] += 1


def run_bare_phase(clients: int, total: int, port: int, args, deadline: float) -> dict:
    per_client = [total // clients + (1 if c < total % clients else 0) for c in range(clients)]
    counts = [Counter() for _ in range(clients)]
    gate = threading.Event()
    threads = [threading.Thread(target=run_bare_client, daemon=True,
                                args=(c, per_client[c], port, args.timeout, deadline, counts[c], gate))
               for c in range(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    gate.set()
    for thread in threads:
        thread.join(max(1.0, deadline - time.monotonic() + args.timeout + 10))
    elapsed = time.perf_counter() - started
    statuses = sum(counts, Counter())
    return {"requests": sum(statuses.values()), "inserted": statuses[302], "seconds": elapsed,
            "throughput": statuses[302] / elapsed if elapsed else 0.0,
            "statuses": {str(k): v for k, v in statuses.items()}}


def api_post(port: int, timeout: float, path: str, body: dict, headers: dict) -> tuple[int | None, dict]:
    """(status, JSON answer) of one API POST; (None, {...}) when no answer came."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, body=json.dumps(body).encode(),
                     headers={"Content-Type": "application/json", "User-Agent": "bench-load-submit/1", **headers})
        response = conn.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException) as exc:
        return None, {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        conn.close()
    try:
        return response.status, json.loads(data or b"{}")
    except ValueError:
        return response.status, {"error": data[:200].decode("utf-8", "replace")}


def run_api_client(client: int, count: int, token: str, port: int, timeout: float, deadline: float,
                   outcomes: list, start_gate: threading.Event, prefix: str = "api") -> None:
    """POST the same lead as JSON to the API ``count`` times, each with its own Idempotency-Key."""
    start_gate.wait()
    for n in range(count):
        if time.monotonic() >= deadline:
            return
        marker = f"{prefix}-{client:02d}-{n:05d}"
        body = {k: v for k, v in lead_form(client, n, marker, "-").items() if k != "csrf_token"}
        started = time.perf_counter()
        status, answer = api_post(port, timeout, "/api/v1/leads", body,
                                  {"Authorization": f"Bearer {token}", "Idempotency-Key": f"bench-{marker}-key"})
        outcomes.append((marker, status, answer.get("id") if status == 201 else None, time.perf_counter() - started,
                         None if status == 201 else str(answer.get("detail") or answer.get("error"))[:200]))


def run_api_phase(clients: int, total: int, tokens: dict[int, str], port: int, args, deadline: float,
                  prefix: str = "api") -> dict:
    per_client = [total // clients + (1 if c < total % clients else 0) for c in range(clients)]
    outcomes: list[list] = [[] for _ in range(clients)]
    gate = threading.Event()
    threads = [threading.Thread(target=run_api_client, daemon=True,
                                args=(c, per_client[c], tokens[c], port, args.timeout, deadline, outcomes[c], gate,
                                      prefix))
               for c in range(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    gate.set()
    for thread in threads:
        thread.join(max(1.0, deadline - time.monotonic() + args.timeout + 10))
    elapsed = time.perf_counter() - started
    flat = [o for per in outcomes for o in per]
    statuses = Counter("no answer" if o[1] is None else o[1] for o in flat)
    created = [o for o in flat if o[2] is not None]
    examples = [f"{o[0]}: {o[1]} {o[4]}" for o in flat if o[2] is None][:5]
    ms = [o[3] * 1000 for o in flat if o[1] is not None]
    return {"requests": len(flat), "created": len(created), "seconds": elapsed,
            "throughput": len(created) / elapsed if elapsed else 0.0,
            "statuses": {str(k): v for k, v in statuses.items()}, "examples": examples,
            "post_ms": {q: percentile(ms, q) for q in (50, 95, 99)},
            "ids": {o[0]: o[2] for o in created}}


def run_api_measured(stack, args, total: int, tokens: dict[int, str], *, paused: bool, prefix: str) -> dict:
    """One API phase, its 201s reconciled. ``paused``: the RQ workers are stopped for it and left
    stopped (their backlog is processed after all pairs, so that it never runs beside a bare
    phase); otherwise they process as it runs, and the phase's leads are awaited."""
    print(f"API ({'RQ workers paused' if paused else 'RQ workers processing'}): {args.clients} clients, "
          f"{total} POST /api/v1/leads (JSON, bearer token, Idempotency-Key; same gunicorn) ...", flush=True)
    stack.pause_workers(paused)
    phase = run_api_phase(args.clients, total, tokens, stack.web_port, args,
                          time.monotonic() + args.max_minutes * 60, prefix)
    phase["reconciled"] = reconcile_api(phase.pop("ids"), fetch_leads(stack.database_url))
    print(f"  {phase['created']}/{phase['requests']} created in {phase['seconds']:.1f} s = "
          f"{phase['throughput']:.1f}/s", flush=True)
    if not paused and stack.workers:
        phase["pending_left"] = wait_processed(stack.database_url, prefix, time.time() + 300)["pending"]
    return phase


def reconcile_api(ids: dict[str, int], rows: list[tuple]) -> dict:
    """Every 201 stored once under its id; no lead with the phase's marker that got no 201."""
    prefix = next(iter(ids), "api-").split("-")[0] + "-"
    by_marker: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        notes = (row[1] or "").strip()
        if notes.startswith(prefix):
            by_marker[notes].append(row[0])
    missing = [m for m in ids if not by_marker.get(m)]
    duplicates = {m: v for m, v in by_marker.items() if len(v) > 1}
    wrong_id = [m for m, i in ids.items() if by_marker.get(m) and by_marker[m][0] != i]
    unreceipted = [m for m in by_marker if m not in ids]
    return {"missing": len(missing), "duplicates": len(duplicates), "wrong_id": len(wrong_id),
            "unreceipted": len(unreceipted)}


# --- infrastructure: database, redis, gunicorn, workers -------------------------------------------

def admin_connect(server_url: str, dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(f"{server_url.rstrip('/')}/{dbname}", autocommit=True)


def recreate_database(server_url: str) -> None:
    with admin_connect(server_url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def drop_database(server_url: str) -> None:
    with admin_connect(server_url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


class Stack:
    """The private redis-server (bench/servers.py), gunicorn and the RQ workers, all started and
    stopped here."""

    def __init__(self, args, tmp: Path) -> None:
        self.args, self.tmp = args, tmp
        self.redis = RedisServer(tmp / "redis", log=tmp / "redis.log", new_session=True)
        self.redis_port = self.redis.port
        self.web_port = free_port()
        self.gunicorn: subprocess.Popen | None = None
        self.bare_port = free_port()
        self.bare: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.database_url = f"{args.pg.rstrip('/')}/{DB_NAME}"
        self.redis_url = self.redis.url
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("TEST_", "PYTEST")) and k not in ("DATABASE_URL", "REDIS_URL")}
        self.env.update(
            MARKETPLACE_ENV=args.env, DATABASE_URL=self.database_url, REDIS_URL=self.redis_url,
            SECRET_KEY=secrets.token_urlsafe(48), MARKETPLACE_INSTANCE=str(tmp / "instance"),
            PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1",
            # production refuses to start without a real sender and public address (domain/mail.py)
            MAIL_FROM="PPE bench <bench@ppe.example.gov>", PUBLIC_URL="https://ppe.example.gov")
        if not args.app_limits:
            self.env.update(LOGIN_LIMIT=RAISED_LIMIT, SUBMIT_LIMIT=RAISED_LIMIT, API_LIMIT=RAISED_LIMIT,
                            API_CREATE_LIMIT=RAISED_LIMIT)
        else:
            for key in ("LOGIN_LIMIT", "SUBMIT_LIMIT", "REGISTER_LIMIT"):
                self.env.pop(key, None)
        if args.sweep_after is not None:
            self.env["SWEEP_AFTER_SECONDS"] = str(args.sweep_after)

    def flask(self, *argv: str, timeout: float = 300) -> str:
        done = subprocess.run([PYTHON, "-m", "flask", "--app", "wsgi", *argv], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def create_suppliers(self, count: int, password: str) -> dict[int, int]:
        script = (
            "import json, sys\n"
            "sys.path.insert(0, sys.argv[1])\n"
            "from marketplace.app import create_app\n"
            "from marketplace.extensions import db\n"
            "from marketplace.services import accounts\n"
            "app = create_app()\n"
            "ids = {}\n"
            "with app.app_context():\n"
            "    for email in json.loads(sys.argv[2]):\n"
            "        client = int(email.split('-')[2][:2])\n"
            "        user = accounts.create_account(accounts.NewAccount(\n"
            "            email=email, password=sys.argv[3], role='supplier', name=f'Alex Bench{client:02d}',\n"
            "            organisation_name=f'Bench Supplies {client:02d} LLC'))\n"
            "        ids[client] = user.id\n"
            "    db.session.commit()\n"
            "print(json.dumps(ids))\n")
        emails = [supplier_email(c) for c in range(count)]
        done = subprocess.run([PYTHON, "-c", script, str(ROOT), json.dumps(emails), password], cwd=ROOT,
                              env=self.env, capture_output=True, text=True, timeout=600)
        if done.returncode:
            raise RuntimeError(f"creating suppliers failed:\n{done.stdout}\n{done.stderr}")
        return {int(k): v for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}

    def create_api_tokens(self, count: int) -> dict[int, str]:
        """A personal API token for each benchmark supplier (services.api_tokens): {client: secret}."""
        script = (
            "import json, sys\n"
            "sys.path.insert(0, sys.argv[1])\n"
            "from marketplace.app import create_app\n"
            "from marketplace.extensions import db\n"
            "from marketplace.models import User\n"
            "from marketplace.services import api_tokens\n"
            "app = create_app()\n"
            "secrets = {}\n"
            "with app.app_context():\n"
            "    for client, email in json.loads(sys.argv[2]).items():\n"
            "        user = db.session.execute(db.select(User).where(User.email == email)).scalar_one()\n"
            "        secrets[client] = api_tokens.create_token(user, 'bench')[1]\n"
            "    db.session.commit()\n"
            "print(json.dumps(secrets))\n")
        emails = {c: supplier_email(c) for c in range(count)}
        done = subprocess.run([PYTHON, "-c", script, str(ROOT), json.dumps(emails)], cwd=ROOT,
                              env=self.env, capture_output=True, text=True, timeout=600)
        if done.returncode:
            raise RuntimeError(f"creating API tokens failed:\n{done.stdout}\n{done.stderr}")
        return {int(k): v for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}

    def pause_workers(self, pause: bool) -> None:
        """Stop (SIGSTOP) or continue (SIGCONT) the RQ workers this benchmark started (their own
        process groups)."""
        for process in self.workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGSTOP if pause else signal.SIGCONT)

    def _gunicorn(self, app: str, port: int, name: str, env: dict) -> subprocess.Popen:
        """The README's command (sync workers, -w N) serving ``app`` on ``port``."""
        return subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-w", str(self.args.gunicorn_workers), "-b", f"127.0.0.1:{port}",
             "--access-logfile", str(self.tmp / f"{name}-access.log"),
             "--access-logformat", "%(s)s %(m)s %(U)s %(D)s",
             "--error-logfile", str(self.tmp / f"{name}-error.log"), app],
            cwd=ROOT, env=env, stdout=open(self.tmp / f"{name}-stdout.log", "wb"),
            stderr=subprocess.STDOUT, start_new_session=True)

    def _wait_answering(self, process: subprocess.Popen, port: int, method: str, path: str, name: str,
                        ready: tuple[int, ...]) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited; see " + str(self.tmp / f"{name}-error.log"))
            try:
                if Browser("127.0.0.1", port, 5).request(method, path, {} if method == "POST" else None)[0] in ready:
                    return
            except HttpError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not answer within 60 s")

    def start_gunicorn(self) -> None:
        self.gunicorn = self._gunicorn("wsgi:app", self.web_port, "gunicorn", self.env)
        self._wait_answering(self.gunicorn, self.web_port, "GET", "/login", "gunicorn", (200,))

    def start_bare(self) -> None:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(CREATE_BARE_TABLE)
        env = {**self.env, "BARE_DATABASE_URL": self.database_url}
        self.bare = self._gunicorn("bench.bare_app:app", self.bare_port, "bare", env)
        self._wait_answering(self.bare, self.bare_port, "POST", "/bare", "bare", (302,))

    def stop_bare(self) -> None:
        self._stop(self.bare)
        self.bare = None

    def start_workers(self) -> None:
        for index in range(self.args.rq_workers):
            log = open(self.tmp / f"worker-{index}.log", "wb")
            self.workers.append(subprocess.Popen(
                [PYTHON, "-m", "flask", "--app", "wsgi", "worker", "--name", f"bench-worker-{index}-{os.getpid()}"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))

    @staticmethod
    def _stop(process: subprocess.Popen | None, group: bool = True) -> None:
        if process is None or process.poll() is not None:
            return
        try:
            if group:
                os.killpg(process.pid, signal.SIGTERM)
            else:
                process.terminate()
            process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL) if group else process.kill()
                process.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass

    def stop(self) -> None:
        for worker in self.workers:
            self._stop(worker)
        self._stop(self.bare)
        self._stop(self.gunicorn)
        self._stop(self.redis.process)  # SIGTERM to its group, as to the others


# --- measurements from the database, Redis and the logs ------------------------------------------

def fetch_leads(database_url: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT id, notes, owner_id, processing_state, processing_attempts, processing_error,"
            " extract(epoch FROM created_at)::float8, extract(epoch FROM processed_at)::float8"
            " FROM leads ORDER BY id").fetchall()


def processing_counts(database_url: str, prefix: str) -> dict:
    import psycopg

    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*),"
            " count(*) FILTER (WHERE processing_state = 'pending'),"
            " count(*) FILTER (WHERE processing_state = 'done'),"
            " count(*) FILTER (WHERE processing_state = 'failed'),"
            " extract(epoch FROM max(processed_at))::float8"
            " FROM leads WHERE notes LIKE %s", (prefix + "-%",)).fetchone()
    return {"total": row[0], "pending": row[1], "done": row[2], "failed": row[3], "last_processed": row[4]}


def redis_stats(port: int) -> dict:
    import redis

    try:
        r = redis.Redis(port=port, socket_timeout=2)
        return {"queued": r.llen("rq:queue:leads"), "failed_jobs": r.zcard("rq:registry:failed:leads"),
                "started": r.zcard("rq:registry:started:leads"), "scheduled": r.zcard("rq:registry:scheduled:leads")}
    except redis.RedisError as exc:
        return {"error": str(exc)}


class Monitor(threading.Thread):
    """Samples the processing backlog every few seconds while the load runs."""

    def __init__(self, database_url: str, redis_port: int, interval: float = 5.0) -> None:
        super().__init__(daemon=True)
        self.database_url, self.redis_port, self.interval = database_url, redis_port, interval
        self.samples: list[tuple[float, int, int]] = []  # (time, pending, redis queue length)
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.wait(self.interval):
            try:
                counts = processing_counts(self.database_url, "receipt")
                queued = redis_stats(self.redis_port).get("queued", -1)
                self.samples.append((time.time(), counts["pending"], queued))
            except Exception:  # a monitoring hiccup must not end the benchmark
                pass


def _proc_cpu(pid: int) -> float:
    """CPU seconds of a process, its reaped children, and (recursively) its live children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    return ticks / os.sysconf("SC_CLK_TCK") + sum(_proc_cpu(int(c)) for c in children)


def machine_busy() -> float:
    """CPU seconds the whole machine spent busy (all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(stack: Stack) -> dict[str, float]:
    times = os.times()
    return {"gunicorn": _proc_cpu(stack.gunicorn.pid) if stack.gunicorn else 0.0,
            "rq workers": sum(_proc_cpu(w.pid) for w in stack.workers),
            "redis": _proc_cpu(stack.redis.process.pid) if stack.redis.process else 0.0,
            "bench client": times.user + times.system,
            "machine": machine_busy()}


LOG_PATTERNS = ("Traceback", "ERROR", "CRITICAL", "WORKER TIMEOUT", "Redis unreachable", "exception",
                "Exception", "failed", "sweeper:", "Booting worker", "Worker exiting", "SIGKILL")


def scan_logs(tmp: Path) -> dict[str, Counter]:
    found: dict[str, Counter] = {}
    for path in sorted(tmp.glob("*.log")):
        if path.name == "gunicorn-access.log":
            continue
        counts: Counter = Counter()
        for line in path.read_text(errors="replace").splitlines():
            for pattern in LOG_PATTERNS:
                if pattern in line:
                    counts[pattern] += 1
        found[path.name] = counts
    return found


def access_log_statuses(tmp: Path) -> Counter:
    """Status codes as gunicorn saw them: '<method> <path> <status>' -> count."""
    counts: Counter = Counter()
    path = tmp / "gunicorn-access.log"
    if path.exists():
        for line in path.read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) >= 3:
                route = re.sub(r"^(/api/v1)?/leads/\d+$", r"\1/leads/<id>", parts[2].split("?")[0])
                counts[f"{parts[1]} {route} {parts[0]}"] += 1
    return counts


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, int(-(-q * len(ordered) // 100)))  # nearest rank
    return ordered[min(rank, len(ordered)) - 1]


# --- the run -------------------------------------------------------------------------------------

def run_phase(prefix: str, clients: int, total: int, password: str, port: int, args, deadline: float):
    per_client = [total // clients + (1 if c < total % clients else 0) for c in range(clients)]
    results = [ClientResult(c) for c in range(clients)]
    gate = threading.Event()
    threads = [threading.Thread(target=run_client, daemon=True,
                                args=(c, per_client[c], prefix, password, port, args.timeout, deadline, results[c], gate))
               for c in range(clients)]
    for thread in threads:
        thread.start()
    started_wall, started = time.time(), time.perf_counter()
    gate.set()
    for thread in threads:
        thread.join(max(1.0, deadline - time.monotonic() + args.timeout + 10))
    elapsed = time.perf_counter() - started
    return results, started_wall, elapsed, sum(t.is_alive() for t in threads)


def wait_processed(database_url: str, prefix: str, until: float) -> dict:
    while True:
        counts = processing_counts(database_url, prefix)
        if counts["pending"] == 0 or time.time() >= until:
            return counts
        time.sleep(1.0)


def reconcile(receipts: list[Receipt], rows: list[tuple], owners: dict[int, int], prefix: str) -> dict:
    by_marker: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        notes = (row[1] or "").strip()
        if notes.startswith(prefix + "-"):
            by_marker[notes].append(row)
    accepted = [r for r in receipts if r.lead_id is not None]
    missing, duplicates, wrong_id, wrong_owner = [], [], [], []
    for receipt in accepted:
        stored = by_marker.get(receipt.marker, [])
        if not stored:
            missing.append(receipt.marker)
            continue
        if len(stored) > 1:
            duplicates.append((receipt.marker, [s[0] for s in stored]))
        if stored[0][0] != receipt.lead_id:
            wrong_id.append((receipt.marker, receipt.lead_id, stored[0][0]))
        if stored[0][2] != owners.get(receipt.client):
            wrong_owner.append((receipt.marker, stored[0][2]))
    accepted_markers = {r.marker for r in accepted}
    unreceipted = {m: [s[0] for s in rs] for m, rs in by_marker.items() if m not in accepted_markers}
    stored_ok = sum(1 for r in accepted if len(by_marker.get(r.marker, [])) == 1)
    return {"accepted": len(accepted), "stored": stored_ok, "rows": sum(len(v) for v in by_marker.values()),
            "missing": missing, "duplicates": duplicates, "wrong_id": wrong_id, "wrong_owner": wrong_owner,
            "unreceipted": unreceipted}


def summarise_receipts(receipts: list[Receipt]) -> dict:
    statuses = Counter("no answer" if r.status is None else r.status for r in receipts)
    server_errors = sum(1 for r in receipts if r.status is None or r.status >= 500)
    others = [r for r in receipts if r.status is not None and r.status < 500 and r.lead_id is None]
    examples: dict[str, list[str]] = defaultdict(list)
    for r in receipts:
        if r.lead_id is None and len(examples[str(r.status)]) < 3:
            examples[str(r.status)].append(f"{r.marker}: {r.error}")
    post_ms = [r.seconds * 1000 for r in receipts if r.status is not None]
    get_ms = [r.get_seconds * 1000 for r in receipts if r.get_seconds is not None]
    return {"statuses": dict(statuses), "server_errors": server_errors, "other_refusals": len(others),
            "examples": dict(examples),
            "post_ms": {q: percentile(post_ms, q) for q in (50, 95, 99)} | {"max": max(post_ms, default=float("nan"))},
            "get_ms": {q: percentile(get_ms, q) for q in (50, 95, 99)} | {"max": max(get_ms, default=float("nan"))}}


def main() -> int:
    global DB_NAME
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    parser.add_argument("--total", type=int, default=10000, help="submissions in the concurrent phase")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--baseline", type=int, default=200,
                        help="sequential submissions by one client first, for comparison (0: skip)")
    parser.add_argument("--db", default=DEFAULT_DB_NAME,
                        help="name of the benchmark's own database (dropped and recreated; default bench_load)")
    parser.add_argument("--bare-total", type=int, default=None,
                        help="POSTs to the bare endpoint, same clients, same gunicorn (default: --total; 0 skips)")
    parser.add_argument("--api-total", type=int, default=None,
                        help="API lead submissions (POST /api/v1/leads), same clients, same gunicorn "
                             "(default: --total; 0 skips)")
    parser.add_argument("--pairs", type=int, default=1,
                        help="run the bare endpoint and the API (workers paused) in turn this many times; the pair "
                             "with the median ratio stands for the run, every pair is printed")
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--rq-workers", type=int, default=2)
    parser.add_argument("--env", choices=["production", "testing"], default="production")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432",
                        help="PostgreSQL server (trust auth); database bench_load is dropped and recreated")
    parser.add_argument("--max-minutes", type=float, default=15.0, help="the load phase stops after this")
    parser.add_argument("--drain-wait", type=float, default=PROCESS_WINDOW,
                        help="seconds to wait for processing after the load (the pass line is 120; "
                             "wait longer to see when it would finish)")
    parser.add_argument("--timeout", type=float, default=60.0, help="per-request socket timeout (s)")
    parser.add_argument("--sweep-after", type=float, default=None,
                        help="set SWEEP_AFTER_SECONDS for the workers (default: the app's, 60 s); for A/B runs")
    parser.add_argument("--app-limits", action="store_true",
                        help="keep the app's own LOGIN_LIMIT/SUBMIT_LIMIT: shows what every supplier behind one "
                             "address (a proxy, a hospital NAT) meets")
    parser.add_argument("--drop-db", action="store_true", help="drop bench_load at the end")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        parser.error("--db: lower-case letters, digits and _ only")
    DB_NAME = args.db
    if args.clients < 1 or args.total < args.clients:
        parser.error("need --total >= --clients >= 1")

    try:
        import psycopg  # noqa: F401
        import redis  # noqa: F401
    except ImportError:
        sys.exit(f"run this with the project's virtualenv: {VENV_PY} bench/load_submit.py")

    # A TERM (timeout, kill) stops the servers too: SystemExit runs the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    (tmp / "instance").mkdir()
    password = "bench-" + secrets.token_urlsafe(12)
    stack = Stack(args, tmp)
    figures: dict = {"config": {k: v for k, v in vars(args).items()}}
    try:
        t0 = time.perf_counter()
        print(f"setting up: database {DB_NAME}, redis :{stack.redis_port}, gunicorn :{stack.web_port}, logs in {tmp}",
              flush=True)
        recreate_database(args.pg)
        stack.redis.start()
        stack.flask("db", "upgrade")
        owners = stack.create_suppliers(args.clients, password)
        stack.start_gunicorn()
        stack.start_workers()
        print(f"  ready in {time.perf_counter() - t0:.1f} s ({args.clients} suppliers)", flush=True)

        baseline = None
        if args.baseline:
            print(f"baseline: 1 client, {args.baseline} sequential submissions ...", flush=True)
            deadline = time.monotonic() + args.max_minutes * 60
            results, _, elapsed, _ = run_phase("baseline", 1, args.baseline, password, stack.web_port, args, deadline)
            receipts = results[0].receipts
            accepted = sum(1 for r in receipts if r.lead_id is not None)
            baseline = {"submissions": len(receipts), "accepted": accepted, "seconds": elapsed,
                        "throughput": accepted / elapsed if elapsed else 0.0,
                        "post_ms_p50": percentile([r.seconds * 1000 for r in receipts], 50),
                        "login_error": results[0].login_error}
            print(f"  {accepted}/{len(receipts)} accepted in {elapsed:.1f} s = {baseline['throughput']:.1f} submissions/s;"
                  " waiting for its processing ...", flush=True)
            counts = wait_processed(stack.database_url, "baseline", time.time() + 180)
            baseline["pending_left"] = counts["pending"]

        bare = api = api_busy = None
        bare_total = args.total if args.bare_total is None else args.bare_total
        api_total = args.total if args.api_total is None else args.api_total
        tokens = stack.create_api_tokens(args.clients) if api_total else {}
        pairs: list[dict] = []
        if bare_total:
            stack.start_bare()
        if args.pairs > 1 and bare_total and api_total:
            # Each gunicorn worker's first requests build its caches (country names, the reference
            # prices): a few of each, not counted, so that the first pair is not the slowest.
            print("warm-up: 10 POSTs per client to each (not counted) ...", flush=True)
            run_bare_phase(args.clients, 10 * args.clients, stack.bare_port, args, time.monotonic() + 120)
            stack.pause_workers(True)
            run_api_phase(args.clients, 10 * args.clients, tokens, stack.web_port, args, time.monotonic() + 120, "warm")
        try:
            # The bare endpoint and the API (workers paused) take turns --pairs times: on a shared
            # machine the load of others changes within minutes, and a pair's ratio holds better.
            for index in range(args.pairs if bare_total and api_total else 1):
                pair: dict = {}
                if bare_total:
                    print(f"bare endpoint: {args.clients} clients, {bare_total} POSTs (bench/bare_app.py, "
                          f"same gunicorn) ...", flush=True)
                    pair["bare"] = run_bare_phase(args.clients, bare_total, stack.bare_port, args,
                                                  time.monotonic() + args.max_minutes * 60)
                    print(f"  {pair['bare']['inserted']}/{pair['bare']['requests']} inserted in "
                          f"{pair['bare']['seconds']:.1f} s = {pair['bare']['throughput']:.1f}/s", flush=True)
                if api_total:
                    pair["api"] = run_api_measured(stack, args, api_total, tokens, paused=True, prefix=f"api{index}")
                if pair.get("bare") and pair.get("api") and pair["bare"]["throughput"]:
                    pair["ratio"] = pair["api"]["throughput"] / pair["bare"]["throughput"]
                    print(f"  pair {index + 1}: API {pair['ratio']:.1%} of the bare endpoint", flush=True)
                pairs.append(pair)
        finally:
            if bare_total:
                stack.stop_bare()
            stack.pause_workers(False)
        if stack.workers and api_total:  # the paused phases' leads, processed before the next phase
            print("  waiting for the paused phases' leads to be processed ...", flush=True)
            until = time.time() + 300
            for index, pair in enumerate(pairs):
                if pair.get("api"):
                    pair["api"]["pending_left"] = wait_processed(stack.database_url, f"api{index}", until)["pending"]
        # The pair with the median ratio stands for the run (all pairs are printed and kept).
        ranked = sorted(pairs, key=lambda p: p.get("ratio", 0.0))
        middle = ranked[(len(ranked) - 1) // 2] if ranked else {}
        bare, api = middle.get("bare"), middle.get("api")
        if api_total:
            api_busy = run_api_measured(stack, args, api_total, tokens, paused=False, prefix="apiw")

        print(f"load: {args.clients} clients, {args.total} submissions (cap {args.max_minutes:g} min) ...", flush=True)
        monitor = Monitor(stack.database_url, stack.redis_port)
        monitor.start()
        deadline = time.monotonic() + args.max_minutes * 60
        cpu_before = cpu_snapshot(stack)
        results, load_started, elapsed, stuck = run_phase("receipt", args.clients, args.total, password,
                                                          stack.web_port, args, deadline)
        load_ended = time.time()
        cpu_load = {k: v - cpu_before[k] for k, v in cpu_snapshot(stack).items()}
        receipts = [r for result in results for r in result.receipts]
        print(f"  load ended after {elapsed:.1f} s; {len(receipts)} submissions made; waiting for processing ...",
              flush=True)
        at_end = processing_counts(stack.database_url, "receipt")
        counts = wait_processed(stack.database_url, "receipt", load_ended + args.drain_wait)
        waited = time.time() - load_ended
        drained = at_end["pending"] - counts["pending"]
        drain_rate = drained / waited if waited > 0 else float("nan")
        load_rate = (at_end["done"] + at_end["failed"]) / elapsed if elapsed else float("nan")
        monitor.stop_event.set()
        redis_after = redis_stats(stack.redis_port)

        rows = fetch_leads(stack.database_url)
        rec = reconcile(receipts, rows, owners, "receipt")
        summary = summarise_receipts(receipts)
        login_errors = [(r.client, r.login_error) for r in results if r.login_error]
        get_failures = [f for r in results for f in r.get_failures]
        ours = [row for row in rows if (row[1] or "").startswith("receipt-")]
        lags = [row[7] - row[6] for row in ours if row[7] is not None and row[6] is not None]
        retried = sum(1 for row in ours if row[4] and row[4] > 1)
        with_error = [(row[0], row[5]) for row in ours if row[5]]
        all_processed = counts["pending"] == 0 and counts["failed"] == 0
        last_after = (counts["last_processed"] - load_ended) if counts["last_processed"] else None
        processed_in_window = all_processed and (last_after is None or last_after <= PROCESS_WINDOW)

        total_requests = len(receipts) + sum(1 for r in receipts if r.get_seconds is not None)
        throughput = rec["accepted"] / elapsed if elapsed else 0.0
        passed = (rec["stored"] == args.total and rec["accepted"] == args.total and not rec["missing"]
                  and not rec["duplicates"] and not rec["wrong_id"] and not rec["wrong_owner"]
                  and summary["server_errors"] == 0 and processed_in_window)

        line = "-" * 78
        print()
        print(line)
        print(f"R1 no lost submissions under load  ({args.env} config, gunicorn -w {args.gunicorn_workers}, "
              f"{args.rq_workers} RQ workers, PostgreSQL db {DB_NAME}, private redis)")
        print(("    the app's own rate limits (--app-limits)" if args.app_limits else
               f"    LOGIN_LIMIT and SUBMIT_LIMIT raised to '{RAISED_LIMIT}' (all clients are 127.0.0.1)")
              + (f"; SWEEP_AFTER_SECONDS={args.sweep_after:g}" if args.sweep_after is not None else ""))
        print(line)
        table = [
            ("clients", f"{args.clients}"),
            ("submissions made / planned", f"{len(receipts)} / {args.total}"),
            ("accepted (302 -> /leads/<id>)", f"{rec['accepted']}"),
            ("stored exactly once, right id+owner", f"{rec['stored'] - len(rec['wrong_id']) - len(rec['wrong_owner'])}"),
            ("missing", f"{len(rec['missing'])}"),
            ("duplicates", f"{len(rec['duplicates'])}"),
            ("stored without a receipt", f"{len(rec['unreceipted'])}"),
            ("server errors (5xx / no answer)", f"{summary['server_errors']}"),
            ("other refusals (non-302 < 500)", f"{summary['other_refusals']}"),
            ("POST statuses", ", ".join(f"{k}: {v}" for k, v in sorted(summary["statuses"].items(), key=str))),
            ("load duration", f"{elapsed:.1f} s"),
            ("throughput", f"{throughput:.1f} submissions/s ({total_requests / elapsed:.1f} HTTP req/s incl. GET form)"),
            ("POST latency p50 / p95 / p99 / max", "{:.0f} / {:.0f} / {:.0f} / {:.0f} ms".format(
                summary["post_ms"][50], summary["post_ms"][95], summary["post_ms"][99], summary["post_ms"]["max"])),
            ("GET form latency p50 / p95 / p99", "{:.0f} / {:.0f} / {:.0f} ms".format(
                summary["get_ms"][50], summary["get_ms"][95], summary["get_ms"][99])),
            ("processing: done / pending / failed", f"{counts['done']} / {counts['pending']} / {counts['failed']}"
                                                     f"  (retried {retried}, with error {len(with_error)})"),
            ("all processed, s after end of load", (f"{max(0.0, last_after):.1f} s" if all_processed and last_after is not None
                                                    else f"not within {waited:.0f} s ({counts['pending']} pending, "
                                                         f"{counts['failed']} failed)"
                                                         + (f"; at {drain_rate:.1f}/s all by ~{waited + counts['pending'] / drain_rate:.0f} s"
                                                            if drain_rate > 0 and counts["pending"] else ""))),
            ("processing rate during / after the load", f"{load_rate:.1f} / {drain_rate:.1f} leads/s "
                                                        f"({at_end['pending']} pending at the end of the load)"),
            ("submit-to-processed lag p50 / p95 / max", "{:.1f} / {:.1f} / {:.1f} s".format(
                percentile(lags, 50), percentile(lags, 95), max(lags, default=float("nan")))),
            ("peak pending backlog during load", f"{max((s[1] for s in monitor.samples), default=0)} leads"),
        ]
        if baseline:
            table.append(("baseline: 1 client sequential", f"{baseline['throughput']:.1f} submissions/s, "
                                                          f"POST p50 {baseline['post_ms_p50']:.0f} ms"))
            ratio = throughput / baseline["throughput"] if baseline["throughput"] else float("nan")
            table.append((f"{args.clients} clients vs 1 client", f"{ratio:.2f}x throughput"))
        if bare:
            table.append(("bare endpoint (1 INSERT, same gunicorn)", f"{bare['throughput']:.1f} POSTs/s "
                                                                     f"({bare['inserted']}/{bare['requests']} inserted)"))
            table.append(("lead form vs bare endpoint", f"{throughput / bare['throughput']:.1%} of its throughput"
                          if bare["throughput"] else "n/a"))
        if len(pairs) > 1:
            table.append(("pairs: bare / API (workers paused)", "; ".join(
                f"{p['bare']['throughput']:.1f} / {p['api']['throughput']:.1f} = {p['ratio']:.1%}"
                for p in pairs if "ratio" in p) + "  (the median pair below)"))
        for name, phase in (("API, RQ workers paused", api), ("API, RQ workers processing", api_busy)):
            if not phase:
                continue
            table.append((name, f"{phase['throughput']:.1f} leads/s ({phase['created']}/{phase['requests']} created "
                                f"(201); p50 / p95 {phase['post_ms'][50]:.0f} / {phase['post_ms'][95]:.0f} ms)"))
            rec_api = phase["reconciled"]
            table.append(("  missing / duplicates / unreceipted", f"{rec_api['missing']} / {rec_api['duplicates']} / "
                                                                  f"{rec_api['unreceipted']}"))
            if bare and bare["throughput"]:
                table.append(("  vs bare endpoint", f"{phase['throughput'] / bare['throughput']:.1%} of its throughput "
                                                    "(target: at least 50%)"))
        width = max(len(k) for k, _ in table)
        for key, value in table:
            print(f"  {key:<{width}}  {value}")
        print(line)
        verdict = "PASS" if passed else "FAIL"
        print(f"  R1: {rec['stored']} of {args.total} stored, {summary['server_errors']} server errors, "
              f"{'all processed within 2 min' if processed_in_window else 'NOT all processed within 2 min'}"
              f"  ->  {verdict}")
        print(line)

        problems = []
        if login_errors:
            problems.append(f"login failures: {login_errors[:5]}")
        if get_failures:
            problems.append(f"GET /leads/new failures ({len(get_failures)}): {get_failures[:5]}")
        if stuck:
            problems.append(f"{stuck} client thread(s) still running at the cap")
        for status, examples in summary["examples"].items():
            problems.append(f"POST answered {status}: {examples}")
        for phase in (api, api_busy):
            if phase and phase["examples"]:
                problems.append(f"API POST refusals: {phase['examples']}")
        for name in ("missing", "duplicates", "wrong_id", "wrong_owner"):
            if rec[name]:
                problems.append(f"{name}: {rec[name][:5]}")
        if rec["unreceipted"]:
            problems.append(f"stored without receipt: {list(rec['unreceipted'].items())[:5]}")
        if with_error:
            problems.append(f"processing errors: {with_error[:3]}")
        if problems:
            print("problems:")
            for problem in problems:
                print("  - " + problem)
        others = cpu_load["machine"] - sum(v for k, v in cpu_load.items() if k != "machine")
        print(f"CPU during the load ({elapsed:.0f} s x {os.cpu_count()} cores = {elapsed * (os.cpu_count() or 1):.0f} core-s): "
              + ", ".join(f"{k} {v:.0f} s" for k, v in cpu_load.items() if k != "machine")
              + f", PostgreSQL and the rest {others:.0f} s; machine busy {cpu_load['machine']:.0f} s")
        print(f"redis after: {redis_after}")
        print("server status codes (gunicorn access log): "
              + ", ".join(f"{k}: {v}" for k, v in sorted(access_log_statuses(tmp).items())))
        print("log lines of note:")
        for name, found in scan_logs(tmp).items():
            if found:
                print(f"  {name}: " + ", ".join(f"{k!r} x{v}" for k, v in sorted(found.items())))
        print(f"logs kept in {tmp}")

        figures.update({
            "passed": passed, "accepted": rec["accepted"], "stored": rec["stored"], "missing": len(rec["missing"]),
            "duplicates": len(rec["duplicates"]), "unreceipted": len(rec["unreceipted"]),
            "server_errors": summary["server_errors"], "statuses": {str(k): v for k, v in summary["statuses"].items()},
            "load_seconds": elapsed, "throughput": throughput, "post_ms": summary["post_ms"],
            "get_ms": summary["get_ms"], "processing": counts, "pending_at_end_of_load": at_end["pending"],
            "processing_rate_during_load": load_rate, "processing_rate_after_load": drain_rate, "last_processed_after_s": last_after,
            "cpu_during_load": cpu_load, "baseline": baseline, "bare": bare,
            "ratio_to_bare": throughput / bare["throughput"] if bare and bare["throughput"] else None,
            "api": api, "api_busy": api_busy, "pairs": pairs,
            "api_ratio_to_bare": api["throughput"] / bare["throughput"] if api and bare and bare["throughput"] else None,
            "backlog_samples": [(round(t - load_started, 1), p, q) for t, p, q in monitor.samples],
        })
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
        return 0 if passed else 1
    finally:
        stack.stop()
        if args.drop_db:
            try:
                drop_database(args.pg)
                print(f"dropped database {DB_NAME}")
            except Exception as exc:
                print(f"could not drop {DB_NAME}: {exc}")
        else:
            print(f"database {DB_NAME} left in place ({args.pg}/{DB_NAME}); --drop-db removes it")


if __name__ == "__main__":
    sys.exit(main())
