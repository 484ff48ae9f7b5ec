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

from .i18n import N_, _

UTF8 = "UTF-8"
UTF16 = "UTF-16"
WINDOWS_1252 = "Windows-1252"

# Encodings a person may name for a file that is not UTF-8: (name shown and accepted, Python codec,
# what writes it (marked with N_, translated where shown), Latin script?). Names are matched without
# case, spaces or dashes ("cp1252" too).
ENCODINGS: tuple[tuple[str, str, str, bool], ...] = (
    (WINDOWS_1252, "cp1252", N_("Excel 'CSV' on Windows: the Americas, Western Europe"), True),
    ("Windows-1250", "cp1250", N_("Excel on Windows: Central Europe (Polish, Czech, Hungarian ...)"), True),
    ("Windows-1254", "cp1254", N_("Excel on Windows: Turkish"), True),
    ("Windows-1257", "cp1257", N_("Excel on Windows: Baltic"), True),
    ("Mac-Roman", "mac_roman", N_("older Excel for Mac 'CSV'"), True),
    ("Windows-1251", "cp1251", N_("Excel on Windows: Cyrillic"), False),
    ("Windows-1253", "cp1253", N_("Excel on Windows: Greek"), False),
    ("GB18030", "gb18030", N_("Excel on Windows: Simplified Chinese (GBK)"), False),
    ("Big5", "big5", N_("Excel on Windows: Traditional Chinese"), False),
    ("Shift-JIS", "shift_jis", N_("Excel on Windows: Japanese"), False),
    ("EUC-KR", "euc_kr", N_("Excel on Windows: Korean"), False),
)


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
    """(value, label) for a form's choice of encoding, in the current language; the empty value is
    the rule above."""
    return [("", _("UTF-8 (the usual; detected)"))] + [(name, f"{name}: {_(what)}")
                                                        for name, _codec, what, _latin in ENCODINGS]


def _known_encoding(name: str) -> tuple[str, str, bool]:
    key = re.sub(r"[\s_-]+", "", name).lower()
    for shown, codec, _what, latin in ENCODINGS:
        if key in (re.sub(r"[\s_-]+", "", shown).lower(), codec.replace("_", "")):
            return shown, codec, latin
    raise FileRefused(_("unknown encoding '{name}'; choose one of: {encodings}").format(
        name=name[:40], encodings=", ".join(shown for shown, _codec, _what, _latin in ENCODINGS)))


def decode_csv(data: bytes, encoding: str | None = None) -> DecodedText:
    """The text of a CSV file given as bytes, by the rule above; ``encoding`` is a name from
    ENCODINGS that the person importing gave, or None. Raises FileRefused (whole file); never
    returns text with replacement characters."""
    if data.startswith(codecs.BOM_UTF8):
        return DecodedText(_strict(data[len(codecs.BOM_UTF8):], "utf-8", UTF8), UTF8)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return DecodedText(_strict(data, "utf-16", UTF16), UTF16)
    if b"\x00" in data:
        raise FileRefused(_("this is not a CSV text file (it contains NUL bytes)"))
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
                raise FileRefused(_("read as {encoding}, line {line} gives '{word}': the file is in another "
                                    "encoding; save it from your spreadsheet as 'CSV UTF-8 (comma delimited)' and "
                                    "import it again").format(encoding=shown, line=line_number, word=word[:30]))
        return DecodedText(text, shown)
    line_number = data.count(b"\n", 0, not_utf8.start) + 1
    preview = _preview(data)
    if preview:
        raise FileRefused(_("the file is not UTF-8 text (line {line}); read as {encoding} it would give: {words}. "
                            "Either save it from your spreadsheet as 'CSV UTF-8 (comma delimited)' and import it "
                            "again, or import it again naming its encoding ({encoding} for Excel's plain 'CSV' on "
                            "Western Windows)").format(line=line_number, encoding=WINDOWS_1252, words=preview))
    raise FileRefused(_("the file is not UTF-8 text (line {line}). Either save it from your spreadsheet as 'CSV UTF-8 "
                        "(comma delimited)' and import it again, or import it again naming its encoding ({encoding} "
                        "for Excel's plain 'CSV' on Western Windows)").format(line=line_number, encoding=WINDOWS_1252))


def _preview(data: bytes) -> str:
    """How the first line with non-ASCII characters reads as Windows-1252 (its first non-ASCII
    words), when it reads as text; "" otherwise."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return ""
    for line in text.splitlines():
        if not line.isascii():
            words = [w for w in _WORD.findall(line) if not w.isascii()]
            if _first_gibberish(line)[1]:
                return ""
            return ", ".join(words[:4])[:120]
    return ""


def _strict(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise FileRefused(_("the file is not {encoding} text (byte {byte}); save it from your spreadsheet as 'CSV UTF-8 "
                            "(comma delimited)' and import it again").format(encoding=name, byte=exc.start + 1)) from None


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
