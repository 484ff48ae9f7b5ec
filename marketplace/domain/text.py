"""Invisible characters in names and one-line text (display spoofing, Trojan Source CVE-2021-42574).

Unicode's format characters (general category ``Cf``) are not drawn, but they change what a
reader sees: a right-to-left override (U+202E) shows ``Acme`` + U+202E + ``gpj.exe`` as ``Acmeexe.jpg``, a
zero-width space makes ``Acme`` and ``Ac`` + U+200B + ``me`` two different suppliers that look the same.

- Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) are refused
  with a message: they reorder what follows them, and nobody types them on purpose.
- Zero-width joiner and non-joiner (U+200D, U+200C) are kept between two visible characters, where
  Persian, the Indic scripts and emoji need them; elsewhere they are removed.
- Every other format character (zero-width space U+200B, word joiner U+2060, byte-order mark
  U+FEFF, left-to-right and right-to-left marks U+200E/U+200F, soft hyphen U+00AD, tag characters,
  ...) is removed: it changes nothing a reader sees except how two equal-looking names compare.
"""
from __future__ import annotations

import unicodedata

from .errors import FieldError
from .i18n import _

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
JOINERS = frozenset("\u200c\u200d")


def _visible(char: str) -> bool:
    return not char.isspace() and unicodedata.category(char) not in ("Cf", "Cc", "Zl", "Zp")


def without_invisible(text: str) -> str:
    """``text`` with its invisible format characters removed (joiners kept between visible
    characters). Raises FieldError for a bidirectional control, naming it."""
    bidi = next((c for c in text if c in BIDI_CONTROLS), None)
    if bidi is not None:
        raise FieldError(_("Contains an invisible text-direction character ({name}, U+{code}) that changes how "
                           "the text is shown; please remove it.").format(name=unicodedata.name(bidi).title(),
                                                                          code=f"{ord(bidi):04X}"))
    if text.isascii():
        return text
    kept = []
    for index, char in enumerate(text):
        if unicodedata.category(char) != "Cf":
            kept.append(char)
        elif char in JOINERS and kept and _visible(kept[-1]) and index + 1 < len(text) \
                and _visible(text[index + 1]):
            kept.append(char)
    return "".join(kept)


# --- How long free text may be ------------------------------------------------------------------
# One table of the longest free text a person may write (docs/decisions.md, "Long free text"):
# every form, the API (the same forms) and the use cases check it, with the same message, and
# nothing is cut silently.
REASON_MAX_LENGTH = 1000  # why a buyer declines a match (one or two paragraphs)
MESSAGE_MAX_LENGTH = 2000  # a vetter's reason, question or note; a supplier's answer; a lead's description and notes


def length_refusal(text: str | None, maximum: int) -> str | None:
    """'At most 1000 characters (this has 3000).' for ``text`` longer than ``maximum`` once
    trimmed (as it would be stored); None when it fits (or is empty)."""
    count = len((text or "").strip())
    if count <= maximum:
        return None
    return _("At most {maximum} characters (this has {count}).").format(maximum=maximum, count=count)
