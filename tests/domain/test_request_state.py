"""The status a request shows, derived from the units its matches hold (issue 11 item 9; a fresh
user's walk: "Open" said nobody was working on a request whose every unit was proposed). No app."""
from marketplace.domain.demand import FULFILLED, request_state


def _shown(status: str, quantity: int, **units: int) -> tuple[str, str, str]:
    state = request_state(status, quantity, units)
    return state.code, state.stage, state.text


def test_an_open_request_with_every_unit_delivered_is_fulfilled():
    assert request_state("open", 1000, {"delivered": 1000}) == request_state("open", 1000, {"delivered": 1000})
    state = request_state("open", 1000, {"delivered": 1000})
    assert (state.code, state.text, state.held) == (FULFILLED, "Fulfilled: 1,000 of 1,000 delivered", 1000)
    assert (state.label, state.detail) == ("Fulfilled", "1,000 of 1,000 delivered")
    # Second example: more delivered than asked (a supplier's full carton) is still fulfilled.
    assert request_state("open", 500, {"delivered": 520}).code == FULFILLED


def test_a_request_fully_proposed_says_so_not_open():
    # The walk's example: every unit proposed to the buyer, waiting for their answer.
    assert _shown("open", 4000, proposed=4000) == ("open", "proposed", "Proposed: 4,000 of 4,000")
    # Second example of the kind: every unit accepted by the buyer (a firm match).
    assert _shown("open", 4000, accepted=4000) == ("open", "accepted", "Accepted: 4,000 of 4,000")
    assert _shown("open", 4000, ordered=4000) == ("open", "ordered", "Ordered: 4,000 of 4,000")


def test_a_request_partly_covered_says_how_much():
    assert _shown("open", 4000, proposed=1000) == ("open", "proposed", "Partly proposed: 1,000 of 4,000")
    assert _shown("open", 4000, accepted=1500) == ("open", "accepted", "Partly accepted: 1,500 of 4,000")
    assert _shown("open", 1000, delivered=300) == ("open", "delivered", "Partly delivered: 300 of 1,000")
    state = request_state("open", 4000, {"proposed": 1000})
    assert (state.label, state.detail, state.held) == ("Partly proposed", "1,000 of 4,000", 1000)


def test_mixed_stages_count_everything_held_at_the_least_advanced_stage_and_name_the_rest():
    # Nothing is hidden: a proposal waiting for the buyer shows first, what went further is named.
    assert _shown("open", 4000, proposed=3000, accepted=1000) == (
        "open", "proposed", "Proposed: 4,000 of 4,000, of which 1,000 accepted")
    assert _shown("open", 4000, proposed=1000, accepted=1000, delivered=500) == (
        "open", "proposed", "Partly proposed: 2,500 of 4,000, of which 1,000 accepted, 500 delivered")
    assert _shown("open", 4000, ordered=3000, delivered=1000) == (
        "open", "ordered", "Ordered: 4,000 of 4,000, of which 1,000 delivered")


def test_nothing_held_is_open_with_nothing_proposed_and_ended_matches_do_not_count():
    assert _shown("open", 1000) == ("open", "open", "Open: nothing proposed yet")
    state = request_state("open", 1000, {"declined": 1000, "closed": 400})
    assert (state.stage, state.label, state.detail, state.held) == ("open", "Open", "nothing proposed yet", 0)


def test_closed_and_withdrawn_count_what_was_delivered_and_what_is_still_under_way():
    assert _shown("closed", 1000, delivered=300) == ("closed", "closed", "Closed: 300 of 1,000 delivered")
    assert _shown("closed", 1000) == ("closed", "closed", "Closed: 0 of 1,000 delivered")
    assert _shown("closed", 1000, delivered=300, ordered=200) == (
        "closed", "closed", "Closed: 300 of 1,000 delivered; 200 ordered still under way")
    assert _shown("withdrawn", 1000) == ("withdrawn", "withdrawn", "Withdrawn")
    assert _shown("withdrawn", 1000, accepted=500) == ("withdrawn", "withdrawn", "Withdrawn: 500 accepted still under way")
    assert _shown("withdrawn", 1000, delivered=200) == ("withdrawn", "withdrawn", "Withdrawn: 200 of 1,000 delivered")
    # A closed or withdrawn request is never shown as fulfilled, whatever was delivered.
    assert request_state("closed", 1000, {"delivered": 1000}).code == "closed"
    # A fulfilled request still names a proposal beyond what was asked.
    assert _shown("open", 1000, delivered=1000, proposed=100) == (
        FULFILLED, FULFILLED, "Fulfilled: 1,000 of 1,000 delivered; 100 proposed still under way")
