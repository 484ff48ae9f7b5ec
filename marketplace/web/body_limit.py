"""A too-large upload is answered with the 413 page, not a connection reset.

A browser sends the whole request body before it reads the answer. If the server answers 413 and
closes the connection while the body is still arriving, the browser shows "connection reset" and the
supplier never learns the file was too large. This WSGI middleware reads and discards the body of a
request whose ``Content-Length`` exceeds ``MAX_CONTENT_LENGTH`` (up to ``MAX_DRAIN_BYTES``; what nginx
calls a lingering close), then lets the application answer: werkzeug refuses the body by its
declared length with 413 before reading it, and the error page is rendered as for any other 413.
A body larger than ``MAX_DRAIN_BYTES`` is not read: bounding the work a client can cause matters
more than its error page.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

CHUNK_BYTES = 64 * 1024


class DrainOversizedBodies:
    """WSGI middleware: ``DrainOversizedBodies(wsgi_app, max_content_length, max_drain_bytes)``.
    Sizes are in bytes; ``max_content_length=None`` turns it off."""

    def __init__(self, wsgi_app: Callable, max_content_length: int | None, max_drain_bytes: int) -> None:
        self.wsgi_app = wsgi_app
        self.max_content_length = max_content_length
        self.max_drain_bytes = max_drain_bytes

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        length = _declared_length(environ)
        if self.max_content_length is not None and length is not None and \
                self.max_content_length < length <= self.max_drain_bytes:
            _discard(environ["wsgi.input"], length)
        return self.wsgi_app(environ, start_response)


def _declared_length(environ: dict) -> int | None:
    try:
        return int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def _discard(stream, length: int) -> None:
    remaining = length
    while remaining > 0:
        chunk = stream.read(min(CHUNK_BYTES, remaining))
        if not chunk:
            return
        remaining -= len(chunk)
