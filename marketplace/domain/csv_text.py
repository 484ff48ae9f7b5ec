"""Reading a CSV file's bytes as text: the one decoder for every import (web upload and CLI).

A file is read whole or refused whole, never in part. The rule, in order:

1. A byte-order mark says the encoding: UTF-8 (Excel's "CSV UTF-8"), UTF-16 LE or BE
   (Excel's "Unicode text").
2. Text that is valid UTF-8 is UTF-8 (ASCII is a subset).
3. Otherwise the file is read as Windows-1252, what Excel writes as "CSV (comma delimited)" on
   Western Windows, but only when what comes out looks like Western European text: every
   non-ASCII character is a letter or a typographic sign (curly quotes, dashes, euro, degree ...),
   and no word holds more than two non-ASCII letters in a row or more non-ASCII letters than
   ASCII ones. A file written in another code page (Chinese GBK, Cyrillic 1251, Polish 1250, Greek
   1253, Shift-JIS ...) decodes to gibberish such as "ÉîÛÚÊÐ" under that reading; it is refused with
   the line where the gibberish starts, never imported as gibberish.

Sniffing the code page with a detector (charset-normalizer) was tried on the intake cases and
rejected: on an 80-row file with one accented name it cannot tell Windows-1250 from Windows-1252,
and it takes a short Cyrillic (1251) name for Hebrew; a wrong guess would change names silently.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

UTF8 = "UTF-8"
UTF16 = "UTF-16"
WINDOWS_1252 = "Windows-1252"

SAVE_AS_UTF8 = "save it from your spreadsheet as 'CSV UTF-8 (comma delimited)' and import it again"

# Non-letters that Windows-1252 text written by people contains (and that gibberish from other
# code pages rarely does in the middle of a word).
_TYPOGRAPHIC = set("\u00a0\u2018\u2019\u201a\u201c\u201d\u201e\u2013\u2014\u2026\u20ac\u00a3\u00a5\u00a2"
                   "\u00b0\u00a9\u00ae\u2122\u2022\u00b7\u00a7\u00b1\u00b5\u00bd\u00bc\u00be\u00d7\u00ba\u00aa")
_WORD = re.compile(r"[^\s,;\"'()\[\]/]+")


class FileRefused(ValueError):
    """The whole file cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # UTF8, UTF16 or WINDOWS_1252, shown to the person who imported the file


def decode_csv(data: bytes) -> DecodedText:
    """The text of a CSV file given as bytes. Raises FileRefused (whole file) when it is not text
    in one of the encodings above; never returns text with replacement characters."""
    if data.startswith(codecs.BOM_UTF8):
        return DecodedText(_strict(data[len(codecs.BOM_UTF8):], "utf-8", UTF8), UTF8)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return DecodedText(_strict(data, "utf-16", UTF16), UTF16)
    if b"\x00" in data:
        raise FileRefused("this is not a CSV text file (it contains NUL bytes)")
    try:
        return DecodedText(data.decode("utf-8"), UTF8)
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise FileRefused(f"the file is neither UTF-8 nor Windows-1252 text (byte {exc.start + 1}); "
                          f"{SAVE_AS_UTF8}") from None
    line_number, word = _first_gibberish(text)
    if word:
        raise FileRefused(f"the file is not UTF-8, and read as Windows-1252 line {line_number} gives "
                          f"'{word[:30]}': it was probably saved in another language's code page; {SAVE_AS_UTF8}")
    return DecodedText(text, WINDOWS_1252)


def _strict(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise FileRefused(f"the file says it is {name} but byte {exc.start + 1} is not; {SAVE_AS_UTF8}") from None


def _first_gibberish(text: str) -> tuple[int, str | None]:
    """(line number, word) of the first word that is not plausible Western European text."""
    for line_number, line in enumerate(text.splitlines(), start=1):
        if line.isascii():
            continue
        for word in _WORD.findall(line):
            if not word.isascii() and not _plausible_word(word):
                return line_number, word
    return 0, None


def _plausible_word(word: str) -> bool:
    ascii_letters = foreign_letters = run = 0
    for char in word:
        if char.isascii():
            run = 0
            ascii_letters += char.isalpha()
            continue
        if char in _TYPOGRAPHIC:
            run = 0
            continue
        if not unicodedata.category(char).startswith("L"):
            return False
        foreign_letters += 1
        run += 1
        if run > 2:
            return False
    return foreign_letters <= max(ascii_letters, 1)
