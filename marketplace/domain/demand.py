"""The demand request format and its validation: the one place where the rules for a request's
fields live. The buyer's form and ``flask demand import`` both call ``parse_demand``."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from .catalog import CATEGORY_ALIASES, CATEGORY_AMBIGUOUS, FACILITY_ALIASES, FACILITY_TYPES, PRODUCT_CATEGORIES, label
from .countries import postal_code
from .dates import DateError, parse_date
from .i18n import N_, NP_, _, field, format_integer, ngettext, pgettext
from .leads import (
    FieldError,
    TextField,
    clean_choice,
    clean_int,
    clean_price,
    clean_text,
    field_collector,
    values_to_row,
)
from .match_status import ACCEPTED, ACTIVE_STATUSES, DELIVERED, HOLDING_STATUSES, ORDERED, PROPOSED
from .stock import STOCK_COLUMNS, parse_stock, stock_warnings

# The CSV format of ``flask demand import`` (issue 4), in order. Substitutes are separated by ';'.
DEMAND_COLUMNS: tuple[str, ...] = (
    "external_id", "organisation", "category", "quantity", "max_unit_price", "needed_by",
    "postal_code", "days_of_supply", "facility_type", "substitutes",
)
# Optional in an import: "yes" when a row's organisation is a different one from an existing
# organisation with a close name (domain.organisations.import_target).
# "specification" (issue 11 item 12): what exactly to deliver (size, model, standard), free text up
# to MAX_SPECIFICATION characters; empty when the column is left out. Shown to suppliers on a
# proposal; for category "other" the allocation matches by it.
# Stock counts (issue 11 item 14; domain.stock): "stock_on_hand" (units), "stock_counted_on" (a date,
# default: the day of the import) and "avg_daily_use" (units a day). With stock and daily use,
# "days_of_supply" may be left empty (it is worked out, and must agree when given); without them
# "days_of_supply" is required and counts from the day of the import, as before.
OPTIONAL_DEMAND_COLUMNS: tuple[str, ...] = ("new_organisation", "specification", *STOCK_COLUMNS)
MAX_SPECIFICATION = 500



def demand_example(today: date) -> dict[str, str]:
    """The example row of the demand import's CSV template (domain.imports.template_text): a valid
    request needed two weeks after ``today``, with every optional column filled in."""
    return {"external_id": "REQ-0001", "organisation": "Example General Hospital", "category": "n95_respirator",
            "quantity": "2000", "max_unit_price": "1.50", "needed_by": (today + timedelta(days=14)).isoformat(),
            "postal_code": "90012", "days_of_supply": "10", "facility_type": "hospital",
            "substitutes": "kn95_respirator", "new_organisation": "no",
            "specification": "Size regular; NIOSH approved, fluid resistant (surgical N95)",
            "stock_on_hand": "8000", "stock_counted_on": today.isoformat(), "avg_daily_use": "800"}


# A hospital asks for thousands or millions of units; more than 100 million in one request is a typo.
MAX_DEMAND_QUANTITY = 10**8
# Needed-by dates more than a year ahead are not emergency procurement.
MAX_DAYS_AHEAD = 366

STATUS_OPEN = "open"
STATUS_WITHDRAWN = "withdrawn"
# The buyer closed the rest: what was accepted is still delivered, the remainder leaves matching.
STATUS_CLOSED = "closed"
DEMAND_STATUSES: tuple[tuple[str, str], ...] = ((STATUS_OPEN, N_("Open")), (STATUS_WITHDRAWN, N_("Withdrawn")),
                                                (STATUS_CLOSED, N_("Closed")))
# Derived, never stored: an open request whose matches delivered all its units (issue 11 item 9).
FULFILLED = "fulfilled"

# How far the units held for an open request have come, least advanced first: (match status, the
# request's state when every unit asked for has reached it, when only some have).
_STAGES: tuple[tuple[str, str, str], ...] = (
    (PROPOSED, NP_("request", "Proposed"), N_("Partly proposed")),
    (ACCEPTED, NP_("request", "Accepted"), N_("Partly accepted")),
    (ORDERED, NP_("request", "Ordered"), N_("Partly ordered")),
    (DELIVERED, NP_("request", "Fulfilled"), N_("Partly delivered")),
)


@dataclass(frozen=True)
class RequestState:
    """What a request's page and lists show as its status (request_state).

    ``code``: where the request stands (open, fulfilled, closed, withdrawn): what may still be done
    with it, and the API's ``status``. ``stage``: how far its units have come (open: none proposed
    yet, proposed, accepted, ordered, delivered, fulfilled, closed, withdrawn), the badge's CSS
    class (``demand-<stage>``). ``label``: the state in words ("Partly proposed"), ``detail`` its
    progress ("1,000 of 4,000, of which 500 delivered"; may be empty), ``text`` both in one
    sentence (the API's ``status_text``). ``held``: the units in its proposed, accepted, ordered
    and delivered matches (the lists' "Matched")."""
    code: str
    stage: str
    label: str
    detail: str
    text: str
    held: int


def _units_at(stage: str, units: int) -> str:
    """"500 accepted": ``units`` units in matches at ``stage``."""
    count = format_integer(units)
    if stage == PROPOSED:
        return ngettext("{units} proposed", "{units} proposed", units).format(units=count)
    if stage == ACCEPTED:
        return ngettext("{units} accepted", "{units} accepted", units).format(units=count)
    if stage == ORDERED:
        return ngettext("{units} ordered", "{units} ordered", units).format(units=count)
    return ngettext("{units} delivered", "{units} delivered", units).format(units=count)


def _state(code: str, stage: str, title: str, detail: str, held: int) -> RequestState:
    text = _("{state}: {detail}").format(state=title, detail=detail) if detail else title
    return RequestState(code, stage, title, detail, text, held)


def request_state(status: str, quantity: int, units: Mapping[str, int]) -> RequestState:
    """The status shown for a request with stored ``status`` and ``quantity`` units asked, whose
    matches hold ``units`` (match status -> units; declined and closed matches are not counted):
    the one rule for buyers' and staff's pages and the API.

    An open request is at the stage of its least advanced units: "Open: nothing proposed yet",
    "Proposed: 4,000 of 4,000" once proposals cover it all, "Partly proposed: 1,000 of 4,000"
    before, then accepted, ordered and "Fulfilled: 4,000 of 4,000 delivered" (the units counted
    are all it holds; those further on are named: ", of which 500 delivered"). A fulfilled, closed
    or withdrawn request counts what was delivered and names what is still under way."""
    at = {stage: int(units.get(stage) or 0) for stage in HOLDING_STATUSES}
    held, delivered = sum(at.values()), at[DELIVERED]
    counts = dict(quantity=format_integer(quantity), delivered=format_integer(delivered), held=format_integer(held))
    if status == STATUS_OPEN and not (quantity > 0 and delivered >= quantity):
        reached = [(stage, whole, part) for stage, whole, part in _STAGES if at[stage] > 0]
        if not reached:
            return _state(STATUS_OPEN, STATUS_OPEN, label(DEMAND_STATUSES, status), _("nothing proposed yet"), 0)
        stage, whole, part = reached[0]
        title = pgettext("request", whole) if held >= quantity else _(part)
        detail = _("{held} of {quantity}").format(**counts)
        further = [_units_at(later, at[later]) for later, *__ in reached[1:]]
        if further:
            detail = _("{progress}, of which {units}").format(progress=detail, units=", ".join(further))
        return _state(STATUS_OPEN, stage, title, detail, held)
    if status == STATUS_OPEN:
        code, title = FULFILLED, pgettext("request", "Fulfilled")
    else:
        code, title = status, label(DEMAND_STATUSES, status)
    detail = (_("{delivered} of {quantity} delivered").format(**counts)
              if code != STATUS_WITHDRAWN or delivered > 0 else "")
    under_way = [_units_at(stage, at[stage]) for stage in ACTIVE_STATUSES if at[stage] > 0]
    if under_way:
        going = _("{units} still under way").format(units=", ".join(under_way))
        detail = _("{progress}; {more}").format(progress=detail, more=going) if detail else going
    return _state(code, code, title, detail, held)

_EXTERNAL_ID = TextField("external_id", 64)
_ORGANISATION = TextField("organisation", 200, required=True)
_SPECIFICATION = TextField("specification", MAX_SPECIFICATION, multiline=True)


def clean_postal_code(raw: str | None) -> str:
    """The delivery ZIP code, by the same rule as a US lead's postal code (countries.postal_code):
    '02446', '2446' -> '02446', '90012-1234' kept. Required."""
    value = postal_code(raw, "US")
    if not value:
        raise FieldError(_("This field is required."))
    return value


def clean_date(raw: str | None, today: date) -> date:
    """A needed-by date read by dates.parse_date (ISO, month in words, or day/month numbers that
    cannot be misread), from ``today`` (the city's date, dates.city_today) to MAX_DAYS_AHEAD ahead."""
    value = (raw or "").strip()
    if not value:
        raise FieldError(_("This field is required."))
    try:
        parsed = parse_date(value, within=(today, today + timedelta(days=MAX_DAYS_AHEAD)))
    except DateError as exc:
        raise FieldError(str(exc)) from None
    if parsed < today:
        raise FieldError(_("This date is in the past."))
    if parsed > today + timedelta(days=MAX_DAYS_AHEAD):
        raise FieldError(_("This date is more than a year ahead."))
    return parsed


def clean_yes_no(raw: str | None, what: str) -> bool:
    """'yes'/'no' (also y/n, true/false, 1/0, any letter case); empty is no."""
    value = (raw or "").strip().casefold()
    if value in ("", "no", "n", "false", "0"):
        return False
    if value in ("yes", "y", "true", "1"):
        return True
    raise FieldError(_("Write yes or no for {what}.").format(what=what))


def clean_substitutes(raw: str | list[str] | None, category: str | None) -> list[str]:
    """Accepted substitutes: category values or labels, separated by ';' (a form gives a list)."""
    items = raw if isinstance(raw, list) else (raw or "").split(";")
    chosen: list[str] = []
    for item in items:
        if not item.strip():
            continue
        value = clean_choice(item, PRODUCT_CATEGORIES, field(N_("substitute"), "substitutes"),
                             CATEGORY_ALIASES, CATEGORY_AMBIGUOUS)
        if value == category:
            continue  # the category itself is always accepted
        if value not in chosen:
            chosen.append(value)
    return sorted(chosen)


def parse_demand(raw: dict, today: date, *, with_organisation: bool = False) -> tuple[dict, dict[str, str]]:
    """Validate one demand request given as text fields. Returns (clean values, {field: message});
    the values are complete only when there are no errors. ``organisation`` is read only for
    imports (a buyer's form posts for the buyer's own organisation)."""
    values, errors, take = field_collector()
    take("external_id", lambda: clean_text(raw.get("external_id"), _EXTERNAL_ID))
    if with_organisation:
        take("organisation", lambda: clean_text(raw.get("organisation"), _ORGANISATION))
        take("new_organisation", lambda: clean_yes_no(raw.get("new_organisation"), "new_organisation"))
    take("category", lambda: clean_choice(raw.get("category"), PRODUCT_CATEGORIES, field(N_("category"), "category"),
                                                  CATEGORY_ALIASES, CATEGORY_AMBIGUOUS))
    take("quantity", lambda: clean_int(raw.get("quantity"), minimum=1, maximum=MAX_DEMAND_QUANTITY,
                                       required=True, what=field(N_("quantity"), "quantity")))
    take("max_unit_price", lambda: clean_price(raw.get("max_unit_price"),
                                                                 field(N_("maximum unit price"), "max_unit_price")))
    take("needed_by", lambda: clean_date(raw.get("needed_by"), today))
    take("postal_code", lambda: clean_postal_code(raw.get("postal_code")))
    stock, stock_errors = parse_stock(raw, today)
    values.update(stock)
    errors.update(stock_errors)
    take("facility_type", lambda: clean_choice(raw.get("facility_type"), FACILITY_TYPES,
                                               field(N_("facility type"), "facility_type"), FACILITY_ALIASES))
    take("substitutes", lambda: clean_substitutes(raw.get("substitutes"), values.get("category")))
    take("specification", lambda: clean_text(raw.get("specification"), _SPECIFICATION))
    return values, errors


def demand_to_row(values: dict) -> dict[str, str]:
    """The form/CSV text of a request's clean values: DEMAND_COLUMNS, its specification and stock."""
    return values_to_row(values, DEMAND_COLUMNS + ("specification", *STOCK_COLUMNS))


def request_warnings(values: dict, today: date) -> dict[str, str]:
    """{field: warning} for a valid request (parse_demand's values) whose needed-by date disagrees
    with its days of supply as of ``today`` (stock.stock_warnings). The buyer's form asks to confirm;
    the demand import saves the row and reports the warning with the row number."""
    return stock_warnings(values, today)
