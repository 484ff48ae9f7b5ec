"""How numbers are shown to people, the same on pages, in signals and in e-mails: in the reader's
language (domain.i18n, the current language)."""
from __future__ import annotations

from decimal import Decimal

from . import i18n
from .i18n import _


def money(value: Decimal | float | int | None) -> str:
    """A price in US dollars with at least 2 and at most 4 decimals, as the reader's language writes
    it: $0.79, $0.035, $12.00, $1,250.50 in English; 0,79 US$, 1.250,50 US$ in Spanish. None: ""."""
    return i18n.format_money(value)


def ratio(value: float) -> str:
    """How many times a reference a figure is, for a sentence "is {ratio} the reference":
    1.11x, 6.5x, 12x, 1,266x (1,11x and 1266x in Spanish); below 0.01x as a fraction, "1/7,900 of"
    (two significant digits), so that a tiny ratio never reads "0x". A ratio of 0 or less is "0x"."""
    if value <= 0:
        return "0x"
    if value < 0.01:
        denominator = 1 / value
        digits = len(str(int(denominator))) - 2
        rounded = round(denominator, -digits) if digits > 0 else round(denominator)
        return _("1/{denominator} of").format(denominator=i18n.format_integer(int(rounded)))
    if value < 10:
        return i18n.format_decimal(Decimal(f"{value:.2f}"), max_decimals=2) + "x"
    return i18n.format_integer(Decimal(f"{value:.0f}")) + "x"
