"""Personal API tokens: make, list, revoke, and find the user of a presented token."""
from __future__ import annotations

from datetime import timedelta
from functools import cache

from sqlalchemy import bindparam
from sqlalchemy.orm import joinedload

from ..domain.api_tokens import DEACTIVATED, REVOKED, UNKNOWN, looks_like_token, new_token, token_digest, token_name
from ..domain.errors import NotFound
from ..extensions import db
from ..models import ApiToken, User
from ..models.base import utcnow
from . import audit

# last_used_at is written at most this often per token: one UPDATE a minute, not one per request.
LAST_USED_EVERY = timedelta(minutes=1)


def create_token(user: User, name: str | None) -> tuple[ApiToken, str]:
    """A new token for ``user`` named ``name`` (domain.api_tokens.token_name; FieldError), audited.
    Returns (the row, the secret): the secret is shown once and never stored. Flushes."""
    made = new_token()
    row = ApiToken(user_id=user.id, name=token_name(name), prefix=made.prefix, token_hash=made.digest)
    db.session.add(row)
    db.session.flush()
    audit.record(user.id, "api_token.create", "user", user.id, after={"token_id": row.id, "name": row.name})
    return row, made.secret


def tokens_of(user: User) -> list[ApiToken]:
    """``user``'s tokens that still work, newest first."""
    return list(db.session.execute(db.select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).order_by(ApiToken.id.desc())).scalars())


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s own tokens (NotFound for anyone else's or an unknown id), audited.
    Revoking a revoked token changes nothing. Flushes."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound()
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(user.id, "api_token.revoke", "user", user.id, after={"token_id": row.id, "name": row.name})
        db.session.flush()
    return row


@cache
def _token_query():
    """Built once (building it cost about a fifth of the look-up, every API call). Revoked tokens
    are found too, so that their holder is told why (one look-up either way)."""
    return (db.select(User, ApiToken.id, ApiToken.last_used_at, ApiToken.revoked_at)
            .join(ApiToken, ApiToken.user_id == User.id)
            .options(joinedload(User.organisation))
            .where(ApiToken.token_hash == bindparam("digest")))


def user_for_token(secret: str | None) -> tuple[User | None, bool, str | None]:
    """(the active user holding the unrevoked token ``secret`` or None, whether ``last_used_at`` was
    stamped, why there is no user: domain.api_tokens UNKNOWN, REVOKED or DEACTIVATED, None when
    there is one). One query: the user and its organisation, with the token's id,
    ``last_used_at`` and ``revoked_at`` as plain columns (loading the token as an object with the
    user as its eager relation cost twice as much, every API call). Stamps ``last_used_at`` at
    most every LAST_USED_EVERY, by one UPDATE in the current transaction (the edge commits it at
    once: a read-only API call would otherwise never commit it)."""
    if not looks_like_token(secret):
        return None, False, UNKNOWN
    row = db.session.execute(_token_query(), {"digest": token_digest(secret)}).one_or_none()
    if row is None:
        return None, False, UNKNOWN
    user, token_id, last_used_at, revoked_at = row
    if not user.active:
        return None, False, DEACTIVATED
    if revoked_at is not None:
        return None, False, REVOKED
    now = utcnow()
    if last_used_at is None or now - last_used_at >= LAST_USED_EVERY:
        db.session.execute(db.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        return user, True, None
    return user, False, None
