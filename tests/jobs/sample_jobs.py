"""Job bodies for the Redis memory test (R10): the same shape as the real jobs (one id argument,
a short description), one that succeeds and one that fails with a traceback as deep as a real
failure inside the lead pipeline (about 20 frames)."""
from __future__ import annotations


def succeed(lead_id: int) -> str:
    return "done"


def fail(lead_id: int, depth: int = 20) -> str:
    if depth:
        return fail(lead_id, depth - 1)
    raise RuntimeError(f"processing lead {lead_id} failed: the registry answered 503 Service Unavailable")
