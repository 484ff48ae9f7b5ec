"""Languages (issue 13): the reader's language for every text the domain words, and numbers,
money, days and moments written the way that language writes them, moments on the city's clock
(CITY_TIMEZONE: the marketplace is run by one city; ``format_moment``).

The catalogues are GNU gettext files in ``marketplace/translations/<locale>/LC_MESSAGES/messages.po``
(English is the source language: its catalogue is empty and every text reads as written). They are
compiled to ``.mo`` by ``compile_catalogues`` (the app does it at start when a ``.po`` is newer).

Texts are marked in the code with ``_`` (translated now, in the current language), ``N_`` (only
marked, for tables built at import time: translate with ``_`` when shown), ``NP_`` (the same with
a context: translate with ``pgettext``), ``NN_`` (a singular and plural only marked: translate
with ``ngettext``), ``pgettext`` and ``ngettext``. Column headings that count
things use the context ``COUNT`` ("Approved" leads: aprobadas), so that they never take the
singular a status badge needs (aprobada). A text
with values uses ``str.format`` names: ``_("Lead #{id} approved").format(id=7)``, so that a
translator can move a value within the sentence.

The current language is a context variable: the web layer sets it for each request (from the
account's choice, then ``Accept-Language``), a job for each recipient (``use_locale``). Outside
both it is English. Pure: Babel and the standard library only.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from functools import cache, lru_cache
from gettext import NullTranslations
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

# The languages people may choose, in the order the switch shows them, each named in itself.
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
DEFAULT_LOCALE = "en"
CATALOGUES = Path(__file__).resolve().parent.parent / "translations"
DOMAIN = "messages"
# The context of a column heading over counts of things ("Approved" -> "Aprobadas").
COUNT = "count"

# How each language writes numbers, money and dates: a CLDR locale. Spanish defaults to "es"
# (1.234,50 US$); a city whose Spanish readers write 1,234.50 (Mexico, the US) sets es_MX or es_US
# with ``configure_formats`` (setting FORMAT_LOCALES).
_format_locales: dict[str, str] = {"en": "en_US", "es": "es"}

# The city's clock (CITY_TIMEZONE): every moment a person reads is shown on it (``configure_zone``).
DEFAULT_CITY_TIMEZONE = "America/Los_Angeles"
_city_zone: tzinfo = ZoneInfo(DEFAULT_CITY_TIMEZONE)

_locale: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)
_translations: ContextVar[NullTranslations | None] = ContextVar("translations", default=None)


def N_(text: str) -> str:
    """Mark ``text`` for the catalogue without translating it now (tables built at import)."""
    return text


def NP_(context: str, text: str) -> str:
    """Mark ``text`` with a context for the catalogue without translating it now; translate with
    ``pgettext(context, text)`` where shown. The context tells apart the same English in another
    use: "Approved" a lead's status (aprobada) and "Approved" a column of counts (aprobadas)."""
    return text


def NN_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a text's singular and plural for the catalogue (one ``msgid_plural`` entry) without
    translating it now; choose the form where shown with ``ngettext(singular, plural, count)``."""
    return singular, plural


def _(text: str) -> str:
    """``text`` in the current language (as written when the catalogue has no translation)."""
    return current_translations().gettext(text)


gettext = _


# Messages name a field by its label in a form and by its column, as the file's header writes it, in
# a CSV file (issue: the intake words): see ``field``, ``field_name`` and ``csv_columns``.
_csv_columns: ContextVar[bool] = ContextVar("csv_columns", default=False)


class FieldName(str):
    """A field as messages name it: the label (marked with N_, translated where shown) that also
    knows its CSV column. ``field(N_("unit price"), "unit_price")``; ``field_name`` chooses."""

    column: str | None

    def __new__(cls, label: str, column: str | None = None) -> FieldName:
        name = super().__new__(cls, label)
        name.column = column
        return name


def field(label: str, column: str | None) -> FieldName:
    """A field named ``label`` in a form (marked with N_) and ``column`` in a CSV file."""
    return FieldName(label, column)


@contextlib.contextmanager
def csv_columns() -> Iterator[None]:
    """Within the block (a CSV row being read), messages name fields by their column as the file's
    header writes it (``quantity``, ``unit_price``), untranslated, whatever the reader's language."""
    token = _csv_columns.set(True)
    try:
        yield
    finally:
        _csv_columns.reset(token)


def reading_csv() -> bool:
    """Whether a CSV row is being read (within ``csv_columns``): nothing is shown back to the person
    row by row, so a value is never guessed there (dates.parse_date's ``within``)."""
    return _csv_columns.get()


def field_name(what: str) -> str:
    """How a message names the field ``what``: its CSV column within ``csv_columns`` when it has
    one (a FieldName), else its label in the current language (a label marked with N_; a text
    already translated stays as it is). The one place messages name a field."""
    column = getattr(what, "column", None)
    if column and _csv_columns.get():
        return column
    return _(what)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form of a text for ``count``, in the current language."""
    return current_translations().ngettext(singular, plural, count)


def pgettext(context: str, text: str) -> str:
    """``text`` in the current language, told apart from the same English in another context."""
    return current_translations().pgettext(context, text)


def current_locale() -> str:
    """The current language's code: "en" or "es"."""
    return _locale.get()


def current_translations() -> NullTranslations:
    return _translations.get() or translations_for(_locale.get())


def choose_locale(wanted: str | None) -> str:
    """A language people may choose from a code such as "es", "es-MX", "es_419" or "EN"; the
    default ("en") for anything else or nothing."""
    if not wanted:
        return DEFAULT_LOCALE
    code = wanted.replace("-", "_").split("_")[0].strip().lower()
    return code if code in LANGUAGES else DEFAULT_LOCALE


@cache
def translations_for(locale: str) -> NullTranslations:
    """The compiled catalogue of ``locale`` (NullTranslations for English, or when it has none)."""
    if locale == DEFAULT_LOCALE:
        return NullTranslations()
    return Translations.load(str(CATALOGUES), [locale], DOMAIN)


def activate(locale: str, translations: NullTranslations | None = None) -> object:
    """Make ``locale`` current in this context (a web request); returns a token for ``deactivate``.
    ``translations`` may be given when the caller already holds the catalogue (Flask-Babel's)."""
    locale = choose_locale(locale)
    return (_locale.set(locale), _translations.set(translations or translations_for(locale)))


def deactivate(token: object) -> None:
    locale_token, translations_token = token  # type: ignore[misc]
    _translations.reset(translations_token)
    _locale.reset(locale_token)


@contextlib.contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Within the block, the texts are in ``locale`` (an e-mail to a Spanish reader, a job run for
    someone). Yields the language chosen (``choose_locale``)."""
    token = activate(choose_locale(locale))
    try:
        yield current_locale()
    finally:
        deactivate(token)


# ---- numbers, money and dates written for the language ----------------------------------------

def configure_formats(format_locales: dict[str, str] | None) -> None:
    """Set the CLDR locale each language writes numbers with ({"es": "es_MX"}); ValueError for a
    locale Babel does not know."""
    for language, code in (format_locales or {}).items():
        Locale.parse(code)  # UnknownLocaleError (a ValueError) for a mistyped setting
        _format_locales[choose_locale(language)] = code


def format_locale(locale: str | None = None) -> str:
    """The CLDR locale numbers are written with in ``locale`` (default: the current language)."""
    return _format_locales.get(locale or current_locale(), _format_locales[DEFAULT_LOCALE])


def decimal_symbol(locale: str | None = None) -> str:
    """The decimal separator of the language: "." in English, "," in Spanish (as configured)."""
    return _decimal_symbol_of(format_locale(locale))


@lru_cache(maxsize=32)
def _decimal_symbol_of(cldr_locale: str) -> str:
    # Read for every number a form or file gives (domain.numbers): Babel parses the locale each time.
    return numbers.get_decimal_symbol(cldr_locale)


def format_integer(value: int | Decimal | None) -> str:
    """A whole number with the language's grouping: 1,234,567 / 1.234.567. Four digits are grouped
    too (1,500 / 1.500): Babel does not apply CLDR's minimum grouping digits, and a reader of either
    language reads 1.500 as fifteen hundred in a quantity."""
    if value is None:
        return ""
    return numbers.format_decimal(value, format="#,##0", locale=format_locale())


def format_decimal(value: Decimal | float | int | None, *, min_decimals: int = 0,
                   max_decimals: int = 2) -> str:
    """A number with between ``min_decimals`` and ``max_decimals`` decimals: 1,234.5 / 1234,5."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * min_decimals + "#" * (max_decimals - min_decimals)
                         if max_decimals else "")
    return numbers.format_decimal(Decimal(str(value)), format=pattern, locale=format_locale(),
                                  decimal_quantization=False if max_decimals > 2 else True)


def format_signed(value: Decimal | float | int | None, decimals: int = 1) -> str:
    """A weight or change with its sign and exactly ``decimals`` decimals, as the language writes
    numbers: +4.0 / +4,0, -2.5 / -2,5 (zero reads +0.0, as Python's "%+.1f" did). None: ""."""
    if value is None:
        return ""
    number = Decimal(str(value))
    shown = format_decimal(abs(number), min_decimals=decimals, max_decimals=decimals)
    return ("-" if number < 0 and shown.strip("0,.") else "+") + shown


def format_money(value: Decimal | float | int | None) -> str:
    """US dollars with 2 to 4 decimals: $0.79, $0.035, $1,250.50 in English; 0,79 US$, 1250,50 US$
    in Spanish. A price of a fraction of a cent keeps its digits (never rounded to $0.04). Three
    decimals after 1 to 3 digits (3.151, which reads as thousands where a point groups them) get a
    fourth, as domain.numbers.write_number writes them: $3.1510, so that what is shown reads back."""
    if value is None:
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.0001"))
    three = amount % Decimal("0.01") != 0 and amount % Decimal("0.001") == 0 and 1 <= abs(amount) < 1000
    locale = format_locale()
    return numbers.format_currency(amount, "USD", format=_money_pattern(locale, 4 if three else 2), locale=locale,
                                   currency_digits=False, decimal_quantization=False)


@lru_cache(maxsize=16)
def _money_pattern(locale: str, decimals: int = 2) -> str:
    """The locale's currency pattern with ``decimals`` to 4 decimals ("#,##0.00 ¤" -> "#,##0.00## ¤")."""
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.split(";")[0]
    return pattern.replace("0.00", "0." + "0" * decimals + "#" * (4 - decimals), 1)


def format_day(value: date | datetime | str | None, style: str = "medium") -> str:
    """A day as the language writes it: "Dec 3, 2026" / "3 dic 2026" (``style``: short, medium,
    long). Every day a person reads is written here (pages, e-mails, notifications, messages); ISO
    ``2026-12-03`` stays for files, the API and form fields. A stored ISO string ("2026-12-03", as
    facts keep days) is read first; any other text is shown as it is, never guessed at. A moment
    (a datetime, stored in UTC) is the day it is on the city's clock (``format_moment``)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            value = _moment(value)
            if not isinstance(value, datetime):
                return str(value)
    if isinstance(value, datetime):
        value = _on_the_city_clock(value, None).date()
    if not isinstance(value, date):  # a number or list stored where a day was expected: as stored
        return str(value)
    return dates.format_date(value, format=style, locale=format_locale())


def format_percent(fraction: float | Decimal | None, decimals: int = 1) -> str:
    """A share as a percentage with ``decimals`` decimals: 0.123 is "12.3%" / "12,3 %"."""
    if fraction is None:
        return ""
    locale = format_locale()
    pattern = Locale.parse(locale).percent_formats[None].pattern.split(";")[0]
    if decimals:
        pattern = pattern.replace("0", "0." + "0" * decimals, 1) if "0." not in pattern else pattern
    return numbers.format_percent(Decimal(str(fraction)), format=pattern, locale=locale)


# ---- moments on the city's clock ----------------------------------------------------------------

def configure_zone(zone: tzinfo) -> None:
    """Set the city's time zone (CITY_TIMEZONE), the clock every moment a person reads is shown on
    (set once at start, as ``configure_formats``; ``dates.city_zone`` reads the setting)."""
    global _city_zone
    _city_zone = zone


def city_zone() -> tzinfo:
    """The city's time zone moments are shown in (``configure_zone``; America/Los_Angeles until set)."""
    return _city_zone


def _on_the_city_clock(value: datetime, zone: tzinfo | None) -> datetime:
    """``value`` (aware; a naive one is UTC, as the database returns it) on the city's clock."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone or _city_zone)


def _moment(value: datetime | str | None) -> datetime | str | None:
    """A moment to show: a datetime as it is; a stored ISO timestamp ("2027-01-12T03:00:00+00:00") read;
    any other text as it is, never guessed at."""
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def _zone_name(moment: datetime, locale: str) -> str:
    """The zone's abbreviation as the language writes it (CLDR: "PST", "PDT", "CET", "UTC"); where
    the language has none ("es" for the Pacific zone), the offset "GMT-08:00", which CLDR gives as
    the fallback (Babel would write a bare "-0800")."""
    name = dates.get_timezone_name(moment, "short", locale=locale)
    if name == dates.get_timezone_gmt(moment, "short", locale=locale):
        return dates.get_timezone_gmt(moment, "long", locale=locale)
    return name


@lru_cache(maxsize=16)
def _date_and_time(locale: str) -> str:
    """How the language joins a day and a time of day ("{1}, {0}": CLDR's medium date-time pattern)."""
    return str(Locale.parse(locale).datetime_formats["medium"]).replace("'", "")


def _join(locale: str, day: str, time: str) -> str:
    return _date_and_time(locale).replace("{0}", time).replace("{1}", day)


def _clock(value: datetime | str | None, zone: tzinfo | None) -> tuple[datetime, str, str] | str:
    """What the three writers of moments below start from: ``value`` on the city's clock (or
    ``zone``'s), the language's locale and the short time of day ("7:00 PM" / "19:00"); or the text
    to show as it is: "" for no moment, what was stored for text or a number where a moment was
    expected."""
    value = _moment(value)
    if value is None or value == "":
        return ""
    if not isinstance(value, datetime):
        return str(value)
    moment, locale = _on_the_city_clock(value, zone), format_locale()
    return moment, locale, dates.format_time(moment, format="short", tzinfo=moment.tzinfo, locale=locale)


def format_moment(value: datetime | str | None, style: str = "medium", *, zone: tzinfo | None = None) -> str:
    """A moment (stored in UTC) as the language writes it on the city's clock, with its zone:
    2027-01-12 03:00 UTC is "Jan 11, 2027, 7:00 PM PST" / "11 ene 2027, 19:00 GMT-08:00" in Los
    Angeles (``style`` of the day: short, medium, long; ``zone``: another than the city's). Every
    moment a person reads is written here or by the two below (pages, e-mails, messages); ISO 8601
    in UTC stays for files, the API and machine data."""
    parts = _clock(value, zone)
    if isinstance(parts, str):
        return parts
    moment, locale, time = parts
    day = dates.format_date(moment.date(), format=style, locale=locale)
    return _join(locale, day, f"{time} {_zone_name(moment, locale)}")


def format_moment_short(value: datetime | str | None, *, zone: tzinfo | None = None,
                        now: datetime | None = None) -> str:
    """A recent moment in a table, on the city's clock, day and month without the year:
    "Jan 11, 7:00 PM" / "11 ene, 19:00". The zone is named by the column's heading (``zoned``: "Created
    (PST)"), which names it as it is ``now``; a moment on the other side of a change of clocks names
    its own: "Jul 12, 4:05 PM PDT" under a winter heading "(PST)"."""
    parts = _clock(value, zone)
    if isinstance(parts, str):
        return parts
    moment, locale, time = parts
    day = dates.format_skeleton("MMMd", moment, locale=locale)
    name = _zone_name(moment, locale)
    if name != zone_name(zone=zone, now=now):
        time = f"{time} {name}"
    return _join(locale, day, time)


def zone_name(*, zone: tzinfo | None = None, now: datetime | None = None) -> str:
    """The city's zone as the language names it now ("PST" in winter, "PDT" in summer / "GMT-08:00"),
    as ``format_moment`` names it: the name a table's heading gives its moments (``zoned``)."""
    moment = _on_the_city_clock(now or datetime.now(UTC), zone)
    return _zone_name(moment, format_locale())


def zoned(column: str, *, zone: tzinfo | None = None, now: datetime | None = None) -> str:
    """A table's column heading over moments written by ``format_moment_short`` (which leaves the zone
    out), naming the zone: "Created (PST)" / "Creado (GMT-08:00)". Every such heading is written here."""
    return _("{column} ({zone})").format(column=column, zone=zone_name(zone=zone, now=now))


def format_time_of_day(value: datetime | str | None, *, zone: tzinfo | None = None) -> str:
    """The time of day of a moment within the next hours (a claim's end), on the city's clock with
    its zone: "7:00 PM PST" / "19:00 GMT-08:00"."""
    parts = _clock(value, zone)
    if isinstance(parts, str):
        return parts
    moment, locale, time = parts
    return f"{time} {_zone_name(moment, locale)}"


# ---- catalogues ----------------------------------------------------------------------------------

def compile_catalogues(directory: Path = CATALOGUES, *, force: bool = False) -> list[Path]:
    """Compile each ``<locale>/LC_MESSAGES/messages.po`` under ``directory`` to its ``.mo`` when the
    ``.po`` is newer (or ``force``). Written to a temporary file and renamed, so that two processes
    starting at once never read half a file. Returns the ``.mo`` files written. Fuzzy entries are
    left out (they read as English until a translator confirms them)."""
    written = []
    for po_path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        temporary = mo_path.with_suffix(f".mo.{os.getpid()}")
        with temporary.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        os.replace(temporary, mo_path)
        written.append(mo_path)
    if written:
        translations_for.cache_clear()
    return written
