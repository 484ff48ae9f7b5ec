"""The status a request shows, derived from its delivered units (issue 11 item 9). No app."""
from marketplace.domain.demand import FULFILLED, request_state


def test_an_open_request_with_every_unit_delivered_is_fulfilled():
    assert request_state("open", 1000, 1000) == request_state("open", 1000, 1000)
    state = request_state("open", 1000, 1000)
    assert (state.code, state.text) == (FULFILLED, "Fulfilled, 1,000 of 1,000 delivered")
    # Second example: more delivered than asked (a supplier's full carton) is still fulfilled.
    assert request_state("open", 500, 520).code == FULFILLED


def test_otherwise_the_stored_status_with_what_was_delivered():
    assert (request_state("open", 1000, 0).code, request_state("open", 1000, 0).text) == ("open", "Open")
    assert request_state("open", 1000, 300).text == "Open, 300 of 1,000 delivered"
    assert (request_state("closed", 1000, 300).code, request_state("closed", 1000, 300).text) == (
        "closed", "Closed, 300 of 1,000 delivered")
    assert request_state("closed", 1000, 0).text == "Closed, 0 of 1,000 delivered"
    assert request_state("withdrawn", 1000, 0).text == "Withdrawn"
    # A closed or withdrawn request is never shown as fulfilled, whatever was delivered.
    assert request_state("closed", 1000, 1000).code == "closed"
