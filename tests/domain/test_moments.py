"""Moments (a timestamp: date and time of day) are shown on the city's clock (CITY_TIMEZONE), in the
reader's language, with the zone named: ``i18n.format_moment`` and its two short forms. Stored
timestamps are UTC; SQLite hands them back naive, which is read as UTC.

The given example: 2027-01-12 03:00 UTC is still the evening of 11 January in Los Angeles (PST).
The second example of the kind: a summer moment (PDT), and another city (Europe/Madrid), where the
same kind of moment falls on the next calendar day.
"""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from marketplace.domain import i18n

NNBSP = "\u202f"  # CLDR puts a narrow no-break space before AM/PM
WINTER = datetime(2027, 1, 12, 3, 0, tzinfo=UTC)  # Jan 11, 7 PM in Los Angeles (PST, UTC-8)
SUMMER = datetime(2027, 7, 12, 23, 5)  # naive, as SQLite returns it: UTC; 4:05 PM PDT (UTC-7) on the 12th
MADRID = ZoneInfo("Europe/Madrid")


@pytest.fixture
def city(request):
    """The city's zone set as the app sets it at start (``configure_zone``), put back after."""
    before = i18n.city_zone()
    i18n.configure_zone(ZoneInfo(request.param))
    yield request.param
    i18n.configure_zone(before)


def test_the_default_city_is_los_angeles():
    assert i18n.city_zone() == ZoneInfo("America/Los_Angeles") == ZoneInfo(i18n.DEFAULT_CITY_TIMEZONE)


@pytest.mark.parametrize(("locale", "full", "short", "time", "day"), [
    ("en", f"Jan 11, 2027, 7:00{NNBSP}PM PST", f"Jan 11, 7:00{NNBSP}PM", f"7:00{NNBSP}PM PST", "Jan 11, 2027"),
    # CLDR's Spanish has no abbreviation for the Pacific zone: its fallback, the offset from GMT.
    ("es", "11 ene 2027, 19:00 GMT-08:00", "11 ene, 19:00", "19:00 GMT-08:00", "11 ene 2027"),
])
def test_a_utc_moment_that_is_the_day_before_in_los_angeles(locale, full, short, time, day):
    with i18n.use_locale(locale):
        assert i18n.format_moment(WINTER) == full
        assert i18n.format_moment(WINTER.replace(tzinfo=None)) == full  # naive: UTC, as SQLite returns it
        assert i18n.format_moment_short(WINTER, now=WINTER) == short
        assert i18n.format_time_of_day(WINTER) == time
        assert i18n.format_day(WINTER) == day  # a moment's day is the city's day, not the UTC date
        for text in (i18n.format_moment(WINTER), i18n.format_moment_short(WINTER, now=WINTER), i18n.format_day(WINTER)):
            assert "12" not in text and "3:00" not in text and "UTC" not in text


@pytest.mark.parametrize(("locale", "full", "time"), [
    ("en", f"Jul 12, 2027, 4:05{NNBSP}PM PDT", f"4:05{NNBSP}PM PDT"),
    ("es", "12 jul 2027, 16:05 GMT-07:00", "16:05 GMT-07:00"),
])
def test_a_summer_moment_is_on_daylight_time(locale, full, time):
    with i18n.use_locale(locale):
        assert i18n.format_moment(SUMMER) == full
        assert i18n.format_time_of_day(SUMMER) == time


@pytest.mark.parametrize("city", ["Europe/Madrid"], indirect=True)
@pytest.mark.parametrize(("locale", "winter", "summer", "day"), [
    ("en", f"Jan 12, 2027, 4:00{NNBSP}AM GMT+01:00", f"Jul 13, 2027, 1:05{NNBSP}AM GMT+02:00", "Jul 13, 2027"),
    ("es", "12 ene 2027, 4:00 CET", "13 jul 2027, 1:05 CEST", "13 jul 2027"),
])
def test_another_city_shows_its_own_clock(city, locale, winter, summer, day):
    """Madrid: 23:05 UTC on 12 July is already 13 July there; the zone is named as the language
    names it (Spanish: CET/CEST; US English has no abbreviation for it, so the offset)."""
    with i18n.use_locale(locale):
        assert i18n.format_moment(WINTER) == winter
        assert i18n.format_moment(SUMMER) == summer
        assert i18n.format_day(SUMMER) == day
        assert i18n.format_moment(SUMMER, zone=ZoneInfo("America/Los_Angeles")).startswith(
            "Jul 12, 2027" if locale == "en" else "12 jul 2027")


def test_a_city_whose_spanish_is_us_spanish_reads_the_us_abbreviation():
    try:
        i18n.configure_formats({"es": "es_US"})
        with i18n.use_locale("es"):
            assert i18n.format_moment(WINTER) == f"11 ene 2027, 7:00{NNBSP}p.m. PST"
    finally:
        i18n.configure_formats({"es": "es"})


def test_stored_iso_moments_are_read_and_anything_else_shown_as_stored():
    assert i18n.format_moment("2027-01-12T03:00:00+00:00") == f"Jan 11, 2027, 7:00{NNBSP}PM PST"
    assert i18n.format_day("2027-01-12T03:00:00+00:00") == "Jan 11, 2027"
    assert i18n.format_day("2027-01-12") == "Jan 12, 2027"  # a day is a day: no clock to move it
    assert [i18n.format_moment(v) for v in (None, "", "soon", 7)] == ["", "", "soon", "7"]
    assert [i18n.format_time_of_day(v) for v in (None, "soon")] == ["", "soon"]
    assert i18n.format_moment_short(None) == ""


@pytest.mark.parametrize(("locale", "winter", "summer"), [
    ("en", "Created (PST)", "Created (PDT)"),
    ("es", "Creado (GMT-08:00)", "Creado (GMT-07:00)"),
])
def test_a_table_heading_names_the_zone_its_short_moments_leave_out(locale, winter, summer):
    """A column of ``format_moment_short`` moments names its zone in its heading (``zoned``), as
    ``format_moment`` names it, the way it is now on the city's clock."""
    with i18n.use_locale(locale):
        assert i18n.zoned(i18n._("Created"), now=WINTER) == winter
        assert i18n.zoned(i18n._("Created"), now=SUMMER) == summer
        assert i18n.zone_name(now=WINTER) == winter.split("(")[1].rstrip(")")
        assert i18n.zone_name(now=WINTER) in i18n.format_moment(WINTER)


@pytest.mark.parametrize("city", ["Europe/Madrid"], indirect=True)
def test_another_citys_heading_names_its_zone(city):
    with i18n.use_locale("es"):
        assert i18n.zoned(i18n._("Created"), now=WINTER) == "Creado (CET)"
    assert i18n.zoned("Received", now=WINTER) == "Received (GMT+01:00)"


@pytest.mark.parametrize(("locale", "under_winter", "under_summer"), [
    ("en", f"Jul 12, 4:05{NNBSP}PM PDT", f"Jul 12, 4:05{NNBSP}PM"),
    ("es", "12 jul, 16:05 GMT-07:00", "12 jul, 16:05"),
])
def test_a_short_moment_across_a_change_of_clocks_names_its_own_zone(locale, under_winter, under_summer):
    """A summer moment in a table read in winter: the heading says PST, so the row says PDT."""
    with i18n.use_locale(locale):
        assert i18n.format_moment_short(SUMMER, now=WINTER) == under_winter
        assert i18n.format_moment_short(SUMMER, now=SUMMER) == under_summer
