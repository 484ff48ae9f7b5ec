"""Four eyes on approvals: the value rule (exact money, "above") and the stop-signal rule."""
from decimal import Decimal

from marketplace.domain.four_eyes import four_eyes, second_approval_refusal
from marketplace.domain.scoring import STOP_WEIGHT, stop_signal_codes


def test_value_above_the_threshold_is_exact():
    assert not four_eyes(125_000, Decimal("0.8000"), [], 100_000).needed           # exactly 100,000
    assert four_eyes(125_001, Decimal("0.8000"), [], 100_000).needed               # 100,000.80
    # Never rounded before multiplying: 0.7999 x 125,013 = 99,997.90, below.
    assert not four_eyes(125_013, Decimal("0.7999"), None, 100_000).needed


def test_stop_signals_are_the_heavy_ones_in_dicts_or_signals():
    signals = [{"code": "watchlist", "weight": -40, "params": {}}, {"code": "webmail", "weight": -10},
               {"code": "resembles_rejected", "weight": STOP_WEIGHT}, {"code": "price_ok", "weight": 0}]
    assert stop_signal_codes(signals) == ["resembles_rejected", "watchlist"]
    rule = four_eyes(10, Decimal("1"), signals, 100_000)
    assert rule.needed and not rule.over_value and "stop signal" in rule.reason()


def test_the_first_approver_cannot_give_the_second():
    assert second_approval_refusal(actor_id=3, first_approver_id=3)
    assert second_approval_refusal(actor_id=4, first_approver_id=3) is None
    assert second_approval_refusal(actor_id=4, first_approver_id=None) is None
