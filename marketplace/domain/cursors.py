"""Opaque cursors for the API's lists (issue 12, item 3): a page ends with a cursor naming the
last record's id; the next page starts after it. Pure.

A cursor is URL-safe base64 of ``"id:<n>"``: opaque to clients (they pass it back unchanged), and
a value that is not one of ours is refused with a message (in the current language, domain.i18n),
never a database error.
"""
from __future__ import annotations

import base64
import binascii

from .errors import FieldError
from .i18n import _

MAX_ID = 2**31 - 1  # the database's integer ids


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id a cursor names (the page starts after it), None for no cursor; FieldError if it is
    not a cursor this API gave out."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise FieldError(_("Not a cursor this API gave out; use the next_cursor of the previous page.")) from None
    kind, _colon, number = text.partition(":")
    if kind != "id" or not number.isdigit() or not 0 < int(number) <= MAX_ID:
        raise FieldError(_("Not a cursor this API gave out; use the next_cursor of the previous page."))
    return int(number)


def page_limit(text: str | None, *, default: int, maximum: int) -> int:
    """The ``limit`` argument: a whole number from 1 to ``maximum``; FieldError otherwise."""
    if text is None or text == "":
        return default
    if not text.isdigit() or not 1 <= int(text) <= maximum:
        raise FieldError(_("A whole number from 1 to {maximum}.").format(maximum=maximum))
    return int(text)
