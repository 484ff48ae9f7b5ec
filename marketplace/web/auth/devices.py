"""Known browsers ("device cookies", OWASP): failed sign-ins cannot be used to lock an owner out.

Failed sign-ins are limited three ways (config ``LOGIN_LIMIT``, ``LOGIN_ACCOUNT_ADDRESS_LIMIT``,
``LOGIN_ACCOUNT_LIMIT``): per address, per account and address (both about 10 a minute, quality
bar S9), and per account from all addresses together. The last is set high, so that only a
botnet reaches it; once it is reached, sign-in to that account is refused only to browsers that
have never signed in to it. A browser that signed in to the account before carries a signed cookie
naming it (a hash of the e-mail address, never the address) and is not held back: the owner is
not locked out by someone else's guessing.
"""
from __future__ import annotations

import hashlib

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "known_browser"
MAX_ACCOUNTS = 5                      # a shared computer: the last five accounts signed in
MAX_AGE_SECONDS = 180 * 24 * 3600     # half a year


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-browser")


def account_tag(email: str) -> str:
    """A short, keyed hash of a normalised e-mail address (what the cookie holds)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hashlib.blake2b(email.strip().lower().encode(), key=key[:64], digest_size=12).hexdigest()


def _tags() -> list[str]:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        tags = _serializer().loads(raw, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return []
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def is_known_browser(email: str) -> bool:
    """True when this request's browser has signed in to the account ``email`` before."""
    return bool(email) and account_tag(email) in _tags()


def remember_browser(response: Response, email: str) -> Response:
    """Mark this browser as known for ``email`` (after a successful sign-in)."""
    tag = account_tag(email)
    tags = [tag] + [t for t in _tags() if t != tag]
    response.set_cookie(COOKIE, _serializer().dumps(tags[:MAX_ACCOUNTS]), max_age=MAX_AGE_SECONDS,
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
    return response
