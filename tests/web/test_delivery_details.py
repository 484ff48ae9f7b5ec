"""Delivery details (issue 11, item 8): buyer registration collects the facility's address, phone,
licence and (optionally) delivery hours and contact; the admin sees them for the check; after the
buyer accepts a match the supplier sees where and to whom to deliver and the buyer sees the
supplier's full address with its country; before acceptance neither does; empty fields say
"not given". The supplier-side crawl for these values is in tests/web/test_derived_leaks.py."""
import html
import re

import pytest

from marketplace.extensions import db
from marketplace.models import AuditLog, Organisation, User
from marketplace.services import accounts, matches, planning, processing
from tests.conftest import (
    DEFAULT_PASSWORD,
    FACILITY_FORM,
    approve,
    login,
    make_lead,
    make_request,
    make_user,
    post_form,
)

FACILITY = {"street": "4471 Quillfeather Lane", "city": "Los Angeles", "state": "CA", "postal_code": "90012",
            "phone": "(213) 555-0147", "licence_kind": "npi", "licence_number": "1245319599",
            "delivery_hours": "Mon-Fri 06:15-09:45, dock 7", "delivery_contact": "Odalys Brennick"}
PRIVATE = ("4471 Quillfeather Lane", "+1 213-555-0147", "06:15-09:45", "Odalys Brennick")
HIDDEN = ("4471 Quillfeather Lane", "555-0147", "06:15-09:45", "Odalys Brennick")  # in any form


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def _buyer(facility=FACILITY, email="nurse@quill.example", organisation="Quillfeather Clinic"):
    user = accounts.create_account(accounts.NewAccount(
        email=email, password=DEFAULT_PASSWORD, role="buyer", name="Nurse", organisation_name=organisation,
        organisation_kind="clinic", facility=facility))
    accounts.verify_organisation(user.organisation, actor_id=user.id)
    db.session.commit()
    return user


def _proposed(app, facility=FACILITY, **lead_fields):
    """A verified buyer with ``facility``, a supplier's approved lead, a match proposed by hand."""
    with app.app_context():
        buyer = _buyer(facility)
        supplier = make_user("supplier", "sales@harbor.example")
        vetter = make_user("vetter", "v@city.example")
        request = make_request(buyer)
        lead = make_lead(supplier, **lead_fields)
        processing.process_lead(lead.id)
        db.session.commit()
        approve(lead, vetter)
        match = planning.propose(request, lead.id, 100, vetter)
        db.session.commit()
        return match.id, buyer.id


def _accept(app, match_id, buyer_id):
    with app.app_context():
        from marketplace.models import Match
        matches.act_on_match(db.session.get(Match, match_id), db.session.get(User, buyer_id), "accept")
        db.session.commit()


# --- registration and the service -------------------------------------------------------------

def test_registration_stores_the_facility_on_the_new_organisation(client, clean_app):
    response = post_form(client, "/register/buyer", {
        "name": "Dr. Chen", "email": "chen@quill.example", "organisation_name": "Quillfeather Clinic",
        "organisation_kind": "clinic", "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD, **FACILITY})
    assert "Check your e-mail" in response.get_data(as_text=True)
    with clean_app.app_context():
        organisation = db.session.execute(db.select(Organisation)).scalar_one()
        assert {name: getattr(organisation, name) for name in FACILITY} == FACILITY
        created = db.session.execute(db.select(AuditLog).where(AuditLog.action == "organisation.create")).scalar_one()
        assert created.after["licence_number"] == "1245319599"


@pytest.mark.parametrize("changes, field_message", [
    ({"licence_number": "1245319590"}, "check digit"),          # an NPI with one digit wrong
    ({"licence_number": "12453195"}, "10 digits"),              # the second example: too short
    ({"phone": "555-0147"}, "area code"),
    ({"street": ""}, "This field is required."),
    ({"licence_kind": ""}, "Choose NPI or state facility licence."),
])
def test_bad_facility_details_are_shown_beside_the_field_and_nothing_is_saved(client, clean_app, changes, field_message):
    response = post_form(client, "/register/buyer", {
        "name": "Dr. Chen", "email": "chen@quill.example", "organisation_name": "Quillfeather Clinic",
        "organisation_kind": "clinic", "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD,
        **FACILITY, **changes})
    assert response.status_code == 200
    assert field_message in response.get_data(as_text=True)
    assert "Check your e-mail" not in response.get_data(as_text=True)
    with clean_app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one() == 0
        assert db.session.execute(db.select(db.func.count()).select_from(Organisation)).scalar_one() == 0


def test_a_bad_facility_is_refused_the_same_whether_or_not_the_address_has_an_account(client, clean_app):
    """No account enumeration: the facility is checked before the address is looked up."""
    with clean_app.app_context():
        make_user("supplier", "taken@quill.example")
    data = {"name": "Dr. Chen", "organisation_name": "Quillfeather Clinic", "organisation_kind": "clinic",
            "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD, **FACILITY, "licence_number": "1245319590"}
    taken = post_form(client, "/register/buyer", {**data, "email": "taken@quill.example"})
    fresh = post_form(clean_app.test_client(), "/register/buyer", {**data, "email": "fresh@quill.example"})
    assert "check digit" in taken.get_data(as_text=True) and "check digit" in fresh.get_data(as_text=True)


def test_the_admin_sees_the_facility_for_the_check(client, clean_app):
    with clean_app.app_context():
        _buyer()
        _buyer({**FACILITY_FORM, "licence_kind": "state_licence", "licence_number": "CA-LIC 000123"},
               email="b@other.example", organisation="Bayside Care Home")
        make_user("buyer", "old@example.org", organisation="Oldtown Hospital")  # no details: "not given"
        make_user("admin", "a@city.example")
    login(client, "a@city.example")
    page = _text(client.get("/admin/organisations"))
    for shown in (*PRIVATE, "NPI (National Provider Identifier) 1245319599", "Los Angeles, CA, 90012", "not given",
                  "State facility licence CA-LIC 000123"):
        assert shown in page, shown
    assert "npiregistry.cms.hhs.gov/provider-view/1245319599" in client.get("/admin/organisations").get_data(as_text=True)


# --- the match page per role, before and after acceptance ----------------------------------------

def test_before_acceptance_neither_party_sees_the_others_address(client, clean_app):
    match_id, _ = _proposed(clean_app, street="88 Wharf Road", city="Long Beach", country="US")
    login(client, "sales@harbor.example")
    supplier_page = _text(client.get(f"/matches/{match_id}"))
    assert not [value for value in HIDDEN + ("Quillfeather",) if value in supplier_page]
    buyer = clean_app.test_client()
    login(buyer, "nurse@quill.example")
    buyer_page = _text(buyer.get(f"/matches/{match_id}"))
    assert "88 Wharf Road" not in buyer_page and "Accept the match to see" in buyer_page


def test_after_acceptance_the_supplier_sees_where_and_to_whom_and_the_buyer_the_full_address(client, clean_app):
    match_id, buyer_id = _proposed(clean_app, street="88 Wharf Road", city="Long Beach", state="CA",
                                   postal_code="90802", country="MX", phone="+52 55 1234 5678")
    _accept(clean_app, match_id, buyer_id)
    login(client, "sales@harbor.example")
    supplier_page = _text(client.get(f"/matches/{match_id}"))
    for shown in ("4471 Quillfeather Lane, Los Angeles, CA, 90012", "+1 213-555-0147",
                  "Delivery contact Odalys Brennick", "Delivery hours Mon-Fri 06:15-09:45, dock 7"):
        assert shown in supplier_page, shown
    assert "NPI" not in supplier_page and "1245319599" not in supplier_page  # the licence is the admin's check
    buyer = clean_app.test_client()
    login(buyer, "nurse@quill.example")
    buyer_page = _text(buyer.get(f"/matches/{match_id}"))
    assert "88 Wharf Road, Long Beach, CA, 90802" in buyer_page
    assert "Country Mexico" in buyer_page


def test_empty_fields_say_not_given(client, clean_app):
    match_id, buyer_id = _proposed(clean_app, {**FACILITY, "delivery_hours": "", "delivery_contact": ""},
                                   street="", city="", state="", postal_code="", country="")
    _accept(clean_app, match_id, buyer_id)
    login(client, "sales@harbor.example")
    supplier_page = _text(client.get(f"/matches/{match_id}"))
    assert "Delivery contact not given" in supplier_page and "Delivery hours not given" in supplier_page
    buyer = clean_app.test_client()
    login(buyer, "nurse@quill.example")
    buyer_page = _text(buyer.get(f"/matches/{match_id}"))
    assert "Address not given" in buyer_page and "Country not given" in buyer_page


# --- one delivery address: the request's ZIP (the seed's St. Vincent: request 90033, address 90057) --

@pytest.mark.parametrize("request_zip, address_zip", [("90033", "90057"), ("90802", "90012")])
def test_a_request_in_another_zip_than_the_address_says_where_to_deliver_once(client, clean_app, request_zip,
                                                                                address_zip):
    with clean_app.app_context():
        buyer = _buyer({**FACILITY, "postal_code": address_zip})
        supplier = make_user("supplier", "sales@harbor.example")
        vetter = make_user("vetter", "v@city.example")
        lead = make_lead(supplier)
        processing.process_lead(lead.id)
        db.session.commit()
        approve(lead, vetter)
        match = planning.propose(make_request(buyer, postal_code=request_zip), lead.id, 100, vetter)
        db.session.commit()
        match_id, buyer_id = match.id, buyer.id
    _accept(clean_app, match_id, buyer_id)
    login(client, "sales@harbor.example")
    page = _text(client.get(f"/matches/{match_id}"))
    assert (f"Deliver to ZIP {request_zip} (the request's delivery ZIP); the organisation's address is "
            f"4471 Quillfeather Lane, Los Angeles, CA, {address_zip}, in another ZIP") in page
    assert page.count(f"Los Angeles, CA, {address_zip}") == 1  # no second "Address" line
    assert "request ZIP" not in page


def test_a_request_in_the_addresss_zip_shows_that_address_as_the_delivery_address(client, clean_app):
    match_id, buyer_id = _proposed(clean_app)
    with clean_app.app_context():
        from marketplace.models import Match
        db.session.get(Match, match_id).demand.postal_code = "90012"
        db.session.commit()
    _accept(clean_app, match_id, buyer_id)
    login(client, "sales@harbor.example")
    page = _text(client.get(f"/matches/{match_id}"))
    assert "Deliver to 4471 Quillfeather Lane, Los Angeles, CA, 90012." in page
    assert page.count("4471 Quillfeather Lane") == 1 and "another ZIP" not in page
