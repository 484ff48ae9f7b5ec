"""Dates typed by people and the city's "today" (issue 11 item 13): the one place both live.

``parse_date`` reads a date from a form or a CSV cell: ISO (2027-01-07), 2027/01/07, and forms with
the month in words (7 Jan 2027, January 7, 2027). Day/month numbers (07/01/2027, 07.01.2027,
07-01-2027) are read only when they cannot be misread: one part above 12 is the day (13/01/2027 and
01/13/2027 are both 13 January), equal parts are the same date either way; otherwise they are refused
with a message that says how to write it. Two-digit years are refused.

``city_today`` is the city's date at a moment (CITY_TIMEZONE, default America/Los_Angeles): at
23:30 UTC it is still the afternoon in Los Angeles, so a needed-by date of that local day is today,
not past.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_CITY_TIMEZONE = "America/Los_Angeles"

# A needed-by date more than days of supply + this many days ahead is well after the stock runs
# out: the size of a day/month swap or a wrong year, not of ordering a few weeks ahead.
SUPPLY_MARGIN_DAYS = 30
# A needed-by date that is today or past, with at least this many days of supply left, is suspect.
MANY_DAYS_OF_SUPPLY = 14

_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for name in names}

_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2,4})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[\s-]+([a-z]+)\.?,?[\s-]+(\d{2,4})")
_MONTH_DAY_YEAR = re.compile(r"([a-z]+)\.?[\s-]+(\d{1,2})(?:st|nd|rd|th)?,?[\s-]+(\d{2,4})")

WRITE_IT = "write it as YYYY-MM-DD or with the month in words, for example 2027-01-07 or 7 Jan 2027"


class DateError(ValueError):
    """A date that cannot be read, or can be read two ways; the text says how to write it."""


def _example(day: date) -> str:
    return f"{day.isoformat()} or {day.day} {day.strftime('%b')} {day.year}"


def _make(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"There is no such date; {WRITE_IT}.") from None


def _year(text: str) -> int:
    if len(text) != 4:
        raise DateError(f"Give the year with four digits; {WRITE_IT}.")
    return int(text)


def _month(word: str) -> int:
    month = _MONTHS.get(word)
    if month is None:
        raise DateError(f"'{word}' is not a month; {WRITE_IT}.")
    return month


def parse_date(raw: str) -> date:
    """The date in ``raw`` (text from a form or a CSV cell, surrounding spaces ignored).

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
        raise DateError(f"{raw.strip()} can be read as {day_first.day} {day_first.strftime('%B')} or "
                        f"{month_first.strftime('%B')} {month_first.day}: write {_example(day_first)} for "
                        f"{day_first.day} {day_first.strftime('%B')}, {_example(month_first)} for "
                        f"{month_first.strftime('%B')} {month_first.day}.")
    if match := _DAY_MONTH_YEAR.fullmatch(text):
        return _make(_year(match[3]), _month(match[2]), int(match[1]))
    if match := _MONTH_DAY_YEAR.fullmatch(text):
        return _make(_year(match[3]), _month(match[1]), int(match[2]))
    raise DateError(f"This is not a date we can read; {WRITE_IT}.")


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
        return {"needed_by": (
            f"Needed by {needed_by.isoformat()} is {ahead} days away, but {days_of_supply} days of supply "
            f"last until about {runs_out.isoformat()}. Check the date (was day and month swapped?) "
            "and the days of supply.")}
    if ahead <= 0 and days_of_supply >= MANY_DAYS_OF_SUPPLY:
        return {"needed_by": (
            f"Needed by {needed_by.isoformat()} is {'today' if ahead == 0 else 'past'}, but {days_of_supply} "
            f"days of supply last until about {runs_out.isoformat()}. Check the date and the days of supply.")}
    return {}
