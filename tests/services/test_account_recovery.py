"""Accounts people can recover (issue 10, items 3 and 14), as use cases: password reset links
(single-use, time-limited, signed, invalidated by a password change, one answer for every
address), e-mail confirmation (held leads, organisations not verified before it), and
registration with an address that has an account. Links are read from the real outbox."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from argon2 import PasswordHasher

from marketplace.domain.account_tokens import DEACTIVATED, EXPIRED, INVALID, USED, TokenRefused
from marketplace.domain.errors import Conflict
from marketplace.domain.lead_status import HELD, SUBMITTED
from marketplace.extensions import db
from marketplace.models import AuditLog, Lead, OutboxEmail, User, UserSession
from marketplace.security import start_session
from marketplace.services import accounts, effects, vetting
from tests.conftest import DEFAULT_PASSWORD, make_lead, make_user, outbox_link

NEW_PASSWORD = "a brand new passphrase 2026"


def _token(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def _reset_token(email: str) -> str:
    accounts.request_password_reset(email)
    db.session.commit()
    return _token(outbox_link(email, "password_reset"))


def _actions(entity_id: int | None = None) -> list[str]:
    query = db.select(AuditLog.action).order_by(AuditLog.id)
    if entity_id is not None:
        query = query.where(AuditLog.entity_id == entity_id)
    return list(db.session.execute(query).scalars())


def _outbox(email: str) -> list[OutboxEmail]:
    return list(db.session.execute(db.select(OutboxEmail).where(OutboxEmail.to_address == email)).scalars())


# --- password reset ----------------------------------------------------------------------------

def test_a_reset_link_sets_the_password_once_and_ends_every_session(app_ctx):
    user = make_user("vetter", "v@example.org")
    db.session.add(UserSession(user_id=user.id, token_hash="a" * 64))
    db.session.commit()
    token = _reset_token("v@example.org")
    [email] = _outbox("v@example.org")
    assert email.message["code"] == "password_reset" and email.link.startswith("/password/reset?token=")
    assert accounts.reset_token_user(token).id == user.id
    accounts.reset_password(token, NEW_PASSWORD)
    db.session.commit()
    assert accounts.authenticate("v@example.org", NEW_PASSWORD) is not None
    assert accounts.authenticate("v@example.org", DEFAULT_PASSWORD) is None
    assert db.session.execute(db.select(UserSession.revoked_at)).scalar_one() is not None
    assert "user.password_reset" in _actions(user.id)
    with pytest.raises(TokenRefused) as used:  # single use
        accounts.reset_password(token, "yet another passphrase 2027")
    assert used.value.reason == USED


def test_a_password_change_invalidates_reset_links_sent_before(app_ctx):
    user = make_user("supplier", "s@example.org")
    token = _reset_token("s@example.org")
    accounts.change_password(user, DEFAULT_PASSWORD, NEW_PASSWORD)
    db.session.commit()
    with pytest.raises(TokenRefused) as exc:
        accounts.reset_token_user(token)
    assert exc.value.reason == USED


def test_a_second_link_replaces_nothing_but_the_first_use_ends_both(app_ctx):
    make_user("supplier", "s@example.org")
    first = _reset_token("s@example.org")
    second = _reset_token("s@example.org")
    accounts.reset_password(second, NEW_PASSWORD)
    db.session.commit()
    with pytest.raises(TokenRefused) as exc:
        accounts.reset_token_user(first)
    assert exc.value.reason == USED


def test_a_reset_link_expires(app_ctx, monkeypatch):
    make_user("supplier", "s@example.org")
    token = _reset_token("s@example.org")
    later = time.time() + app_ctx.config["PASSWORD_RESET_MAX_AGE"].total_seconds() + 5
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    with pytest.raises(TokenRefused) as exc:
        accounts.reset_password(token, NEW_PASSWORD)
    assert exc.value.reason == EXPIRED
    assert accounts.authenticate("s@example.org", DEFAULT_PASSWORD) is not None


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # the signature
    lambda t: "WzIsImFiYyJd" + t[t.index("."):],                  # another user id, same signature
    lambda t: t[: len(t) // 2],                                     # cut short by a mail client
    lambda t: "",
])
def test_a_tampered_reset_link_is_refused(app_ctx, tamper):
    make_user("supplier", "s@example.org")
    token = _reset_token("s@example.org")
    with pytest.raises(TokenRefused) as exc:
        accounts.reset_password(tamper(token), NEW_PASSWORD)
    assert exc.value.reason == INVALID


def test_a_confirmation_token_is_no_reset_token(app_ctx):
    user = make_user("supplier", "s@example.org", email_verified=False)
    accounts.send_confirmation(user)
    db.session.commit()
    confirm = _token(outbox_link("s@example.org", "email_confirm"))
    with pytest.raises(TokenRefused) as exc:
        accounts.reset_token_user(confirm)
    assert exc.value.reason == INVALID


def test_a_deactivated_account_gets_no_reset_and_its_links_stop(app_ctx):
    admin = make_user("admin")
    user = make_user("supplier", "s@example.org")
    token = _reset_token("s@example.org")
    accounts.set_active(user, False, actor_id=admin.id)
    db.session.commit()
    with pytest.raises(TokenRefused) as exc:
        accounts.reset_token_user(token)
    assert exc.value.reason == DEACTIVATED  # the holder of a working link learns why
    with pytest.raises(TokenRefused) as exc:
        accounts.reset_password(token, NEW_PASSWORD)
    assert exc.value.reason == DEACTIVATED
    count = len(_outbox("s@example.org"))
    accounts.request_password_reset("s@example.org")
    db.session.commit()
    assert len(_outbox("s@example.org")) == count


def test_a_broken_or_used_link_of_a_deactivated_account_says_nothing_of_it(app_ctx):
    """Second of the kind: only a signed, unexpired, unused link says "deactivated"; a cut link
    is INVALID and a used one USED, whatever the account's state."""
    admin = make_user("admin")
    user = make_user("buyer", "b@example.org")
    used = _reset_token("b@example.org")
    accounts.reset_password(used, NEW_PASSWORD)
    db.session.commit()
    fresh = _reset_token("b@example.org")
    accounts.set_active(user, False, actor_id=admin.id)
    db.session.commit()
    for token, reason in ((fresh[: len(fresh) // 2], INVALID), (used, USED), (fresh, DEACTIVATED)):
        with pytest.raises(TokenRefused) as exc:
            accounts.reset_token_user(token)
        assert exc.value.reason == reason


def test_an_unknown_address_gets_the_same_answer_and_the_same_work(app_ctx, monkeypatch):
    """Issue 10, item 3, the same kind for "Forgot your password?": nothing tells the two apart but
    the e-mail the owner receives. Both make and sign a token and declare the same effect."""
    from marketplace.services import accounts as service

    make_user("supplier", "known@example.org")
    made = []
    original = service.make_token
    monkeypatch.setattr(service, "make_token", lambda *a: made.append(a[1]) or original(*a))
    answers, pending = [], []
    for address in ("known@example.org", "nobody@example.org"):
        answers.append(accounts.request_password_reset(address))
        pending.append(effects.pending())
        db.session.commit()
    assert answers == [None, None] and made == ["password-reset", "password-reset"]
    assert pending == [[("send_outbox",)], [("send_outbox",)]]
    assert len(_outbox("known@example.org")) == 1 and _outbox("nobody@example.org") == []
    assert _actions() == ["user.create", "user.password_reset_request", "user.password_reset_request"]


# --- e-mail confirmation -----------------------------------------------------------------------

def _register(email: str, role: str = "supplier", **extra) -> User | None:
    user = accounts.register(accounts.NewAccount(email=email, password=DEFAULT_PASSWORD, role=role, name="Maria Garcia",
                                                 organisation_name=extra.pop("organisation", "Harbor Industrial"),
                                                 **extra))
    db.session.commit()
    return user


def _queue_ids() -> list[int]:
    leads, _, _ = vetting.queue_page(vetting.QueueFilter(), after=None, per_page=100)
    return [lead.id for lead in leads]


def test_an_unconfirmed_suppliers_lead_waits_outside_the_queue_until_confirmation(app_ctx):
    supplier = _register("maria@harbor.example")
    assert supplier is not None and not supplier.email_verified
    lead = make_lead(supplier)
    assert lead.status == HELD and lead.id not in _queue_ids()
    confirmed_lead = make_lead(make_user("supplier", "other@supplier.example"), company_name="Other Medical",
                               email="sales@other-medical.com", phone="(213) 555-0111")
    assert confirmed_lead.status == SUBMITTED and confirmed_lead.id in _queue_ids()
    link = outbox_link("maria@harbor.example", "email_confirm")
    assert link.startswith("/account/confirm?token=")
    user, newly = accounts.confirm_email(_token(link))
    db.session.commit()
    assert newly and user.email_verified
    assert db.session.get(Lead, lead.id).status == SUBMITTED and lead.id in _queue_ids()
    assert _actions(lead.id)[-1] == "lead.release"
    # A second click is harmless.
    assert accounts.confirm_email(_token(link)) == (user, False)


def test_a_reset_link_confirms_the_address_too(app_ctx):
    """The second way an address is proven: the reset link came to it. Held leads are released."""
    supplier = _register("maria@harbor.example")
    lead = make_lead(supplier)
    accounts.reset_password(_reset_token("maria@harbor.example"), NEW_PASSWORD)
    db.session.commit()
    assert db.session.get(User, supplier.id).email_verified
    assert db.session.get(Lead, lead.id).status == SUBMITTED


def test_a_confirmation_link_for_another_address_confirms_nothing(app_ctx):
    user = make_user("supplier", "old@example.org", email_verified=False)
    accounts.send_confirmation(user)
    db.session.commit()
    token = _token(outbox_link("old@example.org", "email_confirm"))
    user.email = "new@example.org"  # an address changed by staff after the link was sent
    db.session.commit()
    with pytest.raises(TokenRefused) as exc:
        accounts.confirm_email(token)
    assert exc.value.reason == INVALID
    assert not db.session.get(User, user.id).email_verified


def test_an_organisation_without_a_confirmed_member_cannot_be_verified(app_ctx):
    admin = make_user("admin")
    buyer = _register("chen@hospital.example", "buyer", organisation="St. Vincent Hospital",
                      organisation_kind="hospital")
    blocker = accounts.verification_blocker(buyer.organisation)
    assert blocker and "confirmed their e-mail" in blocker
    with pytest.raises(Conflict):
        accounts.verify_organisation(buyer.organisation, actor_id=admin.id)
    db.session.rollback()
    assert not buyer.organisation.verified
    accounts.confirm_email(_token(outbox_link("chen@hospital.example", "email_confirm")))
    db.session.commit()
    assert accounts.verification_blocker(buyer.organisation) is None
    accounts.verify_organisation(buyer.organisation, actor_id=admin.id)
    db.session.commit()
    assert buyer.organisation.verified


def test_accounts_made_by_staff_and_the_cli_count_as_confirmed(app_ctx):
    vetter = accounts.create_account(accounts.NewAccount(email="v@city.example", password=DEFAULT_PASSWORD,
                                                         role="vetter", name="V"))
    assert vetter.email_verified
    assert make_user("supplier").email_verified  # the tests' default
    assert not make_user("supplier", email_verified=False).email_verified


# --- registration with an address that has an account (issue 10, item 3) ----------------------

def test_registering_a_known_address_makes_no_twin_and_tells_the_owner(app_ctx, monkeypatch):
    hashes = []
    original = PasswordHasher.hash
    monkeypatch.setattr(PasswordHasher, "hash", lambda self, p, **kw: hashes.append(1) or original(self, p, **kw))
    first = _register("maria@harbor.example")
    assert first is not None and len(hashes) == 1
    second = _register("Maria@Harbor.example", organisation="Another Org")
    assert second is None and len(hashes) == 2  # the same argon2 work as a new account
    assert db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one() == 1
    codes = [e.message["code"] for e in _outbox("maria@harbor.example")]
    assert codes == ["email_confirm", "registration_attempt"]
    assert outbox_link("maria@harbor.example", "registration_attempt") == "/login"
    assert "user.register_existing" in _actions(first.id)


def test_registration_refuses_a_weak_password_the_same_way_for_both(app_ctx):
    make_user("supplier", "known@example.org")
    for address in ("known@example.org", "fresh@example.org"):
        with pytest.raises(accounts.AccountError) as exc:
            accounts.register(accounts.NewAccount(email=address, password="passwordpassword", role="supplier"))
        assert exc.value.field == "password" and "Repeats" in str(exc.value)


def test_the_reset_signs_in_through_the_session_store(app_ctx):
    """A reset user can be given a session at once (the web layer does, for item 4's owner)."""
    make_user("supplier", "s@example.org")
    user = accounts.reset_password(_reset_token("s@example.org"), NEW_PASSWORD)
    db.session.commit()
    with app_ctx.test_request_context():
        start_session(user)
    assert db.session.execute(db.select(db.func.count()).select_from(UserSession)
                              .where(UserSession.revoked_at.is_(None))).scalar_one() == 1
