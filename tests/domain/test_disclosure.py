"""The one threshold rule for public figures (domain.disclosure), shared by /open-data and /signal."""
import pytest

from marketplace.domain.disclosure import (
    DOMINANCE_SHARE,
    MIN_ORGANISATIONS,
    disclosed,
    may_disclose,
    may_publish,
    public_figure,
    round_figure,
)


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


@pytest.mark.parametrize(("value", "rounded"), [
    (0, 0), (7, 7), (99, 99), (100, 100), (3501, 3500), (2_755_000, 2_800_000), (502_755_000, 500_000_000),
    (1_020_000, 1_000_000), (1_050_000, 1_100_000), (950, 950), (995, 1000),
])
def test_published_figures_are_rounded_to_two_significant_figures(value, rounded):
    assert round_figure(value) == rounded


def test_one_organisation_holding_most_of_a_cell_suppresses_it():
    assert DOMINANCE_SHARE == 0.6
    # three suppliers, the largest with 60%: published; with more: suppressed
    assert may_publish(1000, (3, 600)) is True
    assert may_publish(1000, (3, 601)) is False
    # the reported case: 500,000,000 of 502,755,000
    assert public_figure(4, 502_755_000, (4, 500_000_000)) is None
    assert public_figure(2_755_000, 2_755_000, (3, 1_000_000)) == 2_800_000
    # every party counts: even buyers, one dominant supplier
    assert may_publish(300, (3, 100), (3, 200)) is False
    # the three-organisation rule stays
    assert public_figure(900, 900, (2, 450)) is None
    # a zero cell describes nobody
    assert public_figure(0, 0, (0, 0)) == 0


def test_the_public_needs_board_passes_the_same_rule():
    """/signal (domain.dashboard.signal_rows): one hospital's request of 20,000 gloves posted between two
    counts does not show in their difference; one hospital needing most of a category suppresses it."""
    from marketplace.domain.dashboard import signal_rows

    def board(still_needed, organisations, largest):
        figures = {"nitrile_gloves": {"still_needed": still_needed, "planned": 0, "organisations": organisations,
                                      "largest": largest,
                                      "windows": {"week": {"units": still_needed, "organisations": organisations,
                                                           "largest": largest}}}}
        return next(r for r in signal_rows(figures) if r.category == "nitrile_gloves")

    before, after = board(1_000_000, 3, 400_000), board(1_020_000, 4, 400_000)
    assert before.units_short == after.units_short == 1_000_000
    assert before.cells[0].units == after.cells[0].units == 1_000_000
    dominated = board(3_000_000, 3, 2_400_000)  # one hospital asks for 2,000,000 more
    assert not dominated.shown and dominated.units_short is None and dominated.cells[0].units is None
    # a snapshot counted before "largest" was: suppressed until the job counts again
    old = {"nitrile_gloves": {"still_needed": 1000, "organisations": 3, "windows": {}}}
    assert not next(r for r in signal_rows(old) if r.category == "nitrile_gloves").shown


def test_a_window_nobody_needs_anything_in_is_published_as_zero():
    """/signal showed "–" for "Needed within 7 days (or overdue)" when nobody needed anything that
    soon, though "–" means a figure of fewer than three organisations and zero is published."""
    from marketplace.domain.dashboard import signal_rows
    from marketplace.domain.disclosure import public_row

    def cells(windows):
        figures = {"goggles": {"still_needed": 6000, "planned": 0, "organisations": 3, "largest": 2000,
                               "windows": windows}}
        return [c.units for c in next(r for r in signal_rows(figures) if r.category == "goggles").cells]

    three = {"units": 6000, "organisations": 3, "largest": 2000}
    assert cells({"month": three}) == [0, 6000, 0]
    # the second example: everything needed within 7 days, nothing later
    assert cells({"week": three}) == [6000, 0, 0]
    # one hidden cell beside a zero: the zero stays hidden, or the total less the rest would give it away
    assert cells({"month": three, "later": {"units": 40, "organisations": 1, "largest": 40}}) == [None, 6000, None]
    # two hidden cells: the zero tells nothing about either
    two = {"units": 50, "organisations": 2, "largest": 30}
    assert cells({"week": two, "later": two, "month": three}) == [None, 6000, None]
    assert cells({"week": two, "later": two}) == [None, 0, None]
    assert public_row([None, None, 5], [0, 0, 5]) == [0, 0, 5]
    assert public_row([None, None, 5], [0, 7, 5]) == [None, None, 5]
    # a category that is not shown at all shows no zero either
    hidden = {"goggles": {"still_needed": 60, "organisations": 1, "largest": 60, "windows": {}}}
    assert [c.units for c in next(r for r in signal_rows(hidden) if r.category == "goggles").cells] == [None] * 3
