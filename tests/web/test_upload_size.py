"""A too-large upload gets the 413 page, under the production server, from a client that sends the
whole body before reading the answer (as browsers do) — not a connection reset (issue 10, item 8)."""
from __future__ import annotations

import http.client
import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from marketplace.web.body_limit import DrainOversizedBodies

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    port = _free_port()
    env = dict(os.environ, MARKETPLACE_ENV="development",
               MARKETPLACE_INSTANCE=str(tmp_path_factory.mktemp("instance")))
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def _multipart(size: int) -> bytes:
    return (b'--x\r\nContent-Disposition: form-data; name="file"; filename="leads.csv"\r\n\r\n'
            + b"a" * size + b"\r\n--x--\r\n")


@pytest.mark.parametrize("path, size", [("/staff/import", 50 * MB), ("/login", 17 * MB)])
def test_an_oversized_upload_reads_the_413_page(gunicorn, path, size):
    connection = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=60)
    connection.request("POST", path, body=_multipart(size),
                       headers={"Content-Type": "multipart/form-data; boundary=x"})
    response = connection.getresponse()
    assert response.status == 413
    assert b"File too large" in response.read()


class _Stream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def _call(length: int, limit: int | None, drain: int) -> int:
    stream = _Stream(b"z" * length)
    app = DrainOversizedBodies(lambda environ, start_response: [b"ok"], limit, drain)
    app({"CONTENT_LENGTH": str(length), "wsgi.input": stream}, lambda *a: None)
    return stream.bytes_read


def test_only_an_oversized_body_within_the_drain_bound_is_read():
    assert _call(100, limit=1000, drain=10_000) == 0          # within the limit: the app reads it
    assert _call(5000, limit=1000, drain=10_000) == 5000      # too large: discarded so 413 can be read
    assert _call(20_000, limit=1000, drain=10_000) == 0       # beyond the bound: not worth reading
    assert _call(5000, limit=None, drain=10_000) == 0         # no limit configured
