"""Which ``next=`` targets are safe: only paths on this site."""
from __future__ import annotations

from urllib.parse import unquote, urlsplit


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` if it is a local path such as ``/leads/3?page=2``, otherwise ``default``.

    Refuses anything a browser could read as another host: ``//evil``, ``/\\evil``, ``https:evil``,
    encoded or with control characters hidden in it.
    """
    if not target:
        return default
    # Browsers drop tabs and newlines inside URLs and treat backslashes as slashes.
    decoded = target
    for _ in range(3):  # catch double and triple encoding
        decoded = unquote(decoded)
    probe = decoded.replace("\\", "/")
    if any(ord(c) < 32 or ord(c) == 127 for c in probe):
        return default
    if not probe.startswith("/") or probe.startswith("//"):
        return default
    parts = urlsplit(probe)
    if parts.scheme or parts.netloc:
        return default
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target


def without_trailing_slash(path: str) -> str | None:
    """The path a page's address with a trailing slash means: ``/open-data/`` -> ``/open-data``.

    None for a path without a trailing slash, and for the start page ``/``. The answer has one
    leading slash however many the path had (``//open-data/`` -> ``/open-data``), so that it can
    never be read as another host; whether a page answers at it is the router's to say.
    """
    if not path.endswith("/"):
        return None
    rest = path.strip("/")
    return f"/{rest}" if rest else None
