"""Units held by matches, in SQL: the dashboard's "Still needed" and "Free approved supply" and the
filters of the lists they link to (staff requests ``still_needed=1``, the vetting queue ``free=1``)
count with these, so a figure and its list cannot disagree. The rule itself is
domain.match_status.units_left (the lists' columns use it, row by row)."""
from __future__ import annotations

from sqlalchemy import case, func, select

from ..domain.match_status import HOLDING_STATUSES
from ..domain.match_status import units_left as rule_units_left
from ..extensions import db
from ..models import DemandRequest, Lead, Match
from ..models.base import id_in


def held_by(by):
    """Units held by matches (HOLDING_STATUSES) per ``by`` (Match.demand_id or Match.lead_id): a
    subquery of ``key`` and ``held``."""
    return (select(by.label("key"), func.sum(Match.quantity).label("held"))
            .where(Match.status.in_(HOLDING_STATUSES)).group_by(by).subquery())


def units_left(quantity, held):
    """domain.match_status.units_left in SQL: ``quantity`` less ``held`` (NULL: none), never below 0."""
    left = quantity - func.coalesce(held, 0)
    return case((left > 0, left), else_=0)


def _held_of(by, owner_id):
    return (select(func.sum(Match.quantity)).where(by == owner_id, Match.status.in_(HOLDING_STATUSES))
            .scalar_subquery())


def still_needed():
    """A request's units still needed (a column of DemandRequest rows)."""
    return units_left(DemandRequest.quantity, _held_of(Match.demand_id, DemandRequest.id).correlate(DemandRequest))


def free_units():
    """An offer's units free of matches (a column of Lead rows)."""
    return units_left(Lead.quantity, _held_of(Match.lead_id, Lead.id).correlate(Lead))


def free_units_of(leads) -> dict[int, int]:
    """{lead id: units free of matches} of ``leads`` (domain.match_status.units_left), in one statement."""
    ids = [lead.id for lead in leads]
    if not ids:
        return {}
    held = dict(db.session.execute(select(Match.lead_id, func.sum(Match.quantity)).where(
        id_in(Match.lead_id, ids), Match.status.in_(HOLDING_STATUSES)).group_by(Match.lead_id)).all())
    return {lead.id: rule_units_left(lead.quantity, held.get(lead.id, 0)) for lead in leads}
