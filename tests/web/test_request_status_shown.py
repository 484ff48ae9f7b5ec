"""A buyer's requests say where each stands (a fresh user's walk): a request whose every unit is
proposed reads "Proposed: 4,000 of 4,000", not "Open" (which a hospital reads as "nobody is working
on it"); one partly proposed says how much; withdrawn, accepted and fulfilled ones say so. The same
words on "My requests", the home, the request's page, staff's list and the API: one rule,
domain.demand.request_state."""
from __future__ import annotations

import re

from marketplace.extensions import db
from marketplace.services import demand, matches, planning
from tests.conftest import approve, bearer, login, make_api_token, make_lead, make_request, make_user

ES = {"Accept-Language": "es"}
_ROW = re.compile(r'<tr>\s*<td><a href="/(?:buyer|staff)/requests/(\d+)">.*?</tr>', re.S)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _status_cells(html: str) -> dict[int, str]:
    """{request id: the text of its row's last cell (Status)} of a requests table."""
    cells = {}
    for row in _ROW.finditer(html):
        last = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)[-1]
        cells[int(row.group(1))] = _text(last)
    return cells


def status_world(clean_app) -> dict:
    """A hospital's requests: all proposed, partly proposed, accepted, fulfilled, withdrawn, untouched."""
    with clean_app.app_context():
        buyer = make_user("buyer", "nurse@status.example", verified=True)
        supplier = make_user("supplier", "sales@status.example")
        vetter = make_user("vetter", "vera@status.example")

        def proposed(quantity: str, units: int):
            request = make_request(buyer, max_unit_price="0.85", quantity=quantity)
            lead = make_lead(supplier, unit_price="0.79", min_order_qty="100")
            approve(lead, vetter)
            return request, planning.propose(request, lead.id, units, vetter)

        full, __ = proposed("4000", 4000)
        part, __ = proposed("4000", 1000)
        accepted, match = proposed("600", 600)
        matches.act_on_match(match, buyer, "accept")
        fulfilled, match = proposed("500", 500)
        for step in ("accept", "mark_ordered", "mark_delivered"):
            matches.act_on_match(match, buyer, step)
        withdrawn = make_request(buyer, quantity="400")
        demand.withdraw_request(withdrawn, actor=buyer)
        untouched = make_request(buyer, quantity="300")
        db.session.commit()
        return {"full": full.id, "part": part.id, "accepted": accepted.id, "fulfilled": fulfilled.id,
                "withdrawn": withdrawn.id, "untouched": untouched.id, "token": make_api_token(buyer)}


SHOWN = {
    "full": "Proposed 4,000 of 4,000",
    "part": "Partly proposed 1,000 of 4,000",
    "accepted": "Accepted 600 of 600",
    "fulfilled": "Fulfilled 500 of 500 delivered",
    "withdrawn": "Withdrawn",
    "untouched": "Open nothing proposed yet",
}


def test_my_requests_says_how_far_each_request_has_come(clean_app, client):
    ids = status_world(clean_app)
    login(client, "nurse@status.example")
    page = client.get("/buyer/requests").get_data(as_text=True)
    assert _status_cells(page) == {ids[kind]: text for kind, text in SHOWN.items()}
    # The badge names the state, its class the stage (the colour); the progress follows it.
    assert '<span class="badge demand-proposed">Proposed</span> 4,000 of 4,000' in page
    assert '<span class="badge demand-withdrawn">Withdrawn</span>' in page
    # "Matched" counts the units held for each request, as before.
    matched = {int(i): n for i, n in re.findall(
        r'<td><a href="/buyer/requests/(\d+)">\d+</a></td>.*?<td class="num">[\d,]+</td>\s*<td class="num">([\d,]+)</td>',
        page, re.S)}
    assert matched[ids["full"]] == "4,000" and matched[ids["part"]] == "1,000" and matched[ids["untouched"]] == "0"

    # The home's table is the same table; the request's own page says the same.
    assert _status_cells(client.get("/buyer/").get_data(as_text=True)) == _status_cells(page)
    for kind in ("full", "part", "withdrawn"):
        detail = _text(client.get(f"/buyer/requests/{ids[kind]}").get_data(as_text=True))
        assert f"Status {SHOWN[kind]}" in detail, kind

    spanish = _status_cells(client.get("/buyer/requests", headers=ES).get_data(as_text=True))
    assert spanish[ids["full"]] == "Propuesta 4.000 de 4.000"
    assert spanish[ids["part"]] == "Propuesta en parte 1.000 de 4.000"
    assert spanish[ids["fulfilled"]] == "Completada 500 de 500 entregadas"
    assert spanish[ids["withdrawn"]] == "Retirada"
    assert spanish[ids["untouched"]] == "Abierta aún sin propuestas"


def test_staff_and_the_api_read_the_same_status(clean_app, client):
    ids = status_world(clean_app)
    login(client, "vera@status.example")
    staff = _status_cells(client.get("/staff/requests?status=all").get_data(as_text=True))
    assert staff == {ids[kind]: text for kind, text in SHOWN.items()}
    listed = {item["id"]: (item["status"], item["status_text"])
              for item in client.get("/api/v1/requests", headers=bearer(ids["token"])).get_json()["items"]}
    # The API's status stays where the request stands (what may be done with it); its text is the page's.
    assert listed[ids["full"]] == ("open", "Proposed: 4,000 of 4,000")
    assert listed[ids["part"]] == ("open", "Partly proposed: 1,000 of 4,000")
    assert listed[ids["fulfilled"]] == ("fulfilled", "Fulfilled: 500 of 500 delivered")
    assert listed[ids["withdrawn"]] == ("withdrawn", "Withdrawn")
