"""Organisation squatting in the browser's terms (issue 10, item 1): registering with a taken name
asks to join and says so, revealing nothing about the organisation beyond its name; its own
people or the city approve; a person without an organisation signs in but cannot post."""
import html
import re

import pytest

from marketplace.extensions import db
from marketplace.models import Organisation, OrganisationJoinRequest, User
from tests.conftest import (
    DEFAULT_PASSWORD,
    FACILITY_FORM,
    fetch_token,
    login,
    make_request,
    make_user,
    outbox_link,
    post_form,
)


def _register(client, organisation: str, email: str = "someone@gmail.com"):
    """Register (the one answer: check your e-mail; nobody is signed in), then sign in."""
    response = post_form(client, "/register/buyer", {
        "name": "Sam Someone", "email": email, "organisation_name": organisation, "organisation_kind": "hospital",
        "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD, **FACILITY_FORM})
    login(client, email)
    return response


def _text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _main(page: str) -> str:
    """The page's own content, without the menu (which offers "Request supplies" to every buyer)."""
    return re.search(r"<main\b.*</main>", page, re.S).group(0)


def _hospital(app):
    """St. Vincent Medical Center, verified, with a member and an open request (private figures)."""
    with app.app_context():
        member = make_user("buyer", "charge.nurse@stvincent.example", organisation="St. Vincent Medical Center",
                           verified=True)
        make_request(member, max_unit_price="1.37", quantity="43210", postal_code="90057")
        make_user("admin", "admin@city.example")
        return member.organisation_id


def test_registering_a_taken_name_asks_to_join_and_reveals_only_its_name(unlimited, client):
    organisation_id = _hospital(unlimited)
    response = _register(client, "St Vincent Medical Ctr")
    # The registration answer is the one every registration gets: nothing about the organisation.
    assert response.status_code == 200 and "Check your e-mail" in _text(response)
    assert "St. Vincent" not in response.get_data(as_text=True)
    page = client.get("/buyer/")
    text = _text(page)
    assert "Your request to join “St. Vincent Medical Center” waits for approval" in text
    assert "Waiting to join" in text and "cannot post requests" in text
    for private in ("charge.nurse", "stvincent.example", "43,210", "43210", "1.37", "90057", "Verified"):
        assert private not in page.get_data(as_text=True), private
    for url in ("/matches/", "/notifications"):
        body = client.get(url).get_data(as_text=True)
        assert "charge.nurse" not in body and "43,210" not in body, url
    # Signed in, but cannot post: the form redirects home saying why.
    response = client.get("/buyer/requests/new", follow_redirects=True)
    assert "waits for approval" in _text(response) and "Request supplies" not in _main(response.get_data(as_text=True))
    with unlimited.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Organisation)).scalar_one() == 1
        user = db.session.execute(db.select(User).where(User.email == "someone@gmail.com")).scalar_one()
        join = db.session.execute(db.select(OrganisationJoinRequest)).scalar_one()
        assert user.organisation_id is None and (join.user_id, join.organisation_id) == (user.id, organisation_id)


def _confirm(app, client, email: str = "someone@gmail.com"):
    with app.app_context():
        link = outbox_link(email, "email_confirm")
    post_form(client, link, {}, form_page=link)


def test_a_member_approves_on_the_home_page(unlimited, client):
    _hospital(unlimited)
    _register(client, "Saint Vincent Medical Center")
    _confirm(unlimited, client)
    member = unlimited.test_client()
    login(member, "charge.nurse@stvincent.example")
    home = member.get("/buyer/").get_data(as_text=True)
    assert "People asking to join St. Vincent Medical Center" in home and "someone@gmail.com" in home
    join_id = int(re.search(r'action="/buyer/joins/(\d+)"', home).group(1))
    # Without the CSRF token nothing happens.
    assert member.post(f"/buyer/joins/{join_id}", data={"decision": "approve"}).status_code == 400
    response = member.post(f"/buyer/joins/{join_id}", data={"decision": "approve",
                                                             "csrf_token": fetch_token(member, "/buyer/")})
    assert response.status_code == 302
    page = client.get("/buyer/").get_data(as_text=True)
    assert "St. Vincent Medical Center" in page and "Request supplies" in _main(page)
    assert "was approved" in client.get("/notifications").get_data(as_text=True)


def test_the_city_refuses_and_the_person_may_name_a_different_organisation(unlimited, client):
    _hospital(unlimited)
    _register(client, "ST. VINCENT MEDICAL CENTER")
    admin = unlimited.test_client()
    login(admin, "admin@city.example")
    page = admin.get("/admin/organisations").get_data(as_text=True)
    assert "Requests to join an organisation" in page and "ST. VINCENT MEDICAL CENTER" in page
    join_id = int(re.search(r'action="/admin/joins/(\d+)"', page).group(1))
    # Another organisation's buyer cannot decide it: 404, nothing changes.
    other = unlimited.test_client()
    with unlimited.app_context():
        make_user("buyer", "buyer@eastside.example", organisation="Eastside Free Clinic", verified=True)
    login(other, "buyer@eastside.example")
    assert other.post(f"/buyer/joins/{join_id}", data={
        "decision": "approve", "csrf_token": fetch_token(other, "/buyer/")}).status_code == 404
    response = admin.post(f"/admin/joins/{join_id}", data={"decision": "refuse",
                                                            "csrf_token": fetch_token(admin, "/admin/organisations")})
    assert response.status_code == 302
    home = _text(client.get("/buyer/"))
    assert "was refused" in home and "Name my organisation" in home
    # The facility's details are asked here too (issue 11, item 8): a bad NPI names nothing.
    response = client.post("/buyer/organisation", data={
        "organisation_name": "Westlake Community Clinic", "organisation_kind": "clinic", **FACILITY_FORM,
        "licence_number": "1234567890", "csrf_token": fetch_token(client, "/buyer/")}, follow_redirects=True)
    assert "check digit" in _text(response) and "Name my organisation" in _text(response)
    response = client.post("/buyer/organisation", data={
        "organisation_name": "Westlake Community Clinic", "organisation_kind": "clinic", **FACILITY_FORM,
        "csrf_token": fetch_token(client, "/buyer/")}, follow_redirects=True)
    assert "Your organisation is registered" in _text(response) and "Awaiting verification" in _text(response)
    with unlimited.app_context():
        user = db.session.execute(db.select(User).where(User.email == "someone@gmail.com")).scalar_one()
        assert user.organisation.name == "Westlake Community Clinic" and not user.organisation.verified
        assert user.organisation.licence_number == FACILITY_FORM["licence_number"]
        assert db.session.execute(db.select(OrganisationJoinRequest.status)).scalar_one() == "refused"


@pytest.mark.parametrize("page, endpoint, approver", [
    ("/admin/organisations", "/admin/joins", "admin@city.example"),   # the example: the city's page
    ("/buyer/", "/buyer/joins", "charge.nurse@stvincent.example"),    # the organisation's own member
])
def test_an_unconfirmed_person_is_not_offered_for_approval(unlimited, client, page, endpoint, approver):
    """Pedro registers with the hospital's name and does not confirm his address: the approver sees
    why the request cannot be approved yet and no Approve button; an Approve posted anyway is
    refused and changes nothing; Pedro's banner speaks of his request, not of verifying an
    organisation. Once he confirms, Approve is offered and works."""
    _hospital(unlimited)
    _register(client, "St. Vincent Medical Center", email="pedro@gmail.com")
    banner = _text(client.get("/buyer/"))
    assert "A request to join an organisation can be approved once you do." in banner
    assert "The city can verify your organisation" not in banner
    approver_client = unlimited.test_client()
    login(approver_client, approver)
    listing = approver_client.get(page).get_data(as_text=True)
    assert "pedro@gmail.com" in listing and "the request can be approved once they do" in listing
    assert 'value="approve"' not in listing and 'value="refuse"' in listing
    join_id = int(re.search(rf'action="{endpoint}/(\d+)"', listing).group(1))
    response = approver_client.post(f"{endpoint}/{join_id}", data={
        "decision": "approve", "csrf_token": fetch_token(approver_client, page)}, follow_redirects=True)
    assert "the request can be approved once they do" in _text(response) and "joined" not in _text(response)
    with unlimited.app_context():
        pedro = db.session.execute(db.select(User).where(User.email == "pedro@gmail.com")).scalar_one()
        join = db.session.get(OrganisationJoinRequest, join_id)
        assert pedro.organisation_id is None and join.status == "pending"
    _confirm(unlimited, client, "pedro@gmail.com")
    listing = approver_client.get(page).get_data(as_text=True)
    assert 'value="approve"' in listing and "the request can be approved once they do" not in listing
    response = approver_client.post(f"{endpoint}/{join_id}", data={
        "decision": "approve", "csrf_token": fetch_token(approver_client, page)}, follow_redirects=True)
    assert "pedro@gmail.com joined St. Vincent Medical Center" in _text(response)
