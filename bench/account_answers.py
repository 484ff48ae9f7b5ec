"""Issue 10, items 3 and 14: do the account pages take the same time whether or not an address has
an account? (The answers themselves are compared byte for byte by tests/web/test_account_recovery.)

    .venv/bin/python bench/account_answers.py                      # SQLite (embedded default)
    .venv/bin/python bench/account_answers.py --pg postgresql://postgres@127.0.0.1:5432/bench_accounts \\
        --redis redis://127.0.0.1:6379/14                           # PostgreSQL + Redis (both emptied!)

With the production argon2id profile (RFC 9106, 64 MiB), Flask's test client with real CSRF and
rate limits raised out of the way, it times, interleaved round by round (so that the machine's
load falls on both alike), each pair of requests an attacker would compare:

- POST /password/forgot for an address with an account, and for one without;
- POST /register/supplier with a fresh address, and with one that has an account;
- POST /login with a wrong password for an account, and for an unknown address.

Prints the median and the 10th-90th percentile milliseconds per path and the ratio of the medians.
Without --redis the outbox is sent in-process after the commit (to the log), as on the embedded
default; with --redis it is queued, as in production.

Measured 2026-11-30 (branch accounts; 2 cores shared with three other sessions, so wide spreads),
25 rounds, medians, ratio account / no account:
PostgreSQL + Redis: forgot 18.3 / 17.5 ms (1.05), register 427.5 new / 410.0 existing ms (1.04),
login 395.1 wrong password / 397.8 unknown ms (0.99).
SQLite, no Redis: forgot 10.8 / 6.3 ms (1.71: the known path sends its e-mail in-process after the
commit; production queues it), register 302.5 / 351.7 ms (0.86), login 313.9 / 304.1 ms (1.03).
"""
from __future__ import annotations

import argparse
import logging
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import database  # noqa: E402

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "correct horse battery staple"


def build_app(args):
    unlimited = "1000000 per hour"
    app = database.scratch_app("account-answers", args.pg, args.redis, PASSWORD_HASH_PROFILE="RFC_9106_LOW_MEMORY",
                               LOGIN_LIMIT=unlimited, LOGIN_ACCOUNT_ADDRESS_LIMIT=unlimited,
                               LOGIN_ACCOUNT_LIMIT=unlimited, REGISTER_LIMIT=unlimited, ACCOUNT_MAIL_LIMIT=unlimited)
    logging.getLogger("marketplace.services.notifications").setLevel(logging.WARNING)  # no e-mail bodies
    return app


def timed_post(client, page: str, path: str, data: dict, expect: int) -> float:
    token = TOKEN.search(client.get(page).get_data(as_text=True)).group(1)
    started = time.perf_counter()
    response = client.post(path, data={**data, "csrf_token": token})
    elapsed = time.perf_counter() - started
    if response.status_code != expect:
        raise SystemExit(f"POST {path} answered {response.status_code}, expected {expect}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=None, help="PostgreSQL URL of a scratch database (emptied!)")
    parser.add_argument("--redis", default=None, help="Redis URL of a scratch database (flushed!)")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    app = build_app(args)
    from marketplace.extensions import db
    from marketplace.services import accounts

    with app.app_context():
        accounts.create_account(accounts.NewAccount(email="known@bench.example", password=PASSWORD, role="supplier",
                                                    name="Known Bench", organisation_name="Known Bench LLC"))
        db.session.commit()
    client = app.test_client()
    timings: dict[str, list[float]] = {}

    def record(name: str, seconds: float) -> None:
        timings.setdefault(name, []).append(seconds)

    def registration(email: str) -> dict:
        return {"name": "Alex Bench", "email": email, "organisation_name": "Bench Supplies LLC",
                "password": PASSWORD, "confirm": PASSWORD}

    for n in range(args.rounds + 2):  # the first two rounds warm up and are dropped
        pairs = [
            ("forgot: account", "/password/forgot", "/password/forgot", {"email": "known@bench.example"}, 200),
            ("forgot: no account", "/password/forgot", "/password/forgot", {"email": f"nobody{n}@bench.example"}, 200),
            ("register: new", "/register/supplier", "/register/supplier", registration(f"new{n}@bench.example"), 200),
            ("register: existing", "/register/supplier", "/register/supplier", registration("known@bench.example"), 200),
            ("login: wrong password", "/login", "/login", {"email": "known@bench.example", "password": "wrong pass"}, 200),
            ("login: unknown", "/login", "/login", {"email": f"nobody{n}@bench.example", "password": "wrong pass"}, 200),
        ]
        if n % 2:
            pairs = [pairs[i ^ 1] for i in range(len(pairs))]  # alternate which of each pair goes first
        for name, page, path, data, expect in pairs:
            seconds = timed_post(client, page, path, data, expect)
            if n >= 2:
                record(name, seconds)
    medians = {}
    for name, values in timings.items():
        values = sorted(values)
        medians[name] = statistics.median(values)
        low, high = values[len(values) // 10], values[(len(values) * 9) // 10]
        print(f"{name:24} median {medians[name] * 1000:7.1f} ms   p10-p90 {low * 1000:6.1f}-{high * 1000:6.1f} ms")
    for a, b in (("forgot: account", "forgot: no account"), ("register: new", "register: existing"),
                 ("login: wrong password", "login: unknown")):
        print(f"{a} / {b}: {medians[a] / medians[b]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
