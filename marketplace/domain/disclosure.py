"""What may be published to everyone: the one threshold rule for public aggregates (issue 12).

Every public figure (the daily open data at /open-data, the public needs board at /signal) is an
aggregate over some organisations: buyer organisations for demand, suppliers for supply, both for
matches. A figure that covers fewer than ``MIN_ORGANISATIONS`` distinct organisations of any party
it is about is suppressed (published as empty), because with one or two organisations behind it a
reader learns what a single organisation asked for, offered or paid (with two, each learns the
other's figure by subtracting its own). A figure of zero covers no organisation and is published.

This module is the only place the rule is written; callers count distinct organisations per party
and ask ``may_disclose`` (or ``disclosed`` for a value).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

MIN_ORGANISATIONS = 3

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
