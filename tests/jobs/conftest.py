"""Real Redis servers and real RQ worker processes for the reliability tests (quality bar R2-R12).

Each test gets its own redis-server on a free loopback port, so it can stop, freeze or flush it
without touching the machine's shared Redis; a test that restarts PostgreSQL gets its own cluster
(initdb and pg_ctl in a temporary directory, fsync off). Both come from bench/servers.py, as the
benchmarks' do. Workers are `flask --app wsgi worker` subprocesses on the same database as the
test. These tests exercise the production set-up, so they run when the suite runs on PostgreSQL
(CI's first run); on the embedded default they are skipped.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.servers import PostgresServer, RedisServer
from tests.conftest import DATABASE_URL, IS_POSTGRES

ROOT = Path(__file__).resolve().parents[2]

# (pytestmark only works in test modules: test_reliability.py imports this one.)
requires_postgres = pytest.mark.skipif(not IS_POSTGRES, reason="reliability tests run on PostgreSQL + Redis")


@pytest.fixture
def postgres_server():
    server = PostgresServer(fsync=False)
    server.start()
    yield server
    server.remove()


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.remove()


@pytest.fixture
def jobs_app(clean_app, redis_server):
    """The test app, enqueueing to this test's own Redis."""
    from marketplace.jobs import queue

    saved = clean_app.config["REDIS_URL"]
    clean_app.config["REDIS_URL"] = redis_server.url
    queue._connections.clear()
    yield clean_app
    clean_app.config["REDIS_URL"] = saved
    queue._connections.clear()


class Workers:
    """`flask --app wsgi worker` subprocesses on the test database and this test's Redis."""

    def __init__(self, redis_url: str, tmp: Path) -> None:
        self.redis_url = redis_url
        self.tmp = tmp
        self.processes: list[subprocess.Popen] = []

    def env(self, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
        env.update(MARKETPLACE_ENV="testing", DATABASE_URL=DATABASE_URL, REDIS_URL=self.redis_url,
                   MARKETPLACE_INSTANCE=os.environ["MARKETPLACE_INSTANCE"], PYTHONPATH=str(ROOT),
                   SWEEP_AFTER_SECONDS="0", JOB_STALE_AFTER_SECONDS="12")
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def start(self, *, burst: bool = False, fork: bool = False, **env) -> subprocess.Popen:
        log = open(self.tmp / f"worker-{len(self.processes)}.log", "wb")
        args = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--fork" if fork else "--no-fork"]
        args += ["--burst"] if burst else []
        process = subprocess.Popen(args, cwd=ROOT, env=self.env(**env), stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        process.log_path = log.name
        self.processes.append(process)
        return process

    def start_sweeper(self, every: float = 1, older_than: int = 0, **env) -> subprocess.Popen:
        """`flask sweep --every N` as its own process (the supervised sweeper, issue 10 item 12)."""
        log = open(self.tmp / f"sweeper-{len(self.processes)}.log", "wb")
        args = [sys.executable, "-m", "flask", "--app", "wsgi", "sweep", "--every", str(every),
                "--older-than", str(older_than)]
        process = subprocess.Popen(args, cwd=ROOT, env=self.env(**env), stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        process.log_path = log.name
        self.processes.append(process)
        return process

    def log_of(self, process: subprocess.Popen) -> str:
        return Path(process.log_path).read_text(errors="replace")

    def run_burst(self, timeout: float = 120, **env) -> None:
        process = self.start(burst=True, **env)
        process.wait(timeout=timeout)

    def horse_pids(self, process: subprocess.Popen) -> list[int]:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def kill_all(self, process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def logs(self) -> str:
        return "".join(Path(p.log_path).read_text(errors="replace") for p in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=10)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def workers(redis_server, tmp_path):
    pool = Workers(redis_server.url, tmp_path)
    yield pool
    pool.stop()


def wait_until(predicate, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
