"""Facts, not sentences: what the marketplace stores, and the one place that words it for a reader.

Match and plan-line reasons, notifications (in the app and by e-mail) and vetting signals are
stored as facts, ``{"code": "...", "params": {...}}`` (signals also keep ``weight`` and
``evidence``). Parameters are plain values: numbers (prices as strings such as "0.79", so that no
float rounding creeps in), ISO dates, ids, category codes; never pre-formatted sentences. The
text is made when it is shown, for the reader's role:

- ``"supplier"``: never the buyer's maximum price nor anything derived from it (difference,
  ratio, percentage), never its own vetting score, the buyer's days of supply or a vetter's e-mail;
- ``"buyer"``: never another buyer's data nor the supplier's private vetting details (the
  signals, the number of the score: a buyer sees its band);
- ``"staff"`` (vetters and admins): everything.

Each kind has one table, code -> {role: template}, where a template is a ``str.format`` pattern
over the values ``_values`` derives from the parameters, or ``NOT_SHOWN`` (None) when the role
does not see that fact at all. The tables are the privacy rules: read them to see who reads what.
Pure: no Flask, no SQLAlchemy.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .catalog import PRODUCT_CATEGORIES, STAFF_ROLES, label
from .formatting import money
from .match_status import CLOSE_REASONS, MATCH_STATUSES


SUPPLIER, BUYER, STAFF = "supplier", "buyer", "staff"
ROLES = (SUPPLIER, BUYER, STAFF)
NOT_SHOWN = None

# The code of a fact converted from a stored sentence (migration 0009) whose meaning could not be
# recovered: staff read the old text, the others a neutral one (the old text may hold what they
# must not see).
LEGACY = "legacy"


def reader_role(role: str | None) -> str:
    """The reading role of a user role: "staff" for vetters and admins, "buyer", "supplier".
    Any other value (no user, the public) reads as a supplier: the most restricted view."""
    if role in STAFF_ROLES or role == STAFF:
        return STAFF
    return BUYER if role == BUYER else SUPPLIER


def fact(code: str, **params: Any) -> dict:
    """A fact to store: {"code": code, "params": params}. ``params`` must be plain JSON values
    (str, int, float, bool, None, lists of them); Decimals are stored as their string."""
    return {"code": code, "params": {k: _plain(v) for k, v in params.items()}}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # "0.7900" -> "0.79", "1.00" -> "1"
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"a fact's parameter must be a plain value, not {type(value).__name__}")


def as_fact(value: Any) -> dict:
    """A stored fact as {"code", "params"}; a bare string (a sentence stored before facts) is a
    legacy fact with that text."""
    if isinstance(value, Mapping) and "code" in value:
        return {"code": value["code"], "params": dict(value.get("params") or {})}
    return {"code": LEGACY, "params": {"text": str(value)}}


# ---- reasons: why an offer suits a request (match and plan-line ``reasons``) -------------------

REASONS: dict[str, dict[str, str | None]] = {
    # params: days_of_supply (int), weight (int, the urgency weight)
    "urgency": {STAFF: "{days_of_supply_text} of supply left (urgency weight {weight})",
                BUYER: "{days_of_supply_text} of supply left (urgency weight {weight})",
                SUPPLIER: NOT_SHOWN},
    # params: unit_price, max_unit_price (decimal strings)
    "price": {STAFF: "{price} a unit, {headroom_text}",
              BUYER: "{price} a unit, {headroom_text}",
              SUPPLIER: "{price} a unit"},
    # params: lead_time_days (int), days_until_needed (int)
    "lead_time": {STAFF: "{ready}, {deadline_yours}",
                  BUYER: "{ready}, {deadline_yours}",
                  SUPPLIER: "{ready}, {deadline_theirs}"},
    # params: assumed_days (int)
    "lead_time_unstated": {STAFF: "lead time not stated; assumed {assumed_days} days",
                           BUYER: "lead time not stated; assumed {assumed_days} days",
                           SUPPLIER: "lead time not stated; assumed {assumed_days} days"},
    # params: distance_km (number)
    "distance": {STAFF: "{distance_text}", BUYER: "{distance_text}", SUPPLIER: "{distance_text}"},
    "distance_unknown": {STAFF: "distance unknown", BUYER: "distance unknown", SUPPLIER: "distance unknown"},
    # params: offer_category, need_category (category codes)
    "substitute": {STAFF: "substitute: {offer_category_label} for {need_category_label}",
                   BUYER: "substitute: {offer_category_label} for {need_category_label}",
                   SUPPLIER: "substitute: {offer_category_label} for {need_category_label}"},
    # params: score (int, 0-100)
    "vetting_score": {STAFF: "vetting score {score} of 100 ({band})",
                      BUYER: "vetted by the city: {band}",
                      SUPPLIER: NOT_SHOWN},
    "vetting_unscored": {STAFF: "vetting score: not scored yet",
                         BUYER: "vetting: not scored yet",
                         SUPPLIER: NOT_SHOWN},
    # params: staff_email (the vetter or admin who proposed it)
    "proposed_by_hand": {STAFF: "proposed by hand by {staff_email}",
                         BUYER: "proposed by city staff",
                         SUPPLIER: "proposed by city staff"},
    # params: text (a reason stored as a sentence before facts)
    LEGACY: {STAFF: "{text}", BUYER: NOT_SHOWN, SUPPLIER: NOT_SHOWN},
}


# ---- notifications (in the app, and the text of their e-mail) ---------------------------------

NOTIFICATIONS: dict[str, dict[str, str | None]] = {
    # params: match_id, lead_id, demand_id, quantity (int), category (code)
    "match_proposed": {STAFF: "Proposed: {units} from lead #{lead_id} for request #{demand_id}",
                       BUYER: "Proposed: {units} for your request #{demand_id}",
                       SUPPLIER: "Your lead #{lead_id}: {units} proposed to a buyer (request #{demand_id})"},
    # params: match_id, demand_id, quantity, category, status (a match status), reason (the
    # person's own words when declining, or None), close_reason (a CLOSE_REASONS code or None)
    "match_status": {STAFF: "Match #{match_id} ({units}, request #{demand_id}) is now {status_text}{detail_text}",
                     BUYER: "Match #{match_id} ({units}, request #{demand_id}) is now {status_text}{detail_text}",
                     SUPPLIER: "Match #{match_id} ({units}, request #{demand_id}) is now {status_text}{detail_text}"},
    # params: match_id, close_reason (a CLOSE_REASONS code)
    "match_closed": {STAFF: "Match #{match_id} was closed: {close_reason_text}.",
                     BUYER: "Match #{match_id} was closed: {close_reason_text}.",
                     SUPPLIER: "Match #{match_id} was closed: {close_reason_text}."},
    # params: text (a notification stored as a sentence before facts)
    LEGACY: {STAFF: "{text}",
             BUYER: "There is news about one of your requests or matches.",
             SUPPLIER: "There is news about one of your leads or matches."},
}

# The e-mail around a notification's text: {text} and {url} (where to open it).
EMAIL_BODY = ("{text}\n\nOpen it in the marketplace: {url}\n\n"
              "You receive this because you have an account on the emergency PPE marketplace.\n")


# ---- the values templates may use ---------------------------------------------------------------

def _decimal(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count:,} days"


def _ready(lead: int) -> str:
    return "ready now" if lead == 0 else f"ready in {_days(lead)}"


def risk_band(score: int) -> str:
    """The band of a vetting score (100 clean, 0 stop), as the vetting queue shows it."""
    return "few concerns" if score >= 75 else "some concerns" if score >= 40 else "serious concerns"


def _values(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters and what templates derive from them (money, plurals, labels). Only the keys
    a fact has are derived; a template that needs a missing one fails in ``_format``."""
    v: dict[str, Any] = dict(params)
    if "days_of_supply" in v:
        v["days_of_supply_text"] = f"{v['days_of_supply']} {'day' if v['days_of_supply'] == 1 else 'days'}"
    price, maximum = _decimal(v.get("unit_price")), _decimal(v.get("max_unit_price"))
    if price is not None:
        v["price"] = money(price)
        if maximum is not None:
            headroom = maximum - price
            v["headroom_text"] = f"{money(headroom)} under your maximum" if headroom else "at your maximum"
    if "lead_time_days" in v and v["lead_time_days"] is not None:
        v["ready"] = _ready(int(v["lead_time_days"]))
        if v.get("days_until_needed") is not None:
            slack = int(v["days_until_needed"]) - int(v["lead_time_days"])
            v["deadline_yours"] = f"{_days(slack)} before your deadline" if slack else "on your deadline"
            v["deadline_theirs"] = f"{_days(slack)} before the deadline" if slack else "on the deadline"
    if v.get("distance_km") is not None:
        km = float(v["distance_km"])
        v["distance_text"] = "less than 1 km away" if km < 1 else f"{round(km):,} km away"
    for key in ("offer_category", "need_category"):
        if key in v:
            v[f"{key}_label"] = label(PRODUCT_CATEGORIES, v[key])
    if v.get("score") is not None:
        v["band"] = risk_band(int(v["score"]))
    if "quantity" in v and "category" in v:
        v["units"] = f"{int(v['quantity']):,} {label(PRODUCT_CATEGORIES, v['category'])}"
    if "status" in v:
        v["status_text"] = dict(MATCH_STATUSES).get(v["status"], str(v["status"])).lower()
        detail = v.get("reason") or dict(CLOSE_REASONS).get(v.get("close_reason") or "")
        v["detail_text"] = f": {detail}" if detail else "."
    if "close_reason" in v:
        v["close_reason_text"] = dict(CLOSE_REASONS).get(v["close_reason"] or "", str(v["close_reason"]))
    return v


def _format(table: Mapping[str, Mapping[str, str | None]], stored: Any, role: str) -> str | None:
    one = as_fact(stored)
    templates = table.get(one["code"])
    role = reader_role(role)
    if templates is None:  # a code this version does not know: staff see it raw, nobody else
        return f"{one['code']} {one['params']}" if role == STAFF else NOT_SHOWN
    template = templates[role]
    if template is NOT_SHOWN:
        return NOT_SHOWN
    return template.format(**_values(one["params"]))


def render_reason(stored: Any, role: str) -> str | None:
    """One reason for ``role`` (see ``reader_role``), or None when that role does not see it."""
    return _format(REASONS, stored, role)


def render_reasons(stored: Iterable[Any] | None, role: str) -> list[str]:
    """A match's or plan line's reasons as ``role`` reads them, in order, leaving out the hidden."""
    return [text for text in (render_reason(r, role) for r in stored or ()) if text is not None]


def render_notification(stored: Any, role: str) -> str:
    """A notification's text for ``role``. Every code has a text for every role (a person is never
    told of an event without words); at most 500 characters."""
    return (_format(NOTIFICATIONS, stored, role) or "")[:500]


def render_email(stored: Any, role: str, url: str) -> tuple[str, str]:
    """(subject, body) of the e-mail copy of a notification, for its recipient's ``role``; ``url``
    is where to open it (absolute). Subject at most 200 characters."""
    text = render_notification(stored, role)
    return text[:200], EMAIL_BODY.format(text=text, url=url)
