"""domain.dashboard.axis_cap: one 50-million-unit lead must not flatten every other bar."""
import pytest

from marketplace.domain.dashboard import axis_cap


@pytest.mark.parametrize("values, cap", [
    ([50_000_000, 3_000, 1_500, 800, 0], 5_000),           # the fresh user's example: one huge lead
    ([50_000_000, 50_000_000, 2_300, 700, 100], 5_000),    # the second: the lead offered and approved, two bars
    ([50_000_000, 4_000_000, 3_000, 1_500], 5_000),        # two outliers of their own sizes: the widest gap
    ([120, 9, 8, 3], 20),
])
def test_a_few_bars_far_above_the_rest_are_cut_short(values, cap):
    assert axis_cap(values) == cap


@pytest.mark.parametrize("values", [
    [3_000, 1_500, 800],                 # an ordinary spread
    [50_000_000],                        # one bar alone
    [50_000_000, 0, 0],                  # nothing else drawn
    [],
    [9_000, 1_000, 800],                 # nine times the next: not an outlier
    [10_000, 9_000, 8_000, 7_000, 10],   # four bars above the gap: the spread is real
])
def test_otherwise_the_axis_fits_every_bar(values):
    assert axis_cap(values) is None
