"""The one threshold rule for public figures (domain.disclosure), shared by /open-data and /signal."""
import pytest

from marketplace.domain.disclosure import MIN_ORGANISATIONS, disclosed, may_disclose


def test_the_threshold_is_three_organisations():
    assert MIN_ORGANISATIONS == 3


@pytest.mark.parametrize(("counts", "expected"), [
    ((), True),            # nothing to protect
    ((0,), True),          # a zero describes nobody
    ((1,), False),         # one organisation: its own figure
    ((2,), False),         # two: each learns the other's by subtracting its own
    ((3,), True),
    ((40,), True),
    ((3, 2), False),       # every party must be covered: three buyers but two suppliers
    ((2, 3), False),
    ((3, 3), True),
    ((0, 5), True),
])
def test_may_disclose_counts_every_party(counts, expected):
    assert may_disclose(*counts) is expected


def test_a_negative_count_is_a_mistake():
    with pytest.raises(ValueError, match="negative"):
        may_disclose(-1)


def test_disclosed_counts_distinct_organisations():
    # Ten requests by the same two hospitals are still two organisations: suppressed.
    assert disclosed(1000, ["a", "b"] * 5) is None
    assert disclosed(1000, ["a", "b", "c"]) == 1000
    # A value covering two parties: both need three.
    assert disclosed(7, {"h1", "h2", "h3"}, {"s1", "s2"}) is None
    assert disclosed(7, {"h1", "h2", "h3"}, {"s1", "s2", "s3"}) == 7
    # A zero value published (nothing happened).
    assert disclosed(0, set()) == 0
