"""An "act on this" notification is done, for everyone told, once the thing is done (by whoever
did it): services.notifications.resolve, called where it is done (domain.messages.TO_ACT_ON).

The examples found: "Clínica del Sol ... waits to be verified" and "Pedro Gómez ... asks to join"
stayed unread after an admin verified the organisation and approved the join (badge 3). Of the
same kind: the supplier's question once answered, the vetter's "supplier answered" once the lead
is decided, the admins' "escalated" once decided. Notices about other things stay unread."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.domain.messages import TO_ACT_ON
from marketplace.extensions import db
from marketplace.models import Notification
from marketplace.services import accounts, notifications, organisations, vetting
from tests.conftest import make_lead, make_user


def _unread(user, code: str) -> list[dict]:
    return [n.message["params"] for n in db.session.execute(select(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))).scalars() if n.message["code"] == code]


@pytest.fixture
def admins(app_ctx):
    return make_user("admin", "ana@city.example"), make_user("admin", "luis@city.example")


def test_verifying_an_organisation_marks_its_waiting_notice_done_for_every_admin(admins):
    ana, luis = admins
    sol = make_user("buyer", "recepcion@clinicadelsol.example", organisation="Clínica del Sol")
    other = make_user("buyer", "info@quillfeather.example", organisation="Quillfeather Birthing Center")
    for admin in admins:
        assert {p["organisation"] for p in _unread(admin, "organisation_waiting")} == {"Clínica del Sol",
                                                                                      "Quillfeather Birthing Center"}
    accounts.verify_organisation(sol.organisation, actor_id=ana.id)
    db.session.commit()
    for admin in admins:  # Luis did nothing: his copy is done too; the other organisation still waits
        assert [p["organisation"] for p in _unread(admin, "organisation_waiting")] == ["Quillfeather Birthing Center"]
    accounts.verify_organisation(other.organisation, actor_id=luis.id)
    db.session.commit()
    assert notifications.unread_count(ana) == 0 and notifications.unread_count(luis) == 0


@pytest.mark.parametrize("approve", [True, False])
def test_answering_a_join_request_marks_it_done_for_admins_and_the_members(admins, approve):
    ana, luis = admins
    member = make_user("buyer", "jefa@sanrafael.example", organisation="Hospital San Rafael", verified=True)
    pedro = make_user("buyer", "pedro.gomez@gmail.com", organisation="Hospital San Rafael", joins=True)
    marta = make_user("buyer", "marta@gmail.com", organisation="Hospital San Rafael", joins=True)
    for person in (ana, luis, member):
        assert {p["user_email"] for p in _unread(person, "join_requested")} == {pedro.email, marta.email}
    organisations.decide_join(organisations.pending_join(pedro), luis, approve=approve)
    db.session.commit()
    for person in (ana, luis, member):  # Marta's request still waits
        assert [p["user_email"] for p in _unread(person, "join_requested")] == [marta.email]
    organisations.decide_join(organisations.pending_join(marta), member, approve=True)
    db.session.commit()
    for person in (ana, luis, member):
        assert _unread(person, "join_requested") == []


def test_the_supplier_answer_and_the_decision_mark_the_lead_notices_done(admins):
    ana, _luis = admins
    supplier = make_user("supplier", "sales@gloves.example")
    vetter = make_user("vetter", "vera@city.example")
    lead, other = make_lead(supplier), make_lead(supplier, company_name="Another Gloves Co")
    for each in (lead, other):
        vetting.decide(each, vetter, "request_info", "Who made them?")
        db.session.commit()
    assert len(_unread(supplier, "lead_question")) == 2
    vetting.decide(lead, supplier, "answer", "3M, model 1860")
    vetting.decide(other, supplier, "answer", "Ansell")
    db.session.commit()
    assert _unread(supplier, "lead_question") == []  # answered
    assert {p["lead_id"] for p in _unread(vetter, "lead_answered")} == {lead.id, other.id}
    vetting.decide(lead, ana, "reject", "No NIOSH approval.")  # decided by an admin, not the asker
    db.session.commit()
    assert [p["lead_id"] for p in _unread(vetter, "lead_answered")] == [other.id]
    vetting.decide(other, vetter, "request_info", "And the lot number?")  # the answer was taken up
    db.session.commit()
    assert _unread(vetter, "lead_answered") == []


def test_resolve_names_the_subject_its_notice_is_about(app_ctx):
    assert set(TO_ACT_ON) >= {"organisation_waiting", "join_requested", "lead_answered"}
    with pytest.raises(ValueError):
        notifications.resolve("organisation_waiting", organisation="Clínica del Sol")


def test_confirming_or_withdrawing_settles_the_quote_question(admins):
    from datetime import timedelta

    from marketplace.services import demand, quotes
    from tests.conftest import approve

    supplier = make_user("supplier", "sales@harbor.example.com")
    vetter = make_user("vetter", "vera@city.example")
    confirmed, withdrawn, waiting = (make_lead(supplier) for _ in range(3))
    for lead in (confirmed, withdrawn, waiting):
        approve(lead, vetter)
        lead.valid_until = demand.today() + timedelta(days=2)
    db.session.commit()
    assert quotes.ask_due().suppliers == 3
    db.session.commit()
    quotes.confirm_quote(confirmed, supplier)
    quotes.withdraw_offer(withdrawn, supplier)
    db.session.commit()
    assert [p["lead_id"] for p in _unread(supplier, "quote_confirm")] == [waiting.id]


def test_a_new_date_or_closing_settles_the_overdue_request_for_every_buyer(admins):
    from datetime import timedelta

    from marketplace.services import demand, quotes
    from tests.conftest import make_request

    buyer = make_user("buyer", "jefa@sanrafael.example", organisation="Hospital San Rafael", verified=True)
    colleague = make_user("buyer", "pedro.gomez@gmail.com", organisation="Hospital San Rafael", joins=True)
    organisations.decide_join(organisations.pending_join(colleague), buyer, approve=True)
    db.session.commit()
    extended, closed, waiting = (make_request(buyer, quantity=str(units)) for units in (100, 200, 300))
    for request in (extended, closed, waiting):
        request.needed_by = demand.today() - timedelta(days=2)
    db.session.commit()
    assert quotes.ask_due().buyers == 3
    db.session.commit()
    quotes.extend_request(extended, (demand.today() + timedelta(days=9)).isoformat(), actor=colleague)
    demand.withdraw_request(closed, actor=buyer, rest_only=True)
    db.session.commit()
    for person in (buyer, colleague):
        assert [p["demand_id"] for p in _unread(person, "request_overdue")] == [waiting.id]


@pytest.fixture
def proposal_parties(admins):
    """Hospital San Rafael (two buyers), a supplier, and two proposals of the supplier's offer to
    the hospital's requests, released by a vetter (everyone told: match_proposed)."""
    from marketplace.services import planning
    from tests.conftest import approve, make_request

    buyer = make_user("buyer", "jefa@sanrafael.example", organisation="Hospital San Rafael", verified=True)
    colleague = make_user("buyer", "pedro.gomez@gmail.com", organisation="Hospital San Rafael", joins=True)
    organisations.decide_join(organisations.pending_join(colleague), buyer, approve=True)
    supplier = make_user("supplier", "sales@harbor.example.com")
    vetter = make_user("vetter", "vera@city.example")
    lead = make_lead(supplier, quantity="5000")
    approve(lead, vetter)
    first, second = (planning.propose(make_request(buyer, quantity="1000"), lead.id, 1000, vetter)
                     for _ in range(2))
    db.session.commit()
    for person in (buyer, colleague, supplier):
        assert {p["match_id"] for p in _unread(person, "match_proposed")} == {first.id, second.id}
    return buyer, colleague, supplier, vetter, first, second


def test_accepting_a_proposal_marks_it_done_for_every_member_and_the_next_step_in_turn(proposal_parties):
    """The example: Pedro accepts; the chief's (and the supplier's) "Proposed" notice of that match
    is done. Of the same kind: the colleague's "accepted" notice (place the order) is done once the
    order is placed, and the new step's notice stays unread."""
    from marketplace.services import matches

    buyer, colleague, supplier, _vetter, first, second = proposal_parties
    matches.act_on_match(first, colleague, "accept")
    db.session.commit()
    for person in (buyer, colleague, supplier):  # the other proposal still waits
        assert [p["match_id"] for p in _unread(person, "match_proposed")] == [second.id]
    assert [p["status"] for p in _unread(buyer, "match_status")] == ["accepted"]
    matches.act_on_match(first, buyer, "mark_ordered")
    db.session.commit()
    assert [p["status"] for p in _unread(supplier, "match_status")] == ["ordered"]  # "accepted" done
    assert [p["status"] for p in _unread(colleague, "match_status")] == ["ordered"]


def test_closing_or_withdrawing_the_match_marks_the_buyers_proposal_notices_done(proposal_parties, admins):
    """A second example: the supplier's account is switched off (its proposals withdrawn), or a
    buyer withdraws the request: the proposal notices are done; the closure is told, unread."""
    from marketplace.services import demand

    buyer, colleague, supplier, _vetter, first, second = proposal_parties
    assert demand.withdraw_request(second.demand, actor=buyer) == 1
    db.session.commit()
    assert [p["match_id"] for p in _unread(colleague, "match_proposed")] == [first.id]
    assert [p["match_id"] for p in _unread(supplier, "match_proposed")] == [first.id]
    accounts.set_active(supplier, False, actor_id=admins[0].id)
    db.session.commit()
    for person in (buyer, colleague):
        assert _unread(person, "match_proposed") == []
        assert first.id in {p["match_id"] for p in _unread(person, "match_closed")}  # told, unread


def test_a_staff_recorded_answer_marks_the_proposal_done(admins):
    """Staff record the answer of an organisation without an active buyer: the supplier's
    "Proposed" notice is done too (the same step, services.matches._change_status)."""
    from marketplace.services import matches, planning
    from tests.conftest import approve, make_request

    buyer = make_user("buyer", "jefa@sanrafael.example", organisation="Hospital San Rafael", verified=True)
    supplier = make_user("supplier", "sales@harbor.example.com")
    vetter = make_user("vetter", "vera@city.example")
    lead = make_lead(supplier, quantity="5000")
    approve(lead, vetter)
    match = planning.propose(make_request(buyer, quantity="1000"), lead.id, 1000, vetter)
    db.session.commit()
    buyer.active = False  # no active buyer left: staff record the answer given by phone
    db.session.commit()
    assert [p["match_id"] for p in _unread(supplier, "match_proposed")] == [match.id]
    matches.act_on_match(match, vetter, "accept_by_phone", reason="Ana Ruiz said yes by phone")
    db.session.commit()
    assert _unread(supplier, "match_proposed") == []
    assert [p["status"] for p in _unread(supplier, "match_status")] == ["accepted"]
