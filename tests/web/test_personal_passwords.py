"""The password rule "not made of the person's own name, organisation or address" on every page that
sets a password (registration, reset, change): one check (domain.passwords.password_problem), given
the person's e-mail, name, organisation and its address, whatever the spelling."""
from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.services import accounts
from tests.conftest import DEFAULT_PASSWORD, FACILITY_FORM, login, make_user, outbox_link, post_form

REFUSED = "organisation&#39;s name or address"
FACILITY = {**FACILITY_FORM, "street": "2131 W 3rd St", "city": "Los Angeles"}


@pytest.fixture
def pedro(clean_app):
    """Pedro, a buyer of St. Vincent Community Hospital at 2131 W 3rd St, Los Angeles."""
    with clean_app.app_context():
        user = accounts.create_account(accounts.NewAccount(
            email="pedro@stvincent.example", password=DEFAULT_PASSWORD, role="buyer", name="Pedro Ruiz",
            organisation_name="St. Vincent Community Hospital", organisation_kind="hospital", facility=FACILITY))
        db.session.commit()
        return user.email


@pytest.mark.parametrize("password", ["St Vincent Community Hospital",  # the example
                                      "2131 West 3rd Street, Pedro"])  # the address, another spelling
def test_the_reset_page_refuses_the_organisations_name_and_address(client, clean_app, pedro, password):
    post_form(client, "/password/forgot", {"email": pedro})
    with clean_app.app_context():
        link = outbox_link(pedro, "password_reset")
    response = post_form(client, link, {"password": password, "confirm": password})
    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)
    assert client.get(link).status_code == 200  # nothing changed: the link still works


@pytest.mark.parametrize("password", ["Saint Vincent Community Hospital",  # the two examples
                                      "2131 W 3rd St Los Angeles",
                                      "st.vincent.community.hospital.90012"])  # another of the kind
def test_the_change_page_refuses_the_organisations_name_and_address(client, clean_app, pedro, password):
    login(client, pedro)
    response = post_form(client, "/account/password", {
        "current_password": DEFAULT_PASSWORD, "new_password": password, "confirm": password})
    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)
    login(clean_app.test_client(), pedro)  # the old password still works


def test_registration_refuses_the_facilitys_address(client, clean_app):
    response = post_form(client, "/register/buyer", {
        "name": "Ana Ruiz", "email": "ana@westlake.example", "organisation_name": "Westlake Clinic",
        "organisation_kind": "clinic", "password": "2131 W 3rd St Los Angeles",
        "confirm": "2131 W 3rd St Los Angeles", **FACILITY})
    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)


def test_a_joiner_may_not_use_the_name_of_the_organisation_they_asked_to_join(client, clean_app, pedro):
    with clean_app.app_context():
        make_user("buyer", "maria@gmail.com", organisation="Saint Vincent Community Hospital", joins=True)
    login(client, "maria@gmail.com")
    response = post_form(client, "/account/password", {
        "current_password": DEFAULT_PASSWORD, "new_password": "StVincentCommunityHospital!",
        "confirm": "StVincentCommunityHospital!"})
    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)
