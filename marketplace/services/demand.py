"""Demand request use cases: post, edit, withdraw, list, import (issue 4)."""
from __future__ import annotations

from datetime import date
from typing import IO

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..domain import permissions
from ..domain.catalog import ORGANISATION_KINDS
from ..domain.catalog import values as choice_values
from ..domain.dates import city_today
from ..domain.demand import (
    DEMAND_COLUMNS,
    OPTIONAL_DEMAND_COLUMNS,
    STATUS_CLOSED,
    STATUS_OPEN,
    STATUS_WITHDRAWN,
    RequestState,
    parse_demand,
    request_state,
    request_warnings,
)
from ..domain.errors import Forbidden, NotFound
from ..domain.i18n import _, format_integer, ngettext
from ..domain.match_status import HOLDING_STATUSES
from ..domain.messages import buyer_refusal
from ..domain.organisations import ImportTarget, KnownOrganisation, import_target
from ..domain.scoring import request_figures_to_confirm
from ..domain.stock import STOCK_COLUMNS, Stock, days_left, stock_of
from ..extensions import db
from ..models import DemandRequest, Match, Organisation, User
from ..models.base import id_in, utcnow
from . import audit, effects, settings
from .held import still_needed as units_still_needed
from .leads import ImportReport, RejectedRow, RowWarning, apply_changes, valid_rows
from .matches import close_for_withdrawal
from .notifications import resolve
from .organisations import known_buyer_organisations, pending_join

# Fields a buyer's form or an import may set; everything else (organisation, status) is the system's.
EDITABLE_FIELDS = ("external_id", "category", "substitutes", "quantity", "max_unit_price", "needed_by",
                   "postal_code", "days_of_supply", "facility_type", "specification",
                   "stock_on_hand", "stock_counted_on", "avg_daily_use")
# The columns a request's stock facts are read from (request_stock), with ``created_at``.
STOCK_FIELDS = ("days_of_supply", *STOCK_COLUMNS)


class DemandError(ValueError):
    pass


def today() -> date:
    """The city's date now (CITY_TIMEZONE, dates.city_today): the one "today" for people's dates
    (needed-by checks, days until needed). After 4 pm in Los Angeles the UTC date is already tomorrow."""
    return city_today(utcnow(), settings.current().city_zone)


def organisation_verified(user: User) -> bool | None:
    """Whether the user's organisation is verified; None when they belong to none."""
    return user.organisation.verified if user.organisation is not None else None


def may_post(user: User) -> bool:
    """Only buyers whose organisation an admin has verified post requests (domain.permissions)."""
    return permissions.may_post(user.role, organisation_verified(user))


def refusal(user: User) -> str:
    """Why this buyer may not post or change anything (domain.messages.buyer_refusal)."""
    join = pending_join(user) if user.organisation is None else None
    return buyer_refusal(organisation_verified(user), join.organisation.name if join else None)


def demand_values(request: DemandRequest) -> dict:
    return {name: getattr(request, name) for name in EDITABLE_FIELDS}


def request_stock(request: DemandRequest) -> Stock:
    """The request's stock facts (domain.stock). A request stored before counts were (no count
    date) counts from the city's date of its creation, so its stated days of supply age too.
    ``request`` may also be a row of only its STOCK_FIELDS and ``created_at`` (a query that reads
    many requests' stock selects just those columns: services.shortfall)."""
    created_on = city_today(request.created_at or utcnow(), settings.current().city_zone)
    return stock_of({name: getattr(request, name) for name in STOCK_FIELDS}, created_on)


def days_of_supply_now(request: DemandRequest, day: date | None = None) -> int:
    """Whole days of supply the request's facility has left on ``day`` (default: the city's today),
    by domain.stock.days_left: the one number every page, the allocation and the warnings use."""
    return days_left(request_stock(request), day or today())


def form_values(request: DemandRequest) -> dict:
    """The request's values as the buyer's edit form shows them: with stock and daily use, those
    (days of supply are worked out again); with days of supply only, today's days of supply and no
    count date, so that saving unchanged changes nothing (update_request keeps the stored count)."""
    values = demand_values(request)
    if request.stock_on_hand is None:
        values.update(days_of_supply=days_of_supply_now(request), stock_counted_on=None)
    else:
        values["days_of_supply"] = None
    return values


def _keep_stated_days(request: DemandRequest, values: dict) -> dict:
    """An edit that states the days of supply the request already has today (only days, no
    stock) keeps the stored statement and its date: nothing changed, nothing is audited."""
    if (values.get("stock_on_hand") is None and request.stock_on_hand is None
            and values.get("days_of_supply") == days_of_supply_now(request)):
        return {**values, "days_of_supply": request.days_of_supply,
                "stock_counted_on": request.stock_counted_on}
    return values


def create_request(values: dict, *, buyer: User) -> DemandRequest:
    """Post a buyer's request (values from the form) with its audit row; flushes, the caller
    commits. Raises DemandError, before writing, when the buyer may not post."""
    if not may_post(buyer):
        raise DemandError(refusal(buyer))
    request = DemandRequest(**{name: values.get(name) for name in EDITABLE_FIELDS},
                            organisation_id=buyer.organisation_id, created_by_id=buyer.id, source="form")
    db.session.add(request)
    db.session.flush()
    audit.record(buyer.id, "demand.create", "demand", request.id, after=demand_values(request))
    effects.replan("request_posted", demand_id=request.id)
    effects.after_commit("refresh_summary")
    return request


def _apply_changes(request: DemandRequest, values: dict) -> tuple[dict, dict]:
    return apply_changes(request, values, EDITABLE_FIELDS)


def update_request(request: DemandRequest, values: dict, *, actor: User) -> bool:
    """Apply an edit; returns whether anything changed. The quantity cannot drop below the units
    already matched to the request (DemandError, raised before writing). Flushes; the caller commits."""
    held = held_units(request.id)
    if values["quantity"] < held:
        raise DemandError(ngettext(
            "{count} unit is already matched to this request; the quantity cannot be lower.",
            "{count} units are already matched to this request; the quantity cannot be lower.", held).format(
            count=format_integer(held)))
    before, after = _apply_changes(request, _keep_stated_days(request, values))
    if after:
        audit.record(actor.id, "demand.update", "demand", request.id, before=before, after=after)
        effects.replan("request_changed", demand_id=request.id)
        effects.after_commit("refresh_summary")
        db.session.flush()
    return bool(after)


def withdraw_request(request: DemandRequest, *, actor: User, rest_only: bool = False) -> int:
    """Withdraw an open request, or with ``rest_only`` close the rest of it ("no longer needed":
    status closed, shown as "closed, N of M delivered"). Either way it leaves matching: proposals
    not yet accepted are closed and their units go back to supply; accepted and ordered matches
    stay (the buyer closes them if they must). Returns how many proposals were closed.
    DemandError (before writing) if it is not open; Forbidden if the actor is not a buyer of its
    organisation while it is verified (permissions.may_edit_request). Flushes; the caller commits."""
    if actor.role == "buyer" and not permissions.buyer_may_act(organisation_verified(actor)):
        raise Forbidden(refusal(actor))
    if request.status != STATUS_OPEN:
        raise DemandError(_("This request is not open."))
    target, action, why = ((STATUS_CLOSED, "close", "request_closed") if rest_only
                           else (STATUS_WITHDRAWN, "withdraw", "request_withdrawn"))
    request.status, request.updated_at = target, utcnow()
    audit.record(actor.id, f"demand.{action}", "demand", request.id, before={"status": STATUS_OPEN},
                 after={"status": target})
    closed = close_for_withdrawal(request, actor, "request_closed" if rest_only else "request_withdrawn")
    resolve("request_overdue", demand_id=request.id)  # no new date is awaited any more
    effects.replan(why, demand_id=request.id)
    effects.after_commit("refresh_summary")
    effects.after_commit("send_outbox")
    db.session.flush()
    return closed


def request_for(user: User, request_id: int, *, edit: bool = False) -> DemandRequest:
    """The request if ``user`` may see (or edit) it: staff see all, buyers their organisation's.
    Raises NotFound for anything else, so ids of other organisations' requests reveal nothing;
    Forbidden when they may see but not edit it (staff, a request no longer open, or a buyer whose
    organisation is not verified: permissions.may_edit_request)."""
    request = db.session.get(DemandRequest, request_id)
    if request is None or not permissions.may_view_request(user.role, user.organisation_id, request.organisation_id):
        raise NotFound()
    if edit and not permissions.may_edit_request(user.role, user.organisation_id, request.organisation_id,
                                                 request.status, organisation_verified(user)):
        if user.role == "buyer" and not permissions.buyer_may_act(organisation_verified(user)):
            raise Forbidden(refusal(user))
        raise Forbidden()
    return request


def held_units(request_id: int) -> int:
    return db.session.execute(select(func.coalesce(func.sum(Match.quantity), 0)).where(
        Match.demand_id == request_id, Match.status.in_(HOLDING_STATUSES))).scalar_one()


def held_units_by_request(request_ids: list[int]) -> dict[int, int]:
    if not request_ids:
        return {}
    return dict(db.session.execute(select(Match.demand_id, func.sum(Match.quantity)).where(
        id_in(Match.demand_id, request_ids), Match.status.in_(HOLDING_STATUSES)).group_by(Match.demand_id)).all())


def units_by_request(request_ids: list[int]) -> dict[int, dict[str, int]]:
    """{request id: {match status: units}} of the given requests' proposed, accepted, ordered and
    delivered matches (absent: none), in one statement."""
    if not request_ids:
        return {}
    units: dict[int, dict[str, int]] = {}
    for demand_id, status, total in db.session.execute(
            select(Match.demand_id, Match.status, func.sum(Match.quantity))
            .where(id_in(Match.demand_id, request_ids), Match.status.in_(HOLDING_STATUSES))
            .group_by(Match.demand_id, Match.status)):
        units.setdefault(demand_id, {})[status] = int(total)
    return units


def request_states(requests: list[DemandRequest]) -> dict[int, RequestState]:
    """{request id: the status shown} by domain.demand.request_state, for buyers' and staff's pages
    and the API (its ``held`` is the lists' "Matched")."""
    units = units_by_request([r.id for r in requests])
    return {r.id: request_state(r.status, r.quantity, units.get(r.id, {})) for r in requests}


def organisation_requests(organisation_id: int, page: int, per_page: int):
    query = (select(DemandRequest).where(DemandRequest.organisation_id == organisation_id)
             .order_by(DemandRequest.status, DemandRequest.needed_by, DemandRequest.id))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def all_requests(status: str | None, page: int, per_page: int, category: str | None = None,
                 still_needed: bool = False):
    """One page of every organisation's requests (staff), soonest needed first; ``status`` and
    ``category`` (a product category) narrow it when given, ``still_needed`` to those with units
    still needed (services.held: the dashboard's "Still needed" counts the same units)."""
    query = (select(DemandRequest).order_by(DemandRequest.needed_by, DemandRequest.id)
             .options(selectinload(DemandRequest.organisation)))
    if still_needed:
        query = query.where(units_still_needed() > 0)
    if status:
        query = query.where(DemandRequest.status == status)
    if category:
        query = query.where(DemandRequest.category == category)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


# --- CSV import ----------------------------------------------------------------------------

def _organisation_targets(rows: list[tuple[int, dict]], report: ImportReport) -> dict[int, ImportTarget]:
    """Each row's organisation by domain.organisations.import_target; refused rows are reported.
    Organisations the import will create count as verified for the rows after them (a negative
    placeholder id), so that spellings of one new hospital become one organisation, not twins."""
    known = known_buyer_organisations()
    targets: dict[int, ImportTarget] = {}
    for row_number, values in rows:
        target = import_target(values["organisation"], known, new_organisation=values.get("new_organisation", False))
        if target.refused:
            report.rejected.append(RejectedRow(row_number, f"organisation: {target.refused}"))
            continue
        if target.create:
            placeholder = -row_number
            known.append(KnownOrganisation(placeholder, values["organisation"], True))
            target = ImportTarget(organisation_id=placeholder, create=True)
        targets[row_number] = target
    return targets


def _create_organisation(name: str, facility_type: str, actor_id: int | None) -> Organisation:
    """A buyer organisation the city's import names for the first time: the city imports requests
    itself, so it is verified at once."""
    kind = facility_type if facility_type in choice_values(ORGANISATION_KINDS) else "other"
    organisation = Organisation(name=name, kind=kind, verified_at=utcnow(), verified_by_id=actor_id)
    db.session.add(organisation)
    db.session.flush()
    audit.record(actor_id, "organisation.create", "organisation", organisation.id,
                 after={"name": name, "kind": kind, "verified": True}, detail="demand import")
    return organisation


def import_demand(stream: IO[str], *, actor_id: int | None) -> ImportReport:
    """Import demand requests from CSV (DEMAND_COLUMNS). Like the lead import: each row whole or
    not at all, every rejected row reported; a known external_id updates that request. A row whose
    maximum unit price is far outside the reference is saved and reported in ``report.warnings``
    (scoring.request_figures_to_confirm, the buyer form's question), and so is a row whose needed-by
    date disagrees with its days of supply (demand.request_warnings). Dates are read against the
    city's today (``today``)."""
    report = ImportReport()
    day = today()
    rows = list(valid_rows(stream, DEMAND_COLUMNS, lambda raw: parse_demand(raw, day, with_organisation=True),
                           report, optional=OPTIONAL_DEMAND_COLUMNS))
    targets = _organisation_targets(rows, report)
    report.rejected.sort(key=lambda rejected: rejected.row)
    rows = [(row_number, values) for row_number, values in rows if row_number in targets]
    if not report.ok:
        return report
    created: dict[int, int] = {}  # placeholder id -> the new organisation's id
    external_ids = [values["external_id"] for __, values in rows if values.get("external_id")]
    existing = {r.external_id: r for r in db.session.execute(
        select(DemandRequest).where(id_in(DemandRequest.external_id, external_ids))).scalars()} if external_ids else {}
    for row_number, values in rows:
        for name, message in {**request_figures_to_confirm(values), **request_warnings(values, day)}.items():
            report.warnings.append(RowWarning(row_number, f"{name}: {message}"))
        organisation_id = targets[row_number].organisation_id
        if organisation_id < 0 and organisation_id not in created:
            created[organisation_id] = _create_organisation(values["organisation"], values["facility_type"],
                                                            actor_id).id
        organisation_id = created.get(organisation_id, organisation_id)
        request = existing.get(values.get("external_id"))
        if request is None:
            request = DemandRequest(**{name: values.get(name) for name in EDITABLE_FIELDS},
                                    organisation_id=organisation_id, created_by_id=actor_id, source="csv")
            db.session.add(request)
            db.session.flush()
            audit.record(actor_id, "demand.create", "demand", request.id, after={"source": "csv"}, detail="CSV import")
            report.imported += 1
            continue
        before, after = _apply_changes(request, _keep_stated_days(request, values))
        if request.organisation_id != organisation_id:
            before["organisation_id"], after["organisation_id"] = request.organisation_id, organisation_id
            request.organisation_id = organisation_id
        if after:
            audit.record(actor_id, "demand.update", "demand", request.id, before=before, after=after,
                         detail="CSV import")
            report.updated += 1
        else:
            report.unchanged += 1
    if report.imported or report.updated:
        effects.replan("requests_imported", count=report.imported + report.updated)
        effects.after_commit("refresh_summary")
    db.session.flush()  # the caller commits
    return report

