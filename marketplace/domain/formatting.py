"""How numbers are shown to people, the same on pages, in signals and in e-mails."""
from __future__ import annotations

from decimal import Decimal


def money(value: Decimal | float | int | None) -> str:
    """$0.79, $0.035, $12.00, $1,250.50: at least 2 and at most 4 decimals."""
    if value is None:
        return ""
    text = f"{Decimal(str(value)):,.4f}"
    while text.endswith("0") and len(text.rsplit(".", 1)[1]) > 2:
        text = text[:-1]
    return "$" + text


def ratio(value: float) -> str:
    """How many times a reference a figure is, for a sentence "is {ratio} the reference":
    1.11x, 6.5x, 12x, 1,266x; below 0.01x as a fraction, "1/7,900 of" (two significant digits),
    so that a tiny ratio never reads "0x". A ratio of 0 or less is "0x"."""
    if value <= 0:
        return "0x"
    if value < 0.01:
        denominator = 1 / value
        digits = len(str(int(denominator))) - 2
        rounded = round(denominator, -digits) if digits > 0 else round(denominator)
        return f"1/{int(rounded):,} of"
    if value < 10:
        return f"{value:.2f}".rstrip("0").rstrip(".") + "x"
    return f"{value:,.0f}x"
