"""Personal API tokens (issue 12, item 3): how one is made, recognised and stored. Pure.

A token is ``ppe_`` followed by ``secrets.token_urlsafe(32)`` (256 random bits): the prefix lets
secret scanners and people recognise one in a log or a repository. Only its SHA-256 is stored (a
random 256-bit secret needs no slow password hash: nothing can be guessed), and the first
``DISPLAY_CHARS`` characters, so the holder can tell their tokens apart on the account page.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from .errors import FieldError
from .i18n import _

TOKEN_PREFIX = "ppe_"
DISPLAY_CHARS = 10  # "ppe_" and six characters of the secret
MAX_NAME = 80
# What a token looks like; anything else is refused without a database look-up.
_TOKEN = re.compile(r"ppe_[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class NewToken:
    """A token just made: ``secret`` is shown once to its holder and never stored; ``digest`` (hex
    SHA-256) and ``prefix`` are stored."""

    secret: str
    digest: str
    prefix: str


def new_token() -> NewToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return NewToken(secret, token_digest(secret), secret[:DISPLAY_CHARS])


def token_digest(secret: str) -> str:
    """The stored form of a token: 64 hex characters of SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_token(text: str | None) -> bool:
    return bool(text) and _TOKEN.fullmatch(text) is not None


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (RFC 6750; the scheme is
    case-insensitive), or None when the header is missing or of another kind."""
    if not authorization:
        return None
    scheme, _space, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    value = value.strip()
    return value or None


# Why a presented token opens nothing (services.api_tokens.user_for_token): its holder may learn
# that the token was revoked or its account deactivated (they hold its secret); a token that is
# not one of ours learns nothing more than that.
UNKNOWN, REVOKED, DEACTIVATED = "unknown", "revoked", "deactivated"


def refusal(reason: str) -> str:
    """The 401's detail for a presented token that opens nothing, in the current language. A
    revoked token of a deactivated account is told about the account: a new token would not help."""
    if reason == DEACTIVATED:
        return _("This token's account is deactivated: its tokens open nothing.")
    if reason == REVOKED:
        return _("This token was revoked. Make a new one on your API tokens page (/account/api-tokens).")
    return _("This token is not valid.")


def token_name(text: str | None) -> str:
    """A token's label as typed: stripped, at most MAX_NAME characters; empty is "API token" (in
    the current language: the holder reads it). Raises FieldError for control characters."""
    name = " ".join((text or "").split())
    if any(not c.isprintable() for c in name):
        raise FieldError(_("The name contains a control character; please remove it."))
    if len(name) > MAX_NAME:
        raise FieldError(_("At most {count} characters.").format(count=MAX_NAME))
    return name or _("API token")
