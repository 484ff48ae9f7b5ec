"""What an ``Idempotency-Key`` promises (issue: a key reused with another body): the same key
again means the same request, so a retry is answered with the first result. A key sent again with
a different request is a client's mistake (IETF draft "The Idempotency-Key HTTP Header Field":
422), never a silent replay of the first one. A request is told apart by its fingerprint: SHA-256
of its method, path and canonical body. Pure.

The canonical body is what the server reads, not the bytes sent: a JSON body parsed and written
again with sorted keys and no spaces (a client that reorders keys or reformats the same object
sends the same request); a multipart upload as its fields and each file's name and content digest
(its boundary is random per attempt); any other body as its bytes.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

FINGERPRINT_LENGTH = 64  # hex SHA-256


def canonical_json(value) -> bytes:
    """A parsed JSON value written one way only: keys sorted, no spaces, text as UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_multipart(fields: Iterable[tuple[str, str]], files: Iterable[tuple[str, str, str]]) -> bytes:
    """A multipart body as (name, value) fields and (name, filename, hex SHA-256 of the content)
    files, in any order."""
    return canonical_json({"fields": sorted([name, value] for name, value in fields),
                           "files": sorted([name, filename, digest] for name, filename, digest in files)})


def request_fingerprint(method: str, path: str, canonical_body: bytes) -> str:
    """The hex SHA-256 of a request: its method, its path and its canonical body."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), canonical_body):
        digest.update(len(part).to_bytes(8, "big"))  # length-prefixed: no two requests share the bytes
        digest.update(part)
    return digest.hexdigest()


def same_request(stored: str | None, presented: str) -> bool:
    """Whether a retry is the request whose receipt holds ``stored``. A receipt written before
    fingerprints were kept (None) replays as it always did."""
    return stored is None or stored == presented
