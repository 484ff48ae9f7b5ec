"""Histories in words (issue 11, item 2): an audit row of a request, match or lead worded for the
person reading it, instead of its raw before/after JSON. Pure: no Flask, no SQLAlchemy.

``describe(entry, role)`` gives one sentence, or None when that role does not see the event. The
reading roles are those of domain.messages (``reader_role``): "staff" reads every event (with the
actor's e-mail); a "buyer" reads their organisation's requests and matches; a "supplier" reads
their own leads and matches. Privacy, as in domain.messages: a supplier never reads a buyer's
maximum price, days of supply or anything about the request beyond the match; nobody but staff
reads a vetter's e-mail, internal notes (an escalation's, approval's or reopening's words), or the
vetting signals; an unknown action is shown to staff only (never raw JSON to anyone else).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .catalog import FACILITY_TYPES, LEAD_SOURCES, PRODUCT_CATEGORIES, SUPPLIER_TYPES, field_label, label, units_of
from .demand import DEMAND_STATUSES
from .formatting import money
from .i18n import N_, _, format_day, format_decimal, format_integer, format_moment
from .lead_status import LEAD_STATUSES
from .match_status import MATCH_STATUSES
from .messages import BUYER, STAFF, SUPPLIER, reader_role

# Fields a supplier never reads, whatever the record (they are the buyer's).
BUYER_PRIVATE = frozenset({"max_unit_price", "days_of_supply", "stock_on_hand", "stock_counted_on",
                           "avg_daily_use"})



@dataclass(frozen=True)
class Entry:
    """One audit row as the wording needs it: ``action`` ("match.accept", ...), ``before`` and
    ``after`` (the stored dicts or None), ``detail`` (words stored with it), ``actor_role`` (the
    actor's user role, None for the system or an import), ``actor_email``, and whether the reader
    is the actor (``by_reader``) or belongs to the actor's organisation (``by_colleague``)."""

    action: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    detail: str | None = None
    actor_role: str | None = None
    actor_email: str | None = None
    by_reader: bool = False
    by_colleague: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)


def _who(entry: Entry, role: str) -> str:
    """Who acted, as ``role`` may read it."""
    if entry.by_reader:
        return _("you")
    if entry.actor_role is None:
        return _("the marketplace")
    if role == STAFF:
        return entry.actor_email or _("someone")
    if entry.actor_role == "buyer":
        return _("a colleague") if entry.by_colleague else _("the buyer")
    if entry.actor_role == "supplier":
        return _("the supplier")
    return _("city staff")


def _number(value: Any) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if number == number.to_integral_value():
        return format_integer(number)
    decimals = max(-int(number.as_tuple().exponent), 0)  # as many as it was written with: 2.50 stays 2.50
    return format_decimal(number, min_decimals=decimals, max_decimals=decimals)


# The fields that hold a day (stored ISO): written as the reader's language writes a day.
DAY_FIELDS = ("needed_by", "valid_until", "delivery_on", "stock_counted_on", "first_counted_on")


def show_value(name: str, value: Any) -> str:
    """A field's value in words: money for prices, labels for categories and kinds, lists joined,
    "none" for nothing."""
    if value is None or value == "" or value == []:
        return _("none")
    if name in ("max_unit_price", "unit_price", "pack_price"):
        try:
            return money(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return str(value)
    if name in ("category", "product_category"):
        return label(PRODUCT_CATEGORIES, value)
    if name == "substitutes" and isinstance(value, list):
        return ", ".join(label(PRODUCT_CATEGORIES, v) for v in value) or _("none")
    if name == "facility_type":
        return label(FACILITY_TYPES, value)
    if name == "supplier_type":
        return label(SUPPLIER_TYPES, value)
    if name in DAY_FIELDS:
        return format_day(value)
    if name in ("quantity", "min_order_qty", "days_of_supply", "pack_size", "lead_time_days", "stock_on_hand",
                "avg_daily_use"):
        return _number(value)
    return str(value)


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, role: str) -> str:
    """"quantity 20,000 → 25,000; maximum unit price $1.50 → $1.60", leaving out the fields
    ``role`` may not read; "" when nothing readable changed."""
    before, after = dict(before or {}), dict(after or {})
    parts = []
    for name in after:
        if role == SUPPLIER and name in BUYER_PRIVATE:
            continue
        title = field_label(name)
        if name in before:
            parts.append(_("{field} {old} → {new}").format(field=title, old=show_value(name, before[name]),
                                                            new=show_value(name, after[name])))
        else:
            parts.append(_("{field} {value}").format(field=title, value=show_value(name, after[name])))
    return "; ".join(parts)


def _with_detail(event: str, detail: str | None) -> str:
    """An event in words and the words stored with it: "Declined by you: too far"."""
    return _("{event}: {detail}").format(event=event, detail=detail) if detail else event


def _demand_create(e: Entry, role: str) -> str | None:
    if role == SUPPLIER:
        return None
    after = dict(e.after or {})
    if after.get("source") == "csv" or "quantity" not in after:
        return _("Request imported by {who} from the city's CSV file").format(who=_who(e, role))
    needed_by, maximum = after.get("needed_by"), after.get("max_unit_price")
    if needed_by and maximum is not None:
        template = _("Request posted by {who}: {units}, needed by {needed_by}, at most {price} a unit")
    elif needed_by:
        template = _("Request posted by {who}: {units}, needed by {needed_by}")
    elif maximum is not None:
        template = _("Request posted by {who}: {units}, at most {price} a unit")
    else:
        template = _("Request posted by {who}: {units}")
    return template.format(who=_who(e, role), units=_units(after["quantity"], after.get("category")),
                           needed_by=show_value("needed_by", needed_by), price=show_value("max_unit_price", maximum))


def _units(quantity: Any, category: str | None) -> str:
    """A stored quantity and category in words ("20,000 N95 respirators"); a quantity that is not a
    whole number (never written so, but stored as given) as a number beside the category's name."""
    try:
        number = Decimal(str(quantity))
    except (InvalidOperation, ValueError):
        number = None
    if number is not None and number.is_finite() and number == number.to_integral_value():
        return units_of(category, int(number))
    return _("{quantity} {product}").format(quantity=show_value("quantity", quantity),
                                                product=show_value("category", category))


CSV_IMPORT = "CSV import"  # the audit detail of a change an import made (a code, never shown)


def _changed(by_hand: str, by_import: str) -> Callable[[Entry, str], str | None]:
    """A change in words: ``by_hand`` or (the audit detail "CSV import") ``by_import``, each a
    template over {who}; then the fields changed that the reader may read."""
    def word(e: Entry, role: str) -> str | None:
        template = by_import if e.detail == CSV_IMPORT else by_hand
        event = _(template).format(who=_who(e, role))
        return _with_detail(event, changes(e.before, e.after, role))
    return word


_REQUEST_CHANGED = _changed(N_("Request changed by {who}"), N_("Request changed by {who} (CSV import)"))
_OFFER_CHANGED = _changed(N_("Offer changed by {who}"), N_("Offer changed by {who} (CSV import)"))


def _propose(e: Entry, role: str) -> str:
    after = dict(e.after or {})
    units = (_("{count} units").format(count=show_value("quantity", after["quantity"])) if after.get("quantity")
             else _("units"))
    if role == STAFF:
        template = (_("Proposed: {units}, from the city's allocation plan, by {who}") if after.get("plan")
                    else _("Proposed: {units}, by hand, by {who}"))
    else:
        template = (_("Proposed: {units}, from the city's allocation plan by city staff") if after.get("plan")
                    else _("Proposed: {units}, by hand by city staff"))
    return template.format(units=units, who=_who(e, role))


def _simple(template: str, *, detail: bool = False) -> Callable[[Entry, str], str]:
    def word(e: Entry, role: str) -> str:
        event = _(template).format(who=_who(e, role))
        # The words stored with it: a person's own (as written), or a label stored in English (a
        # close reason), which reads in the reader's language.
        return _with_detail(event, e.detail and _(e.detail)) if detail else event
    return word


def _for(staff: Callable[[Entry, str], str | None] | str | None,
         supplier: Callable[[Entry, str], str | None] | str | None = None,
         buyer: Callable[[Entry, str], str | None] | str | None = None) -> dict:
    return {STAFF: staff, SUPPLIER: supplier, BUYER: buyer}


def _lead_create(e: Entry, role: str) -> str:
    after = dict(e.after or {})
    if after.get("source") == "csv":
        return _("Imported by {who} from a CSV file").format(who=_who(e, role))
    if after.get("status") == "held":
        return _("Offer saved: it goes to the city's reviewers once the e-mail address is confirmed")
    return _("Offer submitted by {who}").format(who=_who(e, role))


def _document(e: Entry, role: str) -> str:
    name = dict(e.after or {}).get("name")
    return _with_detail(_("Document uploaded by {who}").format(who=_who(e, role)), name)


def _quote_confirmed(e: Entry, role: str) -> str:
    after, before = dict(e.after or {}), dict(e.before or {})
    until = after.pop("valid_until", None)
    # A higher price or more units on an approved offer sent it back to review (services.quotes).
    reviewed_again = after.pop("status", None) is not None and before.pop("status", None) is not None
    if reviewed_again:
        event = (_("Price and stock confirmed by {who} with a higher price or more units, valid until {day}: "
                   "back in review, proposals not yet accepted withdrawn") if until
                 else _("Price and stock confirmed by {who} with a higher price or more units: back in review, "
                        "proposals not yet accepted withdrawn"))
    else:
        event = (_("Price and stock confirmed by {who}, valid until {day}") if until
                 else _("Price and stock confirmed by {who}"))
    return _with_detail(event.format(who=_who(e, role), day=format_day(until)), changes(before, after, role))


def _with_delivery(template: str, with_day: str, with_day_before: str) -> Callable[[Entry, str], str]:
    """A match step that may give the expected delivery date (after["delivery_on"]): ``template``
    (over {who}) without one, ``with_day`` (and {day}) with one, ``with_day_before`` (and
    {before}) when it replaces an earlier date."""
    def word(e: Entry, role: str) -> str:
        day, before = dict(e.after or {}).get("delivery_on"), dict(e.before or {}).get("delivery_on")
        chosen = (with_day_before if before else with_day) if day else template
        return _(chosen).format(who=_who(e, role), day=format_day(day), before=format_day(before))
    return word


def _staff_generic(e: Entry, role: str) -> str:
    name = e.action.split(".", 1)[-1].replace("_", " ")  # an action's code: shown as it is
    return _with_detail(_("{action} by {who}").format(action=name.capitalize(), who=_who(e, role)), e.detail)


# action -> {role: wording}; a role missing or None does not see the event.
HISTORY: dict[str, dict[str, Any]] = {
    "demand.create": _for(_demand_create, None, _demand_create),
    "demand.update": _for(_REQUEST_CHANGED, None, _REQUEST_CHANGED),
    "demand.withdraw": _for(_simple(N_("Withdrawn by {who}")), None, _simple(N_("Withdrawn by {who}"))),
    "demand.close": _for(_simple(N_("Closed by {who}: the rest is no longer needed")), None,
                         _simple(N_("Closed by {who}: the rest is no longer needed"))),
    "match.propose": _for(_propose, _propose, _propose),
    # The detail: staff's note of who gave the answer, when they recorded it for the buyer.
    "match.accept": _for(*[_simple(N_("Accepted by {who}"), detail=True)] * 3),
    "match.decline": _for(*[_simple(N_("Declined by {who}"), detail=True)] * 3),
    "match.mark_ordered": _for(*[_with_delivery(
        N_("Marked as ordered by {who}"), N_("Marked as ordered by {who}, delivery expected on {day}"),
        N_("Marked as ordered by {who}, delivery expected on {day} (was {before})"))] * 3),
    "match.mark_delivered": _for(*[_simple(N_("Marked as delivered by {who}"))] * 3),
    "match.close": _for(*[_simple(N_("Closed by {who}"), detail=True)] * 3),
    "match.confirm_availability": _for(*[_with_delivery(
        N_("Availability confirmed by {who}"), N_("Availability confirmed by {who}, delivery expected on {day}"),
        N_("Availability confirmed by {who}, delivery expected on {day} (was {before})"))] * 3),
    "match.set_delivery_date": _for(*[_with_delivery(
        N_("Delivery date confirmed by {who}"), N_("Delivery date confirmed by {who}: expected on {day}"),
        N_("Delivery date confirmed by {who}: expected on {day} (was {before})"))] * 3),
    "lead.create": _for(_lead_create, _lead_create),
    "lead.release": _for(_simple(N_("Sent to the review queue: the owner confirmed their e-mail address")),
                         _simple(N_("Sent to the city's reviewers: you confirmed your e-mail address"))),
    "lead.update": _for(_OFFER_CHANGED, _OFFER_CHANGED),
    "lead.start_review": _for(_simple(N_("Review started by {who}")), _simple(N_("Review started by the city"))),
    "lead.request_info": _for(_simple(N_("Question from {who}"), detail=True),
                              _simple(N_("The city's reviewers asked"), detail=True)),
    "lead.answer": _for(_simple(N_("Answered by {who}"), detail=True), _simple(N_("Answered by {who}"), detail=True)),
    "lead.approve": _for(_simple(N_("Approved by {who}"), detail=True), _simple(N_("Approved by the city"))),
    "lead.approve_escalated": _for(_simple(N_("Approved by {who} (escalated)"), detail=True),
                                   _simple(N_("Approved by the city"))),
    "lead.reject": _for(_simple(N_("Rejected by {who}"), detail=True),
                        _simple(N_("Not accepted by the city"), detail=True)),
    "lead.reject_escalated": _for(_simple(N_("Rejected by {who} (escalated)"), detail=True),
                                  _simple(N_("Not accepted by the city"), detail=True)),
    "lead.escalate": _for(_simple(N_("Escalated by {who}"), detail=True), _simple(N_("Passed to a senior reviewer"))),
    # Vetting at volume (issue 11): claims and the first of two approvals are the city's own work.
    "lead.claim": _for(_simple(N_("Claimed for review by {who}"))),
    "lead.claim_release": _for(_simple(N_("Claim released by {who}"))),
    "lead.first_approval": _for(_simple(N_("First approval by {who}; a second vetter must approve"), detail=True)),
    "lead.reopen": _for(_simple(N_("Reopened by {who}"), detail=True), _simple(N_("Opened for review again"))),
    "document.upload": _for(_document, _document),
    # Offers go stale (issue 11 item 11): the quote confirmed (a new validity, maybe new figures).
    "lead.confirm_quote": _for(_quote_confirmed, _quote_confirmed),
    "lead.withdraw": _for(_simple(N_("Withdrawn by {who}")), _simple(N_("Withdrawn by {who}"))),
}


# --- The stored values of an event, field by field (staff read them under the sentence) ---------

# The keys an event stores besides a record's fields (domain.catalog.FIELD_LABELS), as staff read
# them; any other key is written with its underscores as spaces (field_label), never as JSON.
DETAIL_LABELS = {
    "status": N_("status"), "source": N_("source"), "awaiting": N_("awaiting"), "why": N_("why"),
    "first_approved_by": N_("first approval by"), "claimed_until": N_("claimed until"),
    "document_id": N_("document"), "name": N_("name"), "size": N_("size"), "decision": N_("decision"),
    "other_lead": N_("other lead"), "unlinked": N_("split from leads"), "plan": N_("allocation plan"),
}
# Words stored as codes in an event's values (marked here, read in the reader's language).
DETAIL_WORDS = {
    "awaiting": {"second approval": N_("second approval")},
    "decision": {"same": N_("same supplier"), "different": N_("different suppliers")},
}
# Whose statuses an event's "status" is, by the action's record ("lead.approve" -> a lead's).
STATUSES_OF = {"lead": LEAD_STATUSES, "match": MATCH_STATUSES, "demand": DEMAND_STATUSES}
# Stored moments (ISO, UTC): written on the city's clock.
MOMENT_FIELDS = frozenset({"claimed_until"})
# Stored ids of other records: "#12".
ID_FIELDS = frozenset({"document_id", "other_lead", "unlinked", "plan"})


def detail_label(name: str) -> str:
    """A stored key as staff read it: "status", "first approval by", a record's field
    ("maximum unit price"), or any other key with its underscores as spaces."""
    return _(DETAIL_LABELS[name]) if name in DETAIL_LABELS else field_label(name)


def detail_value(action: str, name: str, value: Any, users: Mapping[int, str] | None = None) -> str:
    """One stored value in words: a status or source by its label, a moment on the city's clock,
    a person by their e-mail (``users``: id -> e-mail), yes or no, a list item by item, a mapping
    as "label: value"; otherwise as show_value writes a record's field."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "status" and isinstance(value, str):
        return label(STATUSES_OF.get(action.split(".", 1)[0], LEAD_STATUSES), value).lower()
    if name == "source" and isinstance(value, str):
        return label(LEAD_SOURCES, value)
    if name in DETAIL_WORDS and value in DETAIL_WORDS[name]:
        return _(DETAIL_WORDS[name][value])
    if name in MOMENT_FIELDS and value:
        return format_moment(value)
    if name.endswith(("_by", "user_id", "member_id")) and isinstance(value, int):
        return (users or {}).get(value) or _("user #{id}").format(id=value)
    if name in ID_FIELDS and value not in (None, "", []):
        items = value if isinstance(value, list) else [value]
        return ", ".join(f"#{item}" for item in items)
    if isinstance(value, Mapping):
        return ", ".join(f"{detail_label(k)}: {detail_value(action, k, v, users)}" for k, v in value.items()) or _("none")
    if isinstance(value, list) and name != "substitutes":
        return ", ".join(detail_value(action, name, item, users) for item in value) or _("none")
    if name == "size" and isinstance(value, int):
        return _("{count} bytes").format(count=format_integer(value))
    return show_value(name, value)


def details(entry: Entry, role: str | None, users: Mapping[int, str] | None = None) -> str:
    """The values an event stored (its ``after``), field by field in the reader's language:
    "status: waiting for e-mail confirmation; source: web form" ("" if none). Staff only: the
    values may hold what another party may not read (a vetter's words, a buyer's maximum)."""
    if reader_role(role) != STAFF or not entry.after:
        return ""
    return "; ".join(_("{field}: {value}").format(field=detail_label(name),
                                                  value=detail_value(entry.action, name, value, users))
                     for name, value in dict(entry.after).items())


def describe(entry: Entry, role: str | None) -> str | None:
    """``entry`` in words for ``role`` (a user role or reading role); None when that role does not
    see it. Staff read an action this table does not know by its name and detail; nobody else does."""
    role = reader_role(role)
    wordings = HISTORY.get(entry.action)
    if wordings is None:
        return _staff_generic(entry, role) if role == STAFF else None
    wording = wordings.get(role)
    if wording is None:
        return None
    return wording(entry, role) if callable(wording) else str(wording)
