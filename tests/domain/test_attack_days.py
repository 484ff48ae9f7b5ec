"""format_day on what a stored fact or history may hold instead of a day: never an exception."""
from datetime import UTC, date, datetime

import pytest

from marketplace.domain.i18n import format_day


@pytest.mark.parametrize("value,shown", [
    (None, ""), ("", ""), ("garbage", "garbage"), ("2026-12-03", "Dec 3, 2026"),
    # A moment (an ISO timestamp or a datetime, UTC when naive) is its day on the city's clock (Los
    # Angeles): 03:00 UTC on the 4th is still the 3rd there; never the raw ISO text.
    ("2026-12-03T10:00:00", "Dec 3, 2026"), ("2026-12-04T03:00:00+00:00", "Dec 3, 2026"),
    (date(2026, 12, 3), "Dec 3, 2026"),
    (datetime(2026, 12, 3, 23, 30, tzinfo=UTC), "Dec 3, 2026"), (datetime(2026, 12, 4, 3, 0), "Dec 3, 2026"),
    ("2026-12-03T99:00:00", "2026-12-03T99:00:00"),
    (5, "5"), (["2026-12-03"], "['2026-12-03']"), (True, "True"),
])
def test_format_day_never_raises(value, shown):
    assert format_day(value) == shown
