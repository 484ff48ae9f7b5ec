"""Demand request use cases: post, edit, withdraw, list, import (issue 4)."""
from __future__ import annotations

from datetime import date
from typing import IO

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..domain.catalog import ORGANISATION_KINDS
from ..domain.catalog import values as choice_values
from ..domain.demand import DEMAND_COLUMNS, STATUS_OPEN, STATUS_WITHDRAWN, parse_demand
from ..domain.match_status import HOLDING_STATUSES
from ..domain.scoring import demand_figures_to_confirm
from ..extensions import db
from ..models import DemandRequest, Match, Organisation, User
from ..models.base import utcnow
from . import audit, effects
from .leads import ImportReport, RowWarning, apply_changes, valid_rows
from .matches import close_for_withdrawal

# Fields a buyer's form or an import may set; everything else (organisation, status) is the system's.
EDITABLE_FIELDS = ("external_id", "category", "substitutes", "quantity", "max_unit_price", "needed_by",
                   "postal_code", "days_of_supply", "facility_type")


class DemandError(ValueError):
    pass


def today() -> date:
    return utcnow().date()


def may_post(user: User) -> bool:
    """Only buyers whose organisation an admin has verified post requests."""
    return user.role == "buyer" and user.organisation is not None and user.organisation.verified


def demand_values(request: DemandRequest) -> dict:
    return {name: getattr(request, name) for name in EDITABLE_FIELDS}


def create_request(values: dict, *, buyer: User) -> DemandRequest:
    if not may_post(buyer):
        raise DemandError("Your organisation must be verified by the city before it can post requests.")
    request = DemandRequest(**{name: values.get(name) for name in EDITABLE_FIELDS},
                            organisation_id=buyer.organisation_id, created_by_id=buyer.id, source="form")
    db.session.add(request)
    db.session.flush()
    audit.record(buyer.id, "demand.create", "demand", request.id, after=demand_values(request))
    effects.after_commit("run_matching", f"request {request.id} posted")
    db.session.commit()
    return request


def _apply_changes(request: DemandRequest, values: dict) -> tuple[dict, dict]:
    return apply_changes(request, values, EDITABLE_FIELDS)


def update_request(request: DemandRequest, values: dict, *, actor: User) -> bool:
    """Apply an edit. The quantity cannot drop below the units already matched to the request."""
    held = held_units(request.id)
    if values["quantity"] < held:
        raise DemandError(f"{held:,} units are already matched to this request; the quantity cannot be lower.")
    before, after = _apply_changes(request, values)
    if after:
        audit.record(actor.id, "demand.update", "demand", request.id, before=before, after=after)
        effects.after_commit("run_matching", f"request {request.id} changed")
        db.session.commit()
    return bool(after)


def withdraw_request(request: DemandRequest, *, actor: User) -> int:
    """Withdraw an open request. Proposals not yet accepted are closed and their units go back
    to supply; accepted and ordered matches stay (the buyer closes them if they must).
    Returns how many proposals were closed."""
    if request.status != STATUS_OPEN:
        raise DemandError("This request is not open.")
    request.status, request.updated_at = STATUS_WITHDRAWN, utcnow()
    audit.record(actor.id, "demand.withdraw", "demand", request.id, before={"status": STATUS_OPEN},
                 after={"status": STATUS_WITHDRAWN})
    closed = close_for_withdrawal(request, actor)
    effects.after_commit("run_matching", f"request {request.id} withdrawn")
    effects.after_commit("send_outbox")
    db.session.commit()
    return closed


def request_for(user: User, request_id: int, *, edit: bool = False) -> DemandRequest:
    """The request if ``user`` may see (or edit) it: staff see all, buyers their organisation's.
    Anything else is 404, so ids of other organisations' requests reveal nothing."""
    request = db.session.get(DemandRequest, request_id)
    if request is None:
        abort(404)
    if user.is_staff:
        if edit:
            abort(403)
        return request
    if user.role != "buyer" or user.organisation_id is None or request.organisation_id != user.organisation_id:
        abort(404)
    if edit and request.status != STATUS_OPEN:
        abort(403)
    return request


def held_units(request_id: int) -> int:
    return db.session.execute(select(func.coalesce(func.sum(Match.quantity), 0)).where(
        Match.demand_id == request_id, Match.status.in_(HOLDING_STATUSES))).scalar_one()


def held_units_by_request(request_ids: list[int]) -> dict[int, int]:
    if not request_ids:
        return {}
    return dict(db.session.execute(select(Match.demand_id, func.sum(Match.quantity)).where(
        Match.demand_id.in_(request_ids), Match.status.in_(HOLDING_STATUSES)).group_by(Match.demand_id)).all())


def organisation_requests(organisation_id: int, page: int, per_page: int):
    query = (select(DemandRequest).where(DemandRequest.organisation_id == organisation_id)
             .order_by(DemandRequest.status, DemandRequest.needed_by, DemandRequest.id))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def all_requests(status: str | None, page: int, per_page: int):
    query = (select(DemandRequest).order_by(DemandRequest.needed_by, DemandRequest.id)
             .options(selectinload(DemandRequest.organisation)))
    if status:
        query = query.where(DemandRequest.status == status)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


# --- CSV import ----------------------------------------------------------------------------

def _organisation(name: str, facility_type: str, actor_id: int | None, cache: dict[str, Organisation]) -> Organisation:
    """The buyer organisation called ``name`` (case-insensitive), created if new. The city
    imports requests itself, so an organisation it creates this way is verified at once."""
    key = name.casefold()
    if key not in cache:
        organisation = db.session.execute(select(Organisation).where(
            func.lower(Organisation.name) == name.lower(), Organisation.kind != "supplier")).scalars().first()
        if organisation is None:
            kind = facility_type if facility_type in choice_values(ORGANISATION_KINDS) else "other"
            organisation = Organisation(name=name, kind=kind, verified_at=utcnow(), verified_by_id=actor_id)
            db.session.add(organisation)
            db.session.flush()
            audit.record(actor_id, "organisation.create", "organisation", organisation.id,
                         after={"name": name, "kind": kind, "verified": True}, detail="demand import")
        cache[key] = organisation
    return cache[key]


def import_demand(stream: IO[str], *, actor_id: int | None) -> ImportReport:
    """Import demand requests from CSV (DEMAND_COLUMNS). Like the lead import: each row whole or
    not at all, every rejected row reported; a known external_id updates that request. A row whose
    maximum unit price is far outside the reference is saved and reported in ``report.warnings``
    (scoring.demand_figures_to_confirm, the buyer form's question)."""
    report = ImportReport()
    rows = list(valid_rows(stream, DEMAND_COLUMNS, lambda raw: parse_demand(raw, today(), with_organisation=True),
                           report))
    if not report.ok:
        return report
    organisations: dict[str, Organisation] = {}
    external_ids = [values["external_id"] for _, values in rows if values.get("external_id")]
    existing = {r.external_id: r for r in db.session.execute(
        select(DemandRequest).where(DemandRequest.external_id.in_(external_ids))).scalars()} if external_ids else {}
    for row_number, values in rows:
        for name, message in demand_figures_to_confirm(values).items():
            report.warnings.append(RowWarning(row_number, f"{name}: {message}"))
        organisation = _organisation(values["organisation"], values["facility_type"], actor_id, organisations)
        request = existing.get(values.get("external_id"))
        if request is None:
            request = DemandRequest(**{name: values.get(name) for name in EDITABLE_FIELDS},
                                    organisation_id=organisation.id, created_by_id=actor_id, source="csv")
            db.session.add(request)
            db.session.flush()
            audit.record(actor_id, "demand.create", "demand", request.id, after={"source": "csv"}, detail="CSV import")
            report.imported += 1
            continue
        before, after = _apply_changes(request, values)
        if request.organisation_id != organisation.id:
            before["organisation_id"], after["organisation_id"] = request.organisation_id, organisation.id
            request.organisation_id = organisation.id
        if after:
            audit.record(actor_id, "demand.update", "demand", request.id, before=before, after=after,
                         detail="CSV import")
            report.updated += 1
        else:
            report.unchanged += 1
    if report.imported or report.updated:
        effects.after_commit("run_matching", f"{report.imported + report.updated} request(s) imported")
    db.session.commit()
    return report

