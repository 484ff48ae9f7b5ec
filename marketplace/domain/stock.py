"""Stock on hand, daily use and the days of supply they give (issue 11 item 14): urgency that ages.

A request stores what a hospital knows, not a number that goes stale:

- ``stock_counted_on`` (a date): when the stock was counted (or the days of supply stated);
- ``stock_on_hand`` (units, optional): the count on that date;
- ``avg_daily_use`` (units a day, optional, more than 0): typed in, or worked out by the CDC
  burn-rate method from two counts and the units received between them
  (``burn_rate``: (first count + received - second count) / days between the counts);
- ``days_of_supply`` (whole days): the days of supply *on the count date*. With stock and daily
  use it is floor(stock / use) (capped at MAX_DAYS_OF_SUPPLY); without them it is the number the
  buyer stated (the old way, and every request from before this change).

``days_left`` is the one rule for the days of supply on a later day: the days at the count less
the whole days since, never below 0. Because the days since are whole, this is exactly
floor((stock - use * days since) / use) for a request with stock and use, and it makes a request
with only a stated number age the same way (12 days stated a week ago are 5 days today). The
allocation's urgency weights, the request pages, the near-miss list and the needed-by warning all
read it (services.demand.days_of_supply_now).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .dates import DateError, needed_by_warnings, parse_date
from .errors import FieldError
from .i18n import N_, _, field, field_name, format_day, format_decimal, format_integer, ngettext
from .numbers import NumberError, read_number

MAX_DAYS_OF_SUPPLY = 365
# More units on hand than this in one facility's count is a typo (a hospital system holds millions).
MAX_STOCK = 10**9
MAX_DAILY_USE = Decimal(10**8)
# Daily use is kept to 4 decimals (the column is Numeric(16, 4)): 1,000 units over 7 days is 142.8571.
USE_PLACES = Decimal("0.0001")
# A count older than this is no picture of today's stock.
MAX_COUNT_AGE_DAYS = 366
# Days of supply stated beside stock and daily use may differ by this much from what they give
# (rounding, a count from this morning); more is a contradiction the buyer must resolve.
DAYS_TOLERANCE = 1

# The form's and the CSV's names for the stock fields, in order. The CSV has the first three.
STOCK_COLUMNS: tuple[str, ...] = ("stock_on_hand", "stock_counted_on", "avg_daily_use")
BURN_RATE_FIELDS: tuple[str, ...] = ("first_count", "first_counted_on", "received_between")


@dataclass(frozen=True)
class Stock:
    """A request's stock facts: ``days_at_count`` whole days of supply on ``counted_on``;
    ``on_hand`` units counted that day and ``daily_use`` units a day, both None when the buyer
    stated only days of supply."""
    counted_on: date
    days_at_count: int
    on_hand: int | None = None
    daily_use: Decimal | None = None


def days_from_stock(on_hand: int, daily_use: Decimal) -> int:
    """Whole days ``on_hand`` units last at ``daily_use`` units a day (> 0): floor(on_hand / use),
    at most MAX_DAYS_OF_SUPPLY. 1,000 units at 142.8571 a day -> 7."""
    return min(MAX_DAYS_OF_SUPPLY, math.floor(Decimal(on_hand) / daily_use))


def days_left(stock: Stock, today: date) -> int:
    """The days of supply on ``today`` (the city's date): days at the count less the whole days
    since the count (a count dated after today counts as today), never below 0."""
    return max(0, stock.days_at_count - max(0, (today - stock.counted_on).days))


def units_left(stock: Stock, today: date) -> Decimal | None:
    """Units on hand at the start of ``today`` by the daily use since the count (never below 0);
    None without stock and daily use. 1,000 counted 3 days ago at 100 a day -> 700."""
    if stock.on_hand is None or stock.daily_use is None:
        return None
    return max(Decimal(0), Decimal(stock.on_hand) - stock.daily_use * max(0, (today - stock.counted_on).days))


def burn_rate(first_count: int, first_on: date, second_count: int, second_on: date, received: int) -> Decimal:
    """Average daily use by the CDC burn-rate method, units a day to 4 decimals:
    (first_count + received - second_count) / days from ``first_on`` to ``second_on``.
    Raises FieldError, keyed by the field to fix in ``FieldError.args[1]``, when the second count
    is not after the first, or the counts give no use (the second count is not below the first
    plus the units received)."""
    days = (second_on - first_on).days
    if days <= 0:
        raise FieldError(_("The first count must be dated before the second count ({date}).").format(
            date=format_day(second_on)), "first_counted_on")
    used = first_count + received - second_count
    if used <= 0:
        raise FieldError(_("These counts give no use: {first} + {received} received - {second} on hand = {used} "
                           "units. Check the counts and the units received between them.").format(
            first=format_integer(first_count), received=format_integer(received),
            second=format_integer(second_count), used=format_integer(used)), "first_count")
    return (Decimal(used) / days).quantize(USE_PLACES, rounding=ROUND_HALF_UP)


def stock_of(values: dict, created_on: date) -> Stock:
    """The Stock of a request's values (a DemandRequest's columns or parse_stock's values);
    ``created_on`` stands in for a missing count date (rows written before counts were stored)."""
    return Stock(counted_on=values.get("stock_counted_on") or created_on,
                 days_at_count=values["days_of_supply"], on_hand=values.get("stock_on_hand"),
                 daily_use=values.get("avg_daily_use"))


# --- Reading the form and CSV cells ---------------------------------------------------------

def _whole(raw: str | None, what: str, maximum: int) -> int | None:
    try:
        # An example within the field's range, by leads.clean_int's rule (30 for days, 1500 for units).
        example = next(str(n) for n in (1500, 30, 7, 0) if n <= maximum)
        number = read_number(raw, what=what, whole=True, example=example)
    except NumberError as exc:
        raise FieldError(str(exc)) from None
    if number is None:
        return None
    if number < 0:
        raise FieldError(_("The {what} cannot be negative.").format(what=field_name(what)))
    if number > maximum:
        raise FieldError(_("The {what} must be at most {maximum}.").format(what=field_name(what), maximum=format_integer(maximum)))
    return int(number)


def _use(raw: str | None) -> Decimal | None:
    try:
        number = read_number(raw, what=field(N_("average daily use"), "avg_daily_use"), whole=False, example="120")
    except NumberError as exc:
        raise FieldError(str(exc)) from None
    if number is None:
        return None
    if number <= 0:
        raise FieldError(_("The average daily use must be more than 0 units a day (for no use, leave it empty "
                           "and give days of supply)."))
    if number > MAX_DAILY_USE:
        raise FieldError(_("The average daily use must be at most {maximum} units a day.").format(
            maximum=format_integer(MAX_DAILY_USE)))
    return number.quantize(USE_PLACES, rounding=ROUND_HALF_UP)


def _count_date(raw: str | None, today: date, what: str) -> date | None:
    text = (raw or "").strip() if isinstance(raw, str) else raw
    if not text:
        return None
    if isinstance(text, date):
        parsed = text
    else:
        try:
            parsed = parse_date(text)
        except DateError as exc:
            raise FieldError(str(exc)) from None
    if parsed > today:
        raise FieldError(_("The {what} cannot be in the future (today is {today}).").format(
            what=field_name(what), today=format_day(today)))
    if parsed < today - timedelta(days=MAX_COUNT_AGE_DAYS):
        raise FieldError(_("The {what} is more than a year ago: count again, or give days of supply.").format(
            what=field_name(what)))
    return parsed


def parse_stock(raw: dict, today: date) -> tuple[dict, dict[str, str]]:
    """Read how long a request's stock lasts, one of three ways, from text fields:

    1. ``stock_on_hand`` (+ ``stock_counted_on``, default ``today``) and ``avg_daily_use``;
    2. ``stock_on_hand`` and ``stock_counted_on`` as the second count, with ``first_count``,
       ``first_counted_on`` and ``received_between`` (default 0): daily use by ``burn_rate``;
    3. ``days_of_supply`` alone (the old way): counted on ``today``.

    Returns (values, {field: message}). The values (complete only without errors) are
    ``days_of_supply`` (int, on the count date), ``stock_on_hand`` (int | None),
    ``stock_counted_on`` (date) and ``avg_daily_use`` (Decimal | None). Days of supply given
    beside stock and use must agree with them within DAYS_TOLERANCE, as of today."""
    values: dict = {}
    errors: dict[str, str] = {}

    def read(name: str, clean):
        try:
            return clean()
        except FieldError as exc:
            errors[name] = str(exc.args[0])
            return None

    days = read("days_of_supply", lambda: _whole(raw.get("days_of_supply"), field(N_("days of supply"), "days_of_supply"), MAX_DAYS_OF_SUPPLY))
    on_hand = read("stock_on_hand", lambda: _whole(raw.get("stock_on_hand"), field(N_("stock on hand"), "stock_on_hand"), MAX_STOCK))
    counted_on = read("stock_counted_on", lambda: _count_date(raw.get("stock_counted_on"), today, field(N_("count date"), "stock_counted_on")))
    use = read("avg_daily_use", lambda: _use(raw.get("avg_daily_use")))
    first = read("first_count", lambda: _whole(raw.get("first_count"), field(N_("first count"), "first_count"), MAX_STOCK))
    first_on = read("first_counted_on", lambda: _count_date(raw.get("first_counted_on"), today, field(N_("first count date"), "first_counted_on")))
    received = read("received_between", lambda: _whole(raw.get("received_between"), field(N_("units received"), "received_between"), MAX_STOCK))
    if errors:
        return values, errors

    counted_on = counted_on or today
    burn_given = first is not None or first_on is not None or received is not None
    if burn_given:
        if on_hand is None:
            errors["stock_on_hand"] = _("Give the second count (units on hand now) to work out the daily use.")
        if first is None:
            errors["first_count"] = _("Give the first count, or leave the earlier count empty.")
        if first_on is None:
            errors["first_counted_on"] = _("Give the date of the first count.")
        if use is not None:
            errors["avg_daily_use"] = _("Give the average daily use or an earlier count to work it out, not both.")
        if errors:
            return values, errors
        try:
            use = burn_rate(first, first_on, on_hand, counted_on, received or 0)
        except FieldError as exc:
            errors[exc.args[1]] = exc.args[0]
            return values, errors

    if on_hand is None:
        if use is not None:
            errors["stock_on_hand"] = _("Give the units on hand with the average daily use.")
        elif days is None:
            errors["days_of_supply"] = _("Give the days of supply left, or your stock on hand and average "
                                         "daily use.")
        if raw.get("stock_counted_on") and "stock_on_hand" not in errors:
            errors["stock_on_hand"] = _("Give the units on hand counted on this date.")
        if errors:
            return values, errors
        values.update(days_of_supply=days, stock_on_hand=None, stock_counted_on=today, avg_daily_use=None)
        return values, errors

    if use is None:
        errors["avg_daily_use"] = _("Give the average daily use (units a day), or an earlier count to work it "
                                    "out, or leave the stock empty and give days of supply.")
        return values, errors
    at_count = days_from_stock(on_hand, use)
    if days is not None:
        now = days_left(Stock(counted_on, at_count, on_hand, use), today)
        if abs(days - now) > DAYS_TOLERANCE:
            errors["days_of_supply"] = ngettext(
                "{on_hand} units counted on {counted_on} at {use} a day last {count} day from today, not {days}: "
                "leave days of supply empty or correct the counts.",
                "{on_hand} units counted on {counted_on} at {use} a day last {count} days from today, not {days}: "
                "leave days of supply empty or correct the counts.", now).format(
                on_hand=format_integer(on_hand), counted_on=format_day(counted_on),
                use=format_decimal(use.normalize(), max_decimals=4), count=now, days=days)
            return values, errors
    values.update(days_of_supply=at_count, stock_on_hand=on_hand, stock_counted_on=counted_on, avg_daily_use=use)
    return values, errors


def units_text(value: Decimal | None) -> str:
    """A number of units for people: 1234.5000 -> '1,234.5'; 120.0000 -> '120'; None -> ''."""
    return "" if value is None else f"{value.normalize():,f}"


def stock_warnings(values: dict, today: date) -> dict[str, str]:
    """{field: warning} when a valid request's needed-by date disagrees with its days of supply as
    of ``today`` (dates.needed_by_warnings on ``days_left``)."""
    if "days_of_supply" not in values:
        return {}
    return needed_by_warnings(values.get("needed_by"), days_left(stock_of(values, today), today), today)
