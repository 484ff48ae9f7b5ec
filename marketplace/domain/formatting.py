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
    """1.11x, 6.5x, 12x."""
    return (f"{value:.2f}".rstrip("0").rstrip(".") if value < 10 else f"{value:.0f}") + "x"
