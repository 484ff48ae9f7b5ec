"""Numbers, money and dates in the reader's language, read back as they are shown (issue 13): the
Spanish notation (1.234,50) beside the English one (1,234.50), which stays as it was
(tests/domain/test_numbers.py). No app needed."""
from datetime import date, datetime
from decimal import Decimal

import pytest
from babel.support import Translations

from marketplace.domain import i18n
from marketplace.domain.dates import DateError, parse_date
from marketplace.domain.formatting import money, ratio
from marketplace.domain.numbers import (
    NumberError,
    fixed_notation,
    read_number,
    write_number,
    write_number_for_reader,
)
from marketplace.web.template_helpers import show_number, show_units


@pytest.fixture(autouse=True, scope="module")
def catalogues():
    i18n.compile_catalogues()  # as the app does when it starts: the Spanish texts from the .po


def price(raw, decimal=None):
    return read_number(raw, what="unit price", whole=False, money=True, decimal=decimal)


def units(raw, decimal=None):
    return read_number(raw, what="quantity", whole=True, decimal=decimal)


@pytest.mark.parametrize("raw, expected", [
    ("0,79", "0.79"), ("1.234,50", "1234.50"), ("1.234,50 US$", "1234.50"), ("$0,035", "0.035"),
    ("0,125", "0.125"), ("1.234.567,89", "1234567.89"), ("3,1510", "3.1510"), ("1 000,50", "1000.50"),
    # A point that cannot group thousands is a decimal point in Spanish too.
    ("0.79", "0.79"), ("1.5", "1.5"), ("0.125", "0.125"), ("1250.000", "1250.000"), ("1.2500", "1.2500"),
])
def test_a_spanish_reader_writes_a_decimal_comma_and_thousands_points(raw, expected):
    assert price(raw, decimal=",") == Decimal(expected)


@pytest.mark.parametrize("raw, expected", [("1.500", 1500), ("12.345", 12345), ("1.234.567", 1234567), ("1500", 1500)])
def test_spanish_thousands_points_in_a_quantity(raw, expected):
    assert units(raw, decimal=",") == expected


def test_the_decimal_sign_follows_the_current_language():
    with i18n.use_locale("es"):
        assert price("0,79") == Decimal("0.79") and units("1.500") == 1500
    with i18n.use_locale("en"):
        with pytest.raises(NumberError, match="Use a decimal point, for example 0.79"):
            price("0,79")
        with pytest.raises(NumberError, match="whole number"):
            units("1.500")
        assert units("1,500") == 1500


def test_a_city_whose_spanish_writes_decimal_points_reads_as_english():
    try:
        i18n.configure_formats({"es": "es_MX"})
        with i18n.use_locale("es"):
            assert units("1,500") == 1500 and price("0.79") == Decimal("0.79")
            with pytest.raises(NumberError, match="Use punto decimal"):
                price("0,79")
    finally:
        i18n.configure_formats({"es": "es"})


@pytest.mark.parametrize("decimal", [".", ","])
@pytest.mark.parametrize("raw", ["1.250", "1,250", "$1,250", "12.345"])
def test_an_ambiguous_price_is_refused_in_either_language(raw, decimal):
    with pytest.raises(NumberError, match="could be"):
        price(raw, decimal=decimal)


def test_the_ambiguous_price_says_how_to_write_each_reading_in_the_readers_notation():
    with i18n.use_locale("es"):
        with pytest.raises(NumberError) as point:
            price("1.250")
        with pytest.raises(NumberError) as comma:
            price("1,250")
    assert "'1.250' puede ser 1250 o 1,25" in str(point.value) and "1.250,00" in str(point.value)
    assert "'1,250' puede ser 1,25 o 1250" in str(comma.value) and "sin coma" in str(comma.value)
    with pytest.raises(NumberError, match=r"could be 1250 or 1.25: use a decimal point"):
        price("1,250", decimal=".")


def test_a_whole_number_with_a_decimal_comma_is_refused_in_spanish_with_the_ways_to_write_it():
    with i18n.use_locale("es"):
        with pytest.raises(NumberError) as refused:
            units("1,500")
    assert str(refused.value) == ("En «cantidad», escriba un número entero: 1500 sin coma, o 1.500 (aquí la coma es "
                                  "el separador decimal).")


def test_messages_are_in_the_readers_language_with_examples_in_their_notation():
    with i18n.use_locale("es"):
        with pytest.raises(NumberError) as refused:
            read_number("abc", what="precio por unidad", whole=False)
        assert str(refused.value) == "En «precio por unidad», escriba un número, por ejemplo 0,79."
        with pytest.raises(NumberError, match="Indique unidades, no cajas"):
            units("10 boxes")
        with pytest.raises(NumberError, match=r"Use coma decimal, por ejemplo 1234,56"):
            price("1,234.56")
    with pytest.raises(NumberError, match=r"^The unit price must be a number, for example 0.79\.$"):
        price("abc")


@pytest.mark.parametrize("value", ["1234.50", "0.79", "0.035", "12", "1250", "3.151", "250000.5"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_money_as_shown_reads_back_as_the_same_amount(value, language):
    """The issue's example: 1.234,50 US$ shown in Spanish is read back as 1234.50 (and $1,234.50 in English)."""
    with i18n.use_locale(language):
        shown = money(Decimal(value))
        assert price(shown) == Decimal(value), shown
    if value == "1234.50":
        assert shown == ("$1,234.50" if language == "en" else "1.234,50\u00a0US$")


@pytest.mark.parametrize("value", ["0.79", "3.151", "0.035", "1500", "12345", "1250.5"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_form_shows_a_stored_number_so_that_it_reads_back(value, language):
    with i18n.use_locale(language):
        shown = write_number_for_reader(Decimal(value))
        assert price(shown) == Decimal(value)
        assert price(write_number(Decimal(value))) == Decimal(value)  # exports read back in every language
    assert write_number_for_reader(Decimal("0.79"), ",") == "0,79" and write_number_for_reader(1500, ",") == "1500"
    assert write_number_for_reader(Decimal("3.151"), ".") == "3.1510"


def test_ratios_in_the_readers_language():
    with i18n.use_locale("es"):
        assert [ratio(v) for v in (1.111, 6.5, 1265.8, 0.0001 / 0.79)] == ["1,11x", "6,5x", "1.266x", "1/7.900 de"]
    assert [ratio(v) for v in (1.111, 1265.8, 0.0001 / 0.79)] == ["1.11x", "1,266x", "1/7,900 of"]


def test_page_numbers_and_moments_in_the_readers_language():
    moment = datetime(2026, 12, 3, 14, 5)  # UTC: 6:05 in the morning in Los Angeles (tests/domain/test_moments.py)
    assert (show_number(1234567), show_number(Decimal("1234.5")), show_units(Decimal("120.0000"))) == \
        ("1,234,567", "1,234.5", "120")
    assert (i18n.format_moment(moment), i18n.format_moment_short(moment, now=moment)) == \
        ("Dec 3, 2026, 6:05\u202fAM PST", "Dec 3, 6:05\u202fAM")
    with i18n.use_locale("es"):
        assert (show_number(1234567), show_number(Decimal("1234.5")), show_units(Decimal("0.5000"))) == \
            ("1.234.567", "1.234,5", "0,5")
        assert (i18n.format_moment(moment), i18n.format_moment_short(moment, now=moment)) == \
            ("3 dic 2026, 6:05 GMT-08:00", "3 dic, 6:05")
    assert show_number(None) == "" and show_units(None) == ""


def test_dates_read_spanish_month_names_and_refuse_in_spanish():
    assert [parse_date(t) for t in ("7 de enero de 2027", "3 dic 2026", "15 sept. 2027", "7 Jan 2027")] == \
        [date(2027, 1, 7), date(2026, 12, 3), date(2027, 9, 15), date(2027, 1, 7)]
    with i18n.use_locale("es"):
        with pytest.raises(DateError) as refused:
            parse_date("07/01/2027")
    assert str(refused.value) == ("07/01/2027 puede leerse como 7 de enero o 1 de julio: escriba 2027-01-07 o "
                                  "7 ene 2027 para el 7 de enero, 2027-07-01 o 1 jul 2027 para el 1 de julio.")
    with pytest.raises(DateError, match="can be read as 7 January or July 1: write 2027-01-07 or 7 Jan 2027"):
        parse_date("07/01/2027")


def test_reading_countries_leaves_how_spanish_writes_money_alone():
    """The country index reads every CLDR locale's own names; Babel's cache must keep the full data
    (it once kept Spanish without what it inherits: "0,79 USD" after the first country was read)."""
    from babel import localedata

    from marketplace.domain.countries import _index, country_code

    localedata._cache.clear()  # as in a fresh process: no locale loaded yet
    _index.cache_clear()
    _index()
    assert country_code("Deutschland") == "DE"
    with i18n.use_locale("es"):
        assert money(Decimal("0.79")) == "0,79\u00a0US$"


def test_a_fixed_notation_reads_a_file_the_same_whoever_imports_it():
    """A CSV file or an API call writes a decimal point whatever its sender's language."""
    with i18n.use_locale("es"), fixed_notation("."):
        assert price("0.79") == Decimal("0.79") and units("1,500") == 1500
        with pytest.raises(NumberError) as refused:
            units("1.500")
        assert "1,500" in str(refused.value) and "número entero" in str(refused.value)
        assert write_number_for_reader(Decimal("0.79")) == "0.79"
    with i18n.use_locale("es"):
        assert units("1.500") == 1500  # the block ended


def test_a_field_name_may_come_marked_or_translated(tmp_path):
    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "days of supply"\nmsgstr "días de existencias"\n\n'
        'msgid "The {what} must be a whole number, for example {example}."\n'
        'msgstr "En «{what}», escriba un número entero, por ejemplo {example}."\n', encoding="utf-8")
    i18n.compile_catalogues(tmp_path)
    token = i18n.activate("es", Translations.load(str(tmp_path), ["es"]))
    try:
        for name in ("days of supply", "días de existencias"):  # N_("days of supply") or _("days of supply")
            with pytest.raises(NumberError) as refused:
                read_number("abc", what=name, whole=True, example="30")
            assert str(refused.value) == "En «días de existencias», escriba un número entero, por ejemplo 30."
    finally:
        i18n.deactivate(token)
