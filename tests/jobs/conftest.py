"""Real Redis servers and real RQ worker processes for the reliability tests (quality bar R2-R12).

Each test gets its own redis-server on a free loopback port, so it can stop, freeze or flush it
without touching the machine's shared Redis; a test that restarts PostgreSQL gets its own cluster
(``PostgresServer``: initdb and pg_ctl in a temporary directory). Workers are `flask --app wsgi worker` subprocesses
on the same database as the test. These tests exercise the production set-up, so they run when
the suite runs on PostgreSQL (CI's first run); on the embedded default they are skipped.
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import DATABASE_URL, IS_POSTGRES

ROOT = Path(__file__).resolve().parents[2]

# (pytestmark only works in test modules: test_reliability.py imports this one.)
requires_postgres = pytest.mark.skipif(not IS_POSTGRES, reason="reliability tests run on PostgreSQL + Redis")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="redis-test-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def client(self):
        import redis

        return redis.Redis(port=self.port)


class PostgresServer:
    """A private PostgreSQL cluster on a free loopback port, trust authentication, in a temporary
    directory (initdb and pg_ctl from /usr/lib/postgresql/*/bin; run as the postgres user when
    the tests run as root, since initdb refuses root)."""

    def __init__(self) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
        if not bins:
            raise RuntimeError("PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin")
        self.bin = Path(bins[-1])
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pg-test-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "server.log"), "-w",
                  "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def remove(self) -> None:
        if self.running():
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def postgres_server():
    server = PostgresServer()
    server.start()
    yield server
    server.remove()


@pytest.fixture
def redis_server():
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is not installed (.ci/run installs it)")
    server = RedisServer()
    server.start()
    yield server
    server.thaw() if server.process and server.process.poll() is None else None
    server.stop()
    shutil.rmtree(server.dir, ignore_errors=True)


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
