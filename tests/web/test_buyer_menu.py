"""The buyer's menu, as the supplier's (My offers, Offer supplies): "My requests" lists the
organisation's requests with their status, "Request supplies" posts a new one; both for buyers
only, each organisation seeing its own requests only."""
from __future__ import annotations

import re

from marketplace.extensions import db
from marketplace.services import demand
from tests.conftest import login, make_request, make_user

ES = {"Accept-Language": "es"}
_MENU = re.compile(r'<nav id="main-menu"[^>]*>(.*?)</nav>', re.S)


def menu_links(html: str) -> list[tuple[str, str]]:
    """(href, text) of each link of the main menu."""
    nav = _MENU.search(html).group(1)
    return [(href, re.sub(r"<[^>]+>|\s+", " ", text).strip())
            for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', nav, re.S)]


def test_the_buyers_menu_has_their_requests_and_a_new_request_as_the_suppliers_has_its(clean_app, client):
    with clean_app.app_context():
        buyer = make_user("buyer", verified=True).email
        supplier = make_user("supplier").email
    login(client, supplier)
    assert menu_links(client.get("/leads").get_data(as_text=True))[:2] == [
        ("/leads", "My offers"), ("/leads/new", "Offer supplies")]

    buyer_client = clean_app.test_client()
    login(buyer_client, buyer)
    links = menu_links(buyer_client.get("/buyer/").get_data(as_text=True))
    assert links[:4] == [("/buyer/requests", "My requests"), ("/buyer/requests/new", "Request supplies"),
                         ("/matches/", "Matches"), ("/buyer/", "My organisation")]
    for href, _ in links:
        assert buyer_client.get(href).status_code == 200, href
    spanish = menu_links(buyer_client.get("/buyer/requests", headers=ES).get_data(as_text=True))
    assert [text for _, text in spanish[:4]] == ["Mis solicitudes", "Solicitar suministros", "Propuestas",
                                                 "Mi organización"]


def test_my_requests_lists_the_organisations_requests_with_their_status_and_no_others(clean_app, client):
    with clean_app.app_context():
        buyer = make_user("buyer", verified=True)
        other = make_user("buyer", verified=True)
        open_id = make_request(buyer, quantity="3000").id
        withdrawn = make_request(buyer, quantity="400")
        demand.withdraw_request(withdrawn, actor=buyer)
        db.session.commit()
        withdrawn_id, others_id = withdrawn.id, make_request(other).id
        email, name = buyer.email, buyer.organisation.name
    login(client, email)
    response = client.get("/buyer/requests")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>My requests</h1>" in page and name in page
    rows = re.findall(r"<tr>\s*<td><a href=\"/buyer/requests/(\d+)\">.*?</tr>", page, re.S)
    assert sorted(map(int, rows)) == sorted([open_id, withdrawn_id])
    assert f"/buyer/requests/{others_id}\"" not in page
    assert re.search(r'class="badge demand-open">Open<', page)
    assert re.search(r'class="badge demand-withdrawn">Withdrawn<', page)
    assert 'class="button" href="/buyer/requests/new">Request supplies<' in page

    spanish = client.get("/buyer/requests", headers=ES).get_data(as_text=True)
    assert "<h1>Mis solicitudes</h1>" in spanish and f"Las solicitudes de {name}" in spanish
    assert "My requests" not in spanish and "Request supplies" not in spanish


def test_my_requests_pages_through_many(clean_app, client, monkeypatch):
    monkeypatch.setitem(clean_app.config, "ITEMS_PER_PAGE", 2)
    with clean_app.app_context():
        buyer = make_user("buyer", verified=True)
        ids = {make_request(buyer, quantity=str(1000 + n)).id for n in range(3)}
        email = buyer.email
    login(client, email)
    first = client.get("/buyer/requests").get_data(as_text=True)
    assert 'href="/buyer/requests?page=2"' in first
    second = client.get("/buyer/requests?page=2").get_data(as_text=True)
    shown = {int(i) for html in (first, second) for i in re.findall(r'<td><a href="/buyer/requests/(\d+)">\d+</a>', html)}
    assert shown == ids


def test_a_buyer_who_may_not_post_reads_why_and_no_button(clean_app, client):
    with clean_app.app_context():
        unverified = make_user("buyer").email  # its organisation is not verified yet
        empty = make_user("buyer", verified=True).email
    login(client, unverified)
    page = client.get("/buyer/requests").get_data(as_text=True)
    assert "must be verified by the city" in page
    assert 'class="button" href="/buyer/requests/new"' not in page
    assert "Your organisation has no requests yet." in page
    # "Request supplies" in the menu explains the same and leads home.
    response = client.get("/buyer/requests/new")
    assert response.status_code == 302 and response.headers["Location"] == "/buyer/"

    verified = clean_app.test_client()
    login(verified, empty)
    page = verified.get("/buyer/requests").get_data(as_text=True)
    assert "You have not posted a request yet." in page


def test_my_requests_is_for_buyers_only(clean_app, client):
    assert client.get("/buyer/requests").headers["Location"].startswith("/login")
    with clean_app.app_context():
        supplier = make_user("supplier").email
        vetter = make_user("vetter").email
    for email in (supplier, vetter):
        other = clean_app.test_client()
        login(other, email)
        assert other.get("/buyer/requests").status_code == 403, email
