"""Spreadsheet-safe CSV cells.

A cell that begins with = + - @ (or a tab or carriage return) is run as a formula by Excel and
LibreOffice ("CSV injection"). Export prefixes such text with an apostrophe, which spreadsheets
hide, and import removes that apostrophe again, so a file survives export -> import unchanged.
"""
from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def protect(cell: str) -> str:
    if cell.startswith(FORMULA_STARTS) and not _is_number(cell):
        return "'" + cell
    return cell


def unprotect(cell: str) -> str:
    if cell.startswith("'") and cell[1:2] and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
