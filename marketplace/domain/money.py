"""Money, one rule (issue 11 item 19): amounts are exact ``Decimal`` values, multiplied and summed
exactly, and rounded to whole cents only once, at the end, for display or for a stored total.

A plan's total is therefore the exact sum of its lines (quantity x unit price, unit prices with up
to 4 decimals as leads store them), never a sum of amounts rounded one by one.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal


def line_total(quantity: int, unit_price: Decimal) -> Decimal:
    """quantity x unit price in dollars, exact (no rounding): 1,000 x $0.0335 -> $33.5000."""
    return Decimal(quantity) * unit_price


def total(lines: Iterable[tuple[int, Decimal]]) -> Decimal:
    """The exact sum of (quantity, unit price) lines in dollars; Decimal 0 for no lines."""
    return sum((line_total(quantity, price) for quantity, price in lines), Decimal(0))


def cents(amount: Decimal) -> int:
    """An amount in dollars as whole cents, rounded half up once ($0.035 -> 4, $22,680.004 -> 2268000).
    Only for display or a stored total: never round before multiplying or summing."""
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
