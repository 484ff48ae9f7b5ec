"""Dates typed by people and the city's "today" (issue 11 item 13): the one place both live.

``parse_date`` reads a date from a form or a CSV cell: ISO (2027-01-07), 2027/01/07, and forms with
the month in words (7 Jan 2027, January 7, 2027). Day/month numbers (07/01/2027, 07.01.2027,
07-01-2027) are read only when they cannot be misread: one part above 12 is the day (13/01/2027 and
01/13/2027 are both 13 January), equal parts are the same date either way, and where the field allows
only a range of dates (``within``: a delivery date from today, a needed-by date not past) a reading
outside it is no reading: 12/10/2026 on 30 November 2026 is 10 December, as 12 October is past. The
caller shows the date it stored in words ("Expected delivery: Dec 10, 2026"); never within a CSV
import (i18n.reading_csv), whose rows are not shown back. Otherwise they are refused with a message
that says how to write it (also when both readings are in the range). Two-digit years are refused.

``city_today`` is the city's date at a moment (CITY_TIMEZONE, default America/Los_Angeles): at
23:30 UTC it is still the afternoon in Los Angeles, so a needed-by date of that local day is today,
not past.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import dates as babel_dates

from . import i18n
from .i18n import DEFAULT_CITY_TIMEZONE, _, format_day

# A needed-by date more than days of supply + this many days ahead is well after the stock runs
# out: the size of a day/month swap or a wrong year, not of ordering a few weeks ahead.
SUPPLY_MARGIN_DAYS = 30
# A needed-by date that is today or past, with at least this many days of supply left, is suspect.
MANY_DAYS_OF_SUPPLY = 14

_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for name in names}
# Spanish month names and CLDR's abbreviations, so that a date written as pages show it in Spanish
# ("7 ene 2027", "7 de enero de 2027") is read too. No name means two months in the two languages.
_MONTHS.update({name: number for number, names in enumerate((
    ("ene", "enero"), ("febrero",), ("marzo",), ("abr", "abril"), ("mayo",), ("junio",), ("julio",),
    ("ago", "agosto"), ("set", "septiembre", "setiembre"), ("octubre",), ("noviembre",), ("dic", "diciembre")),
    start=1) for name in names})

_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2,4})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[\s-]+(?:de\s+)?([a-z]+)\.?,?[\s-]+(?:de\s+)?(\d{2,4})")
_MONTH_DAY_YEAR = re.compile(r"([a-z]+)\.?[\s-]+(\d{1,2})(?:st|nd|rd|th)?,?[\s-]+(\d{2,4})")


class DateError(ValueError):
    """A date that cannot be read, or can be read two ways; the text says how to write it."""


def _in_words(day: date) -> str:
    """'7 Jan 2027' ('7 ene 2027' in Spanish): the day with its month in words, as parse_date reads it."""
    if i18n.current_locale() == i18n.DEFAULT_LOCALE:
        return f"{day.day} {day.strftime('%b')} {day.year}"
    month = babel_dates.format_date(day, "MMM", locale=i18n.format_locale()).rstrip(".")
    return f"{day.day} {month} {day.year}"


def _day_and_month(day: date, *, day_first: bool) -> str:
    """'7 January' (``day_first``) or 'January 7': a day named in a sentence; '7 de enero' in Spanish."""
    month = (day.strftime("%B") if i18n.current_locale() == i18n.DEFAULT_LOCALE
             else babel_dates.format_date(day, "MMMM", locale=i18n.format_locale()))
    return (_("{day} {month}") if day_first else _("{month} {day}")).format(day=day.day, month=month)


def _make(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(_("There is no such date; write it as YYYY-MM-DD or with the month in words, for example "
                          "2027-01-07 or 7 Jan 2027.")) from None


def _year(text: str) -> int:
    if len(text) != 4:
        raise DateError(_("Give the year with four digits; write it as YYYY-MM-DD or with the month in words, for "
                          "example 2027-01-07 or 7 Jan 2027."))
    return int(text)


def _month(word: str) -> int:
    month = _MONTHS.get(word)
    if month is None:
        raise DateError(_("'{word}' is not a month; write it as YYYY-MM-DD or with the month in words, for example "
                          "2027-01-07 or 7 Jan 2027.").format(word=word))
    return month


def parse_date(raw: str, *, within: tuple[date, date] | None = None) -> date:
    """The date in ``raw`` (text from a form or a CSV cell, surrounding spaces ignored).

    ``within``: the first and last day the field accepts (the caller still refuses a date outside
    them, with its own message); of day/month numbers that read two ways, the one reading inside
    it is taken when the other is outside (not while reading a CSV row: i18n.reading_csv).

    Raises DateError (a message for the person) when the text is no date, names no real day, has a
    two-digit year, or is day/month numbers that read as two different dates (07/01/2027: "write
    2027-01-07 or 7 Jan 2027 for 7 January, 2027-07-01 or 1 Jul 2027 for 1 July")."""
    text = " ".join(raw.strip().casefold().split())
    if match := _ISO.fullmatch(text):
        return _make(int(match[1]), int(match[2]), int(match[3]))
    if match := _NUMERIC.fullmatch(text):
        first, second, year = int(match[1]), int(match[2]), _year(match[3])
        if first > 12 or first == second:
            return _make(year, second, first)  # day first (or both readings are the same day)
        if second > 12:
            return _make(year, first, second)  # month first
        day_first, month_first = _make(year, second, first), _make(year, first, second)
        if within and not i18n.reading_csv():
            fitting = [day for day in (day_first, month_first) if within[0] <= day <= within[1]]
            if len(fitting) == 1:
                return fitting[0]
        first, second = _day_and_month(day_first, day_first=True), _day_and_month(month_first, day_first=False)
        raise DateError(_("{typed} can be read as {first} or {second}: write {first_iso} or {first_words} for "
                          "{first}, {second_iso} or {second_words} for {second}.").format(
            typed=raw.strip(), first=first, second=second, first_iso=day_first.isoformat(),
            first_words=_in_words(day_first), second_iso=month_first.isoformat(),
            second_words=_in_words(month_first)))
    if match := _DAY_MONTH_YEAR.fullmatch(text):
        return _make(_year(match[3]), _month(match[2]), int(match[1]))
    if match := _MONTH_DAY_YEAR.fullmatch(text):
        return _make(_year(match[3]), _month(match[1]), int(match[2]))
    raise DateError(_("This is not a date we can read; write it as YYYY-MM-DD or with the month in words, for "
                      "example 2027-01-07 or 7 Jan 2027."))


def city_zone(name: str | None) -> ZoneInfo:
    """The city's time zone by IANA name (None or empty: DEFAULT_CITY_TIMEZONE).
    Raises ValueError naming the setting when the name is unknown."""
    try:
        return ZoneInfo(name or DEFAULT_CITY_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"CITY_TIMEZONE {name!r} is not a known time zone (e.g. America/Los_Angeles)") from None


def city_today(now: datetime, zone: ZoneInfo) -> date:
    """The city's date at ``now`` (an aware datetime; a naive one is read as UTC, as the models store it)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(zone).date()


def needed_by_warnings(needed_by: date | None, days_of_supply: int | None, today: date) -> dict[str, str]:
    """{"needed_by": warning} when a needed-by date disagrees with the days of supply given with it
    (both as parse_demand reads them; ``today`` the city's date), else {}:
    - the date is more than days of supply + SUPPLY_MARGIN_DAYS ahead: the stock runs out well before;
    - the date is today or past while MANY_DAYS_OF_SUPPLY or more days of supply are left.
    A warning, not a refusal: the form asks to confirm, an import saves the row and reports it."""
    if needed_by is None or days_of_supply is None:
        return {}
    runs_out = today + timedelta(days=days_of_supply)
    ahead = (needed_by - today).days
    if ahead > days_of_supply + SUPPLY_MARGIN_DAYS:
        return {"needed_by": _(
            "Needed by {needed_by} is {ahead} days away, but {days} days of supply last until about {runs_out}. "
            "Check the date (was day and month swapped?) and the days of supply.").format(
            needed_by=format_day(needed_by), ahead=ahead, days=days_of_supply, runs_out=format_day(runs_out))}
    if ahead <= 0 and days_of_supply >= MANY_DAYS_OF_SUPPLY:
        message = (_("Needed by {needed_by} is today, but {days} days of supply last until about {runs_out}. "
                     "Check the date and the days of supply.") if ahead == 0 else
                   _("Needed by {needed_by} is past, but {days} days of supply last until about {runs_out}. "
                     "Check the date and the days of supply."))
        return {"needed_by": message.format(needed_by=format_day(needed_by), days=days_of_supply,
                                            runs_out=format_day(runs_out))}
    return {}
