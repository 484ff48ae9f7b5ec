"""Password hashing, the session store, and HTTP security headers."""
from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher, Type, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, request, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from .extensions import db, login_manager
from .models import User, UserSession
from .models.base import utcnow

_PROFILES = {
    # RFC 9106 second recommendation: argon2id, t=3, m=64 MiB, p=4 (argon2-cffi's default).
    "RFC_9106_LOW_MEMORY": profiles.RFC_9106_LOW_MEMORY,
    # Only for the test suite: same algorithm, far less work.
    "TESTING": profiles.CHEAPEST,
}
_hashers: dict[str, PasswordHasher] = {}


def _hasher() -> PasswordHasher:
    name = current_app.config["PASSWORD_HASH_PROFILE"]
    if name not in _hashers:
        hasher = PasswordHasher.from_parameters(_PROFILES[name])
        if hasher.type is not Type.ID:  # an explicit check: asserts vanish under python -O
            raise RuntimeError(f"password profile {name} is not argon2id")
        _hashers[name] = hasher
    return _hashers[name]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


_DUMMY_HASH: dict[str, str] = {}


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password. With no stored hash (an unknown user) do the same work, so that the
    response time does not tell whether an account exists."""
    hasher = _hasher()
    if stored_hash is None:
        profile = current_app.config["PASSWORD_HASH_PROFILE"]
        if profile not in _DUMMY_HASH:  # once per process: hashing here too would double the time
            _DUMMY_HASH[profile] = hasher.hash(secrets.token_urlsafe(16))
        stored_hash = _DUMMY_HASH[profile]
        try:
            hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


# --- Server-side sessions --------------------------------------------------------------------
# Flask's session is a signed cookie: on its own, a copy of it stays valid after logout. Each
# login therefore creates a UserSession row; the cookie (and the remember cookie) carries only a
# random token, and logging out, changing the password or deactivating the account revokes it.

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, *, remember: bool = False) -> None:
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_token_hash(token)))
    user.last_login_at = utcnow()
    db.session.commit()
    user.session_token = token
    session.clear()  # a fresh session on login: no fixation
    login_user(user, remember=remember)


def end_session() -> None:
    token = getattr(current_user, "session_token", None)
    if token:
        db.session.execute(update(UserSession).where(UserSession.token_hash == _token_hash(token),
                                                     UserSession.revoked_at.is_(None))
                           .values(revoked_at=utcnow()))
        db.session.commit()
    logout_user()
    session.clear()


def revoke_all_sessions(user_id: int) -> None:
    """End every session of a user (password change, deactivation). The caller commits."""
    db.session.execute(update(UserSession).where(UserSession.user_id == user_id,
                                                 UserSession.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))


# The user of an unrevoked session, with their organisation: built once (the statement is
# immutable; only the token's hash is bound per request), and the session row is only a
# condition, not an object the ORM builds.
_USER_OF_SESSION = (
    select(User).select_from(UserSession).join(UserSession.user)
    .options(joinedload(User.organisation))
    .where(UserSession.token_hash == bindparam("token_hash"), UserSession.revoked_at.is_(None))
)


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The user of an unrevoked session ``token``, if active; else None (signed out). One query
    on every signed-in request: the session row, its user and the user's organisation (pages
    show its name), joined."""
    user = db.session.execute(_USER_OF_SESSION, {"token_hash": _token_hash(token)}).scalar_one_or_none()
    if user is None or not user.active:
        return None
    user.session_token = token
    return user


# --- Security headers ------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SEND_HSTS"):
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    # Pages may show one person's data: keep them out of shared caches and the back-button cache.
    # Only the app's own static files (the same for everybody) may be cached.
    if not request.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
    return response
