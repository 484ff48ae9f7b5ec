"""Offers go stale in a crisis (issue 11 item 11): the validity of a supplier's quote and the
buyer's needed-by date, as dates in the city's calendar (``today`` is dates.city_today).

A lead's quote is valid through ``valid_until`` (inclusive): from the day after, it is lapsed and
leaves matching until the supplier confirms price and stock, which starts a new validity period
of DEFAULT_VALIDITY_DAYS. The supplier is asked once per period, REMIND_DAYS_BEFORE days before it
ends (or at once, if it already ended). A request whose needed-by date is past leaves matching and
its buyer is asked once per needed-by date whether to extend it or close the rest.
"""
from __future__ import annotations

from datetime import date, timedelta

from .dates import DateError, parse_date
from .errors import FieldError
from .i18n import _, format_day

# A quote given with no validity date is valid this many days from its submission or confirmation.
DEFAULT_VALIDITY_DAYS = 14
# The supplier is asked to confirm this many days before the quote lapses.
REMIND_DAYS_BEFORE = 3
# A quote is confirmed for at most this many days ahead: in a crisis prices and stock move within
# weeks, and a far date would keep a stale offer in matching without anyone being asked.
MAX_VALIDITY_DAYS = 90


def default_valid_until(today: date) -> date:
    """The validity date of a quote submitted or confirmed on ``today`` (the city's date) that
    gives none: ``today`` + DEFAULT_VALIDITY_DAYS."""
    return today + timedelta(days=DEFAULT_VALIDITY_DAYS)


def clean_valid_until(raw: str | None, today: date | None) -> date | None:
    """A quote's validity date typed in a form or a CSV cell (dates.parse_date's forms); None when
    empty (the caller applies default_valid_until or keeps the stored date). With ``today`` (the
    city's date) it must be from today to MAX_VALIDITY_DAYS ahead; FieldError says so otherwise.
    Without ``today`` (a caller that stores nothing) the date is only read."""
    value = (raw or "").strip()
    if not value:
        return None
    try:
        parsed = parse_date(value, within=None if today is None else
                            (today, today + timedelta(days=MAX_VALIDITY_DAYS)))
    except DateError as exc:
        raise FieldError(str(exc)) from None
    if today is not None:
        if parsed < today:
            raise FieldError(_("This date is in the past; give a date from today ({today}), or leave it empty for "
                               "{days} days from today.").format(today=format_day(today), days=DEFAULT_VALIDITY_DAYS))
        if parsed > today + timedelta(days=MAX_VALIDITY_DAYS):
            raise FieldError(_("A quote is valid for at most {days} days (until {last}); you will be asked to "
                               "confirm it before then.").format(
                days=MAX_VALIDITY_DAYS, last=format_day(today + timedelta(days=MAX_VALIDITY_DAYS))))
    return parsed


def quote_lapsed(valid_until: date | None, today: date) -> bool:
    """Whether a quote valid through ``valid_until`` has lapsed on ``today``: the day after."""
    return valid_until is not None and valid_until < today


def remind_through(today: date) -> date:
    """The latest validity date whose supplier is asked on ``today``: the quotes that lapse within
    REMIND_DAYS_BEFORE days (or already did) and were not asked for this validity date."""
    return today + timedelta(days=REMIND_DAYS_BEFORE)


def reminder_due(valid_until: date | None, reminded_for: date | None, today: date) -> bool:
    """Whether the supplier must be asked on ``today``: the quote lapses within REMIND_DAYS_BEFORE
    days (or did), and nobody was asked for this ``valid_until`` yet (``reminded_for`` is the
    validity date of the last reminder: one per validity period)."""
    return valid_until is not None and valid_until <= remind_through(today) and reminded_for != valid_until


def request_overdue(needed_by: date | None, today: date) -> bool:
    """Whether a request needed by ``needed_by`` is past its date on ``today`` (due today is not)."""
    return needed_by is not None and needed_by < today


def extension_due(needed_by: date | None, asked_for: date | None, today: date) -> bool:
    """Whether the buyer must be asked on ``today`` to extend or close: the request is overdue and
    nobody was asked for this needed-by date (``asked_for``: the needed-by date of the last ask)."""
    return request_overdue(needed_by, today) and asked_for != needed_by


# --- Confirming with new figures --------------------------------------------------------------
# A confirmation reads the offer's stock as the supplier does: units not delivered yet (the offer's
# quantity counts the units already delivered, which it no longer has). Below that floor are the
# units buyers hold and are still owed (proposed, accepted, ordered). A higher price, or more units
# on an approved offer, is a material change: the offer is vetted again (services.quotes).


def units_available_now(quantity: int, delivered: int) -> int:
    """The units of an offer of ``quantity`` units that are still the supplier's to sell or deliver:
    all but the ``delivered`` ones (what the confirmation's "Quantity not yet delivered" shows)."""
    return max(quantity - delivered, 0)


def quantity_from_available_now(available_now: int, delivered: int) -> int:
    """The offer's quantity (units ever offered, as stored and as matching counts it) for a
    confirmation giving ``available_now`` units not yet delivered."""
    return available_now + delivered


def material_change(old_quantity: int, old_price, new_quantity: int, new_price) -> bool:
    """Whether a confirmation changes an offer in a way its vetting did not see: a higher unit price
    (per unit), or more units (a larger value, perhaps past four eyes). Lower or equal figures are
    what the city already approved, or less of it."""
    return new_price > old_price or new_quantity > old_quantity
