"""Where a US ZIP code is, offline: its centroid from the ``zipcodes`` package data, and great-circle
distances between ZIP codes (issue 4: matching prefers nearer supply); and how a ZIP code is read
(``zip_code``, the US part of the postal code rule in ``countries.postal_code``).

The table (about 42,000 ZIP codes) takes half a second to load, so it is loaded once, on first use;
``warm_up`` loads it ahead of time (workers call it before forking, so that forked children share it).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

import numpy as np
import zipcodes

EARTH_RADIUS_KM = 6371.0088  # the mean Earth radius (IUGG)

# ZIP, ZIP+4 (with a hyphen, a space or nothing between), and ZIPs that lost leading zeros.
_ZIP = re.compile(r"(\d{5})(?:[- ]?(\d{4}))?|(\d{3,4})(?:[- ](\d{4}))?")


@cache
def _table() -> dict[str, tuple[float, float]]:
    """ZIP5 -> (lat, lon). Military (APO/FPO) codes are listed at (0, 0), which is no place in the
    US: they are left out, so they count as unknown rather than as somewhere in the Gulf of Guinea."""
    table = {}
    for row in zipcodes.list_all():
        lat, lon = float(row["lat"]), float(row["long"])
        if lat or lon:
            table[row["zip_code"]] = (lat, lon)
    return table


def warm_up() -> None:
    """Load the ZIP table now rather than on the first request that needs it."""
    _table()


def zip_code(text: str | None) -> str | None:
    """A US ZIP code as written -> its standard form, or None if it cannot be one.

    '02446' -> '02446'; ZIP+4 is kept: '07102-1234', '07102 1234', '071021234' -> '07102-1234'.
    A spreadsheet drops leading zeros, so 3 or 4 digits are padded with zeros, but only when that
    gives a ZIP code of a place (one with a centroid in the ``zipcodes`` data): '2446' -> '02446'
    (Brookline, MA), '501' -> '00501' (Holtsville, NY), '7102-1234' -> '07102-1234'; '1234' -> None
    (no 01234), '9003' -> None (09003 is a military APO code: no place to deliver to or from)."""
    match = _ZIP.fullmatch((text or "").strip())
    if not match:
        return None
    five, plus4, short, short_plus4 = match.groups()
    if short:
        five, plus4 = short.zfill(5), short_plus4
        if five not in _table():
            return None
    return f"{five}-{plus4}" if plus4 else five


def zip5(postal_code: str | None) -> str | None:
    """'90012', ' 90012 ', '90012-1234' -> '90012'; '2446' -> '02446' (see ``zip_code``); anything
    else -> None."""
    code = zip_code(postal_code)
    return code[:5] if code else None


def centroid(postal_code: str | None) -> tuple[float, float] | None:
    """(lat, lon) in degrees of a US ZIP code's centroid, or None if it is not a known US ZIP."""
    code = zip5(postal_code)
    return _table().get(code) if code else None


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between points given in degrees; numpy broadcasting, so one
    point against arrays of points, or pairwise arrays. NaN in, NaN out (an unknown place)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype=np.float64)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    # min(1, .) guards against rounding just above 1 for antipodal points.
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def haversine_pairs_km(first: np.ndarray, first_index: np.ndarray, second: np.ndarray,
                       second_index: np.ndarray) -> np.ndarray:
    """``haversine_km`` between ``first[first_index]`` and ``second[second_index]`` (arrays of (lat, lon)
    in degrees, as from ``centroids_array``), with the same operations in the same order, so the
    same floats; the radians and cosines are taken once per point rather than once per pair."""
    first, second = np.radians(np.asarray(first, dtype=np.float64)), np.radians(np.asarray(second, dtype=np.float64))
    cos_first, cos_second = np.cos(first[:, 0]), np.cos(second[:, 0])
    lat1, lon1 = first[first_index, 0], first[first_index, 1]
    lat2, lon2 = second[second_index, 0], second[second_index, 1]
    a = np.sin((lat2 - lat1) / 2) ** 2 + cos_first[first_index] * cos_second[second_index] * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def distance_km(a: str | None, b: str | None) -> float | None:
    """Great-circle distance in km between two ZIP code centroids; None if either is unknown."""
    first, second = centroid(a), centroid(b)
    if first is None or second is None:
        return None
    return float(haversine_km(first[0], first[1], second[0], second[1]))


def centroids_array(postal_codes: Sequence[str | None]) -> np.ndarray:
    """Shape (n, 2) array of (lat, lon), NaN for unknown codes: the input of ``haversine_km``."""
    table, unknown = _table(), (np.nan, np.nan)
    points = [table.get(zip5(code) or "", unknown) for code in postal_codes]
    return np.array(points, dtype=np.float64).reshape(len(points), 2)
