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

from collections.abc import Callable, Iterable, Mapping

from flask import Request, current_app

CHUNK_BYTES = 64 * 1024


class DrainOversizedBodies:
    """WSGI middleware: ``DrainOversizedBodies(wsgi_app, max_content_length, max_drain_bytes,
    larger)``. Sizes are in bytes; ``max_content_length=None`` turns it off; ``larger`` maps paths
    that take larger bodies (the CSV import) to their own limit (see ``LimitedRequest``)."""

    def __init__(self, wsgi_app: Callable, max_content_length: int | None, max_drain_bytes: int,
                 larger: Mapping[str, int] | None = None) -> None:
        self.wsgi_app = wsgi_app
        self.max_content_length = max_content_length
        self.max_drain_bytes = max_drain_bytes
        self.larger = dict(larger or {})

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        length = _declared_length(environ)
        limit = self.larger.get(environ.get("PATH_INFO", ""), self.max_content_length)
        if limit is not None and length is not None and limit < length <= self.max_drain_bytes:
            _discard(environ["wsgi.input"], length)
        return self.wsgi_app(environ, start_response)


class LimitedRequest(Request):
    """Flask's request with ``MAX_CONTENT_LENGTH`` per path: the paths in ``LARGER_BODIES`` (the
    CSV import: a 100,000-row file is about 30 MB) take bodies up to their own limit, every other
    path the global one. Set on the app as ``request_class``, so the limit holds from the first
    read of the body (CSRF protection reads the form before any view runs)."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and current_app:
            larger = current_app.config.get("LARGER_BODIES") or {}
            if self.path in larger:
                return larger[self.path]
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


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
