"""One-time submissions (issue 10, item 10): a create form carries a random ``submission_token``;
the first POST with it stores its record and a receipt (token -> what was created, and where its
sender was sent) in the same transaction, and any later POST with the same token is answered
with that first result and stores nothing.

The receipt is unique per (user, token) in the database: when two POSTs with one token race, the
second's insert waits for the first's commit and then fails (IntegrityError at the commit, whose
flush writes the receipt); the edge rolls the whole second attempt back and answers with the first
result (``earlier``). Only signed-in people can create records, so a receipt belongs to a user.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..extensions import db
from ..models import SubmissionReceipt
from ..models.base import utcnow


@dataclass(frozen=True)
class Receipt:
    """What the first POST with a token created: ``kind`` ("lead", "request", ...), the record's
    id and the path its sender was redirected to."""

    kind: str
    object_id: int
    location: str
    # The API request that wrote it (domain.idempotency), None for a page's form token.
    fingerprint: str | None = None


def earlier(user_id: int, token: str | None) -> Receipt | None:
    """The receipt of ``user_id``'s earlier submission with ``token``, if one was committed."""
    if not token:
        return None
    row = db.session.execute(db.select(SubmissionReceipt).where(
        SubmissionReceipt.user_id == user_id, SubmissionReceipt.token == token)).scalar_one_or_none()
    return Receipt(row.kind, row.object_id, row.location, row.fingerprint) if row else None


def record(user_id: int, token: str, kind: str, object_id: int, location: str) -> None:
    """Add the receipt for this submission to the current transaction; the caller's commit writes
    it (no flush of its own: one flush for the receipt and what else is pending). That commit
    raises sqlalchemy's IntegrityError when the token was used meanwhile (see the module's note)."""
    db.session.add(SubmissionReceipt(user_id=user_id, token=token, kind=kind, object_id=object_id,
                                     location=location[:300]))


def insert(user_id: int, token: str, kind: str, object_id: int, location: str,
           fingerprint: str | None = None) -> None:
    """``record`` as one Core INSERT sent now: a token used meanwhile raises IntegrityError here
    (not at the commit); the caller rolls the whole attempt back as for ``record``. The API keeps
    its request's ``fingerprint`` (domain.idempotency) with an Idempotency-Key's receipt."""
    db.session.execute(_INSERT, dict(user_id=user_id, token=token, kind=kind, object_id=object_id,
                                     location=location[:300], fingerprint=fingerprint, created_at=utcnow()))


_INSERT = SubmissionReceipt.__table__.insert()
