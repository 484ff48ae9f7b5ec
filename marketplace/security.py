"""Password hashing, the session store, and HTTP security headers."""
from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher, Type, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, flash, g, request, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from .domain.i18n import N_, _
from .domain.sessions import SessionLimits, needs_touch, session_expired
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
    db.session.add(UserSession(user_id=user.id, token_hash=_token_hash(token), remembered=remember))
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


# The user of an unrevoked session, with their organisation, and the session's times: built once
# (the statement is immutable; only the token's hash is bound per request).
_USER_OF_SESSION = (
    select(User, UserSession.id, UserSession.created_at, UserSession.last_seen_at, UserSession.remembered)
    .select_from(UserSession).join(UserSession.user)
    .options(joinedload(User.organisation))
    .where(UserSession.token_hash == bindparam("token_hash"), UserSession.revoked_at.is_(None))
)
SESSION_ENDED = N_("Your session ended: please sign in again.")


def session_limits() -> SessionLimits:
    config = current_app.config
    return SessionLimits(idle=config["SESSION_IDLE"], idle_staff=config["SESSION_IDLE_STAFF"],
                         absolute=config["SESSION_ABSOLUTE"], absolute_remembered=config["SESSION_ABSOLUTE_REMEMBERED"])


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The user of an unrevoked session ``token``, if active and the session has not ended by itself
    (domain.sessions: idle too long, or past its absolute lifetime; such a session is revoked and
    the person told to sign in again); else None (signed out). One query on every signed-in
    request: the session row, its user and the user's organisation (pages show its name), joined;
    and at most once a minute a write of the session's last use."""
    row = db.session.execute(_USER_OF_SESSION, {"token_hash": _token_hash(token)}).one_or_none()
    if row is None:
        return None
    user, session_id, created_at, last_seen_at, remembered = row
    if not user.active:
        return None
    limits, now = session_limits(), utcnow()
    if session_expired(limits, now=now, created_at=created_at, last_seen_at=last_seen_at, role=user.role,
                       remembered=remembered):
        _write_session(session_id, revoked_at=now)
        g.session_ended = True  # told once, in the reader's language: session_end_message
        return None
    if needs_touch(limits, now=now, created_at=created_at, last_seen_at=last_seen_at):
        _write_session(session_id, last_seen_at=now)
    user.session_token = token
    return user


def sign_in_message(message: str) -> str:
    """Flask-Login's sign-in message, translated (its localize_callback): "Your session ended: please
    sign in again" instead when this request's session ended by itself."""
    if g.get("session_ended"):
        g.session_end_told = True
        return _(SESSION_ENDED)
    return _(message)


def tell_session_ended(response):
    """After a request whose session ended by itself on a page that needs no sign-in (no sign-in
    message was shown): say so once (an after_request hook)."""
    if g.get("session_ended") and not g.get("session_end_told"):
        flash(_(SESSION_ENDED), "info")
    return response


def _write_session(session_id: int, **values) -> None:
    """Update the session row in a transaction of its own: the request's ORM session (and the user
    it loaded) is left as it is, whatever the request does next."""
    with db.engine.begin() as connection:
        connection.execute(update(UserSession).where(UserSession.id == session_id).values(**values))


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
