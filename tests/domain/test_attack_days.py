"""format_day on what a stored fact or history may hold instead of a day: never an exception."""
from datetime import UTC, date, datetime

import pytest

from marketplace.domain.i18n import format_day


@pytest.mark.parametrize("value,shown", [
    (None, ""), ("", ""), ("garbage", "garbage"), ("2026-12-03", "Dec 3, 2026"),
    ("2026-12-03T10:00:00", "2026-12-03T10:00:00"), (date(2026, 12, 3), "Dec 3, 2026"),
    (datetime(2026, 12, 3, 23, 30, tzinfo=UTC), "Dec 3, 2026"),
    (5, "5"), (["2026-12-03"], "['2026-12-03']"), (True, "True"),
])
def test_format_day_never_raises(value, shown):
    assert format_day(value) == shown
