"""Sessions that end (domain.sessions): idle and absolute lifetimes, by role and "Keep me signed in"."""
from datetime import UTC, datetime, timedelta

import pytest

from marketplace.domain.sessions import SessionLimits, needs_touch, session_expired

LIMITS = SessionLimits(idle=timedelta(hours=12), idle_staff=timedelta(hours=2), absolute=timedelta(hours=24),
                       absolute_remembered=timedelta(days=30))
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _expired(*, made_ago, seen_ago=None, role="buyer", remembered=False) -> bool:
    return session_expired(LIMITS, now=NOW, created_at=NOW - made_ago,
                           last_seen_at=None if seen_ago is None else NOW - seen_ago, role=role, remembered=remembered)


@pytest.mark.parametrize("role, idle, ended", [
    ("buyer", timedelta(hours=11), False), ("buyer", timedelta(hours=13), True),
    ("supplier", timedelta(hours=13), True),
    ("admin", timedelta(hours=1), False), ("admin", timedelta(hours=3), True), ("vetter", timedelta(hours=3), True),
])
def test_idle_sessions_end_sooner_for_staff(role, idle, ended):
    assert _expired(made_ago=idle + timedelta(minutes=5), seen_ago=idle, role=role) is ended


def test_a_session_never_used_since_signing_in_is_idle_since_then():
    assert _expired(made_ago=timedelta(hours=13)) and not _expired(made_ago=timedelta(hours=11))


@pytest.mark.parametrize("remembered, made_ago, ended", [
    (False, timedelta(hours=23), False), (False, timedelta(hours=25), True),
    (True, timedelta(days=29), False), (True, timedelta(days=31), True),
])
def test_the_absolute_lifetime_however_recently_used(remembered, made_ago, ended):
    assert _expired(made_ago=made_ago, seen_ago=timedelta(minutes=1), remembered=remembered) is ended


def test_keep_me_signed_in_does_not_lengthen_the_idle_limit():
    assert _expired(made_ago=timedelta(days=2), seen_ago=timedelta(hours=13), remembered=True)


def test_the_last_use_is_written_at_most_once_a_minute():
    made = NOW - timedelta(hours=1)
    assert not needs_touch(LIMITS, now=NOW, created_at=NOW - timedelta(seconds=30), last_seen_at=None)
    assert not needs_touch(LIMITS, now=NOW, created_at=made, last_seen_at=NOW - timedelta(seconds=59))
    assert needs_touch(LIMITS, now=NOW, created_at=made, last_seen_at=NOW - timedelta(seconds=60))
    assert needs_touch(LIMITS, now=NOW, created_at=made, last_seen_at=None)
