"""The daily open data table (domain.open_data): counts per city date and category, suppression of
every figure covering fewer than three organisations or dominated by one, rounding, CSV and the
Table Schema dictionary."""
import csv
import io
from datetime import date

import pytest

from marketplace.domain.open_data import (
    FIELD_NAMES,
    ApprovalFact,
    MatchFact,
    RequestFact,
    daily_rows,
    data_package,
    rows_to_csv,
    table_schema,
)

D1, D2 = date(2026, 4, 1), date(2026, 4, 2)


def _row(rows, day, category):
    [row] = [r for r in rows if r["date"] == day.isoformat() and r["category"] == category]
    return row


def test_requests_are_counted_and_suppressed_per_buyer_organisation():
    requests = [RequestFact(D1, "n95_respirator", 1000, "h1"), RequestFact(D1, "n95_respirator", 2000, "h2"),
                RequestFact(D1, "n95_respirator", 500, "h3"), RequestFact(D1, "n95_respirator", 1, "h3"),
                # gloves: two hospitals only, five requests: suppressed
                *[RequestFact(D1, "nitrile_gloves", 100, h) for h in ("h1", "h2", "h1", "h2", "h1")]]
    rows = daily_rows(requests, [], [])
    n95 = _row(rows, D1, "n95_respirator")
    assert (n95["requests_posted"], n95["units_requested"]) == (4, 3500)  # 3501 to two significant figures
    gloves = _row(rows, D1, "nitrile_gloves")
    assert gloves["requests_posted"] is None and gloves["units_requested"] is None
    # nothing else happened that day: zero is published, not suppressed
    assert (n95["leads_approved"], n95["units_offered"], n95["units_delivered"]) == (0, 0, 0)
    assert n95["median_days_to_delivery"] is None  # no deliveries: no median


def test_supply_is_counted_per_supplier():
    approvals = [ApprovalFact(D2, "face_shield", 300, s) for s in ("s1", "s2", "s3")]
    approvals += [ApprovalFact(D2, "goggles", 10, "s1"), ApprovalFact(D2, "goggles", 20, "s2")]
    rows = daily_rows([], approvals, [])
    assert (_row(rows, D2, "face_shield")["leads_approved"], _row(rows, D2, "face_shield")["units_offered"]) == (3, 900)
    assert _row(rows, D2, "goggles")["units_offered"] is None


def test_match_figures_need_three_buyers_and_three_suppliers():
    def m(stage, units, buyer, supplier, days=None):
        return MatchFact(D1, "surgical_mask", stage, units, buyer, supplier, days)

    matches = [m("proposed", 100, "h1", "s1"), m("proposed", 100, "h2", "s2"), m("proposed", 100, "h3", "s3"),
               # accepted: three buyers but only two suppliers -> suppressed
               m("accepted", 50, "h1", "s1"), m("accepted", 50, "h2", "s1"), m("accepted", 50, "h3", "s2"),
               # no buyer or supplier holds more than 60% of the units (h3 and s3: 40 of 100)
               m("delivered", 30, "h1", "s1", 2.0), m("delivered", 30, "h2", "s2", 4.0),
               m("delivered", 20, "h3", "s3", 9.0), m("delivered", 20, "h3", "s3", 10.25)]
    row = _row(daily_rows([], [], matches), D1, "surgical_mask")
    assert row["units_proposed"] == 300
    assert row["units_accepted"] is None
    assert row["units_delivered"] == 100
    assert row["median_days_to_delivery"] == 6.5  # median of 2, 4, 9, 10.25


def test_the_median_is_suppressed_with_the_deliveries():
    matches = [MatchFact(D1, "goggles", "delivered", 5, "h1", s, 3.0) for s in ("s1", "s2", "s3")]
    row = _row(daily_rows([], [], matches), D1, "goggles")
    assert row["units_delivered"] is None and row["median_days_to_delivery"] is None


def test_rows_are_ordered_by_date_then_catalogue_and_unknown_stages_refused():
    rows = daily_rows([RequestFact(D2, "goggles", 1, "h"), RequestFact(D1, "other", 1, "h"),
                       RequestFact(D1, "n95_respirator", 1, "h")], [], [])
    assert [(r["date"], r["category"]) for r in rows] == [
        ("2026-04-01", "n95_respirator"), ("2026-04-01", "other"), ("2026-04-02", "goggles")]
    assert rows[0]["category_label"] == "N95 respirator"
    with pytest.raises(ValueError, match="stage"):
        daily_rows([], [], [MatchFact(D1, "goggles", "ordered", 1, "h", "s")])


def test_csv_has_the_dictionary_columns_and_empty_suppressed_cells():
    rows = daily_rows([RequestFact(D1, "goggles", 7, "h1")], [], [])
    parsed = list(csv.reader(io.StringIO(rows_to_csv(rows))))
    assert tuple(parsed[0]) == FIELD_NAMES
    record = dict(zip(parsed[0], parsed[1], strict=True))
    assert record["requests_posted"] == "" and record["units_requested"] == ""
    assert record["units_offered"] == "0"


def test_table_schema_describes_every_column():
    schema = table_schema()
    assert [f["name"] for f in schema["fields"]] == list(FIELD_NAMES)
    assert all(f["description"] and f["type"] in ("date", "string", "integer", "number") for f in schema["fields"])
    assert schema["missingValues"] == [""] and schema["primaryKey"] == ["date", "category"]
    package = data_package(base_url="https://city.example/open-data", license_id="CC-BY-4.0",
                           license_url="https://creativecommons.org/licenses/by/4.0/", publisher="City")
    assert package["resources"][0]["path"] == "https://city.example/open-data/daily.csv"
    assert package["resources"][0]["schema"] == schema
    assert "fewer than 3" in package["description"]


def test_rows_from_counts_made_by_the_database():
    from marketplace.domain.open_data import Tally, rows_from_tallies, tallies

    counted = [Tally(D1, "goggles", "requests", 5, 500, buyers=3), Tally(D1, "goggles", "approvals", 4, 80, suppliers=2),
               Tally(D1, "goggles", "accepted", 2, 30, buyers=3, suppliers=3)]
    [row] = rows_from_tallies(counted)
    assert (row["requests_posted"], row["units_requested"]) == (5, 500)
    assert row["leads_approved"] is None and row["units_offered"] is None
    assert row["units_accepted"] == 30 and row["units_proposed"] == 0
    with pytest.raises(ValueError, match="kind"):
        rows_from_tallies([Tally(D1, "goggles", "ordered", 1, 1)])
    # the reference counting gives the same tallies the database's GROUP BY does
    facts = [RequestFact(D1, "goggles", 100, h) for h in ("h1", "h2", "h3", "h3", "h1")]
    assert tallies(facts, [], []) == [Tally(D1, "goggles", "requests", 5, 500, buyers=3, largest_buyer=200)]


# --- differencing two counts must not give one organisation's figure away (disclosure.public_figure) ---

WIPES = [ApprovalFact(D1, "disinfectant_wipes", units, supplier)
         for units, supplier in ((1_000_000, "s1"), (1_000_000, "s2"), (755_000, "s3"))]


def test_one_huge_offer_added_between_two_counts_is_not_revealed_by_their_difference():
    # The reported case: 2,755,000 wipes offered by three suppliers, then a vetter approves ONE offer
    # of 500,000,000. Published before and after, the difference was that supplier's offer.
    before = _row(daily_rows([], WIPES, []), D1, "disinfectant_wipes")
    after = _row(daily_rows([], [*WIPES, ApprovalFact(D1, "disinfectant_wipes", 500_000_000, "s4")], []),
                 D1, "disinfectant_wipes")
    assert (before["leads_approved"], before["units_offered"]) == (3, 2_800_000)  # rounded
    # one supplier now holds over 60% of the cell: the cell is suppressed, nothing to subtract
    assert after["units_offered"] is None and after["leads_approved"] is None


def test_one_buyers_request_added_between_two_counts_does_not_show():
    # Same kind, demand side: a hospital posts one request of 20,000 units into a cell of 1,000,000
    # requested by three hospitals; under the rounding base the difference is zero.
    requests = [RequestFact(D1, "nitrile_gloves", units, h)
                for units, h in ((400_000, "h1"), (350_000, "h2"), (250_000, "h3"))]
    before = _row(daily_rows(requests, [], []), D1, "nitrile_gloves")
    after = _row(daily_rows([*requests, RequestFact(D1, "nitrile_gloves", 20_000, "h4")], [], []),
                 D1, "nitrile_gloves")
    assert before["units_requested"] == after["units_requested"] == 1_000_000
    # and a big request from one of them is suppressed, not read off (the dominance rule)
    big = _row(daily_rows([*requests, RequestFact(D1, "nitrile_gloves", 2_000_000, "h2")], [], []),
               D1, "nitrile_gloves")
    assert big["units_requested"] is None and big["requests_posted"] is None


def test_matches_are_dominated_by_one_buyer_or_one_supplier():
    def m(units, buyer, supplier):
        return MatchFact(D1, "surgical_mask", "delivered", units, buyer, supplier, 1.0)

    even = [m(100, "h1", "s1"), m(100, "h2", "s2"), m(100, "h3", "s3")]
    assert _row(daily_rows([], [], even), D1, "surgical_mask")["units_delivered"] == 300
    one_supplier = [*even, m(1000, "h1", "s1")]  # s1: 1100 of 1300
    row = _row(daily_rows([], [], one_supplier), D1, "surgical_mask")
    assert row["units_delivered"] is None and row["median_days_to_delivery"] is None


def test_the_dictionary_says_the_figures_are_rounded():
    described = {f["name"]: f["description"] for f in table_schema()["fields"]}
    assert "Rounded to 2 significant figures" in described["units_offered"]
    note = data_package(base_url="x", license_id="CC-BY-4.0", license_url="u", publisher="City")["description"]
    assert "more than 60 per cent" in note and "rounded to 2 significant figures" in note
