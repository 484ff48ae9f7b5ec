"""Private servers on loopback for the benchmarks and the reliability tests (tests/jobs): a free
port, a redis-server without persistence, a PostgreSQL cluster of its own. One copy of what
bench/fault_run.py, bench/dedup_scale.py, bench/import_scale.py, bench/load_submit.py and
tests/jobs/conftest.py each wrote for itself.

Imported as ``bench.servers``: the benches put the repository's root on sys.path (as for
bench/database.py), pytest does it from pytest.ini (``pythonpath = .``). It imports nothing of the
marketplace; ``redis`` (an application dependency) only when a server is started.
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class ServerMissing(RuntimeError):
    """The server's programs are not installed on this machine."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def working_directory(directory: Path | None, prefix: str) -> Path:
    """``directory``, made if missing; a new temporary one (named ``prefix``...) when None."""
    if directory is None:
        return Path(tempfile.mkdtemp(prefix=prefix))
    Path(directory).mkdir(parents=True, exist_ok=True)
    return Path(directory)


class RedisServer:
    """A redis-server on a free loopback port, without persistence (``--save ""``, no AOF): after
    ``stop()`` and ``start()`` it is back on the same port, EMPTY.

    ``directory``: its working directory (made if missing); a new temporary one by default.
    ``log``: a file its output is appended to (kept across restarts); none by default (DEVNULL).
    ``new_session``: in its own session and process group, so a Ctrl-C in the terminal does not
    reach it before the caller has tidied up, and the caller may signal its group.
    """

    def __init__(self, directory: Path | None = None, *, log: Path | None = None, new_session: bool = False) -> None:
        if not shutil.which("redis-server"):
            raise ServerMissing("redis-server is not installed (apt-get install redis-server; .ci/run installs it)")
        self.port = free_port()
        self.dir = working_directory(directory, "redis-")
        self.log = log
        self.new_session = new_session
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> None:
        """Start it and wait until it answers PING (RuntimeError after ``timeout`` seconds)."""
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", str(self.dir)]
        if self.log is None:
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                            start_new_session=self.new_session)
        else:
            with open(self.log, "ab") as out:  # the child keeps its own descriptor
                self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                                start_new_session=self.new_session)
        import redis

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """SIGKILL, as a crash would (nothing is saved); waits for it to be gone."""
        if self.running():
            self.process.kill()
            self.process.wait()

    def freeze(self) -> None:
        """SIGSTOP: it holds its connections but answers nothing until ``thaw()``."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def client(self):
        import redis

        return redis.Redis(port=self.port)

    def remove(self) -> None:
        """Stop it (thawed first, if frozen) and delete its directory."""
        if self.running():
            self.thaw()
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresServer:
    """A private PostgreSQL cluster on a free loopback port, trust authentication, made by initdb
    in the constructor (the newest /usr/lib/postgresql/*/bin; run as the postgres user when this
    runs as root, since initdb refuses root). Its log is ``dir/server.log``.

    ``directory``: where the cluster lives (made if missing; owned by postgres when root; its parents
    must be open to that user); a new temporary one by default.
    ``fsync``: False adds ``-c fsync=off`` (faster; fine where no machine crash is simulated).
    """

    def __init__(self, directory: Path | None = None, *, fsync: bool = True) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
        if not bins:
            raise ServerMissing("PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin")
        self.bin = Path(bins[-1])
        self.port = free_port()
        self.dir = working_directory(directory, "pg-")
        self.data = self.dir / "data"
        self.fsync = fsync
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
        """pg_ctl start, waiting until it accepts connections."""
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.fsync:
            options += " -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "server.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop -m ``mode`` (smart, fast or immediate), waiting until it is down."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def remove(self) -> None:
        """Stop it (immediate) if it runs and delete the cluster."""
        if self.running():
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
