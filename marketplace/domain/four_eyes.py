"""Four eyes on large and risky approvals (issue 11, item 7): plain rules on plain values.

A lead needs a second, different vetter's approval when its value (quantity x unit price, USD:
``LeadFacts`` prices are USD per unit) is above the city's threshold (setting
``FOUR_EYES_VALUE_USD``, default 100,000) or when it carries a stop signal
(``scoring.stop_signal_codes``). Rejections, questions and escalations need one vetter.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, numbers

from . import i18n
from .i18n import _
from .scoring import flag_label, stop_signal_codes


@dataclass(frozen=True)
class FourEyes:
    """Why a lead needs two approvals: its value (USD, exact) if above the threshold, and its stop
    signals' codes. ``needed`` is whether either holds."""
    value_usd: Decimal
    threshold_usd: Decimal
    stop_codes: tuple[str, ...]

    @property
    def over_value(self) -> bool:
        return self.value_usd > self.threshold_usd

    @property
    def needed(self) -> bool:
        return self.over_value or bool(self.stop_codes)

    def reason(self) -> str:
        """Why, in words for staff, in the current language ("" if not needed): "its value
        $395,000.00 is above $100,000", "it has a stop signal (On a watchlist)", or both."""
        value = i18n.format_money(self.value_usd.quantize(Decimal("0.01")))
        threshold, codes = _whole_dollars(self.threshold_usd), ", ".join(flag_label(c) for c in self.stop_codes)
        if self.over_value and self.stop_codes:
            return _("its value {value} is above {threshold} and it has a stop signal ({codes})").format(
                value=value, threshold=threshold, codes=codes)
        if self.over_value:
            return _("its value {value} is above {threshold}").format(value=value, threshold=threshold)
        if self.stop_codes:
            return _("it has a stop signal ({codes})").format(codes=codes)
        return ""


def _whole_dollars(amount: Decimal) -> str:
    """US dollars rounded to whole dollars, as the current language writes money: $100,000 /
    100.000 US$."""
    locale = i18n.format_locale()
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.split(";")[0].replace("0.00", "0")
    return numbers.format_currency(Decimal(amount).quantize(Decimal("1")), "USD", format=pattern, locale=locale,
                                   currency_digits=False)


def lead_value_usd(quantity: int, unit_price: Decimal) -> Decimal:
    """quantity x unit price (USD per unit): exact, never rounded before multiplying."""
    return Decimal(int(quantity)) * Decimal(unit_price)


def four_eyes(quantity: int, unit_price: Decimal, signals, threshold_usd) -> FourEyes:
    """Whether approving this lead needs a second approval, and why. ``signals``: the stored
    ``risk_signals`` (None while the lead is not scored: no stop signal known yet)."""
    return FourEyes(lead_value_usd(quantity, unit_price), Decimal(threshold_usd),
                    tuple(stop_signal_codes(signals)))


def second_approval_refusal(*, actor_id: int, first_approver_id: int | None) -> str | None:
    """Why this vetter may not give the second approval, or None."""
    if first_approver_id is not None and first_approver_id == actor_id:
        return _("you gave the first approval; a different vetter must give the second")
    return None
