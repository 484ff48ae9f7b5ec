"""Numbers typed by people: the one rule for reading them (issue 8, item 1; issue 13).

Every number a person types -- in a form or a CSV cell: prices, quantities, minimum orders, lead
times, days of supply -- is read by ``read_number`` here and by nothing else. The rule, also in
docs/decisions.md, is given for the reader's notation: a decimal point and thousands commas in
English (``1,234.50``); a decimal comma and thousands points where the reader's language writes them
so (Spanish by CLDR ``es``: ``1.234,50``; ``read_number(decimal=...)``, by default
``domain.i18n.decimal_symbol()``). Below, "point" and "comma" are those of English; in a
comma-decimal language they trade places, with one exception: a point that cannot group thousands
(not followed by exactly three digits, or after a first group of more than three digits or one that
starts with 0: ``0.79``, ``1.5``, ``0.125``, ``1250.000``) is a decimal point there too.

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
* So in Spanish: ``0,79`` is 0.79, ``1.234,50`` is 1234.50, ``1.500`` and ``12.345`` units are 1500
  and 12345, ``0.79`` is 0.79; ``1.250`` and ``1,250`` as a price are refused as ambiguous, with the
  way to write each reading in the reader's notation; ``write_number`` (exports) reads back in both.
* Superscripts, subscripts, vulgar fractions and circled digits (``0.7¹``, ``½``; Unicode
  category No) are refused before compatibility folding, which would read ``0.7¹`` as 0.71. A
  leading apostrophe (a spreadsheet's mark for text, ``'0.79``) is dropped.
* Digits of any script are read by their value (full-width ``１２``, Arabic-Indic ``١٢``,
  Devanagari ``१२``), as Unicode defines them (category Nd).
* A count of packages (``10 boxes``, ``5 cases``, ``2 pallets``; in Spanish ``10 cajas``) is refused:
  how many units a box holds is not known here. Where the field has a pack path (``packs``: the
  field for the units in one pack, as the lead form's "Units per pack" or the CSV's ``pack_size``),
  the message says to write the number and give the units per box there; elsewhere "Give units,
  not boxes".
* A number followed by words (``2,000 N95 respirators``, ``500 gloves``) is refused where a whole
  number is asked for, with "write only the number of units, for example 2000 (the product goes in
  its own column or field)"; words of time (``7 days``) get the plain refusal.
* Scientific notation (``1e3``), ``NaN`` and ``Infinity`` are refused: a person does not type them,
  a spreadsheet does when a cell is too narrow.
* A leading ``-`` (or the minus sign ``−``) is kept so that the caller can say "cannot be
  negative"; ``+`` is allowed. A price may carry ``$``, ``US$`` or ``USD``; any other currency sign
  is refused with "give the price in US dollars".

Errors are ``NumberError`` with a message for the person in the current language (domain.i18n),
naming the field (``what``, marked with ``N_`` or translated by the caller) and writing its examples
in the reader's notation. A source whose format is fixed (a CSV file, the API) is read inside
``fixed_notation(".")``: its numbers mean the same whoever sends them.
"""
from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterator
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation

from . import i18n
from .i18n import N_, _, field_name

__all__ = ["NumberError", "read_number", "write_number", "write_number_for_reader", "fixed_notation",
           "GROUP_SEPARATORS"]


# The decimal sign of a source whose format is fixed (a CSV file, the API): see ``fixed_notation``.
_fixed_decimal: ContextVar[str | None] = ContextVar("fixed_decimal", default=None)


@contextlib.contextmanager
def fixed_notation(decimal: str = ".") -> Iterator[None]:
    """Within the block, numbers are read (and written for forms) with ``decimal`` as the decimal
    sign whatever the reader's language: for sources whose format is fixed, such as a CSV file or an
    API call (decimal point, commas between thousands). Messages stay in the current language."""
    token = _fixed_decimal.set(decimal)
    try:
        yield
    finally:
        _fixed_decimal.reset(token)


def _decimal_sign(decimal: str | None) -> str:
    """The decimal sign to read with: ``decimal`` if given, else a fixed notation's, else the
    current language's."""
    return decimal or _fixed_decimal.get() or i18n.decimal_symbol()


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
# English and Spanish words ("10 cajas", "2 cartones", "3 palés").
_PACKAGES = re.compile(r"(?i)^(?P<count>[\d.,'\s]*\d)\s*(?P<word>box(?:es)?|bx|cases?|cs|cartons?|ctns?|packs?|"
                       r"pk|packages?|pkgs?|pallets?|plts?|cajas?|cart[oó]n|cartones|paquetes?|pal[eé]s?|"
                       r"palets?|tarimas?|bultos?)\b\.?(?:\s.*)?$")
_PACKAGE_WORDS = {"boxes": ("box", "boxes", "bx", "caja", "cajas"), "cases": ("case", "cases", "cs", "bulto", "bultos"),
                  "cartons": ("carton", "cartons", "ctn", "ctns", "cartón", "cartones"),
                  "packs": ("pack", "packs", "pk", "package", "packages", "pkg", "pkgs", "paquete", "paquetes"),
                  "pallets": ("pallet", "pallets", "plt", "plts", "pale", "pales", "palé", "palés", "palet", "palets",
                              "tarima", "tarimas")}
_PACKAGE_NAMES = {"boxes": N_("boxes"), "cases": N_("cases"), "cartons": N_("cartons"), "packs": N_("packs"),
                  "pallets": N_("pallets")}
# One package, as in "the units in each box".
_PACKAGE_NAME = {"boxes": N_("box"), "cases": N_("case"), "cartons": N_("carton"), "packs": N_("pack"),
                 "pallets": N_("pallet")}
# A number of units followed by the product's words ("2,000 N95 respirators", "500 nitrile gloves",
# "1500 units"): refused, never read as the number alone nor as something else; the product goes in
# its own column or field. Words of time ("7 days", "30 días") are not products: the plain refusal.
_NUMBER_THEN_WORDS = re.compile(r"^(?P<count>[+\-\u2212]?[\d.,'\s]*\d)\s*(?P<words>[^\W\d_][\w\s()/,.\-]*)$")
_TIME_WORDS = re.compile(r"(?i)^(d|days?|wks?|weeks?|months?|hrs?|hours?|d[ií]as?|semanas?|mes(es)?|horas?)\b")


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
                example: str | None = None, decimal: str | None = None, packs: str | None = None) -> Decimal | None:
    """The number in ``raw`` by the module's rule, or None for an empty cell.

    ``what`` names the field in messages (marked, ``N_("unit price")``, or translated, or an
    ``i18n.field`` that a CSV file names by its column: ``i18n.field_name``); ``whole`` asks
    for a whole number (the result is still a Decimal with no fraction: the caller converts and
    checks its range); ``money`` allows a ``$``/``US$``/``USD`` sign; ``example`` is shown in
    messages, written with a point (a value in the field's range: "0.79" for a number, "1500" for
    a whole number unless given; shown in the reader's notation); ``decimal`` is the reader's
    decimal sign, "." or "," (default: ``fixed_notation``'s within one, else the current language's,
    ``i18n.decimal_symbol()``); ``packs`` names the field that takes the units in one pack, where
    the field may be given in packs (named like ``what``), for the message on "10 boxes".
    Raises NumberError with a message for the person, in the current language.
    """
    comma = _decimal_sign(decimal) == ","
    what = field_name(what)  # a label marked with N_, already translated, or a CSV column
    # Numbers in messages are written here with a point; the reader's notation may swap the signs.
    written = _swap if comma else str
    example = written(example or ("1500" if whole else "0.79"))
    shown = (raw or "").strip()[:40]
    not_a_number = (_("The {what} must be a whole number, for example {example}.") if whole
                    else _("The {what} must be a number, for example {example}.")).format(what=what, example=example)
    # Superscripts, subscripts, fractions and circled digits (category No) are not digits a person
    # means as such: NFKC would fold 0.7¹ into 0.71 and ½ into 1/2. Refused before folding.
    odd = [c for c in (raw or "") if unicodedata.category(c) == "No"]
    if odd:
        raise NumberError(_("'{shown}' contains {characters}, a superscript, subscript or fraction character: "
                            "write the {what} with plain digits, for example {example}.").format(
            shown=shown, characters=" ".join(dict.fromkeys(odd)), what=what, example=example))
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if text.startswith("'"):  # a spreadsheet's text marker ('0.79), never part of the number
        text = text[1:].strip()
    if not text:
        return None
    # A comma-decimal reader: read the number with the signs swapped (1.234,50 as 1,234.50), unless a
    # single point cannot be grouping thousands (0.79, 1.5): then it is a decimal point there too.
    swapped = comma and not _decimal_point_only(text)
    if swapped:
        text = _swap(text)

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
        raise NumberError(_("Give the {what} in US dollars, as a number such as {example}.").format(
            what=what, example=example) if money else not_a_number)
    if _WORDS.match(text):
        raise NumberError(not_a_number)
    packages = _PACKAGES.match(text)
    if packages:
        word = packages.group("word").lower()
        word = next(plural for plural, forms in _PACKAGE_WORDS.items() if word in forms)
        if packs:
            count = packages.group("count").strip()
            raise NumberError(_("Give a number: write {count} and the units in each {package} under {packs} (or the "
                                "total number of single items).").format(
                count=_swap(count) if swapped else count, package=_(_PACKAGE_NAME[word]), packs=field_name(packs)))
        raise NumberError(_("Give units, not {packages}: write the {what} as a number of single items (masks, "
                            "gloves, gowns), for example {example}.").format(
            packages=_(_PACKAGE_NAMES[word]), what=what, example=example))
    if _EXPONENT.search(text):
        raise NumberError(_("Write the {what} out in full, without an exponent: '{shown}' is scientific "
                            "notation, which a spreadsheet writes when a cell is too narrow.").format(
            what=what, shown=shown))
    product = _NUMBER_THEN_WORDS.match(text) if whole else None
    if product and not _TIME_WORDS.match(product.group("words")):
        count = product.group("count").strip()
        try:
            number = read_number(count, what=what, whole=True, example=example, decimal=".")  # text is in "." notation here
        except NumberError:
            number = None
        raise NumberError(_("Write only the number of units as the {what}, for example {example} (the product goes "
                            "in its own column or field).").format(
            what=what, example=written(str(number)) if number is not None and number >= 0 else example))
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
        raise NumberError((_("Group thousands with points or not at all (for example 1.234.567); the decimal "
                             "separator is a comma. '{shown}' cannot be read.") if comma else
                           _("Group thousands with commas or not at all (for example 1,234,567); the decimal "
                             "separator is a point. '{shown}' cannot be read.")).format(shown=shown))
    if len(example) <= 3:
        whole_number = _("The {what} must be a whole number: write it without a point or comma, for example "
                         "{example}.")
    elif comma:
        whole_number = _("The {what} must be a whole number: write it without a point or comma, for example "
                         "{example}, or with points between thousands, as in 1.500.")
    else:
        whole_number = _("The {what} must be a whole number: write it without a point or comma, for example "
                         "{example}, or with commas between thousands, as in 1,500.")
    whole_number = whole_number.format(what=what, example=example)

    integer, __, fraction = text.partition(".")
    if "," in fraction:  # 1.234,56: a point grouping thousands and a decimal comma
        if whole:
            raise NumberError(whole_number)
        raise NumberError(_decimal_comma(text, comma))
    spaced_comma = re.search(r",[^\S\n]+\d", integer)  # 0, 79: a comma then a space then digits
    if spaced_comma and not fraction and not points:
        if whole:
            raise NumberError(whole_number)
        raise NumberError(_decimal_comma(re.sub(r",\s+", ",", integer), comma))
    separators = {c for c in integer if c == "," or c in GROUP_SEPARATORS}
    if len(separators) > 1:
        last_comma = integer.rfind(",")
        if not whole and not fraction and last_comma > max(integer.rfind(s) for s in separators - {","}):
            raise NumberError(_decimal_comma(integer, comma))  # 1 000,50 (French, Swedish, Polish ...)
        raise NumberError(_("Use one kind of thousands separator, for example {example}: '{shown}' mixes "
                            "them.").format(example=written("1,234,567"), shown=shown))
    separators_seen = bool(separators)
    if separators:
        separator = separators.pop()
        if not _grouped(integer, separator):
            if separator != ",":
                raise NumberError(_("Separate thousands in groups of three digits, for example 1 000 000: "
                                    "'{shown}' cannot be read.").format(shown=shown))
            if whole:
                raise NumberError((_("The {what} must be a whole number; a point only separates thousands, as "
                                     "in 1.500 (groups of three digits).") if comma else
                                   _("The {what} must be a whole number; a comma only separates thousands, as "
                                     "in 1,500 (groups of three digits).")).format(what=what))
            if fraction or points or integer.count(",") > 1:  # 1,00,000 (India) or 1,23.45
                raise NumberError((_("Separate thousands with points in groups of three digits, as in 1.000.000, "
                                     "or not at all; the decimal separator is a comma. '{shown}' cannot be read.")
                                   if comma else
                                   _("Separate thousands with commas in groups of three digits, as in 1,000,000, "
                                     "or not at all; the decimal separator is a point. '{shown}' cannot be read.")
                                   ).format(shown=shown))
            raise NumberError(_decimal_comma(integer, comma))
        if separator == "," and not whole and not points and integer.count(",") == 1:
            # 1,250 in a price: 1250 in the US, 1.25 in most of Europe (1.250 in a comma-decimal language).
            head, __, tail = integer.partition(",")
            values = {"shown": shown, "thousands": head + tail, "decimal": written(_plain(head + "." + tail)),
                      "grouped": written(integer + ".00")}
            raise NumberError((_("'{shown}' could be {thousands} or {decimal}: use a decimal comma for decimals, "
                                 "for example {decimal}, and write {thousands} without a point (or as {grouped}).")
                               if comma else
                               _("'{shown}' could be {thousands} or {decimal}: use a decimal point for decimals, "
                                 "for example {decimal}, and write {thousands} without a comma (or as {grouped}).")
                               ).format(**values))
        integer = integer.replace(separator, "")
    if fraction and any(c in GROUP_SEPARATORS for c in fraction):
        raise NumberError(not_a_number)
    if (not whole and not separators_seen and len(fraction) == 3 and fraction.isdigit()
            and 1 <= len(integer) <= 3 and integer.isdigit() and integer[0] != "0"):
        # 1.250 in a price: 1.25 in the US, 1250 in Germany, Spain, Brazil, ... (as 1,250 the other way;
        # 1,250 in a comma-decimal language).
        values = {"shown": shown, "decimal": written(_plain(integer + "." + fraction)),
                  "thousands": integer + fraction, "padded": written(f"{integer}.{fraction}0")}
        raise NumberError((_("'{shown}' could be {decimal} or {thousands}: in English a comma groups thousands. "
                             "Write {padded} if you mean {decimal} (a comma is the decimal sign here), or "
                             "{thousands} without a comma.") if comma else
                           _("'{shown}' could be {decimal} or {thousands}: a point groups thousands in much of "
                             "Europe and Latin America. Write {padded} if you mean {decimal} (a point is a decimal "
                             "point here), or {thousands} without a point.")).format(**values))
    if whole and (points or fraction):
        if fraction and len(fraction) == 3 and integer and integer[0] != "0" and swapped == comma:
            values = {"what": what, "thousands": integer + fraction, "grouped": written(f"{integer},{fraction}")}
            raise NumberError((_("The {what} must be a whole number; write {thousands} without a comma, or "
                                 "{grouped} (a comma is the decimal sign here).") if comma else
                               _("The {what} must be a whole number; write {thousands} without a point, or "
                                 "{grouped} (a point is a decimal point here).")).format(**values))
        raise NumberError(_("The {what} must be a whole number.").format(what=what))
    digits = integer + ("." + fraction if fraction or points else "")
    if digits in (".", ""):
        raise NumberError(not_a_number)
    try:
        value = Decimal(digits)
    except InvalidOperation:
        raise NumberError(not_a_number) from None
    return -value if negative else value


def write_number(value: Decimal) -> str:
    """``value`` as the plain text that ``read_number`` reads back as the same number in every
    language, for exports: no exponent, no trailing zeros, except that 1-3 digits before the point
    and exactly three after it (3.151, ambiguous in a price) get a fourth decimal: '3.1510'. 0.035
    stays. (Forms show numbers in the reader's notation: ``write_number_for_reader``.)"""
    text = format(value.normalize(), "f")
    integer, __, fraction = text.lstrip("-").partition(".")
    if len(fraction) == 3 and 1 <= len(integer) <= 3 and integer[0] != "0":
        text += "0"
    return text


def write_number_for_reader(value: Decimal | int, decimal: str | None = None) -> str:
    """``value`` as a form shows it back to the reader, so that submitting it unchanged reads the
    same value (``read_number`` with the same ``decimal``, default the current language's): the
    plain text of ``write_number`` with a decimal comma where the reader writes one (0,79, 3,1510;
    1500 stays 1500). No thousands separators: nothing to misread."""
    text = write_number(Decimal(value))
    return _swap(text) if _decimal_sign(decimal) == "," else text


def _swap(text: str) -> str:
    """Points as commas and commas as points: between English and comma-decimal notation."""
    return text.translate(_SWAP)


_SWAP = str.maketrans(".,", ",.")


def _decimal_point_only(text: str) -> bool:
    """Whether ``text`` has one point, no comma, and the point cannot group thousands: it is not
    followed by exactly three digits after a first group of 1-3 digits not starting with 0 (0.79,
    1.5, 0.125, 1250.000; not 1.250 or 12.345)."""
    if text.count(".") != 1 or "," in text:
        return False
    head, __, tail = text.partition(".")
    after = re.match(r"\d*", tail).group()
    before = re.search(r"\d*$", head).group()
    return not (len(after) == 3 and 1 <= len(before) <= 3 and before[0] != "0")


def _plain(text: str) -> str:
    """A suggestion such as '1.25' from digits the person typed (trailing zeros dropped)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    return format(value.normalize(), "f")


def _decimal_comma(integer: str, comma: bool = False) -> str:
    """The refusal of a decimal comma, with the number written with a point as the example (or, for
    a comma-decimal reader, of a decimal point where it reads as grouping, with a comma)."""
    head, __, tail = integer.rpartition(",")
    head = "".join(c for c in head if c.isdigit()) or "0"
    if comma:
        return _("Use a decimal comma, for example {example} (a point only separates thousands, as in "
                 "1.000).").format(example=f"{head},{tail}")
    return _("Use a decimal point, for example {example} (a comma only separates thousands, as in "
             "1,000).").format(example=f"{head}.{tail}")
