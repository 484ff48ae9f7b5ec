"""Accounts people can recover, through the pages (issue 10, items 3, 4 and 14): "Forgot your
password?", the reset link, the confirmation link, the registration answer, the admin's
organisation page and the per-account limit's way out. Links come from the real outbox."""
from __future__ import annotations

import re

from marketplace.extensions import db
from marketplace.models import Lead, Organisation, OutboxEmail, User
from marketplace.services import notifications
from tests.conftest import DEFAULT_PASSWORD, FACILITY_FORM, fetch_token, login, make_user, outbox_link, post_form

NEW_PASSWORD = "a brand new passphrase 2026"
_CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+(")')


def _without_csrf(response) -> str:
    return _CSRF.sub(r"\1CSRF\2", response.get_data(as_text=True))


def _link(app, email: str, code: str) -> str:
    with app.app_context():
        return outbox_link(email, code)


def test_the_login_page_offers_a_reset(client, clean_app):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page and "Forgot your password?" in page


def test_forgot_password_answers_the_same_for_every_address(client, clean_app):
    with clean_app.app_context():
        make_user("supplier", "known@example.org")
    known = post_form(client, "/password/forgot", {"email": "known@example.org"})
    unknown = post_form(clean_app.test_client(), "/password/forgot", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert _without_csrf(known).replace("known@", "X@") == _without_csrf(unknown).replace("nobody@", "X@")
    with clean_app.app_context():
        addresses = db.session.execute(db.select(OutboxEmail.to_address)).scalars().all()
    assert addresses == ["known@example.org"]


def test_the_reset_link_sets_a_password_signs_in_and_dies(client, clean_app):
    with clean_app.app_context():
        make_user("supplier", "s@example.org")
    other = clean_app.test_client()
    login(other, "s@example.org")
    post_form(client, "/password/forgot", {"email": "s@example.org"})
    link = _link(clean_app, "s@example.org", "password_reset")
    assert "Set a new password" in client.get(link).get_data(as_text=True)
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/leads")
    assert client.get("/leads").status_code == 200        # signed in here
    assert other.get("/leads").status_code == 302         # and out everywhere else
    assert client.get_cookie("known_browser") is not None  # this browser is known now (item 4)
    again = clean_app.test_client().get(link)
    assert again.status_code == 410 and "This link has been used" in again.get_data(as_text=True)
    assert "/password/forgot" in again.get_data(as_text=True)
    fresh = clean_app.test_client()
    assert post_form(fresh, "/login", {"email": "s@example.org", "password": DEFAULT_PASSWORD}).status_code == 200
    login(fresh, "s@example.org", NEW_PASSWORD)


def test_a_weak_password_on_the_reset_page_gets_the_estimators_words(client, clean_app):
    with clean_app.app_context():
        make_user("supplier", "s@example.org")
    post_form(client, "/password/forgot", {"email": "s@example.org"})
    link = _link(clean_app, "s@example.org", "password_reset")
    response = post_form(client, link, {"password": "passwordpassword", "confirm": "passwordpassword"})
    assert response.status_code == 200
    assert "Repeats like" in response.get_data(as_text=True)
    assert client.get(link).status_code == 200  # the link still works: nothing was changed


def test_broken_and_expired_links_get_a_clear_page(client, clean_app, monkeypatch):
    import time

    with clean_app.app_context():
        make_user("supplier", "s@example.org")
    post_form(client, "/password/forgot", {"email": "s@example.org"})
    link = _link(clean_app, "s@example.org", "password_reset")
    cut = client.get(link[: len(link) - 10])
    assert cut.status_code == 400 and "This link does not work" in cut.get_data(as_text=True)
    assert client.get("/password/reset").status_code == 302  # no token: to "Forgot your password?"
    assert client.get("/password/reset?token=%00%ff" + "x" * 2000).status_code == 400
    later = time.time() + 3 * 3600
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    expired = client.get(link)
    assert expired.status_code == 410 and "This link has expired" in expired.get_data(as_text=True)
    posted = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, form_page="/login")
    assert posted.status_code == 410


def _registration(email: str, organisation: str = "Harbor Industrial") -> dict:
    return {"name": "Maria Garcia", "email": email, "organisation_name": organisation,
            "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD}


def test_registering_a_known_address_answers_byte_for_byte_like_a_new_one(client, clean_app):
    """Issue 10, item 3: 'An account with this e-mail address already exists' told who has an account."""
    fresh = post_form(client, "/register/supplier", _registration("maria@harbor.example"))
    twin = post_form(clean_app.test_client(), "/register/supplier", _registration("maria@harbor.example", "Other Co"))
    assert fresh.status_code == twin.status_code == 200
    assert _without_csrf(fresh) == _without_csrf(twin)
    assert "Check your e-mail" in fresh.get_data(as_text=True)
    assert fresh.headers.get("Location") is None and twin.headers.get("Location") is None
    # The second kind of the same fault: a buyer registering with a supplier's address.
    buyer_twin = post_form(clean_app.test_client(), "/register/buyer", {
        **_registration("maria@harbor.example", "St. Vincent"), "organisation_kind": "hospital", **FACILITY_FORM})
    buyer_fresh = post_form(clean_app.test_client(), "/register/buyer", {
        **_registration("chen@hospital.example", "St. Vincent"), "organisation_kind": "hospital", **FACILITY_FORM})
    assert _without_csrf(buyer_twin).replace("maria@harbor", "X") == _without_csrf(buyer_fresh).replace("chen@hospital", "X")
    with clean_app.app_context():
        assert db.session.execute(db.select(User.email).order_by(User.id)).scalars().all() == [
            "maria@harbor.example", "chen@hospital.example"]
        codes = [e.message["code"] for e in db.session.execute(
            db.select(OutboxEmail).where(OutboxEmail.to_address == "maria@harbor.example")
            .order_by(OutboxEmail.id)).scalars()]
    assert codes == ["email_confirm", "registration_attempt", "registration_attempt"]


def test_an_unconfirmed_supplier_drafts_and_the_lead_enters_the_queue_on_confirmation(client, clean_app):
    from tests.conftest import VALID_LEAD

    post_form(client, "/register/supplier", _registration("mgarcia@harborindustrial.com"))
    login(client, "mgarcia@harborindustrial.com")
    response = post_form(client, "/leads/new", dict(VALID_LEAD), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Confirm your e-mail address to send it for review" in page
    assert "Waiting for e-mail confirmation" in page
    vetter = clean_app.test_client()
    with clean_app.app_context():
        make_user("vetter", "v@city.example")
        lead_id = db.session.execute(db.select(Lead.id)).scalar_one()
    login(vetter, "v@city.example")
    assert f"/staff/leads/{lead_id}" not in vetter.get("/staff/leads").get_data(as_text=True)
    link = _link(clean_app, "mgarcia@harborindustrial.com", "email_confirm")
    page = clean_app.test_client().get(link)  # a mail scanner fetching the link changes nothing
    assert page.status_code == 200 and "Confirm my address" in page.get_data(as_text=True)
    with clean_app.app_context():
        assert db.session.get(Lead, lead_id).status == "held"
    confirmed = post_form(client, link, {}, form_page=link)
    assert confirmed.status_code == 200 and "Your e-mail address is confirmed" in confirmed.get_data(as_text=True)
    assert f"/staff/leads/{lead_id}" in vetter.get("/staff/leads").get_data(as_text=True)
    assert "Please confirm your e-mail address" not in client.get("/leads").get_data(as_text=True)


def test_resending_the_confirmation_is_limited(client, clean_app, monkeypatch):
    monkeypatch.setitem(clean_app.config, "ACCOUNT_MAIL_LIMIT", "2 per hour")
    with clean_app.app_context():
        make_user("supplier", "u@example.org", email_verified=False)
    login(client, "u@example.org")
    token = fetch_token(client, "/leads")
    statuses = [client.post("/account/confirm/resend", data={"csrf_token": token}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    with clean_app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(OutboxEmail)).scalar_one() == 2


def test_the_admin_page_says_why_an_organisation_cannot_be_verified(client, clean_app):
    post_form(clean_app.test_client(), "/register/buyer", {
        **_registration("chen@hospital.example", "St. Vincent Hospital"), "organisation_kind": "hospital", **FACILITY_FORM})
    with clean_app.app_context():
        make_user("admin", "a@city.example")
        organisation_id = db.session.execute(db.select(Organisation.id)).scalar_one()
    login(client, "a@city.example")
    page = client.get("/admin/organisations").get_data(as_text=True)
    assert "No member of this organisation has confirmed their e-mail address" in page
    assert "e-mail not confirmed" in page
    response = post_form(client, f"/admin/organisations/{organisation_id}/verification", {"verified": "1"},
                         form_page="/admin/organisations", follow_redirects=True)
    assert response.status_code == 200 and "is not verified" in response.get_data(as_text=True)
    with clean_app.app_context():
        assert db.session.get(Organisation, organisation_id).verified_at is None


def test_the_account_limit_page_offers_the_emailed_link_and_the_link_lets_the_owner_in(app, clean_app, monkeypatch):
    """Issue 10, item 4's last clause: a botnet reaching the per-account limit does not keep the
    owner out of a new browser: the page offers an e-mailed link, which signs them in there and
    makes that browser a known one."""
    monkeypatch.setitem(clean_app.config, "LOGIN_ACCOUNT_LIMIT", "5 per hour")
    with clean_app.app_context():
        make_user("vetter", "v@example.org")
    botnet, owner = app.test_client(), app.test_client()
    token = fetch_token(botnet)
    for attempt in range(5):
        botnet.post("/login", data={"csrf_token": token, "email": "v@example.org", "password": "wrong password"},
                    environ_base={"REMOTE_ADDR": f"10.9.0.{attempt + 1}"})
    owner_token = fetch_token(owner)
    refused = owner.post("/login", data={"csrf_token": owner_token, "email": "v@example.org",
                                         "password": DEFAULT_PASSWORD}, environ_base={"REMOTE_ADDR": "10.8.0.1"})
    assert refused.status_code == 429
    assert 'href="/password/forgot"' in refused.get_data(as_text=True)
    post_form(owner, "/password/forgot", {"email": "v@example.org"})
    link = _link(clean_app, "v@example.org", "password_reset")
    response = post_form(owner, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and owner.get("/staff/leads").status_code == 200
    post_form(owner, "/logout", form_page="/staff/leads")
    again = owner.post("/login", data={"csrf_token": fetch_token(owner), "email": "v@example.org",
                                       "password": NEW_PASSWORD}, environ_base={"REMOTE_ADDR": "10.8.0.1"})
    assert again.status_code == 302  # a known browser now: the account limit lets it through


def test_the_admin_outbox_hides_secret_links_once_mail_goes_by_smtp(client, clean_app, monkeypatch):
    with clean_app.app_context():
        make_user("admin", "a@city.example")
        make_user("supplier", "s@example.org", email_verified=False)
    post_form(clean_app.test_client(), "/password/forgot", {"email": "s@example.org"})
    with clean_app.app_context():
        notifications.send_pending()  # what the job does with Redis (without, the request did it): to the log
    token = _link(clean_app, "s@example.org", "password_reset").split("token=")[1]
    login(client, "a@city.example")
    assert token in client.get("/admin/outbox").get_data(as_text=True)  # development: read them here
    monkeypatch.setitem(clean_app.config, "MAIL_SERVER", "smtp.city.example")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert token not in page and "not shown while e-mail goes by SMTP" in page
    assert "e-mail not confirmed" in client.get("/admin/users").get_data(as_text=True)


def test_a_reset_link_opened_after_deactivation_says_so_and_a_cut_one_does_not(client, clean_app):
    """A valid link of an account deactivated since it was sent: "deactivated, contact the city";
    the same link cut short: the usual "does not work", nothing about the account."""
    with clean_app.app_context():
        admin_id = make_user("admin").id
        make_user("supplier", "supplier@example.com")
    post_form(client, "/password/forgot", {"email": "supplier@example.com"})
    link = _link(clean_app, "supplier@example.com", "password_reset")
    with clean_app.app_context():
        from marketplace.services import accounts
        user = db.session.execute(db.select(User).where(User.email == "supplier@example.com")).scalar_one()
        accounts.set_active(user, False, actor_id=admin_id)
        db.session.commit()
    page = clean_app.test_client().get(link)
    text = page.get_data(as_text=True)
    assert page.status_code == 403 and "This account is deactivated: contact the city" in text
    assert "cut short" not in text
    cut = clean_app.test_client().get(link[: len(link) - 10])
    assert cut.status_code == 400 and "deactivated" not in cut.get_data(as_text=True)
    posted = post_form(clean_app.test_client(), link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                       form_page="/password/forgot")
    assert posted.status_code == 403
