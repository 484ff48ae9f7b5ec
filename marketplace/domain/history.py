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

from .catalog import FACILITY_TYPES, PRODUCT_CATEGORIES, SUPPLIER_TYPES, label
from .formatting import money
from .messages import BUYER, STAFF, SUPPLIER, reader_role

# Fields a supplier never reads, whatever the record (they are the buyer's).
BUYER_PRIVATE = frozenset({"max_unit_price", "days_of_supply", "stock_on_hand", "stock_counted_on",
                           "avg_daily_use"})

FIELD_LABELS = {
    "external_id": "reference", "category": "product", "product_category": "product",
    "substitutes": "substitutes accepted", "quantity": "quantity", "max_unit_price": "maximum unit price",
    "needed_by": "needed by", "postal_code": "postal code", "days_of_supply": "days of supply",
    "stock_on_hand": "units on hand", "stock_counted_on": "counted on", "avg_daily_use": "average daily use",
    "facility_type": "kind of facility", "specification": "specification", "unit_price": "unit price", "pack_price": "price a pack",
    "pack_size": "units a pack", "min_order_qty": "minimum order", "lead_time_days": "lead time (days)",
    "company_name": "company", "contact_name": "contact", "product_description": "description",
    "supplier_type": "kind of supplier", "country_of_origin": "country of origin", "payment_terms": "payment terms",
    "valid_until": "quote valid until", "delivery_on": "delivery date",
}


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
        return "you"
    if entry.actor_role is None:
        return "the marketplace"
    if role == STAFF:
        return entry.actor_email or "someone"
    if entry.actor_role == "buyer":
        return "a colleague" if entry.by_colleague else "the buyer"
    if entry.actor_role == "supplier":
        return "the supplier"
    return "city staff"


def _number(value: Any) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,}"


def show_value(name: str, value: Any) -> str:
    """A field's value in words: money for prices, labels for categories and kinds, lists joined,
    "none" for nothing."""
    if value is None or value == "" or value == []:
        return "none"
    if name in ("max_unit_price", "unit_price", "pack_price"):
        try:
            return money(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return str(value)
    if name in ("category", "product_category"):
        return label(PRODUCT_CATEGORIES, value)
    if name == "substitutes" and isinstance(value, list):
        return ", ".join(label(PRODUCT_CATEGORIES, v) for v in value) or "none"
    if name == "facility_type":
        return label(FACILITY_TYPES, value)
    if name == "supplier_type":
        return label(SUPPLIER_TYPES, value)
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
        title = FIELD_LABELS.get(name, name.replace("_", " "))
        if name in before:
            parts.append(f"{title} {show_value(name, before[name])} → {show_value(name, after[name])}")
        else:
            parts.append(f"{title} {show_value(name, after[name])}")
    return "; ".join(parts)


def _colon(text: str | None) -> str:
    return f": {text}" if text else ""


def _demand_create(e: Entry, role: str) -> str | None:
    if role == SUPPLIER:
        return None
    after = dict(e.after or {})
    if after.get("source") == "csv" or "quantity" not in after:
        return f"Request imported by {_who(e, role)} from the city's CSV file"
    text = (f"Request posted by {_who(e, role)}: {show_value('quantity', after['quantity'])} "
            f"{show_value('category', after.get('category'))}")
    if after.get("needed_by"):
        text += f", needed by {after['needed_by']}"
    if after.get("max_unit_price") is not None:
        text += f", at most {show_value('max_unit_price', after['max_unit_price'])} a unit"
    return text


def _changed(noun: str) -> Callable[[Entry, str], str | None]:
    def word(e: Entry, role: str) -> str | None:
        what = changes(e.before, e.after, role)
        via = " (CSV import)" if e.detail == "CSV import" else ""
        return f"{noun} changed by {_who(e, role)}{via}" + (f": {what}" if what else "")
    return word


def _propose(e: Entry, role: str) -> str:
    after = dict(e.after or {})
    units = f"{show_value('quantity', after['quantity'])} units" if after.get("quantity") else "units"
    how = "from the city's allocation plan" if after.get("plan") else "by hand"
    if role == STAFF:
        return f"Proposed: {units}, {how}, by {_who(e, role)}"
    return f"Proposed: {units}, {how} by city staff"


def _simple(template: str, *, detail: bool = False) -> Callable[[Entry, str], str]:
    def word(e: Entry, role: str) -> str:
        return template.format(who=_who(e, role)) + (_colon(e.detail) if detail else "")
    return word


def _for(staff: Callable[[Entry, str], str | None] | str | None,
         supplier: Callable[[Entry, str], str | None] | str | None = None,
         buyer: Callable[[Entry, str], str | None] | str | None = None) -> dict:
    return {STAFF: staff, SUPPLIER: supplier, BUYER: buyer}


def _lead_create(e: Entry, role: str) -> str:
    after = dict(e.after or {})
    if after.get("source") == "csv":
        return f"Imported by {_who(e, role)} from a CSV file"
    if after.get("status") == "held":
        return "Offer saved: it goes to the city's reviewers once the e-mail address is confirmed"
    return f"Offer submitted by {_who(e, role)}"


def _document(e: Entry, role: str) -> str:
    name = dict(e.after or {}).get("name")
    return f"Document uploaded by {_who(e, role)}" + (f": {name}" if name else "")


def _quote_confirmed(e: Entry, role: str) -> str:
    after = dict(e.after or {})
    until = after.pop("valid_until", None)
    what = changes(e.before, after, role)
    return (f"Price and stock confirmed by {_who(e, role)}" + (f", valid until {until}" if until else "")
            + (f": {what}" if what else ""))


def _with_delivery(template: str, joiner: str = ", delivery expected on ") -> Callable[[Entry, str], str]:
    """A match step that may give the expected delivery date (after["delivery_on"]): the step in
    words, then the date, and the date it replaces if there was one."""
    def word(e: Entry, role: str) -> str:
        text = template.format(who=_who(e, role))
        day, before = dict(e.after or {}).get("delivery_on"), dict(e.before or {}).get("delivery_on")
        if day:
            text += f"{joiner}{day}" + (f" (was {before})" if before else "")
        return text
    return word


def _staff_generic(e: Entry, role: str) -> str:
    name = e.action.split(".", 1)[-1].replace("_", " ")
    return f"{name.capitalize()} by {_who(e, role)}{_colon(e.detail)}"


# action -> {role: wording}; a role missing or None does not see the event.
HISTORY: dict[str, dict[str, Any]] = {
    "demand.create": _for(_demand_create, None, _demand_create),
    "demand.update": _for(_changed("Request"), None, _changed("Request")),
    "demand.withdraw": _for(_simple("Withdrawn by {who}"), None, _simple("Withdrawn by {who}")),
    "demand.close": _for(_simple("Closed by {who}: the rest is no longer needed"), None,
                         _simple("Closed by {who}: the rest is no longer needed")),
    "match.propose": _for(_propose, _propose, _propose),
    "match.accept": _for(*[_simple("Accepted by {who}")] * 3),
    "match.decline": _for(*[_simple("Declined by {who}", detail=True)] * 3),
    "match.mark_ordered": _for(*[_with_delivery("Marked as ordered by {who}")] * 3),
    "match.mark_delivered": _for(*[_simple("Marked as delivered by {who}")] * 3),
    "match.close": _for(*[_simple("Closed by {who}", detail=True)] * 3),
    "match.confirm_availability": _for(*[_with_delivery("Availability confirmed by {who}")] * 3),
    "match.set_delivery_date": _for(*[_with_delivery("Delivery date confirmed by {who}", ": expected on ")] * 3),
    "lead.create": _for(_lead_create, _lead_create),
    "lead.release": _for(_simple("Sent to the review queue: the owner confirmed their e-mail address"),
                         _simple("Sent to the city's reviewers: you confirmed your e-mail address")),
    "lead.update": _for(_changed("Offer"), _changed("Offer")),
    "lead.start_review": _for(_simple("Review started by {who}"), _simple("Review started by the city")),
    "lead.request_info": _for(_simple("Question from {who}", detail=True),
                              _simple("The city's reviewers asked", detail=True)),
    "lead.answer": _for(_simple("Answered by {who}", detail=True), _simple("Answered by {who}", detail=True)),
    "lead.approve": _for(_simple("Approved by {who}", detail=True), _simple("Approved by the city")),
    "lead.approve_escalated": _for(_simple("Approved by {who} (escalated)", detail=True),
                                   _simple("Approved by the city")),
    "lead.reject": _for(_simple("Rejected by {who}", detail=True), _simple("Not accepted by the city", detail=True)),
    "lead.reject_escalated": _for(_simple("Rejected by {who} (escalated)", detail=True),
                                  _simple("Not accepted by the city", detail=True)),
    "lead.escalate": _for(_simple("Escalated by {who}", detail=True), _simple("Passed to a senior reviewer")),
    # Vetting at volume (issue 11): claims and the first of two approvals are the city's own work.
    "lead.claim": _for(_simple("Claimed for review by {who}")),
    "lead.claim_release": _for(_simple("Claim released by {who}")),
    "lead.first_approval": _for(_simple("First approval by {who}; a second vetter must approve", detail=True)),
    "lead.reopen": _for(_simple("Reopened by {who}", detail=True), _simple("Opened for review again")),
    "document.upload": _for(_document, _document),
    # Offers go stale (issue 11 item 11): the quote confirmed (a new validity, maybe new figures).
    "lead.confirm_quote": _for(_quote_confirmed, _quote_confirmed),
    "lead.withdraw": _for(_simple("Withdrawn by {who}"), _simple("Withdrawn by {who}")),
}


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
