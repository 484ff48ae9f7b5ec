"""Reading a CSV file's bytes as text: the one decoder for every import (web upload and CLI).

A file is read whole or refused whole, never in part, and never guessed. The rule:

1. A byte-order mark says the encoding: UTF-8 (Excel's "CSV UTF-8"), UTF-16 LE or BE
   (Excel's "Unicode text").
2. Otherwise the file must be valid UTF-8 (ASCII is a subset: most files are).
3. Anything else is refused, unless the person importing says which encoding the file is in
   (``ENCODINGS``: the code pages spreadsheets write, such as Windows-1252 for Excel's plain "CSV" on
   Western Windows). The refusal shows how the first line with other characters would read as
   Windows-1252, so that the person can tell at a glance whether that is the right choice.

Why not guess: the code pages of Western, Central European, Turkish and Baltic Windows and Mac
Roman give different letters for the same bytes (`Gdańsk` in Windows-1250 reads `Gdañsk` as
Windows-1252, `İstanbul` in Windows-1254 reads `Ýstanbul`), and both readings look like text: a
guess would change names silently. A detector (charset-normalizer) was tried on the intake cases
and could not tell 1250 from 1252 on an 80-row file, and took a short Cyrillic name for Hebrew.

When a Latin-script code page is named, the text is still checked for gibberish (a Chinese or
Cyrillic file read as Windows-1252 gives words such as "ÉîÛÚÊÐ"), and refused if it has any.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

UTF8 = "UTF-8"
UTF16 = "UTF-16"
WINDOWS_1252 = "Windows-1252"

# Encodings a person may name for a file that is not UTF-8: (name shown and accepted, Python codec,
# what writes it, Latin script?). Names are matched without case, spaces or dashes ("cp1252" too).
ENCODINGS: tuple[tuple[str, str, str, bool], ...] = (
    (WINDOWS_1252, "cp1252", "Excel 'CSV' on Windows: the Americas, Western Europe", True),
    ("Windows-1250", "cp1250", "Excel on Windows: Central Europe (Polish, Czech, Hungarian ...)", True),
    ("Windows-1254", "cp1254", "Excel on Windows: Turkish", True),
    ("Windows-1257", "cp1257", "Excel on Windows: Baltic", True),
    ("Mac-Roman", "mac_roman", "older Excel for Mac 'CSV'", True),
    ("Windows-1251", "cp1251", "Excel on Windows: Cyrillic", False),
    ("Windows-1253", "cp1253", "Excel on Windows: Greek", False),
    ("GB18030", "gb18030", "Excel on Windows: Simplified Chinese (GBK)", False),
    ("Big5", "big5", "Excel on Windows: Traditional Chinese", False),
    ("Shift-JIS", "shift_jis", "Excel on Windows: Japanese", False),
    ("EUC-KR", "euc_kr", "Excel on Windows: Korean", False),
)

SAVE_AS_UTF8 = "save it from your spreadsheet as 'CSV UTF-8 (comma delimited)' and import it again"

# Non-letters that Latin-script text written by people contains (and that gibberish from other
# code pages rarely does in the middle of a word).
_TYPOGRAPHIC = set("\u00a0\u2018\u2019\u201a\u201c\u201d\u201e\u2013\u2014\u2026\u20ac\u00a3\u00a5\u00a2"
                   "\u00b0\u00a9\u00ae\u2122\u2022\u00b7\u00a7\u00b1\u00b5\u00bd\u00bc\u00be\u00d7\u00ba\u00aa")
_WORD = re.compile(r"[^\s,;\"'()\[\]/]+")


class FileRefused(ValueError):
    """The whole file cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # UTF8, UTF16 or a name from ENCODINGS, shown to the person who imported the file


def encoding_choices() -> list[tuple[str, str]]:
    """(value, label) for a form's choice of encoding; the empty value is the rule above."""
    return [("", "UTF-8 (the usual; detected)")] + [(name, f"{name}: {what}") for name, _, what, _ in ENCODINGS]


def _known_encoding(name: str) -> tuple[str, str, bool]:
    key = re.sub(r"[\s_-]+", "", name).lower()
    for shown, codec, _, latin in ENCODINGS:
        if key in (re.sub(r"[\s_-]+", "", shown).lower(), codec.replace("_", "")):
            return shown, codec, latin
    raise FileRefused(f"unknown encoding '{name[:40]}'; choose one of: "
                      + ", ".join(shown for shown, _, _, _ in ENCODINGS))


def decode_csv(data: bytes, encoding: str | None = None) -> DecodedText:
    """The text of a CSV file given as bytes, by the rule above; ``encoding`` is a name from
    ENCODINGS that the person importing gave, or None. Raises FileRefused (whole file); never
    returns text with replacement characters."""
    if data.startswith(codecs.BOM_UTF8):
        return DecodedText(_strict(data[len(codecs.BOM_UTF8):], "utf-8", UTF8), UTF8)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return DecodedText(_strict(data, "utf-16", UTF16), UTF16)
    if b"\x00" in data:
        raise FileRefused("this is not a CSV text file (it contains NUL bytes)")
    try:
        return DecodedText(data.decode("utf-8"), UTF8)
    except UnicodeDecodeError as exc:
        not_utf8 = exc
    if encoding:
        shown, codec, latin = _known_encoding(encoding)
        text = _strict(data, codec, shown)
        if latin:
            line_number, word = _first_gibberish(text)
            if word:
                raise FileRefused(f"read as {shown}, line {line_number} gives '{word[:30]}': the file is in "
                                  f"another encoding; {SAVE_AS_UTF8}")
        return DecodedText(text, shown)
    line_number = data.count(b"\n", 0, not_utf8.start) + 1
    raise FileRefused(f"the file is not UTF-8 text (line {line_number})"
                      f"{_preview(data)}. Either {SAVE_AS_UTF8}, or import it again naming its encoding "
                      f"({WINDOWS_1252} for Excel's plain 'CSV' on Western Windows)")


def _preview(data: bytes) -> str:
    """How the first line with non-ASCII characters reads as Windows-1252, when it reads as text."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return ""
    for line in text.splitlines():
        if not line.isascii():
            words = [w for w in _WORD.findall(line) if not w.isascii()]
            if _first_gibberish(line)[1]:
                return ""
            return f"; read as {WINDOWS_1252} it would give: {', '.join(words[:4])[:120]}"
    return ""


def _strict(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise FileRefused(f"the file is not {name} text (byte {exc.start + 1}); {SAVE_AS_UTF8}") from None


def _first_gibberish(text: str) -> tuple[int, str | None]:
    """(line number, word) of the first word that is not plausible Latin-script text."""
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
