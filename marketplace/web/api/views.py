"""Records as JSON for the reader's role: what each party's page shows it, and nothing it may not
see (or compute): a supplier never reads its lead's vetting score or signals, nor a buyer's
maximum price, quantity or days of supply; a buyer reads the supplier's contacts only as the match
page shows them (accepted, verified organisation)."""
from __future__ import annotations

from ...domain.catalog import STAFF_ROLES
from ...domain.demand import RequestState, demand_to_row
from ...domain.leads import LEAD_COLUMNS, lead_to_row
from ...domain.match_status import MATCH_STATUSES
from ...domain.messages import as_fact
from ...domain.stock import STOCK_COLUMNS
from ...models import DemandRequest, Lead, LeadDocument, LeadMessage, Match, MatchPlan, MatchPlanLine, User
from ...services import demand, leads, matches, vetting
from .support import plain

MATCH_STATUS_FILTERS = ("active", *dict(MATCH_STATUSES))
SUPPLIER_CONTACTS = ("company_name", "contact_name", "email", "phone", "website")


def me(user: User) -> dict:
    organisation = user.organisation
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "organisation": None if organisation is None else {
                "id": organisation.id, "name": organisation.name, "verified": bool(organisation.verified)}}


def lead(record: Lead, reader: User, *, full: bool = False) -> dict:
    """A lead as text fields (the form's format: what a PATCH takes back) with its state. Staff
    read the city's external_id and, with ``full``, the score, signals, cluster and duplicates."""
    staff = reader.role in STAFF_ROLES
    row = lead_to_row(leads.lead_values(record))
    body = {"id": record.id, "marketplace_ref": record.marketplace_ref, "status": record.status,
            "processing_state": record.processing_state, "created_at": plain(record.created_at),
            "updated_at": plain(record.updated_at),
            **{name: row.get(name, "") for name in LEAD_COLUMNS if staff or name != "external_id"}}
    if staff:
        until = vetting.claimed_until(record)
        body.update(risk_score=record.risk_score, cluster_id=record.cluster_id, owner_id=record.owner_id,
                    source=record.source, claimed_by_id=record.claimed_by_id if until else None,
                    claimed_until=plain(until))
        if full:
            body["signals"] = list(record.risk_signals or [])
            body["duplicates"] = [{"pair_id": view.pair.id, "other_lead_id": view.other.id,
                                   "probability": view.pair.probability, "decision": view.pair.decision,
                                   "in_cluster": view.in_cluster, "needs_review": view.needs_review}
                                  for view in vetting.lead_pairs(record)]
    return body


def message(record: LeadMessage, reader: User) -> dict:
    """A question ("question", from the city: never which person asked) or the supplier's answer."""
    body = {"id": record.id, "kind": record.kind, "text": record.body, "created_at": plain(record.created_at)}
    if reader.role in STAFF_ROLES:
        body["author_id"] = record.author_id
    return body


def document(record: LeadDocument, reader: User) -> dict:
    """A document's facts (the lead page's list): its name as sent (made safe to show), media type
    as judged from its content, size in bytes; staff also read who uploaded it."""
    body = {"id": record.id, "lead_id": record.lead_id, "name": record.original_name, "media_type": record.media_type,
            "size": record.size, "created_at": plain(record.created_at)}
    if reader.role in STAFF_ROLES:
        body["uploaded_by_id"] = record.uploaded_by_id
    return body


def demand_request(record: DemandRequest, state: RequestState) -> dict:
    """A request for its own organisation (staff read requests on their pages, not here)."""
    row = demand_to_row(demand.demand_values(record))
    body = {"id": record.id, "status": state.code, "status_text": state.text, "created_at": plain(record.created_at),
            **{name: row.get(name, "") for name in ("category", "quantity", "max_unit_price", "needed_by",
                                                    "postal_code", "days_of_supply", "facility_type",
                                                    "specification", *STOCK_COLUMNS)},
            "days_of_supply_today": demand.days_of_supply_now(record),
            "substitutes": list(record.substitutes or [])}
    return body


def match(record: Match, reader: User, party: str | None) -> dict:
    """A match as ``party`` sees it: the offer's terms for everyone; the buyer's side (its
    organisation, after acceptance) for the supplier; the supplier's contacts for the buyer once
    the match page shows them; never the request's maximum price, quantity or days of supply to a
    supplier."""
    body = {"id": record.id, "status": record.status, "category": record.demand.category,
            "quantity": record.quantity, "unit_price": plain(record.unit_price),
            "distance_km": record.distance_km, "created_at": plain(record.created_at),
            "delivery_on": plain(record.delivery_on),
            "actions": [a.name for a in matches.actions_for(reader, record, party)]}
    if party == "buyer" or party in STAFF_ROLES:
        body["request_id"] = record.demand_id
        if matches.buyer_sees_contacts(reader, record):
            body["supplier"] = {name: getattr(record.lead, name) for name in SUPPLIER_CONTACTS}
    if party == "supplier" or party in STAFF_ROLES:
        body["lead_id"] = record.lead_id
        if party in STAFF_ROLES or matches.supplier_sees_buyer(record):
            body["buyer_organisation"] = record.demand.organisation.name
    return body


def plan(record: MatchPlan) -> dict:
    """A plan for staff; ``trigger`` is why it was computed, the stored fact (code and parameters)."""
    return {"id": record.id, "status": record.status, "trigger": as_fact(record.trigger),
            "created_at": plain(record.created_at),
            "needs_count": record.needs_count, "offers_count": record.offers_count,
            "demand_units": record.demand_units, "units": record.units}


def plan_line(line: MatchPlanLine) -> dict:
    """A line of the plan for staff; ``reasons`` are the stored facts (codes and parameters)."""
    return {"id": line.id, "request_id": line.demand_id, "lead_id": line.lead_id, "quantity": line.quantity,
            "unit_price": plain(line.unit_price), "distance_km": line.distance_km, "reasons": list(line.reasons or [])}
