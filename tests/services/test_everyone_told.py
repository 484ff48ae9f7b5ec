"""Everyone told (issue 11, item 1): this test reads the table in docs/notifications.md and drives
each event through the services, asserting for each listed party a notification in the app and an
e-mail in the outbox (with the code and link the table names), and nothing for anybody else.
Also: the staff's daily digest, the queue's "supplier answered", and the second way an
organisation comes to wait (a registered member confirms their address)."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from marketplace.domain.messages import trigger_fact
from marketplace.extensions import db
from marketplace.models import Match, Notification, OutboxEmail
from marketplace.services import (
    accounts,
    demand,
    matches,
    notifications,
    organisations,
    planning,
    quotes,
    vetting,
)
from tests.conftest import DEFAULT_PASSWORD, approve, make_lead, make_request, make_user

TABLE = Path(__file__).resolve().parents[2] / "docs" / "notifications.md"
ROW = re.compile(r"^\| `(?P<event>[a-z_]+)` \| `(?P<code>[a-z_]+)` \| (?P<cause>[^|]+) \| (?P<told>[^|]+) \| "
                 r"(?P<link>[^|]+) \| (?P<how>[^|]+) \|$")


def table_rows() -> list[dict]:
    rows = [m.groupdict() for line in TABLE.read_text().splitlines() if (m := ROW.match(line.strip()))]
    assert len(rows) >= 20, "docs/notifications.md: the table was not found"
    return rows


ROWS = {row["event"]: row for row in table_rows()}


@pytest.fixture
def world(app_ctx):
    w = SimpleNamespace()
    w.A = make_user("admin", "admin@city.example.gov")
    w.V = make_user("vetter", "vera@city.example.gov")
    w.V2 = make_user("vetter", "victor@city.example.gov")
    w.S = make_user("supplier", "sales@harbor.example.com")
    w.S2 = make_user("supplier", "sales@other-supplier.example.com")
    w.B = make_user("buyer", "nurse@stvincent.example.org", verified=True)
    w.B2 = make_user("buyer", "buyer2@stvincent.example.org", organisation=w.B.organisation.name, joins=True)
    organisations.decide_join(organisations.pending_join(w.B2), w.A, approve=True)
    w.C = make_user("buyer", "ops@mercy.example.org", verified=True)
    db.session.commit()
    w.N = None
    w.ids = {}
    return w


def _new_buyer(w, organisation: str, email: str = "newbuyer@clinic.example.org", *, register: bool = False):
    account = accounts.NewAccount(email=email, password=DEFAULT_PASSWORD, role="buyer", name="New Buyer",
                                  organisation_name=organisation, organisation_kind="hospital")
    w.N = accounts.register(account) if register else accounts.create_account(account)
    return w.N


def _lead(w):
    lead = make_lead(w.S)
    w.ids["lead"] = lead.id
    return lead


def _asked(w):
    lead = _lead(w)
    vetting.decide(lead, w.V, "request_info", "Who made them?")
    db.session.commit()
    return lead


def _approved(w):
    lead = _lead(w)
    approve(lead, w.V)
    return lead


def _raised(lead):
    """The lead's facts with a higher unit price, as the confirmation form gives them."""
    from marketplace.domain.leads import lead_to_row, parse_lead
    from marketplace.services import leads

    facts, errors = parse_lead({**lead_to_row(leads.lead_values(lead)), "unit_price": "0.85", "valid_until": ""},
                               demand.today())
    assert not errors, errors
    return facts


def _released(w, buyer=None) -> Match:
    w.request = make_request(buyer or w.B)
    approve(make_lead(w.S, quantity="5000"), w.V)
    planning.release_plan(planning.run_matching(trigger_fact("command")), w.V)
    db.session.commit()
    match = db.session.execute(select(Match)).scalar_one()
    w.ids["match"] = match.id
    return match


def _released_without_account(w) -> Match:
    """A proposal whose organisation then has no active buyer (as one imported by staff)."""
    match = _released(w)
    w.B.active = w.B2.active = False
    db.session.commit()
    return match


def _accepted(w) -> Match:
    match = _released(w)
    matches.act_on_match(match, w.B, "accept")
    db.session.commit()
    return match


def _ordered(w) -> Match:
    match = _accepted(w)
    matches.act_on_match(match, w.B, "mark_ordered")
    db.session.commit()
    return match


def _in_days(days: int):
    return demand.today() + timedelta(days=days)


def _joining(w):
    _new_buyer(w, w.B.organisation.name)
    db.session.commit()
    return organisations.pending_join(w.N)


# event -> setup(world) -> act(): the setup's notifications are not counted, the act's are.
DRIVERS = {
    "lead_question": lambda w: (lambda lead: lambda: vetting.decide(lead, w.V, "request_info", "Who made them?"))(
        _lead(w)),
    "lead_answered": lambda w: (lambda lead: lambda: vetting.decide(lead, w.S, "answer", "3M, model 1860"))(_asked(w)),
    "lead_escalated": lambda w: (lambda lead: lambda: vetting.decide(lead, w.V, "escalate", "Needs an admin"))(
        _lead(w)),
    "lead_approved": lambda w: (lambda lead: lambda: vetting.decide(lead, w.V, "approve"))(_lead(w)),
    "lead_rejected": lambda w: (lambda lead: lambda: vetting.decide(lead, w.V, "reject", "No certificate"))(_lead(w)),
    "organisation_waiting": lambda w: lambda: _new_buyer(w, "Quillfeather Birthing Center"),
    "organisation_verified": lambda w: (lambda n: lambda: accounts.verify_organisation(n.organisation,
                                                                                      actor_id=w.A.id))(
        _new_buyer(w, "Quillfeather Birthing Center")),
    "organisation_unverified": lambda w: lambda: accounts.revoke_organisation(w.B.organisation, actor_id=w.A.id),
    "join_requested": lambda w: lambda: _new_buyer(w, w.B.organisation.name),
    "join_approved": lambda w: (lambda join: lambda: organisations.decide_join(join, w.B, approve=True))(_joining(w)),
    "join_refused": lambda w: (lambda join: lambda: organisations.decide_join(join, w.B, approve=False))(_joining(w)),
    "proposal_released": lambda w: _release_later(w),
    "proposal_accepted": lambda w: (lambda m: lambda: matches.act_on_match(m, w.B, "accept"))(_released(w)),
    "proposal_declined": lambda w: (lambda m: lambda: matches.act_on_match(m, w.B, "decline", reason="Found nearer"))(
        _released(w)),
    "proposal_accepted_by_phone": lambda w: (lambda m: lambda: matches.act_on_match(
        m, w.V, "accept_by_phone", reason="Chief Ortega, by phone"))(_released_without_account(w)),
    "proposal_declined_by_phone": lambda w: (lambda m: lambda: matches.act_on_match(
        m, w.V, "decline_by_phone", reason="Chief Ortega: bought locally"))(_released_without_account(w)),
    "match_ordered": lambda w: (lambda m: lambda: matches.act_on_match(m, w.B, "mark_ordered",
                                                                       delivery_on=_in_days(9)))(_accepted(w)),
    "delivery_date_confirmed": lambda w: (lambda m: lambda: matches.act_on_match(
        m, w.S, "confirm_availability", delivery_on=_in_days(5)))(_released(w)),
    "delivery_date_changed": lambda w: (lambda m: lambda: matches.act_on_match(
        m, w.S, "set_delivery_date", delivery_on=_in_days(6)))(_ordered(w)),
    "delivery_confirmed": lambda w: (lambda m: lambda: matches.act_on_match(m, w.B, "mark_delivered"))(_ordered(w)),
    "match_closed": lambda w: (lambda m: lambda: matches.act_on_match(m, w.S, "cannot_supply"))(
        _released(w)),
    "request_withdrawn": lambda w: (lambda m: lambda: demand.withdraw_request(w.request, actor=w.B))(_released(w)),
    "request_closed": lambda w: (lambda m: lambda: demand.withdraw_request(w.request, actor=w.B, rest_only=True))(
        _released(w)),
    "quote_confirm": lambda w: (lambda lead: lambda: quotes.ask_due())(_quote_lapsing(w)),
    "offer_withdrawn": lambda w: (lambda m: lambda: quotes.withdraw_offer(m.lead, w.S))(_released(w)),
    "offer_changed": lambda w: (lambda m: lambda: quotes.confirm_quote(m.lead, w.S, _raised(m.lead)))(_released(w)),
    "lead_changed_on_confirm": lambda w: (lambda lead: lambda: quotes.confirm_quote(lead, w.S, _raised(lead)))(
        _approved(w)),
    "request_overdue": lambda w: (lambda r: lambda: quotes.ask_due())(_overdue(w)),
    "supplier_deactivated": lambda w: (lambda m: lambda: accounts.set_active(w.S, False, actor_id=w.A.id))(
        _released(w)),
    "buyer_deactivated": lambda w: (lambda m: lambda: accounts.set_active(w.C, False, actor_id=w.A.id))(
        _released(w, w.C)),
    "account_deactivated": lambda w: (lambda m: lambda: accounts.set_active(w.S, False, actor_id=w.A.id))(
        _ordered(w)),
    "buyer_unverified_in_progress": lambda w: (lambda m: lambda: accounts.revoke_organisation(
        w.B.organisation, actor_id=w.A.id))(_accepted(w)),
    "email_confirm": lambda w: lambda: _new_buyer(w, "Quillfeather Birthing Center", register=True),
    "password_reset": lambda w: (lambda n: lambda: accounts.request_password_reset(n.email))(_set_n(w)),
    "registration_attempt": lambda w: (lambda n: lambda: accounts.register(accounts.NewAccount(
        email=n.email, password=DEFAULT_PASSWORD, role="supplier")))(_set_n(w)),
}


def _quote_lapsing(w):
    """An approved offer of S whose quote lapses in two days (the sweeper asks 3 days before)."""
    from datetime import timedelta

    lead = _lead(w)
    approve(lead, w.V)
    lead.valid_until = demand.today() + timedelta(days=2)
    db.session.commit()
    return lead


def _overdue(w):
    """An open request of B's organisation whose needed-by date was yesterday."""
    from datetime import timedelta

    request = make_request(w.B)
    request.needed_by = demand.today() - timedelta(days=1)
    db.session.commit()
    w.ids["request"] = request.id
    return request


def _set_n(w):
    w.N = make_user("supplier", "someone@harbor.example.com")
    return w.N


def _release_later(w):
    w.request = make_request(w.B)
    approve(make_lead(w.S, quantity="5000"), w.V)
    plan = planning.run_matching(trigger_fact("command"))
    db.session.commit()

    def act():
        planning.release_plan(plan, w.V)
        db.session.flush()
        w.ids["match"] = db.session.execute(select(Match)).scalar_one().id
    return act


def _last_id(model) -> int:
    return db.session.execute(select(func.coalesce(func.max(model.id), 0))).scalar_one()


# Events that tell, in the same act, the parties of another row too (its code, its parties):
# confirming an approved offer with a higher price withdraws its proposals (the buyers are told)
# and tells the vetter who approved it (its own row, driven alone there).
# Deactivating an account withdraws its proposals (their parties are told) and tells staff
# (account_deactivated); withdrawing a verification tells the organisation's buyers and the
# suppliers of its matches in progress.
TOGETHER = {"offer_changed": ("lead_changed_on_confirm",),
            "supplier_deactivated": ("account_deactivated",), "buyer_deactivated": ("account_deactivated",),
            "buyer_unverified_in_progress": ("organisation_unverified",)}


def test_the_table_and_the_drivers_name_the_same_events():
    assert set(ROWS) == set(DRIVERS)


@pytest.mark.parametrize("event", sorted(ROWS))
def test_each_event_tells_exactly_the_parties_in_the_table(world, event):
    row = ROWS[event]
    act = DRIVERS[event](world)
    db.session.commit()
    notes_before, mail_before = _last_id(Notification), _last_id(OutboxEmail)
    act()
    db.session.commit()

    told = {key.strip() for key in row["told"].split(",")}
    people = {key: getattr(world, key) for key in told}
    assert all(people.values()), f"{event}: a party of the table was not made by the driver"
    new_notes = list(db.session.execute(select(Notification).where(Notification.id > notes_before)).scalars())
    new_mail = list(db.session.execute(select(OutboxEmail).where(OutboxEmail.id > mail_before)).scalars())
    for code in TOGETHER.get(event, ()):  # told as that code's own row says
        other = {getattr(world, key.strip()).id for key in ROWS[code]["told"].split(",")}
        assert {n.user_id for n in new_notes if n.message["code"] == code} == other, (event, code)
        new_notes = [n for n in new_notes if n.message["code"] != code]
        new_mail = [m for m in new_mail if m.message["code"] != code]
    in_app = "app" in row["how"]
    expected_ids = {p.id for p in people.values()} if in_app else set()
    assert {n.user_id for n in new_notes} == expected_ids, f"{event}: told in the app"
    assert len(new_notes) == len(expected_ids)
    assert all(n.message["code"] == row["code"] for n in new_notes), event
    assert {m.to_address for m in new_mail} == {p.email for p in people.values()}, f"{event}: e-mailed"
    assert len(new_mail) == len(people) and all(m.message["code"] == row["code"] for m in new_mail), event
    links = [link.replace("<lead>", str(world.ids.get("lead"))).replace("<match>", str(world.ids.get("match")))
             .replace("<request>", str(world.ids.get("request")))
             for link in re.findall(r"`([^`]+)`", row["link"])]
    for item in [*new_notes, *new_mail]:
        assert any(item.link == link or ("<token>" in link and item.link.startswith(link.split("<token>")[0]))
                   for link in links), (event, item.link, links)
    # Each notification reads as words for its reader (never raw code).
    for note in new_notes:
        reader = db.session.get(type(world.A), note.user_id)
        text = notifications.messages.render_notification(note.message, reader.role)
        assert text and row["code"] not in text


def test_an_organisation_waits_once_its_first_member_confirms_the_address(world):
    """Second way: a buyer who registered (unconfirmed) makes no waiting organisation until they
    confirm; then the admins are told, once."""
    from marketplace.domain.account_tokens import EMAIL_CONFIRM, make_token
    from marketplace.services import settings

    before = _last_id(Notification)
    _new_buyer(world, "Quillfeather Birthing Center", register=True)
    db.session.commit()
    waiting = select(func.count()).select_from(Notification).where(
        Notification.id > before, Notification.user_id == world.A.id)
    assert db.session.execute(waiting).scalar_one() == 0
    token = make_token(settings.current().secret_key, EMAIL_CONFIRM, world.N.id, world.N.email)
    accounts.confirm_email(token)
    db.session.commit()
    accounts.confirm_email(token)  # a second click
    db.session.commit()
    assert db.session.execute(waiting).scalar_one() == 1
    note = db.session.execute(select(Notification).where(Notification.id > before)).scalar_one()
    assert note.message["code"] == "organisation_waiting" and note.link == "/admin/organisations"


def test_the_queue_shows_supplier_answered(world):
    lead = _asked(world)
    assert vetting.answered_ids([lead.id]) == set()
    vetting.decide(lead, world.S, "answer", "3M, model 1860")
    db.session.commit()
    assert vetting.answered_ids([lead.id]) == {lead.id}
    vetting.decide(lead, world.V, "request_info", "And the lot number?")
    db.session.commit()
    assert vetting.answered_ids([lead.id]) == set()


def test_staff_digest_sends_one_email_a_day_instead_of_one_each(world, app_ctx):
    from marketplace.domain.errors import Forbidden

    notifications.set_digest(world.V, True)
    db.session.commit()
    first, second = _asked(world), _lead(world)
    vetting.decide(second, world.V, "request_info", "Which factory?")
    db.session.commit()
    mail_before = _last_id(OutboxEmail)
    vetting.decide(first, world.S, "answer", "3M, model 1860")
    vetting.decide(second, world.S, "answer", "Shenzhen plant 2")
    db.session.commit()
    # In the app at once; no e-mail each.
    assert db.session.execute(select(func.count()).select_from(Notification).where(
        Notification.user_id == world.V.id)).scalar_one() == 2
    assert db.session.execute(select(OutboxEmail).where(OutboxEmail.id > mail_before)).first() is None

    result = app_ctx.test_cli_runner().invoke(args=["notify", "digest"])
    assert result.exit_code == 0 and "1 digest" in result.output
    digest = db.session.execute(select(OutboxEmail).where(OutboxEmail.id > mail_before)).scalar_one()
    assert digest.to_address == world.V.email
    notifications.send_pending()
    db.session.refresh(digest)
    assert digest.status == "sent" and "2 notifications" in digest.subject
    assert f"/staff/leads/{first.id}" in digest.body and f"/staff/leads/{second.id}" in digest.body
    assert "answered your question" in digest.body
    # Nothing twice; a supplier cannot choose it.
    assert app_ctx.test_cli_runner().invoke(args=["notify", "digest"]).output.startswith("0 digest")
    with pytest.raises(Forbidden):
        notifications.set_digest(world.S, True)
