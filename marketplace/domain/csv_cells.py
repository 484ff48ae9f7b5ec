"""Spreadsheet-safe CSV cells.

A cell that begins with = + - @ (or a tab or carriage return) is run as a formula by Excel and
LibreOffice ("CSV injection", OWASP). Spreadsheets also read the fullwidth and small forms of
those signs (``＝``, ``﹢``, ``＠``) as the signs themselves, so a cell is judged by its first
character after Unicode compatibility normalisation (NFKC). Export prefixes such text with an
apostrophe, which spreadsheets hide, and import removes that apostrophe again, so a file survives
export -> import unchanged.

The only cells left as they are although they start with a sign are plain decimal numbers
(``-3``, ``+44``, ``12.50``): never ``-inf``, ``+nan`` or ``1e3``-style text that Python's
``float()`` would also accept.
"""
from __future__ import annotations

import re
import unicodedata

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?\Z")


def starts_like_formula(cell: str) -> bool:
    """True when a spreadsheet could read ``cell`` as a formula: its first character, after NFKC,
    is one of ``FORMULA_STARTS``."""
    return unicodedata.normalize("NFKC", cell[:1]).startswith(FORMULA_STARTS)


def protect(cell: str) -> str:
    """``cell`` made safe to open in a spreadsheet: prefixed with ``'`` when it could run as a formula."""
    if starts_like_formula(cell) and not _PLAIN_NUMBER.match(cell):
        return "'" + cell
    return cell


def unprotect(cell: str) -> str:
    """The inverse of ``protect`` on import: ``'=x`` -> ``=x``; any other cell is unchanged."""
    if cell.startswith("'") and starts_like_formula(cell[1:]):
        return cell[1:]
    return cell
