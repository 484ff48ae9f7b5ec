"""What deactivating an account does to matches (domain.match_status), without the app."""
import pytest

from marketplace.domain.match_status import (
    ACCEPTED,
    CHOSEN_CLOSE_REASONS,
    CLOSE_REASONS,
    PROPOSED,
    MatchTransitionError,
    deactivation_close_reason,
    match_transition,
)


def test_a_deactivated_suppliers_proposal_cannot_be_accepted():
    with pytest.raises(MatchTransitionError, match="deactivated the supplier"):
        match_transition("accept", PROPOSED, "buyer", supplier_active=False)
    assert match_transition("accept", PROPOSED, "buyer") == ACCEPTED


@pytest.mark.parametrize("action,extra", [("decline", {"reason": "Gone"}), ("close", {"close_reason": "no_supply"})])
def test_the_buyer_may_still_decline_or_close_it(action, extra):
    assert match_transition(action, PROPOSED, "buyer", supplier_active=False, **extra) != PROPOSED


def test_which_proposals_a_deactivation_ends():
    assert deactivation_close_reason("supplier") == "supplier_deactivated"
    assert deactivation_close_reason("buyer", other_active_buyers=0) == "buyer_deactivated"
    assert deactivation_close_reason("buyer", other_active_buyers=1) is None
    assert deactivation_close_reason("vetter") is None and deactivation_close_reason("admin") is None


def test_the_system_reasons_have_words_and_nobody_chooses_them():
    reasons = dict(CLOSE_REASONS)
    assert reasons["supplier_deactivated"] and reasons["buyer_deactivated"]
    assert not {"supplier_deactivated", "buyer_deactivated"} & set(dict(CHOSEN_CLOSE_REASONS))
