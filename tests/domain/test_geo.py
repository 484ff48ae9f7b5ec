"""ZIP code centroids and distances (offline). No app needed."""
import math

import numpy as np
import pytest

from marketplace.domain import geo


def test_los_angeles_to_san_francisco():
    assert geo.distance_km("90012", "94103") == pytest.approx(559, abs=10)
    assert geo.distance_km("94103", "90012") == geo.distance_km("90012", "94103")


@pytest.mark.parametrize("code", ["90012", "90012-1234", " 90012 ", "\t90012-0001\n"])
def test_zip_forms(code):
    assert geo.centroid(code) == pytest.approx((34.06, -118.24), abs=0.01)


@pytest.mark.parametrize("code", [None, "", "9001", "900123", "90012-12", "ABCDE", "00000", "SW1A 1AA",
                                  "09001"])  # 09001: an APO code, listed at (0, 0)
def test_unknown_codes(code):
    assert geo.centroid(code) is None
    assert geo.distance_km(code, "90012") is None
    assert geo.distance_km("90012", code) is None


def test_same_zip_is_zero():
    assert geo.distance_km("10001", "10001-2222") == 0.0


def test_centroids_array_and_haversine_agree_with_distance_km():
    geo.warm_up()
    points = geo.centroids_array(["90012", None, "94103", "nope", "10001"])
    assert points.shape == (5, 2)
    assert np.isnan(points[[1, 3]]).all() and not np.isnan(points[[0, 2, 4]]).any()
    row = geo.haversine_km(points[0, 0], points[0, 1], points[:, 0], points[:, 1])
    assert row[0] == 0.0 and math.isnan(row[1]) and math.isnan(row[3])
    assert row[2] == pytest.approx(geo.distance_km("90012", "94103"))
    assert row[4] == pytest.approx(geo.distance_km("90012", "10001"))
    assert row[4] == pytest.approx(3936, abs=15)  # LA to Manhattan
    assert geo.centroids_array([]).shape == (0, 2)



def test_haversine_pairs_gives_the_same_floats_as_haversine():
    # The allocation's distance charge rounds km to cents: the pairwise form must not move a float.
    geo.warm_up()
    points = geo.centroids_array(["90012", None, "94103", "10001", "99501", "00601", "33101"])
    rng = np.random.default_rng(3)
    first, second = rng.integers(0, 7, 500), rng.integers(0, 7, 500)
    pairwise = geo.haversine_pairs_km(points, first, points, second)
    one_by_one = geo.haversine_km(points[first, 0], points[first, 1], points[second, 0], points[second, 1])
    assert np.array_equal(pairwise, one_by_one, equal_nan=True)
    assert np.isnan(pairwise[(first == 1) | (second == 1)]).all()


@pytest.mark.parametrize("typed, read", [
    ("02446", "02446"), ("2446", "02446"), ("501", "00501"), ("601", "00601"),
    ("7102-1234", "07102-1234"), ("07102 1234", "07102-1234"), ("071021234", "07102-1234"),
    ("90012-1234", "90012-1234"),
    ("1234", None),   # 01234 is no ZIP code: never padded into one
    ("9003", None),   # 09003 is a military APO code, no place
    ("12", None), ("123456", None), ("90012-12", None), ("ABCDE", None), ("", None),
])
def test_zip_codes_as_written(typed, read):
    assert geo.zip_code(typed) == read


def test_a_zip_that_lost_its_zero_has_its_location():
    assert geo.centroid("2446") == geo.centroid("02446") == pytest.approx((42.34, -71.12), abs=0.01)
    assert geo.distance_km("2446", "02115") < 10  # Brookline to Boston
