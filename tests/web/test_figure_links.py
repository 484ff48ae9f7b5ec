"""Each dashboard figure links to exactly the list it counts (issue 12), and the list shows the
column the figure sums, so the list's total is the figure. The rule of both is
domain.match_status.units_left (services.held in SQL).

The examples a fresh user found: N95 "Still needed 0" linked to four open requests all proposed or
accepted; gloves "Free approved supply 20,000" linked to four approved offers of 80,000 in all with
no "units left" column. A third category (gowns) mixes both: a request partly held, one untouched,
one fully held; an offer partly held, one untouched, one fully held."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from marketplace.domain.match_status import units_left
from marketplace.extensions import db
from marketplace.services import dashboard, demand
from tests.conftest import login, make_request, make_user
from tests.services.test_dashboard import _lead, _match


def _strip(cell: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", cell))).strip()


def _column_sum(page: str, heading: str) -> tuple[int, int]:
    """(rows, the sum of the column ``heading``) of the page's first table."""
    found = re.search(r"<table[^>]*>(.*?)</table>", page, flags=re.S)
    if found is None:  # an empty list: no table
        return 0, 0
    table = found.group(1)
    head = re.search(r"<thead>(.*?)</thead>", table, flags=re.S).group(1)
    headings = [_strip(th) for th in re.findall(r"<th[^>]*>(.*?)</th>", head, flags=re.S)]
    assert heading in headings, headings
    index = headings.index(heading)
    body = re.search(r"<tbody>(.*?)</tbody>", table, flags=re.S).group(1)
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S) for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)]
    rows = [cells for cells in rows if len(cells) == len(headings)]
    return len(rows), sum(int(_strip(cells[index]).replace(",", "") or 0) for cells in rows)


@pytest.fixture
def scene(clean_app):
    with clean_app.app_context():
        today = demand.today()
        buyer = make_user("buyer", "buyer@figures-hospital.example", organisation="Figures General Hospital",
                          verified=True)

        def need(category, units):
            return make_request(buyer, category=category, quantity=str(units), max_unit_price="5.00",
                                needed_by=(today + timedelta(days=10)).isoformat())

        n95 = [need("n95_respirator", units) for units in (1000, 2000, 500, 700)]
        gloves_offers = [_lead(10 + i, "nitrile_gloves", 20_000, "approved", 48, 1, 2) for i in range(4)]
        gowns = [need("isolation_gown", units) for units in (300, 400, 250)]
        gown_offers = [_lead(20 + i, "isolation_gown", units, "approved", 48, 1, 2) for i, units in enumerate((900, 600, 250))]
        n95_offer = _lead(30, "n95_respirator", 10_000, "approved", 48, 1, 2)
        gloves_request = need("nitrile_gloves", 60_000)
        # N95: every request wholly proposed or accepted: still needed 0.
        for request, status in zip(n95, ("proposed", "accepted", "proposed", "accepted")):
            _match(n95_offer, request, request.quantity, status)
        # Gloves: 80,000 approved; 15,000 + 15,000 + 10,000 + 20,000 held: 20,000 free (5,000, 5,000, 10,000, 0).
        for offer, units in zip(gloves_offers, (15_000, 15_000, 10_000, 20_000)):
            _match(offer, gloves_request, units, "accepted" if units == 20_000 else "proposed")
        # Gowns: requests 300 (100 held), 400 (none), 250 (all, delivered); offers 900 (100), 600, 250 (all).
        _match(gown_offers[0], gowns[0], 100, "proposed")
        _match(gown_offers[2], gowns[2], 250, "delivered")
        _match(gown_offers[1], gowns[1], 50, "declined")  # holds nothing
        db.session.commit()
        dashboard.refresh()
        db.session.commit()
        make_user("vetter", "vetter@city.example")
        db.session.remove()


def _figure_links(page: str) -> dict[str, tuple[int, str]]:
    """{"category-figure": (the number shown, its link)} of the supply table."""
    found = re.findall(r'<a href="([^"]+)" data-figure="([^"]+)">([^<]+)</a>', page)
    return {figure: (int(value.replace(",", "")), html.unescape(link)) for link, figure, value in found}


HEADINGS = {"still_needed": "Still needed", "free_supply": "Free units", "proposed": "Units", "accepted": "Units",
            "delivered": "Units"}


def test_each_supply_figure_links_to_a_list_that_sums_to_it(clean_app, scene):
    client = clean_app.test_client()
    login(client, "vetter@city.example")
    figures = _figure_links(client.get("/dashboard").get_data(as_text=True))
    # The user's two examples, and the mixed third.
    assert figures["n95_respirator-still_needed"][0] == 0
    assert figures["nitrile_gloves-free_supply"][0] == 20_000
    assert figures["isolation_gown-still_needed"][0] == 200 + 400
    assert figures["isolation_gown-free_supply"][0] == 800 + 600
    checked = 0
    for key, (value, link) in figures.items():
        figure = key.split("-", 1)[1]
        if figure not in HEADINGS:
            continue
        rows, total = _column_sum(client.get(link).get_data(as_text=True), HEADINGS[figure])
        assert total == value, (key, link, rows, total)
        if figure in ("still_needed", "free_supply"):
            assert (rows == 0) == (value == 0), (key, rows)  # no row whose part of the figure is 0
        checked += 1
    assert checked >= 10
    # The lists' exact rows: gloves' offers with free units (not the fully held one); no N95 request.
    _rows, _total = _column_sum(client.get(figures["nitrile_gloves-free_supply"][1]).get_data(as_text=True), "Free units")
    assert (_rows, _total) == (3, 20_000)
    assert _column_sum(client.get(figures["isolation_gown-still_needed"][1]).get_data(as_text=True),
                       "Still needed") == (2, 600)


def test_the_lists_without_the_filter_still_show_every_row_and_its_column(clean_app, scene):
    client = clean_app.test_client()
    login(client, "vetter@city.example")
    rows, total = _column_sum(client.get("/staff/requests?status=open&category=n95_respirator").get_data(as_text=True),
                              "Still needed")
    assert (rows, total) == (4, 0)
    rows, total = _column_sum(client.get("/staff/leads?status=approved&category=nitrile_gloves").get_data(as_text=True),
                              "Free units")
    assert (rows, total) == (4, 20_000)
    assert client.get("/staff/leads?free=%00").status_code == 200
    assert client.get("/staff/requests?still_needed=yes%00").status_code == 200


def test_units_left_is_never_negative():
    assert units_left(1000, 600) == 400
    assert units_left(1000, 1000) == 0
    assert units_left(1000, 1200) == 0  # over-held (a request shrunk after proposals)
    assert units_left(500, None) == 500
