"""Offers go stale in a crisis (issue 11 item 11), through the services: a lead's quote validity
(default, form, import), a lapsed offer out of matching until confirmed, one reminder per validity
period (safe under repeated and rolled-back sweeps), confirming (with new figures through the form's
validation) or withdrawing, and overdue requests asked once whether to extend."""
from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.domain.errors import Conflict, FieldError
from marketplace.domain.leads import LEAD_COLUMNS, parse_lead
from marketplace.domain.messages import trigger_fact
from marketplace.domain.quotes import DEFAULT_VALIDITY_DAYS
from marketplace.extensions import db
from marketplace.models import AuditLog, DemandRequest, Lead, Match, Notification, OutboxEmail
from marketplace.services import demand, leads, matches, planning, quotes, supply
from marketplace.services.effects import pending
from tests.conftest import VALID_LEAD, approve, make_lead, make_request, make_user


def _today():
    return demand.today()


def _notes(code: str) -> list[Notification]:
    return list(db.session.execute(select(Notification).where(
        Notification.message["code"].as_string() == code).order_by(Notification.id)).scalars())


def _set(record, **values):
    for name, value in values.items():
        setattr(record, name, value)
    db.session.commit()


@pytest.fixture
def people(app_ctx):
    supplier = make_user("supplier", "sales@harbor.example.com")
    buyer = make_user("buyer", "nurse@stvincent.example.org", verified=True)
    vetter = make_user("vetter", "vera@city.example.gov")
    return supplier, buyer, vetter


# --- The date a lead carries ---------------------------------------------------------------


def test_a_lead_without_a_date_holds_fourteen_days_from_the_city_today(people):
    supplier, _, _ = people
    lead = make_lead(supplier)
    assert lead.valid_until == _today() + timedelta(days=DEFAULT_VALIDITY_DAYS)
    given = make_lead(supplier, valid_until=(_today() + timedelta(days=30)).isoformat())
    assert given.valid_until == _today() + timedelta(days=30)
    # A lead made by any other code path is dated too (the model's default, the city's today).
    bare = Lead(**{k: v for k, v in parse_lead(VALID_LEAD)[0].as_dict().items()
                   if k not in ("valid_until", "marketplace_ref")}, source="csv")
    db.session.add(bare)
    db.session.commit()
    assert bare.valid_until == _today() + timedelta(days=DEFAULT_VALIDITY_DAYS)


def _csv(rows: list[dict], columns=LEAD_COLUMNS) -> io.StringIO:
    lines = [",".join(columns)] + [",".join(f'"{row.get(c, "")}"' for c in columns) for row in rows]
    return io.StringIO("\n".join(lines) + "\n")


def test_import_old_files_keep_importing_and_the_column_is_read_per_row(people):
    _, _, vetter = people
    old_columns = tuple(c for c in LEAD_COLUMNS if c not in ("valid_until", "pack_size"))
    report = leads.import_leads(_csv([{**VALID_LEAD, "external_id": "OLD-1"}], old_columns), actor_id=vetter.id)
    db.session.commit()
    assert report.imported == 1 and not report.rejected
    old = db.session.execute(select(Lead).where(Lead.external_id == "OLD-1")).scalar_one()
    assert old.valid_until == _today() + timedelta(days=DEFAULT_VALIDITY_DAYS)

    later = (_today() + timedelta(days=40)).isoformat()
    report = leads.import_leads(_csv([
        {**VALID_LEAD, "external_id": "NEW-1", "valid_until": later},
        {**VALID_LEAD, "external_id": "NEW-2", "valid_until": "2020-01-01"},
        {**VALID_LEAD, "external_id": "NEW-3", "valid_until": "03/04/2027"},
    ]), actor_id=vetter.id)
    db.session.commit()
    assert report.imported == 1
    assert [(r.row, r.problems[0][0]) for r in report.rejected] == [(3, "valid_until"), (4, "valid_until")]
    assert "in the past" in report.rejected[0].reason and "can be read as" in report.rejected[1].reason
    assert db.session.execute(select(Lead.valid_until).where(Lead.external_id == "NEW-1")).scalar_one().isoformat() == later

    # An update row with the cell empty keeps the lead's date; with a date it sets it, even on an
    # approved lead (the quote's validity is not a vetted detail).
    approve(old)  # by another vetter: this one imported it
    kept = old.valid_until
    report = leads.import_leads(_csv([{**VALID_LEAD, "external_id": "OLD-1"}]), actor_id=vetter.id)
    db.session.commit()
    assert report.unchanged == 1 and db.session.get(Lead, old.id).valid_until == kept
    report = leads.import_leads(_csv([{**VALID_LEAD, "external_id": "OLD-1", "valid_until": later}]),
                                actor_id=vetter.id)
    db.session.commit()
    assert report.updated == 1 and not report.rejected
    assert db.session.get(Lead, old.id).valid_until.isoformat() == later


def test_the_export_writes_the_date_and_reads_back_unchanged(people):
    supplier, _, vetter = people
    make_lead(supplier)
    exported = leads.export_csv_text()
    assert "valid_until" in exported.splitlines()[0]
    report = leads.import_leads(io.StringIO(exported), actor_id=vetter.id)
    db.session.commit()
    assert (report.unchanged, report.updated, report.imported, report.rejected) == (1, 0, 0, [])


# --- Matching ------------------------------------------------------------------------------


def test_a_lapsed_offer_leaves_matching_and_accepted_matches_stay(people):
    supplier, buyer, vetter = people
    request = make_request(buyer, quantity="3000")
    lead = make_lead(supplier, quantity="5000")
    approve(lead, vetter)
    accepted = planning.propose(request, lead.id, 1000, vetter)
    db.session.commit()
    matches.act_on_match(accepted, buyer, "accept")
    db.session.commit()
    assert [o.id for o in supply.available_offers()] == [lead.id]

    _set(lead, valid_until=_today())  # the last day: still valid
    assert [o.id for o in supply.available_offers()] == [lead.id]
    _set(lead, valid_until=_today() - timedelta(days=1))
    assert supply.available_offers() == []
    plan = planning.run_matching(trigger_fact("command"))
    assert planning.plan_lines(plan) == []
    assert db.session.get(Match, accepted.id).status == "accepted"  # unaffected
    assert supply.available_units([lead.id]) == {lead.id: 4000}
    # By hand neither, saying why.
    with pytest.raises(planning.ProposalError, match="quote lapsed"):
        planning.propose(request, lead.id, 100, vetter)
    db.session.rollback()

    quotes.confirm_quote(lead, supplier)
    db.session.commit()
    assert [o.id for o in supply.available_offers()] == [lead.id]


def test_a_plan_released_after_the_quote_lapsed_does_not_propose_it(people):
    supplier, buyer, vetter = people
    make_request(buyer)
    lead = make_lead(supplier)
    approve(lead, vetter)
    plan = planning.run_matching(trigger_fact("command"))
    assert planning.plan_lines(plan)
    _set(lead, valid_until=_today() - timedelta(days=1))
    assert planning.release_plan(plan, vetter).total == 0


def test_requests_past_their_needed_by_date_leave_matching(people):
    supplier, buyer, vetter = people
    request = make_request(buyer)
    approve(make_lead(supplier), vetter)
    assert [n.id for n in supply.open_needs()] == [request.id]
    _set(request, needed_by=_today())
    assert [n.id for n in supply.open_needs()] == [request.id]  # due today still counts
    _set(request, needed_by=_today() - timedelta(days=1))
    assert supply.open_needs() == []
    assert planning.plan_lines(planning.run_matching(trigger_fact("command"))) == []


# --- Asking, once ----------------------------------------------------------------------------


def test_the_supplier_is_asked_once_per_validity_period(people):
    supplier, _, vetter = people
    lead = make_lead(supplier)
    not_yet = make_lead(supplier)
    pending_review = make_lead(supplier)  # not approved: not in matching, not asked
    ownerless = make_lead(None)           # imported by the city: nobody to ask (staff see "lapsed")
    for one in (lead, not_yet, ownerless):
        approve(one, vetter)
    _set(lead, valid_until=_today() + timedelta(days=3))
    _set(not_yet, valid_until=_today() + timedelta(days=4))
    _set(pending_review, valid_until=_today() + timedelta(days=1))
    _set(ownerless, valid_until=_today() - timedelta(days=1))

    assert quotes.ask_due().suppliers == 1
    db.session.commit()
    assert quotes.ask_due().suppliers == 0  # a second sweep, or a retried job: nothing twice
    db.session.commit()
    [note] = _notes("quote_confirm")
    assert note.user_id == supplier.id and note.link == f"/leads/{lead.id}/confirm"
    assert note.message["params"]["lapsed"] is False
    mail = db.session.execute(select(OutboxEmail).where(OutboxEmail.message["code"].as_string() == "quote_confirm")
                              ).scalar_one()
    assert mail.to_address == supplier.email

    # Confirmed: a new period, asked again 3 days before its end (and only then).
    quotes.confirm_quote(lead, supplier)
    db.session.commit()
    assert quotes.ask_due().suppliers == 0
    quotes.ask_due(lead.valid_until - timedelta(days=4))
    db.session.commit()
    assert [n.link for n in _notes("quote_confirm")] == [f"/leads/{lead.id}/confirm"] * 1 + [
        f"/leads/{not_yet.id}/confirm"]
    quotes.ask_due(lead.valid_until - timedelta(days=3))
    db.session.commit()
    assert [n.link for n in _notes("quote_confirm")].count(f"/leads/{lead.id}/confirm") == 2


def test_a_sweep_that_rolls_back_told_nobody_and_the_next_one_asks(people):
    supplier, _, vetter = people
    lead = make_lead(supplier)
    approve(lead, vetter)
    _set(lead, valid_until=_today() - timedelta(days=2))
    assert quotes.ask_due().suppliers == 1
    assert ("send_outbox",) in pending()
    db.session.rollback()  # the sweep failed after asking: nothing was saved nor sent
    assert _notes("quote_confirm") == [] and db.session.get(Lead, lead.id).validity_reminded_for is None
    assert quotes.ask_due().suppliers == 1
    db.session.commit()
    [note] = _notes("quote_confirm")
    assert note.message["params"]["lapsed"] is True


def test_a_second_sweeper_that_read_the_same_rows_does_not_ask_again(people):
    """Two sweepers read the due leads at once; the one that marks the row second (its UPDATE
    matches no row once the first committed) tells nobody."""
    supplier, _, vetter = people
    lead = make_lead(supplier)
    approve(lead, vetter)
    _set(lead, valid_until=_today() + timedelta(days=1))
    # The second sweeper's read happened before the first one's commit: mark it as the first did.
    _set(lead, validity_reminded_for=lead.valid_until)
    assert quotes._ask_suppliers(_today()) == 0
    assert _notes("quote_confirm") == []


def test_the_sweeper_asks_and_commits_and_flask_sweep_does_too(people, app_ctx):
    from marketplace.jobs.worker import sweep

    supplier, buyer, vetter = people
    lead = make_lead(supplier)
    approve(lead, vetter)
    request = make_request(buyer)
    _set(lead, valid_until=_today() + timedelta(days=2))
    _set(request, needed_by=_today() - timedelta(days=1))
    sweep(app_ctx, timedelta(days=1))
    db.session.remove()
    assert len(_notes("quote_confirm")) == 1 and len(_notes("request_overdue")) == 1
    result = app_ctx.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    assert len(_notes("quote_confirm")) == 1 and len(_notes("request_overdue")) == 1


def test_time_alone_asks_for_a_new_plan(people, app_ctx):
    supplier, buyer, vetter = people
    make_request(buyer)
    lead = make_lead(supplier)
    approve(lead, vetter)
    plan = planning.run_matching(trigger_fact("command"))
    assert not quotes.lapsed_since_last_plan()
    # The plan was made yesterday, and the quote held through yesterday: it lapsed since.
    _set(plan, created_at=plan.created_at - timedelta(days=1))
    _set(lead, valid_until=_today() - timedelta(days=1))
    assert quotes.lapsed_since_last_plan()
    _set(lead, valid_until=_today() - timedelta(days=3))  # lapsed before that plan: it knew
    assert not quotes.lapsed_since_last_plan()


# --- The supplier's answer -----------------------------------------------------------------


def test_confirming_with_new_figures_goes_through_the_form_validation(people):
    supplier, buyer, vetter = people
    lead = make_lead(supplier, quantity="5000", unit_price="0.79")
    approve(lead, vetter)
    request = make_request(buyer)
    planning.propose(request, lead.id, 2000, vetter)
    _set(lead, valid_until=_today() - timedelta(days=1))

    def figures(quantity: str, price: str):
        from marketplace.domain.leads import lead_to_row
        return parse_lead({**lead_to_row(leads.lead_values(lead)), "quantity": quantity, "unit_price": price,
                           "valid_until": ""}, _today())

    _, errors = figures("0", "0.79")
    assert "quantity" in errors
    facts, errors = figures("1,500", "0.85")
    assert errors == {}
    with pytest.raises(Conflict, match="2,000 units"):
        quotes.confirm_quote(lead, supplier, facts)  # below the units proposed to a buyer
    db.session.rollback()
    facts, _ = figures("4,000", "0.75")  # lower figures: confirmed, still approved
    until = quotes.confirm_quote(lead, supplier, facts).valid_until
    assert ("process_lead", lead.id) in pending() and any(e[0] == "run_matching" for e in pending())
    db.session.commit()
    lead = db.session.get(Lead, lead.id)
    assert until == lead.valid_until == _today() + timedelta(days=DEFAULT_VALIDITY_DAYS)
    assert (lead.quantity, lead.unit_price, lead.status) == (4000, Decimal("0.7500"), "approved")
    row = db.session.execute(select(AuditLog).where(AuditLog.action == "lead.confirm_quote")).scalar_one()
    assert row.after["unit_price"] == "0.7500" and row.after["valid_until"] == until.isoformat()
    from marketplace.domain.history import Entry, describe
    text = describe(Entry(action=row.action, before=row.before, after=row.after, actor_role="supplier"), "supplier")
    assert text.startswith("Price and stock confirmed by the supplier, valid until ")
    assert "unit price $0.79 → $0.75" in text and "quantity 5,000 → 4,000" in text


def test_a_higher_price_on_an_approved_offer_is_scored_and_vetted_again(people):
    """The material change (domain.quotes.material_change) in the service: back to review, scored
    again after the commit, matched again without it; proposals withdrawn, accepted matches kept."""
    supplier, buyer, vetter = people
    lead = make_lead(supplier, quantity="5000", unit_price="0.79")
    approve(lead, vetter)
    accepted = planning.propose(make_request(buyer), lead.id, 1000, vetter)
    db.session.commit()
    matches.act_on_match(accepted, buyer, "accept")
    proposed = planning.propose(make_request(buyer), lead.id, 2000, vetter)
    db.session.commit()
    from marketplace.domain.leads import lead_to_row
    facts, errors = parse_lead({**lead_to_row(leads.lead_values(lead)), "unit_price": "0.85", "valid_until": ""},
                               _today())
    assert not errors
    done = quotes.confirm_quote(lead, supplier, facts)
    assert (done.reviewed_again, done.withdrawn) == (True, 1)
    assert ("process_lead", lead.id) in pending() and any(e[0] == "run_matching" for e in pending())
    db.session.commit()
    assert db.session.get(Lead, lead.id).status == "under_review"
    assert (db.session.get(Match, proposed.id).status, db.session.get(Match, accepted.id).status) == (
        "closed", "accepted")
    assert db.session.get(Match, accepted.id).unit_price == Decimal("0.7900")


def test_a_vetters_decision_meanwhile_is_not_overwritten_by_a_higher_price(people):
    """A vetter rejected the offer while the supplier had the confirm page open: the confirmation
    that would send it back to review is refused, the rejection stands."""
    from sqlalchemy import update

    supplier, _, vetter = people
    lead = make_lead(supplier, quantity="5000", unit_price="0.79")
    approve(lead, vetter)
    from marketplace.domain.leads import lead_to_row
    facts, _ = parse_lead({**lead_to_row(leads.lead_values(lead)), "unit_price": "0.85", "valid_until": ""}, _today())
    db.session.execute(update(Lead).where(Lead.id == lead.id).values(status="rejected")
                       .execution_options(synchronize_session=False))  # as another transaction would
    with pytest.raises(Conflict, match="Someone else changed this offer"):
        quotes.confirm_quote(lead, supplier, facts)
    db.session.commit()


def test_a_lead_under_review_is_confirmed_as_it_is_and_a_rejected_one_not_at_all(people):
    supplier, _, vetter = people
    lead = make_lead(supplier)
    from marketplace.services import vetting
    vetting.decide(lead, vetter, "start_review")
    db.session.commit()
    facts, _ = parse_lead({**VALID_LEAD, "unit_price": "5.00"}, _today())
    with pytest.raises(Conflict, match="reviewing"):
        quotes.confirm_quote(lead, supplier, facts)
    db.session.rollback()
    same, _ = parse_lead(dict(VALID_LEAD), _today())
    quotes.confirm_quote(lead, supplier, same)  # the same figures: a confirmation
    db.session.commit()
    vetting.decide(lead, vetter, "reject", "No certificate")
    db.session.commit()
    with pytest.raises(Conflict):
        quotes.confirm_quote(lead, supplier)


def test_withdrawing_closes_proposals_and_keeps_accepted_matches(people):
    supplier, buyer, vetter = people
    lead = make_lead(supplier, quantity="5000")
    approve(lead, vetter)
    first, second = make_request(buyer), make_request(buyer)
    accepted = planning.propose(first, lead.id, 1000, vetter)
    proposed = planning.propose(second, lead.id, 1000, vetter)
    db.session.commit()
    matches.act_on_match(accepted, buyer, "accept")
    db.session.commit()
    assert quotes.withdraw_offer(lead, supplier) == 1
    db.session.commit()
    assert db.session.get(Lead, lead.id).status == "withdrawn"
    assert db.session.get(Match, proposed.id).status == "closed"
    assert db.session.get(Match, accepted.id).status == "accepted"
    assert supply.available_offers() == []
    with pytest.raises(Conflict):
        quotes.withdraw_offer(lead, supplier)
    # A withdrawn lead is decided: an import does not change it.
    assert leads.import_leads(_csv([{**VALID_LEAD, "marketplace_ref": lead.marketplace_ref, "quantity": "9"}],
                                   LEAD_COLUMNS + ("marketplace_ref",)), actor_id=vetter.id).rejected


def test_another_supplier_cannot_reach_the_confirmation(people):
    from marketplace.domain.errors import NotFound

    supplier, buyer, vetter = people
    other = make_user("supplier", "sales@other.example.com")
    lead, city = make_lead(supplier), make_lead(None)
    with pytest.raises(NotFound):
        quotes.lead_to_confirm(other, lead.id)
    with pytest.raises(NotFound):
        quotes.lead_to_confirm(buyer, lead.id)
    with pytest.raises(NotFound):
        quotes.lead_to_confirm(supplier, city.id)
    assert quotes.lead_to_confirm(vetter, city.id) is not None


# --- The buyer's answer --------------------------------------------------------------------


def test_overdue_requests_are_asked_once_and_extended_by_the_form_date_rule(people):
    supplier, buyer, vetter = people
    colleague = make_user("buyer", "colleague@stvincent.example.org", verified=True,
                          organisation=buyer.organisation.name, joins=True)
    from marketplace.services import organisations
    organisations.decide_join(organisations.pending_join(colleague), buyer, approve=True)
    db.session.commit()
    request, matched = make_request(buyer), make_request(buyer, quantity="1000")
    lead = make_lead(supplier)
    approve(lead, vetter)
    planning.propose(matched, lead.id, 1000, vetter)  # every unit matched: nothing to ask
    db.session.commit()
    for one in (request, matched):
        _set(one, needed_by=_today() - timedelta(days=2))

    assert quotes.ask_due().buyers == 1
    db.session.commit()
    assert quotes.ask_due().buyers == 0
    notes = _notes("request_overdue")
    assert {n.user_id for n in notes} == {buyer.id, colleague.id}
    assert {n.link for n in notes} == {f"/buyer/requests/{request.id}/extend"}

    with pytest.raises(FieldError, match="in the past"):
        quotes.extend_request(request, (_today() - timedelta(days=1)).isoformat(), actor=buyer)
    with pytest.raises(FieldError, match="can be read as"):
        quotes.extend_request(request, "05/06/2027", actor=buyer)
    with pytest.raises(Exception):  # noqa: B017 - another organisation's buyer: Forbidden
        quotes.extend_request(request, (_today() + timedelta(days=9)).isoformat(),
                              actor=make_user("buyer", "ops@mercy.example.org", verified=True))
    new = quotes.extend_request(request, (_today() + timedelta(days=9)).isoformat(), actor=buyer)
    assert any(e[0] == "run_matching" for e in pending())
    db.session.commit()
    assert db.session.get(DemandRequest, request.id).needed_by == new
    assert [n.id for n in supply.open_needs()] == [request.id]
    assert db.session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "demand.update", AuditLog.entity_id == request.id)).scalar_one() == 1
    # Past the new date too: asked again, once.
    _set(db.session.get(DemandRequest, request.id), needed_by=_today() - timedelta(days=1))
    assert quotes.ask_due().buyers == 1
