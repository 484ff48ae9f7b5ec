"""Close reasons and match actions per party (issue 11 item 10): pure rules, no app."""
import pytest

from marketplace.domain.match_status import (
    ACCEPTED,
    CLOSED,
    PROPOSED,
    MatchTransitionError,
    available_match_actions,
    close_reasons_for,
    closing_reason,
    match_transition,
)


def codes(party):
    return [code for code, _ in close_reasons_for(party)]


def test_a_buyer_never_says_it_could_not_reach_the_buyer():
    assert "buyer_unreachable" not in codes("buyer")
    assert "supplier_unreachable" in codes("buyer")
    with pytest.raises(MatchTransitionError, match="choose"):
        match_transition("close", PROPOSED, "buyer", close_reason="buyer_unreachable")


def test_a_supplier_never_says_it_could_not_reach_the_supplier_and_staff_choose_any():
    # Second example of the kind: the other party's mirror reason.
    assert "supplier_unreachable" not in codes("supplier")
    assert "buyer_prefers_another" not in codes("supplier")
    assert set(codes("vetter")) == set(codes("admin")) >= {"buyer_unreachable", "supplier_unreachable"}
    assert codes(None) == [] and codes("anonymous") == []


def test_the_buyer_reads_its_own_reason_in_the_first_person():
    """The buyer's list said "The buyer prefers another offer" to the buyer (found in a walk through
    the Spanish pages); staff, who choose for either party, keep the third person."""
    from marketplace.domain import i18n

    assert dict(close_reasons_for("buyer"))["buyer_prefers_another"] == "We prefer another offer"
    assert dict(close_reasons_for("admin"))["buyer_prefers_another"] == "The buyer prefers another offer"
    with i18n.use_locale("es"):
        assert i18n._(dict(close_reasons_for("buyer"))["buyer_prefers_another"]) == "Preferimos otra oferta"


def test_a_suppliers_actions_are_named_for_what_they_do():
    on_proposal = {a.name: a.label for a in available_match_actions(PROPOSED, "supplier")}
    assert on_proposal == {"confirm_availability": "Confirm availability", "cannot_supply": "Cannot supply"}
    after_accept = {a.label for a in available_match_actions(ACCEPTED, "supplier")}
    assert after_accept == {"Save delivery date", "Cannot supply", "Could not reach the buyer"}
    assert "Close" not in set(on_proposal.values()) | after_accept
    # The buyer and staff still close with a chosen reason.
    assert "close" in {a.name for a in available_match_actions(PROPOSED, "buyer")}
    assert "close" in {a.name for a in available_match_actions(ACCEPTED, "vetter")}


def test_supplier_actions_close_with_their_own_reason_and_confirming_changes_nothing():
    assert match_transition("cannot_supply", PROPOSED, "supplier") == CLOSED
    assert closing_reason("cannot_supply", None) == "no_supply"
    assert closing_reason("buyer_unreachable", "no_supply") == "buyer_unreachable"
    assert closing_reason("close", "supplier_unreachable") == "supplier_unreachable"
    assert closing_reason("accept", "no_supply") is None
    assert match_transition("confirm_availability", PROPOSED, "supplier") == PROPOSED
    with pytest.raises(MatchTransitionError):
        match_transition("confirm_availability", PROPOSED, "buyer")
    with pytest.raises(MatchTransitionError):
        match_transition("buyer_unreachable", PROPOSED, "supplier")  # the buyer is not known yet
