"""A match's expected delivery date through the service (issue 12 item 1): stored, audited with
before/after, told to the other party, and a retry of the same date stores nothing twice."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.domain.i18n import format_day
from marketplace.domain.match_status import MatchTransitionError
from marketplace.domain.messages import render_notification
from marketplace.extensions import db
from marketplace.models import AuditLog, Notification
from marketplace.services import demand, matches, planning
from tests.conftest import approve, make_lead, make_request, make_user


@pytest.fixture
def proposed(app_ctx):
    buyer = make_user("buyer", "nurse@hospital.example", verified=True)
    supplier = make_user("supplier", "sales@harbor.example")
    vetter = make_user("vetter", "vera.vetter@city.example")
    request = make_request(buyer, max_unit_price="0.85", quantity="3000")
    lead = make_lead(supplier, unit_price="0.79", lead_time_days="5")
    approve(lead, vetter)
    match = planning.propose(request, lead.id, 2000, vetter)
    db.session.commit()
    return match, buyer, supplier, vetter


def _told(user) -> list[dict]:
    return [n.message for n in db.session.execute(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)).scalars()]


def _audits(match_id: int, action: str) -> list[AuditLog]:
    return list(db.session.execute(select(AuditLog).where(
        AuditLog.entity_type == "match", AuditLog.entity_id == match_id, AuditLog.action == action)).scalars())


def test_the_supplier_confirms_a_date_and_moves_it_the_buyer_is_told(proposed):
    match, buyer, supplier, _ = proposed
    today = demand.today()
    first, later = today + timedelta(days=4), today + timedelta(days=6)
    before = len(_told(buyer))
    matches.act_on_match(match, supplier, "confirm_availability", delivery_on=first)
    db.session.commit()
    assert (match.status, match.delivery_on) == ("proposed", first)
    [row] = _audits(match.id, "match.confirm_availability")
    assert (row.before, row.after) == ({"status": "proposed", "delivery_on": None},
                                       {"status": "proposed", "delivery_on": first.isoformat()})
    told = _told(buyer)[before:]
    assert [m["code"] for m in told] == ["match_delivery_date"]
    assert render_notification(told[0], "buyer").endswith(f"the supplier expects to deliver on {format_day(first)}.")

    matches.act_on_match(match, buyer, "accept")
    matches.act_on_match(match, supplier, "set_delivery_date", delivery_on=later)
    db.session.commit()
    assert (match.status, match.delivery_on) == ("accepted", later)
    [row] = _audits(match.id, "match.set_delivery_date")
    assert (row.before["delivery_on"], row.after["delivery_on"]) == (first.isoformat(), later.isoformat())
    assert render_notification(_told(buyer)[-1], "buyer").endswith(
        f"deliver on {format_day(later)} (instead of {format_day(first)}).")
    assert not any(m["code"] == "match_delivery_date" for m in _told(supplier))  # the actor is not told

    # The same date again (a retried post) stores and tells nothing.
    audits, notes = db.session.scalar(select(func.count(AuditLog.id))), db.session.scalar(
        select(func.count(Notification.id)))
    matches.act_on_match(match, supplier, "set_delivery_date", delivery_on=later)
    db.session.commit()
    assert db.session.scalar(select(func.count(AuditLog.id))) == audits
    assert db.session.scalar(select(func.count(Notification.id))) == notes


def test_the_buyer_records_the_date_when_ordering_and_the_supplier_reads_it(proposed):
    match, buyer, supplier, _ = proposed
    day = demand.today() + timedelta(days=3)
    matches.act_on_match(match, buyer, "accept")
    matches.act_on_match(match, buyer, "mark_ordered", delivery_on=day)
    db.session.commit()
    assert (match.status, match.delivery_on) == ("ordered", day)
    [row] = _audits(match.id, "match.mark_ordered")
    assert row.after == {"status": "ordered", "delivery_on": day.isoformat()}
    assert render_notification(_told(supplier)[-1], "supplier").endswith(
        f"is now ordered, delivery expected on {format_day(day)}.")
    # The buyer cannot move it afterwards: that is the supplier's to confirm.
    with pytest.raises(MatchTransitionError, match="not for you"):
        matches.act_on_match(match, buyer, "set_delivery_date", delivery_on=day + timedelta(days=1))
    assert match.delivery_on == day


def test_ordering_without_a_date_keeps_the_one_the_supplier_gave(proposed):
    match, buyer, supplier, vetter = proposed
    day = demand.today() + timedelta(days=2)
    matches.act_on_match(match, supplier, "confirm_availability", delivery_on=day)
    matches.act_on_match(match, buyer, "accept")
    matches.act_on_match(match, vetter, "mark_ordered")
    db.session.commit()
    assert (match.status, match.delivery_on) == ("ordered", day)
    [row] = _audits(match.id, "match.mark_ordered")
    assert row.after == {"status": "ordered"}
    with pytest.raises(MatchTransitionError, match="takes no delivery date"):
        matches.act_on_match(match, buyer, "mark_delivered", delivery_on=day)
    assert match.status == "ordered"
