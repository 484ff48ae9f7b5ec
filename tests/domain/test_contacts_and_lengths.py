"""The two rules of a fresh user's walk, as pure functions: how a phone is shown to another party
(domain.countries.phone_shown) and how long free text may be (domain.text.length_refusal, checked
by the match and lead lifecycles too)."""
import pytest

from marketplace.domain.countries import ShownPhone, phone_shown
from marketplace.domain.lead_status import TextTooLong, transition
from marketplace.domain.leads import TEXT_FIELDS
from marketplace.domain.match_status import MatchTransitionError, match_transition
from marketplace.domain.text import MESSAGE_MAX_LENGTH, REASON_MAX_LENGTH, length_refusal


def test_a_mexican_number_is_shown_international_with_its_e164_link():
    assert phone_shown("55 1234 5678", "MX") == ShownPhone("+52 55 1234 5678", "+525512345678")
    assert phone_shown("55 1234 5678", "Mexico") == ShownPhone("+52 55 1234 5678", "+525512345678")


def test_a_us_hospitals_number_is_shown_with_plus_one():
    assert phone_shown("(213) 555-0171", "US") == ShownPhone("+1 213-555-0171", "+12135550171")
    assert phone_shown("+52 55 1234 5678", "US") == ShownPhone("+52 55 1234 5678", "+525512345678")


def test_a_number_that_cannot_be_read_is_shown_as_typed_without_a_link_and_none_is_none():
    assert phone_shown(" ask for Ana ", "MX") == ShownPhone("ask for Ana", None)
    assert phone_shown("12", "GB") == ShownPhone("12", None)
    assert phone_shown("", "US") is None and phone_shown(None, None) is None


def test_the_limits_and_their_message():
    assert length_refusal("x" * REASON_MAX_LENGTH, REASON_MAX_LENGTH) is None
    assert length_refusal("  " + "x" * REASON_MAX_LENGTH + "\n", REASON_MAX_LENGTH) is None  # counted as stored
    assert length_refusal("x" * 3000, REASON_MAX_LENGTH) == "At most 1000 characters (this has 3000)."
    assert length_refusal(None, 1) is None
    assert REASON_MAX_LENGTH <= MESSAGE_MAX_LENGTH == TEXT_FIELDS["notes"].max_length


def test_the_lifecycles_refuse_a_text_over_the_limit_never_cut():
    with pytest.raises(MatchTransitionError) as refused:
        match_transition("decline", "proposed", "buyer", reason="r" * (REASON_MAX_LENGTH + 1))
    assert refused.value.field == "reason" and "At most 1000 characters" in str(refused.value)
    assert match_transition("decline", "proposed", "buyer", reason="r" * REASON_MAX_LENGTH) == "declined"
    with pytest.raises(TextTooLong, match="At most 2000 characters"):
        transition("request_info", "submitted", "vetter", "q" * (MESSAGE_MAX_LENGTH + 1))
    with pytest.raises(TextTooLong):
        transition("answer", "info_requested", "supplier", "a" * (MESSAGE_MAX_LENGTH + 1))
