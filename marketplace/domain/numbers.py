"""Numbers typed by people: the one rule for reading them (issue 8, item 1).

Every number a person types -- in a form or a CSV cell: prices, quantities, minimum orders, lead
times, days of supply -- is read by ``read_number`` here and by nothing else. The rule, also in
docs/decisions.md:

* The decimal separator is the point ``.`` (or the Arabic decimal separator ``٫``). A comma is
  never read as a decimal separator, and never dropped when it could be one.
* A comma separates thousands only in groups of exactly three digits after a first group of one
  to three digits that does not start with 0: ``1,500`` and ``1,000,000.50``. Anything else with a
  comma (``0,12``, ``1,5``, ``0,125``, ``1.234,56``) is refused with "use a decimal point".
* In an amount that may have decimals (a price), ``1,250`` without a decimal point is refused too:
  it is 1250 in the US and 1.25 in most of Europe. ``1,250.00`` and ``1250`` are accepted. In a whole
  number (a quantity) a comma group can only be thousands, so ``1,500`` is 1500.
* Spaces (also the no-break and thin spaces of ISO 80000 and French, Swedish or Polish number
  formats), apostrophes (Swiss ``1'000``) and the Arabic thousands separator ``٬`` group thousands,
  in the same groups of three. One kind of separator per number.
* A point followed by three digits and another point (``1.234.567``) groups thousands in German or
  Spanish notation: refused, as is a whole number with a point (``1.500`` units). In an amount
  that may have decimals, ``1.250`` (one to three digits, not starting with 0, then a point and
  exactly three digits) is refused as ambiguous like ``1,250``: 1.25 in the US, 1250 in Germany.
  ``0.125``, ``1.25``, ``1.2500`` and ``1250.000`` are accepted (``write_number`` writes 3.151 as
  ``3.1510`` so that exports read back).
* Superscripts, subscripts, vulgar fractions and circled digits (``0.7¹``, ``½``; Unicode
  category No) are refused before compatibility folding, which would read ``0.7¹`` as 0.71. A
  leading apostrophe (a spreadsheet's mark for text, ``'0.79``) is dropped.
* Digits of any script are read by their value (full-width ``１２``, Arabic-Indic ``١٢``,
  Devanagari ``१२``), as Unicode defines them (category Nd).
* A count of packages (``10 boxes``, ``5 cases``, ``2 pallets``) is refused with "Give units, not
  boxes": how many units a box holds is not known here.
* Scientific notation (``1e3``), ``NaN`` and ``Infinity`` are refused: a person does not type them,
  a spreadsheet does when a cell is too narrow.
* A leading ``-`` (or the minus sign ``−``) is kept so that the caller can say "cannot be
  negative"; ``+`` is allowed. A price may carry ``$``, ``US$`` or ``USD``; any other currency sign
  is refused with "give the price in US dollars".

Errors are ``NumberError`` with a message for the person, naming the field (``what``).
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

__all__ = ["NumberError", "read_number", "write_number", "GROUP_SEPARATORS"]


class NumberError(ValueError):
    """Text that is not a number by the rule above; the message says why and how to write it."""


# Characters that group thousands (besides the comma, which is handled on its own).
GROUP_SEPARATORS = frozenset({
    " ", "\u00a0",   # space, no-break space
    "\u202f",        # narrow no-break space (French, ISO 80000)
    "\u2009",        # thin space
    "'", "\u2019",   # apostrophe and right single quotation mark (Switzerland, Liechtenstein)
    "\u066c",        # Arabic thousands separator
})
_DECIMAL_POINTS = {".": ".", "\u066b": "."}  # the Arabic decimal separator is a decimal point
_MINUS = ("-", "\u2212", "\u2012", "\u2013")  # hyphen-minus, minus sign, figure dash, en dash
_CURRENCY_PREFIXES = ("US$", "USD", "$")
_CURRENCY_SUFFIXES = ("USD", "US$", "$")
_EXPONENT = re.compile(r"\d\s*[eE]\s*[+-]?\s*\d")
_WORDS = re.compile(r"(?i)^(nan|s?nan|inf|infinity)$")
# A count of packages where single units are asked for ("10 boxes", "5 cs", "2 pallets of 100"):
# the number of units in a box is not known, so it is refused, never multiplied (issue 11 item 15).
_PACKAGES = re.compile(r"(?i)^[\d.,'\s]*\d\s*(?P<word>box(?:es)?|bx|cases?|cs|cartons?|ctns?|packs?|pk|"
                       r"packages?|pkgs?|pallets?|plts?)\b\.?(?:\s.*)?$")
_PACKAGE_WORDS = {"boxes": ("box", "boxes", "bx"), "cases": ("case", "cases", "cs"),
                  "cartons": ("carton", "cartons", "ctn", "ctns"),
                  "packs": ("pack", "packs", "pk", "package", "packages", "pkg", "pkgs"),
                  "pallets": ("pallet", "pallets", "plt", "plts")}


def _ascii_digits(text: str) -> str:
    """Digits of any script as ASCII digits (NFKC has already folded full-width forms)."""
    out = []
    for char in text:
        if char.isdigit() and not ("0" <= char <= "9"):
            value = unicodedata.decimal(char, None)
            if value is None:  # superscripts and the like are digits but not decimal digits
                raise NumberError("")
            out.append(str(value))
        else:
            out.append(char)
    return "".join(out)


def _grouped(integer: str, separator: str) -> bool:
    """Whether ``integer`` is digits in thousands groups: 1-3 digits, then groups of three."""
    groups = integer.split(separator)
    first, rest = groups[0], groups[1:]
    return (1 <= len(first) <= 3 and first.isdigit() and not (first.startswith("0"))
            and all(len(g) == 3 and g.isdigit() for g in rest))


def read_number(raw: str | None, *, what: str, whole: bool, money: bool = False,
                example: str | None = None) -> Decimal | None:
    """The number in ``raw`` by the module's rule, or None for an empty cell.

    ``what`` names the field in messages ("unit price"); ``whole`` asks for a whole number (the
    result is still a Decimal with no fraction: the caller converts and checks its range);
    ``money`` allows a ``$``/``US$``/``USD`` sign; ``example`` is shown in messages (a value in
    the field's range: "0.79" for a number, "1500" for a whole number unless given).
    Raises NumberError with a message for the person.
    """
    example = example or ("1500" if whole else "0.79")
    shown = (raw or "").strip()[:40]
    not_a_number = (f"The {what} must be a whole number, for example {example}." if whole
                    else f"The {what} must be a number, for example {example}.")
    # Superscripts, subscripts, fractions and circled digits (category No) are not digits a person
    # means as such: NFKC would fold 0.7¹ into 0.71 and ½ into 1/2. Refused before folding.
    odd = [c for c in (raw or "") if unicodedata.category(c) == "No"]
    if odd:
        raise NumberError(f"'{shown}' contains {' '.join(dict.fromkeys(odd))}, a superscript, subscript or "
                          f"fraction character: write the {what} with plain digits, for example {example}.")
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if text.startswith("'"):  # a spreadsheet's text marker ('0.79), never part of the number
        text = text[1:].strip()
    if not text:
        return None

    negative = False
    if text.startswith(_MINUS):
        negative, text = True, text[1:].lstrip()
    elif text.startswith("+"):
        text = text[1:].lstrip()
    if money:
        for sign in _CURRENCY_PREFIXES:
            if text.upper().startswith(sign):
                text = text[len(sign):].strip()
                break
        else:
            for sign in _CURRENCY_SUFFIXES:
                if text.upper().endswith(sign):
                    text = text[:-len(sign)].strip()
                    break
        if text.startswith(_MINUS):  # "$-5"
            negative, text = True, text[1:].lstrip()
    if any(unicodedata.category(c) == "Sc" for c in text):
        raise NumberError(f"Give the {what} in US dollars, as a number such as {example}." if money
                          else not_a_number)
    if _WORDS.match(text):
        raise NumberError(not_a_number)
    packages = _PACKAGES.match(text)
    if packages:
        word = packages.group("word").lower()
        word = next(plural for plural, forms in _PACKAGE_WORDS.items() if word in forms)
        raise NumberError(f"Give units, not {word}: write the {what} as a number of single items (masks, "
                          f"gloves, gowns), for example {example}.")
    if _EXPONENT.search(text):
        raise NumberError(f"Write the {what} out in full, without an exponent: '{shown}' is "
                          "scientific notation, which a spreadsheet writes when a cell is too narrow.")
    try:
        text = _ascii_digits(text)
    except NumberError:
        raise NumberError(not_a_number) from None
    for point, ascii_point in _DECIMAL_POINTS.items():
        text = text.replace(point, ascii_point)

    if not re.fullmatch(r"[0-9.,]+", "".join(c for c in text if c not in GROUP_SEPARATORS)):
        raise NumberError(not_a_number)
    if not any(c.isdigit() for c in text):
        raise NumberError(not_a_number)

    points = text.count(".")
    # Points used to group thousands: 1.234.567 or 1.234.567,89 (German, Spanish, ...).
    if points > 1:
        raise NumberError(f"Group thousands with commas or not at all (for example 1,234,567); "
                          f"the decimal separator is a point. '{shown}' cannot be read.")
    whole_number = (f"The {what} must be a whole number: write it without a point or comma, for example "
                    f"{example}" + (", or with commas between thousands, as in 1,500." if len(example) > 3 else "."))

    integer, _, fraction = text.partition(".")
    if "," in fraction:  # 1.234,56: a point grouping thousands and a decimal comma
        if whole:
            raise NumberError(whole_number)
        raise NumberError(_decimal_comma(text))
    spaced_comma = re.search(r",[^\S\n]+\d", integer)  # 0, 79: a comma then a space then digits
    if spaced_comma and not fraction and not points:
        if whole:
            raise NumberError(whole_number)
        raise NumberError(_decimal_comma(re.sub(r",\s+", ",", integer)))
    separators = {c for c in integer if c == "," or c in GROUP_SEPARATORS}
    if len(separators) > 1:
        last_comma = integer.rfind(",")
        if not whole and not fraction and last_comma > max(integer.rfind(s) for s in separators - {","}):
            raise NumberError(_decimal_comma(integer))  # 1 000,50 (French, Swedish, Polish ...)
        raise NumberError(f"Use one kind of thousands separator, for example 1,234,567: '{shown}' mixes them.")
    separators_seen = bool(separators)
    if separators:
        separator = separators.pop()
        if not _grouped(integer, separator):
            if separator != ",":
                raise NumberError(f"Separate thousands in groups of three digits, for example "
                                  f"1 000 000: '{shown}' cannot be read.")
            if whole:
                raise NumberError(f"The {what} must be a whole number; a comma only separates "
                                  "thousands, as in 1,500 (groups of three digits).")
            if fraction or points or integer.count(",") > 1:  # 1,00,000 (India) or 1,23.45
                raise NumberError("Separate thousands with commas in groups of three digits, as in "
                                  f"1,000,000, or not at all; the decimal separator is a point. '{shown}' "
                                  "cannot be read.")
            raise NumberError(_decimal_comma(integer))
        if separator == "," and not whole and not points and integer.count(",") == 1:
            # 1,250 in a price: 1250 in the US, 1.25 in most of Europe.
            head, _, tail = integer.partition(",")
            raise NumberError(f"'{shown}' could be {head}{tail} or {_plain(head + '.' + tail)}: use a decimal "
                              f"point for decimals, for example {_plain(head + '.' + tail)}, and write "
                              f"{head}{tail} without a comma (or as {integer}.00).")
        integer = integer.replace(separator, "")
    if fraction and any(c in GROUP_SEPARATORS for c in fraction):
        raise NumberError(not_a_number)
    if (not whole and not separators_seen and len(fraction) == 3 and fraction.isdigit()
            and 1 <= len(integer) <= 3 and integer.isdigit() and integer[0] != "0"):
        # 1.250 in a price: 1.25 in the US, 1250 in Germany, Spain, Brazil, ... (as 1,250 the other way).
        decimal = _plain(integer + "." + fraction)
        raise NumberError(f"'{shown}' could be {decimal} or {integer}{fraction}: a point groups thousands in "
                          f"much of Europe and Latin America. Write {integer}.{fraction}0 if you mean "
                          f"{decimal} (a point is a decimal point here), or {integer}{fraction} without a point.")
    if whole and (points or fraction):
        if fraction and len(fraction) == 3 and integer and integer[0] != "0":
            raise NumberError(f"The {what} must be a whole number; write {integer}{fraction} without "
                              f"a point, or {integer},{fraction} (a point is a decimal point here).")
        raise NumberError(f"The {what} must be a whole number.")
    digits = integer + ("." + fraction if fraction or points else "")
    if digits in (".", ""):
        raise NumberError(not_a_number)
    try:
        value = Decimal(digits)
    except InvalidOperation:
        raise NumberError(not_a_number) from None
    return -value if negative else value


def write_number(value: Decimal) -> str:
    """``value`` as the plain text that ``read_number`` reads back as the same number, for exports
    and forms: no exponent, no trailing zeros, except that 1-3 digits before the point and exactly
    three after it (3.151, ambiguous in a price) get a fourth decimal: '3.1510'. 0.035 stays."""
    text = format(value.normalize(), "f")
    integer, _, fraction = text.lstrip("-").partition(".")
    if len(fraction) == 3 and 1 <= len(integer) <= 3 and integer[0] != "0":
        text += "0"
    return text


def _plain(text: str) -> str:
    """A suggestion such as '1.25' from digits the person typed (trailing zeros dropped)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    return format(value.normalize(), "f")


def _decimal_comma(integer: str) -> str:
    """The refusal of a decimal comma, with the number written with a point as the example."""
    head, _, tail = integer.rpartition(",")
    head = "".join(c for c in head if c.isdigit()) or "0"
    return (f"Use a decimal point, for example {head}.{tail} (a comma only separates thousands, "
            "as in 1,000).")
