"""What may be published to everyone: the one threshold rule for public aggregates (issue 12).

Every public figure (the daily open data at /open-data, the public needs board at /signal) is an
aggregate over some organisations: buyer organisations for demand, suppliers for supply, both for
matches. A figure that covers fewer than ``MIN_ORGANISATIONS`` distinct organisations of any party
it is about is suppressed (published as empty), because with one or two organisations behind it a
reader learns what a single organisation asked for, offered or paid (with two, each learns the
other's figure by subtracting its own). A figure of zero covers no organisation and is published.

The three-organisation rule alone does not hold over time: the figures are counted again every few
minutes, and a reader who keeps two counts learns one organisation's figure from their difference
(one approved offer of 500,000,000 wipes turned a cell of 2,755,000 into 502,755,000). So every
public figure also passes ``public_figure`` (docs/decisions.md, 2026-12-01):

- dominance, the (n, k) rule with n = 1: a cell in which one organisation of a party holds more than
  ``DOMINANCE_SHARE`` of the total is suppressed, so one large contribution is never read off the
  cell nor off the difference of two counts (the cell goes empty instead);
- rounding: published figures are rounded to ``SIGNIFICANT_FIGURES`` significant figures (a base of
  1% to 10% of the value), so one contribution smaller than the base does not show in a difference.

This module is the only place the rule is written; callers count distinct organisations per party
and the largest organisation's part of the cell, and ask ``may_publish`` / ``public_figure`` (the
three-organisation part alone: ``may_disclose``, ``disclosed``).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

MIN_ORGANISATIONS = 3
# The (n, k) dominance rule: suppressed when one organisation holds more than this share of a cell.
DOMINANCE_SHARE = 0.6
# Published figures are rounded to this many significant figures (2,755,000 -> 2,800,000).
SIGNIFICANT_FIGURES = 2

T = TypeVar("T")


def may_disclose(*organisation_counts: int) -> bool:
    """True when a figure about these parties may be published: each count (distinct organisations
    of one party the figure covers, e.g. buyer organisations, suppliers) is zero (nothing happened,
    nobody is described) or at least MIN_ORGANISATIONS. No counts: nothing to protect, True.
    Raises ValueError for a negative count."""
    for count in organisation_counts:
        if count < 0:
            raise ValueError(f"an organisation count cannot be negative ({count})")
        if 0 < count < MIN_ORGANISATIONS:
            return False
    return True


def disclosed(value: T, *organisation_sets: Iterable) -> T | None:
    """``value`` when it may be published, else None (suppressed). Each argument after the value is
    the collection of distinct organisation keys of one party the value covers (duplicates are
    counted once)."""
    return value if may_disclose(*(len(set(keys)) for keys in organisation_sets)) else None


def round_figure(value: int) -> int:
    """``value`` (a whole number, not negative) rounded half up to SIGNIFICANT_FIGURES significant
    figures: 2_755_000 -> 2_800_000, 1_020_000 -> 1_000_000, 57 -> 57, 0 -> 0."""
    if value < 0:
        raise ValueError(f"a published figure cannot be negative ({value})")
    digits = len(str(int(value)))
    if digits <= SIGNIFICANT_FIGURES:
        return int(value)
    base = 10 ** (digits - SIGNIFICANT_FIGURES)
    return (int(value) + base // 2) // base * base


def may_publish(total: int, *parties: tuple[int, int]) -> bool:
    """True when a cell of ``total`` (its magnitude, e.g. units) may be published. Each party the
    cell is about gives ``(distinct organisations, the largest single organisation's part of
    total)``. Suppressed when a party has one or two organisations (may_disclose), or when one
    organisation holds more than DOMINANCE_SHARE of the total (dominance). A zero total describes
    nobody: published."""
    if not may_disclose(*(organisations for organisations, _largest in parties)):
        return False
    return total <= 0 or all(largest <= DOMINANCE_SHARE * total for _organisations, largest in parties)


def public_figure(value: int, total: int, *parties: tuple[int, int]) -> int | None:
    """The figure published for ``value`` (a count or units of a cell whose magnitude is ``total``):
    None (suppressed) when ``may_publish(total, *parties)`` is False, else ``round_figure(value)``.
    The one rule every public aggregate (/open-data, /signal) passes its figures through."""
    return round_figure(value) if may_publish(total, *parties) else None


def public_row(figures: Sequence[int | None], values: Sequence[int]) -> list[int | None]:
    """The published cells of one row whose cells add up to a total (a category's units on /signal by
    when they are needed). ``figures`` are the cells as ``public_figure`` gives them (None:
    suppressed), ``values`` their true values. A cell whose true value is zero describes nobody and is
    published as 0 (a zero cell counts no organisation, so a caller's organisation test may have
    suppressed it), unless exactly one cell of the row with a value is suppressed: a reader who knows
    the row's total would then get that cell as the total less the others, zeros included, so the
    zeros stay suppressed too (docs/decisions.md, 2026-12-01: "Zero is published")."""
    if len(figures) != len(values):
        raise ValueError("one figure per value")
    hidden = sum(1 for figure, value in zip(figures, values, strict=True) if figure is None and value)
    if hidden == 1:
        return [None if not value else figure for figure, value in zip(figures, values, strict=True)]
    return [0 if not value else figure for figure, value in zip(figures, values, strict=True)]
