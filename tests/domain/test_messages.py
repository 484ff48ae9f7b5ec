"""Facts worded per reader (domain.messages): every code for every role, and nothing private in
what a supplier or a buyer reads (issue 9, item 4; issue 10, item 2). No app needed."""
import re
from datetime import date
from decimal import Decimal

import pytest

from marketplace.domain import messages
from marketplace.domain.allocation import Need, Offer, fit_reasons, urgency_reason
from marketplace.domain.messages import (BUYER, NOT_SHOWN, NOTIFICATIONS, REASONS, ROLES, STAFF, SUPPLIER, fact,
                                         reader_role, render_email, render_notification, render_reason,
                                         render_reasons)

# One fact for every code of every table, with the parameters the marketplace stores for it.
REASON_SAMPLES = {
    "urgency": fact("urgency", days_of_supply=3, weight=4),
    "price": fact("price", unit_price=Decimal("0.79"), max_unit_price=Decimal("0.85")),
    "lead_time": fact("lead_time", lead_time_days=5, days_until_needed=14),
    "lead_time_unstated": fact("lead_time_unstated", assumed_days=14),
    "distance": fact("distance", distance_km=312.4),
    "distance_unknown": fact("distance_unknown"),
    "substitute": fact("substitute", offer_category="kn95_respirator", need_category="n95_respirator"),
    "vetting_score": fact("vetting_score", score=62),
    "vetting_unscored": fact("vetting_unscored"),
    "proposed_by_hand": fact("proposed_by_hand", staff_email="vera.vetter@city.example"),
    "legacy": fact("legacy", text="$0.79 a unit, $0.06 under your maximum"),
}
NOTIFICATION_SAMPLES = {
    "match_proposed": fact("match_proposed", match_id=7, lead_id=12, demand_id=3, quantity=4000,
                           category="n95_respirator"),
    "match_status": fact("match_status", match_id=7, demand_id=3, quantity=4000, category="n95_respirator",
                         status="declined", reason="We found stock nearer", close_reason=None),
    "match_closed": fact("match_closed", match_id=7, close_reason="request_withdrawn"),
    "legacy": fact("legacy", text="Match #7 was closed: a reason from before facts."),
}


def test_every_code_has_a_sample_and_a_text_or_not_shown_for_every_role():
    assert set(REASON_SAMPLES) == set(REASONS) and set(NOTIFICATION_SAMPLES) == set(NOTIFICATIONS)
    for table in (REASONS, NOTIFICATIONS):
        for code, texts in table.items():
            assert set(texts) == set(ROLES), code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("code", sorted(REASONS))
def test_every_reason_renders_for_every_role(code, role):
    text = render_reason(REASON_SAMPLES[code], role)
    if REASONS[code][role] is NOT_SHOWN:
        assert text is None
    else:
        assert text and "{" not in text and "}" not in text, text


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("code", sorted(NOTIFICATIONS))
def test_every_notification_renders_for_every_role(code, role):
    text = render_notification(NOTIFICATION_SAMPLES[code], role)
    assert text and "{" not in text and "}" not in text, text
    subject, body = render_email(NOTIFICATION_SAMPLES[code], role, "https://ppe.city.example/matches/7")
    assert subject == text[:200] and text in body and "https://ppe.city.example/matches/7" in body


def test_staff_wording_is_the_old_sentences():
    assert render_reason(REASON_SAMPLES["price"], STAFF) == "$0.79 a unit, $0.06 under your maximum"
    assert render_reason(REASON_SAMPLES["urgency"], STAFF) == "3 days of supply left (urgency weight 4)"
    assert render_reason(REASON_SAMPLES["lead_time"], STAFF) == "ready in 5 days, 9 days before your deadline"
    assert render_reason(REASON_SAMPLES["proposed_by_hand"], "vetter") == "proposed by hand by vera.vetter@city.example"
    assert render_notification(NOTIFICATION_SAMPLES["match_status"], "admin") == (
        "Match #7 (4,000 N95 respirator, request #3) is now declined: We found stock nearer")
    assert render_notification(NOTIFICATION_SAMPLES["match_closed"], BUYER) == (
        "Match #7 was closed: The buyer withdrew the request.")
    assert render_notification(NOTIFICATION_SAMPLES["match_proposed"], BUYER) == (
        "Proposed: 4,000 N95 respirator for your request #3")
    assert render_notification(NOTIFICATION_SAMPLES["match_proposed"], SUPPLIER) == (
        "Your lead #12: 4,000 N95 respirator proposed to a buyer (request #3)")


def _match_reasons(max_price="0.85", price="0.79", days_of_supply=3, score=62):
    offer = Offer(id=1, category="n95_respirator", quantity=5000, unit_price=Decimal(price), lead_time_days=5,
                  postal_code="90012", risk_score=score)
    need = Need(id=2, category="n95_respirator", quantity=4000, max_unit_price=Decimal(max_price),
                substitutes=frozenset(), days_until_needed=14, postal_code="90033",
                days_of_supply=days_of_supply)
    return [urgency_reason(need), *fit_reasons(offer, need, 4.2),
            fact("proposed_by_hand", staff_email="vera.vetter@city.example")]


def _percentages_and_ratios(text):
    return re.findall(r"\d+(?:\.\d+)?\s*%|\d+(?:\.\d+)?x\b|percent", text)


def test_a_supplier_reads_nothing_of_the_maximum_its_score_the_days_of_supply_or_the_vetter():
    """The match that told a supplier "$0.06 under your maximum" (issue 10, item 2)."""
    reasons = _match_reasons()
    supplier = " | ".join(render_reasons(reasons, SUPPLIER))
    assert "$0.79 a unit" in supplier  # its own price it may read
    for private in ("0.85", "0.06", "maximum", "62", "concerns", "3 days", "supply", "urgency",
                    "vera.vetter", "@"):
        assert private not in supplier, (private, supplier)
    assert _percentages_and_ratios(supplier) == []
    # The maximum at the offer price (nothing under it) says nothing either.
    assert "maximum" not in " ".join(render_reasons(_match_reasons(max_price="0.79"), SUPPLIER))


def test_a_buyer_reads_its_own_maximum_and_the_band_not_the_score_nor_the_vetter():
    buyer = " | ".join(render_reasons(_match_reasons(), BUYER))
    assert "$0.06 under your maximum" in buyer and "3 days of supply left" in buyer
    assert "some concerns" in buyer and "62" not in buyer
    assert "vera.vetter" not in buyer and "proposed by city staff" in buyer


def test_staff_read_everything():
    staff = " | ".join(render_reasons(_match_reasons(), "admin"))
    for shown in ("$0.79 a unit, $0.06 under your maximum", "vetting score 62 of 100", "3 days of supply left",
                  "vera.vetter@city.example", "4 km away"):
        assert shown in staff


def test_legacy_facts_show_their_text_to_staff_only():
    old = "$0.79 a unit, $0.06 under your maximum"
    assert render_reasons([old], STAFF) == [old]  # a bare stored sentence is a legacy fact
    assert render_reasons([old], SUPPLIER) == [] and render_reasons([old], BUYER) == []
    text = NOTIFICATION_SAMPLES["legacy"]["params"]["text"]
    assert render_notification(NOTIFICATION_SAMPLES["legacy"], STAFF) == text
    for role in (BUYER, SUPPLIER):
        assert "closed" not in render_notification(NOTIFICATION_SAMPLES["legacy"], role)


def test_unknown_codes_show_raw_to_staff_and_nothing_to_others():
    assert render_reason(fact("from_the_future", n=1), STAFF) == "from_the_future {'n': 1}"
    assert render_reason(fact("from_the_future", n=1), SUPPLIER) is None


def test_facts_hold_plain_values_only():
    assert fact("price", unit_price=Decimal("0.7900"), max_unit_price=Decimal("1"))["params"] == {
        "unit_price": "0.79", "max_unit_price": "1"}
    with pytest.raises(TypeError):
        fact("urgency", when=date(2026, 11, 30))  # a date is stored as its ISO text
    assert fact("urgency", when=date(2026, 11, 30).isoformat())["params"] == {"when": "2026-11-30"}


def test_reader_roles():
    assert [reader_role(r) for r in ("vetter", "admin", "staff", "buyer", "supplier", None, "anonymous")] == [
        STAFF, STAFF, STAFF, BUYER, SUPPLIER, SUPPLIER, SUPPLIER]
    assert messages.risk_band(75) == "few concerns" and messages.risk_band(39) == "serious concerns"
