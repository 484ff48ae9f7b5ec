"""Signed, time-limited tokens for the links that accounts are recovered with (issue 10, item 14).

A token is ``itsdangerous.URLSafeTimedSerializer`` over ``[user id, binding]``, signed with the
site's secret key and a salt per purpose, so a token made for one purpose is refused for another.
The *binding* ties it to the state it may change and makes it single-use without a table of used
tokens:

- ``PASSWORD_RESET``: a keyed hash of the user's current password hash. Setting a password (by this
  link or any other way) changes the hash, so every reset link sent before stops working: the
  link works once, and a password change invalidates it.
- ``EMAIL_CONFIRM``: a keyed hash of the e-mail address it was sent to. Confirming is idempotent
  (a second use says "already confirmed"); a link to another address never confirms this one.

The binding is a keyed hash (BLAKE2b with the secret), never the password hash itself: the token's
payload is readable by whoever holds the link. Pure: no Flask, no database.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

PASSWORD_RESET = "password-reset"
EMAIL_CONFIRM = "email-confirm"
PURPOSES = (PASSWORD_RESET, EMAIL_CONFIRM)

EXPIRED = "expired"
INVALID = "invalid"  # tampered, for another purpose, or not a token at all
USED = "used"        # valid signature, but the state it was bound to has changed (used, or replaced)
# Valid signature, still bound, but the account was deactivated: said only to the holder of such a
# link (an invalid link never learns whether an account exists, let alone its state).
DEACTIVATED = "deactivated"


class TokenRefused(ValueError):
    """A token that cannot be used; ``reason`` is EXPIRED, INVALID, USED or DEACTIVATED."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TokenClaim:
    user_id: int
    binding: str


def _serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return URLSafeTimedSerializer(secret, salt=f"marketplace-{purpose}")


def binding(secret: str, purpose: str, value: str) -> str:
    """The keyed hash (22 hex digits) that ties a token to ``value`` (a password hash, an address)."""
    key = hashlib.sha256(f"{purpose}|{secret}".encode()).digest()
    return hashlib.blake2b(value.encode(), key=key, digest_size=11).hexdigest()


def make_token(secret: str, purpose: str, user_id: int, bound_to: str) -> str:
    """A URL-safe token (about 90 characters) for ``user_id``, bound to ``bound_to`` (see module)."""
    return _serializer(secret, purpose).dumps([int(user_id), binding(secret, purpose, bound_to)])


def read_token(secret: str, purpose: str, token: str, max_age_seconds: int) -> TokenClaim:
    """The claim in ``token`` if it is genuine, for ``purpose`` and younger than ``max_age_seconds``.
    Raises TokenRefused(EXPIRED) or TokenRefused(INVALID). The caller compares the binding
    (``bound``) with the current state: USED when it differs."""
    try:
        payload = _serializer(secret, purpose).loads(token or "", max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise TokenRefused(EXPIRED) from exc
    except BadData as exc:
        raise TokenRefused(INVALID) from exc
    if (not isinstance(payload, list) or len(payload) != 2 or type(payload[0]) is not int
            or not isinstance(payload[1], str)):
        raise TokenRefused(INVALID)
    return TokenClaim(payload[0], payload[1])


def bound(secret: str, purpose: str, claim: TokenClaim, current: str) -> bool:
    """Whether ``claim`` was made for the ``current`` value (constant-time comparison)."""
    return hmac.compare_digest(claim.binding, binding(secret, purpose, current))
