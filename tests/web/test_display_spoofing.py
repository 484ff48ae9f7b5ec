"""Display spoofing and account enumeration by timing (issue 10, items 3 and 5), through the pages."""
from marketplace import security
from marketplace.extensions import db
from marketplace.models import Organisation, User
from tests.conftest import DEFAULT_PASSWORD, FACILITY_FORM, login, make_lead, make_user, post_form


def test_registration_strips_zero_width_characters_and_refuses_overrides(client, clean_app):
    response = post_form(client, "/register/buyer", {
        "name": "Dr.\u200b Chen", "email": "chen@hospital.example", "organisation_name": "St.\u200b Vincent\ufeff",
        "organisation_kind": "hospital", "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD,
        **FACILITY_FORM})
    assert response.status_code == 200 and "Check your e-mail" in response.get_data(as_text=True)
    with clean_app.app_context():
        assert db.session.execute(db.select(User.name).where(User.email == "chen@hospital.example")).scalar_one() == "Dr. Chen"
        assert db.session.execute(db.select(Organisation.name)).scalar_one() == "St. Vincent"
    other = post_form(client.application.test_client(), "/register/supplier", {
        "name": "Mallory", "email": "m@example.org", "organisation_name": "Acme\u202eLLC",
        "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD}, form_page="/register/supplier")
    assert other.status_code == 200 and "text-direction" in other.get_data(as_text=True)


def test_the_lead_page_says_which_domain_a_link_opens(client, clean_app):
    with clean_app.app_context():
        supplier = make_user("supplier", "s@example.org")
        lead_id = make_lead(supplier, website="https://harborindustrial.com/ppe").id
    login(client, "s@example.org")
    page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "(opens harborindustrial.com)" in page


def test_an_unknown_account_costs_one_verify_like_a_wrong_password(clean_app, monkeypatch):
    """Issue 10, item 3: dict.setdefault hashed a new dummy on every unknown e-mail (twice the time)."""
    calls = {"hash": 0, "verify": 0}
    with clean_app.app_context():
        real = security._hasher()

        class Counting:
            def hash(self, *args, **kwargs):
                calls["hash"] += 1
                return real.hash(*args, **kwargs)

            def verify(self, *args, **kwargs):
                calls["verify"] += 1
                return real.verify(*args, **kwargs)

        monkeypatch.setattr(security, "_hasher", Counting)
        monkeypatch.setattr(security, "_DUMMY_HASH", {})
        for _ in range(3):
            assert security.verify_password(None, "guess") is False
    assert calls == {"hash": 1, "verify": 3}
