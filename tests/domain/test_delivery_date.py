"""A match's expected delivery date (issue 12 item 1): the date rule, who may give it (the
transition table), and the history in words. Domain rules only, no app."""
from datetime import date

import pytest

from marketplace.domain.errors import FieldError
from marketplace.domain.history import Entry, describe
from marketplace.domain.match_status import (
    ACCEPTED,
    ORDERED,
    PROPOSED,
    MatchTransitionError,
    available_match_actions,
    clean_delivery_on,
    match_transition,
)

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize("text, expected", [
    ("2026-11-30", date(2026, 11, 30)),      # today is allowed
    ("2027-12-01", date(2027, 12, 1)),       # today + 366: the last day allowed
    ("7 Dec 2026", date(2026, 12, 7)),
    (" 2027-01-21 ", date(2027, 1, 21)),
    ("13/12/2026", date(2026, 12, 13)),      # day above 12: cannot be misread
])
def test_a_delivery_date_from_today_is_read(text, expected):
    assert clean_delivery_on(text, TODAY) == expected


def test_an_empty_date_is_none_unless_required():
    assert clean_delivery_on("", TODAY) is None and clean_delivery_on(None, TODAY) is None
    with pytest.raises(FieldError, match=r"Give the day the supplier expects to deliver, e.g. 2026-12-07"):
        clean_delivery_on("  ", TODAY, required=True)


@pytest.mark.parametrize("text, message", [
    ("2026-11-29", r"Nov 29, 2026 is in the past: a delivery date is today \(Nov 30, 2026\) or later"),
    ("1 Jan 2020", r"Jan 1, 2020 is in the past"),
    ("2027-12-02", r"Dec 2, 2027 is more than a year ahead; check the year"),  # today + 367
    ("2207-01-01", r"more than a year ahead"),
    ("07/01/2027", r"can be read as 7 January or July 1"),
    ("next week", r"not a date we can read"),
    ("31 Feb 2027", r"no such date"),
])
def test_a_date_that_cannot_be_accepted_says_why(text, message):
    with pytest.raises(FieldError, match=message):
        clean_delivery_on(text, TODAY)


def test_the_table_says_who_gives_the_date_and_when():
    day = date(2026, 12, 7)
    # The supplier, confirming a proposal (optional) or on an accepted or ordered match (required).
    assert match_transition("confirm_availability", PROPOSED, "supplier", delivery_on=day) == PROPOSED
    assert match_transition("confirm_availability", PROPOSED, "supplier") == PROPOSED
    assert match_transition("set_delivery_date", ACCEPTED, "supplier", delivery_on=day) == ACCEPTED
    assert match_transition("set_delivery_date", ORDERED, "supplier", delivery_on=day) == ORDERED
    with pytest.raises(MatchTransitionError, match="Please give the delivery date"):
        match_transition("set_delivery_date", ACCEPTED, "supplier")
    with pytest.raises(MatchTransitionError, match="not possible for a match that is proposed"):
        match_transition("set_delivery_date", PROPOSED, "supplier", delivery_on=day)
    # The buyer (or staff) records it when marking ordered; neither moves it afterwards.
    assert match_transition("mark_ordered", ACCEPTED, "buyer", delivery_on=day) == ORDERED
    assert match_transition("mark_ordered", ACCEPTED, "vetter", delivery_on=day) == ORDERED
    for party in ("buyer", "admin"):
        with pytest.raises(MatchTransitionError, match="not for you"):
            match_transition("set_delivery_date", ORDERED, party, delivery_on=day)
    # A step that takes no date refuses one rather than dropping it.
    for action, status, party in (("accept", PROPOSED, "buyer"), ("mark_delivered", ORDERED, "buyer")):
        with pytest.raises(MatchTransitionError, match="takes no delivery date"):
            match_transition(action, status, party, delivery_on=day)
    assert "set_delivery_date" in {a.name for a in available_match_actions(ORDERED, "supplier")}
    assert "set_delivery_date" not in {a.name for a in available_match_actions(ORDERED, "buyer")}


@pytest.mark.parametrize("role", ["supplier", "buyer", "vetter"])
def test_the_history_says_the_date_in_words_to_each_party(role):
    given = Entry("match.set_delivery_date", before={"status": "ordered", "delivery_on": "2026-12-07"},
                  after={"status": "ordered", "delivery_on": "2026-12-09"}, actor_role="supplier",
                  actor_email="sales@harbor.example")
    who = "sales@harbor.example" if role == "vetter" else "the supplier"
    assert describe(given, role) == f"Delivery date confirmed by {who}: expected on Dec 9, 2026 (was Dec 7, 2026)"
    confirmed = Entry("match.confirm_availability", before={"status": "proposed", "delivery_on": None},
                      after={"status": "proposed", "delivery_on": "2026-12-07"}, actor_role="supplier")
    assert describe(confirmed, role).endswith("delivery expected on Dec 7, 2026")
    ordered = Entry("match.mark_ordered", before={"status": "accepted"}, after={"status": "ordered",
                    "delivery_on": "2026-12-10"}, actor_role="buyer", by_reader=role == "buyer")
    expected = "you" if role == "buyer" else "the buyer" if role == "supplier" else "someone"
    assert describe(ordered, role) == f"Marked as ordered by {expected}, delivery expected on Dec 10, 2026"
    # Without a date the steps read as before.
    assert describe(Entry("match.mark_ordered", after={"status": "ordered"}, actor_role="buyer"),
                    "supplier") == "Marked as ordered by the buyer"
