"""Staff record the answer of an organisation without an active buyer (domain.match_status): the
same transition table as the buyer's Accept and Decline, offered and allowed only when the
organisation has no active buyer, each with a required note."""
import pytest

from marketplace.domain.match_status import (
    ACCEPTED,
    DECLINED,
    MATCH_ACTIONS,
    PROPOSED,
    MatchTransitionError,
    available_match_actions,
    match_transition,
)


@pytest.mark.parametrize("action, target", [("accept_by_phone", ACCEPTED), ("decline_by_phone", DECLINED)])
def test_staff_record_the_buyers_step_when_nobody_can_answer(action, target):
    assert match_transition(action, PROPOSED, "vetter", reason="Chief Ortega", buyer_has_account=False) == target
    assert match_transition(action, PROPOSED, "admin", reason="Chief Ortega", buyer_has_account=False) == target
    assert MATCH_ACTIONS[action].target == MATCH_ACTIONS[MATCH_ACTIONS[action].records].target


@pytest.mark.parametrize("action", ["accept_by_phone", "decline_by_phone"])
def test_never_for_an_organisation_with_a_buyer_nor_without_a_note_nor_by_others(action):
    with pytest.raises(MatchTransitionError, match="active buyer account"):
        match_transition(action, PROPOSED, "vetter", reason="Chief Ortega", buyer_has_account=True)
    with pytest.raises(MatchTransitionError, match="active buyer account"):  # the default: one has
        match_transition(action, PROPOSED, "vetter", reason="Chief Ortega")
    with pytest.raises(MatchTransitionError) as refused:
        match_transition(action, PROPOSED, "vetter", reason="  ", buyer_has_account=False)
    assert refused.value.field == "reason"
    for party in ("buyer", "supplier"):
        with pytest.raises(MatchTransitionError):
            match_transition(action, PROPOSED, party, reason="me", buyer_has_account=False)
    with pytest.raises(MatchTransitionError):  # an answered proposal is not answered again
        match_transition(action, ACCEPTED, "vetter", reason="Chief Ortega", buyer_has_account=False)


def test_offered_to_staff_only_when_the_organisation_has_no_buyer():
    without = {a.name for a in available_match_actions(PROPOSED, "vetter", buyer_has_account=False)}
    with_buyer = {a.name for a in available_match_actions(PROPOSED, "vetter", buyer_has_account=True)}
    assert {"accept_by_phone", "decline_by_phone", "close"} <= without
    assert "accept_by_phone" not in with_buyer and "decline_by_phone" not in with_buyer and "close" in with_buyer
    assert "accept_by_phone" not in {a.name for a in available_match_actions(PROPOSED, "buyer",
                                                                             buyer_has_account=False)}


def test_no_acceptance_is_offered_for_a_switched_off_suppliers_proposal():
    """The offer and the refusal are one rule (action_refusal): what match_transition refuses is
    not offered, and withheld_match_reasons says why in words."""
    from marketplace.domain.match_status import withheld_match_reasons

    buyer = {a.name for a in available_match_actions(PROPOSED, "buyer", supplier_active=False)}
    assert "accept" not in buyer and "decline" in buyer
    staff = {a.name for a in available_match_actions(PROPOSED, "vetter", buyer_has_account=False, supplier_active=False)}
    assert "accept_by_phone" not in staff and "decline_by_phone" in staff
    for party, has_account in (("buyer", True), ("vetter", False)):
        [why] = withheld_match_reasons(PROPOSED, party, buyer_has_account=has_account, supplier_active=False)
        assert why.startswith("This proposal can no longer be accepted: the city deactivated")
    assert withheld_match_reasons(PROPOSED, "buyer") == []
    assert withheld_match_reasons(PROPOSED, "vetter") == []  # the buyer answers: nothing missing for staff
    assert withheld_match_reasons(ACCEPTED, "buyer", supplier_active=False) == []  # accepted stays accepted
