"""domain.i18n: the language of the domain's texts, and numbers, money and dates per language."""
from datetime import date
from decimal import Decimal

from babel.support import Translations

from marketplace.domain import i18n


def test_choose_locale_reads_codes_as_people_and_browsers_write_them():
    assert [i18n.choose_locale(c) for c in ("es", "es-MX", "es_419", "ES", "en-GB", "fr", "", None)] == \
        ["es", "es", "es", "es", "en", "en", "en", "en"]


def test_money_numbers_and_days_are_written_for_the_language():
    with i18n.use_locale("en"):
        assert [i18n.format_money(Decimal(v)) for v in ("0.79", "0.035", "12", "1250.5")] == \
            ["$0.79", "$0.035", "$12.00", "$1,250.50"]
        assert i18n.format_integer(1234567) == "1,234,567"
        assert i18n.format_day(date(2026, 12, 3)) == "Dec 3, 2026"
        assert i18n.decimal_symbol() == "."
    with i18n.use_locale("es"):
        assert [i18n.format_money(Decimal(v)) for v in ("0.79", "0.035", "1234.5")] == \
            ["0,79\u00a0US$", "0,035\u00a0US$", "1.234,50\u00a0US$"]
        assert i18n.format_integer(1234567) == "1.234.567"
        assert i18n.format_day(date(2026, 12, 3)) == "3 dic 2026"
        assert i18n.decimal_symbol() == ","
    assert i18n.current_locale() == "en"  # the block ended


def test_a_city_may_choose_how_spanish_writes_numbers():
    try:
        i18n.configure_formats({"es": "es_MX"})
        with i18n.use_locale("es"):
            assert i18n.decimal_symbol() == "." and i18n.format_integer(1500) == "1,500"
    finally:
        i18n.configure_formats({"es": "es"})


def test_texts_come_from_the_compiled_catalogue(tmp_path):
    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Offer supplies"\nmsgstr "Ofrecer suministros"\n\n'
        '#, fuzzy\nmsgid "Not checked"\nmsgstr "Sin revisar"\n', encoding="utf-8")
    assert [p.name for p in i18n.compile_catalogues(tmp_path)] == ["messages.mo"]
    assert i18n.compile_catalogues(tmp_path) == []  # up to date: nothing written
    translations = Translations.load(str(tmp_path), ["es"])
    token = i18n.activate("es", translations)
    try:
        assert i18n._("Offer supplies") == "Ofrecer suministros"
        assert i18n._("Not checked") == "Not checked"  # fuzzy: English until a translator confirms
        assert i18n._("Anything else") == "Anything else"
    finally:
        i18n.deactivate(token)
    assert i18n._("Offer supplies") == "Offer supplies"


def test_reading_countries_leaves_babels_locale_data_whole():
    """The country index reads each CLDR file's own names; Spanish money keeps its inherited data."""
    from babel import localedata

    from marketplace.domain import countries

    localedata._cache.pop("es", None)  # as in a fresh process: Spanish not loaded yet
    countries._index.cache_clear()
    assert countries.country_code("Estados Unidos") == "US"
    with i18n.use_locale("es"):
        assert i18n.format_money(Decimal("0.79")) == "0,79\u00a0US$"
