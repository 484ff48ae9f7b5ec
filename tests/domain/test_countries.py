"""Countries, phones and postal codes as people write them (issue 8, items 2 and 3). No app needed.

The case files in tests/cases are copies of ../shared/cases (their right values are in its README)."""
import csv
from dataclasses import replace
from pathlib import Path

import pytest

from marketplace.domain import countries, geo
from marketplace.domain.demand import clean_postal_code
from marketplace.domain.errors import FieldError
from marketplace.domain.leads import LeadFacts, parse_lead
from marketplace.domain.normalise import normalise_lead, phone_e164, postal_code
from tests.conftest import VALID_LEAD

CASES = Path(__file__).resolve().parent.parent / "cases"


def case_rows(name: str) -> dict[str, dict]:
    with open(CASES / name, newline="", encoding="utf-8") as handle:
        return {row["external_id"]: row for row in csv.DictReader(handle)}


def parsed(row: dict) -> LeadFacts:
    values, errors = parse_lead(row)
    assert errors == {}, errors
    return values


# --- Countries ----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, code", [
    ("GB", "GB"), ("gbr", "GB"), ("United Kingdom", "GB"), ("UK", "GB"), ("U.K.", "GB"),
    ("Great Britain", "GB"), ("Scotland", "GB"), ("Reino Unido", "GB"), ("Vereinigtes Königreich", "GB"),
    ("MX", "MX"), ("MEX", "MX"), ("Mexico", "MX"), ("México", "MX"), ("  mexico ", "MX"),
    ("US", "US"), ("USA", "US"), ("U.S.", "US"), ("U.S.A.", "US"), ("United States", "US"),
    ("United States of America", "US"), ("Estados Unidos", "US"), ("Etats-Unis", "US"),
    ("Viet Nam", "VN"), ("Vietnam", "VN"), ("South Korea", "KR"), ("Republic of Korea", "KR"),
    ("Türkiye", "TR"), ("Turkey", "TR"), ("Turquía", "TR"),
    ("China", "CN"), ("中国", "CN"), ("Chine", "CN"), ("Deutschland", "DE"), ("Allemagne", "DE"),
    ("India", "IN"), ("Inde", "IN"), ("IN", "IN"), ("日本", "JP"), ("Brasil", "BR"),
    ("The Netherlands", "NL"), ("Holland", "NL"), ("Czech Republic", "CZ"), ("Côte d'Ivoire", "CI"),
    ("Cote d'Ivoire", "CI"), ("Ivory Coast", "CI"), ("St Lucia", "LC"), ("Taiwan", "TW"), ("Iran", "IR"),
    ("Russia", "RU"), ("Puerto Rico", "PR"), ("Hong Kong", "HK"), ("Congo", "CG"),
    ("Falkland Islands", "FK"), ("Georgia", "GE"), ("Niger", "NE"), ("Nigeria", "NG"),
    ("Schweiz", "CH"), ("España", "ES"), ("Espana", "ES"), ("Российская Федерация", "RU"),
    ("Korea, South", "KR"), ("Korea (South)", "KR"), ("Korea, Republic of", "KR"), ("PRC", "CN"),
    ("Deutschland (Germany)", "DE"), ("USA (Texas)", "US"),
    ("Namibia", "NA"), ("NAM", "NA"), ("Norway", "NO"), ("NOR", "NO"), ("nam", "NA"),
])
def test_countries_are_read_by_code_name_alias_and_language(typed, code):
    assert countries.country_code(typed) == code


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_no_country_is_none(typed):
    assert countries.country_code(typed) is None


@pytest.mark.parametrize("typed, message_part", [
    ("Atlantis", "Unknown country 'Atlantis'"),
    ("Mexco", "Did you mean Mexico?"),       # a near miss is suggested, never taken
    ("Germny", "Did you mean Germany?"),
    ("Korea", "could be North Korea (KP) or South Korea (KR)"),
    ("Virgin Islands", "(VG) or"),
    ("QQ", "Unknown country 'QQ'"),
    ("x" * 150, "Not a country"),
    ("Mexico\x00", "Not a country"),
    ("Shenzhen, China", "Did you mean China?"),  # a place and its country: which is meant is asked
    ("Hong Kong (China)", "could be China (CN) or Hong Kong (HK)"),
])
def test_unknown_or_ambiguous_countries_are_refused_naming_what_was_typed(typed, message_part):
    with pytest.raises(FieldError) as error:
        countries.country_code(typed)
    assert message_part in str(error.value)


def test_names_shown_for_stored_values():
    assert countries.country_name("KR") == "South Korea"
    assert countries.country_name("GB") == "United Kingdom"
    assert countries.country_name("Deutschland") == "Germany"  # an older free-text value
    assert countries.country_name("Narnia") == "Narnia"        # shown as typed, never dropped
    assert countries.country_name(None) is None


def test_choices_have_every_country_once_the_us_first_then_by_name():
    choices = countries.country_choices()
    codes = [code for code, _ in choices]
    assert codes[0] == "US" and len(codes) == len(set(codes)) >= 249
    names = [name for _, name in choices[1:]]
    assert names.index("Åland Islands") < names.index("Albania")  # accents do not send it last
    assert names.index("Türkiye") < names.index("Uganda")
    assert dict(choices)["VN"] == "Vietnam"


# --- The lead's country and its phone (case file c07) -------------------------------------------

def test_case_c07_countries_as_names_and_national_phones():
    rows = case_rows("c07_country_name_phone.csv")
    values = {key: parsed(row) for key, row in rows.items()}
    assert values["M1"]["country"] == values["M2"]["country"] == "MX"
    assert {values[key]["country"] for key in ("U1", "U2", "U3")} == {"GB"}
    assert values["M2"]["phone"] == "55 1234 5678"  # stored as typed
    normals = {key: normalise_lead(v) for key, v in values.items()}
    assert normals["M1"].phone == normals["M2"].phone == "+525512345678"
    assert {normals[key].phone for key in ("U1", "U2", "U3")} == {"+442079460018"}
    assert countries.phone_international(values["M2"]["phone"], values["M2"]["country"]) == "+52 55 1234 5678"


@pytest.mark.parametrize("country, phone, e164", [
    ("Deutschland", "030 123456", "+4930123456"),
    ("DEU", "(030) 123 456", "+4930123456"),
    ("India", "+91 22 2345 6789", "+912223456789"),
    ("IN", "022 2345 6789", "+912223456789"),
    ("MEX", "55 1234 5678", "+525512345678"),
    ("Estados Unidos", "(213) 555-0100", "+12135550100"),
    ("Brasil", "(11) 2345-6789", "+551123456789"),
    ("Japan", "03-1234-5678", "+81312345678"),
    ("", "(213) 555-0100", "+12135550100"),           # no country: the US, as before
    ("MX", "+44 20 7946 0018", "+442079460018"),      # a + number is its own country's
])
def test_national_phones_are_read_with_the_lead_country(country, phone, e164):
    values = parsed({**VALID_LEAD, "country": country, "phone": phone})
    assert normalise_lead(values).phone == e164
    assert phone_e164(phone, country) == e164


@pytest.mark.parametrize("country, phone, message_part, not_part", [
    ("GB", "020 794", "for United Kingdom", "+1"),
    ("GB", "12", "+44", "US"),
    ("Mexico", "55 12", "for Mexico", "+1"),
    ("DE", "call me", "+49", "+1"),
    ("US", "555-0100", "area code is missing", "+44"),  # local only: not callable from elsewhere
    ("GB", "020 79", "area code is missing", "US"),
])
def test_phone_messages_give_the_country_example_not_us_digits(country, phone, message_part, not_part):
    _, errors = parse_lead({**VALID_LEAD, "country": country, "phone": phone, "postal_code": ""})
    assert set(errors) == {"phone"}
    assert message_part in errors["phone"] and not_part not in errors["phone"]


def test_an_unknown_country_is_refused_and_its_phone_never_read_as_us():
    _, errors = parse_lead({**VALID_LEAD, "country": "Atlantis", "phone": "(213) 555-0100"})
    assert set(errors) == {"country", "phone"}
    assert "Atlantis" in errors["country"] and "+" in errors["phone"]
    assert phone_e164("(213) 555-0100", "Atlantis") is None  # an older stored free-text value
    values, errors = parse_lead({**VALID_LEAD, "country": "Atlantis", "phone": "+1 213 555 0100"})
    assert set(errors) == {"country"}


def test_country_of_origin_follows_the_same_rule():
    assert parsed({**VALID_LEAD, "country_of_origin": "Viet Nam"})["country_of_origin"] == "VN"
    assert parsed({**VALID_LEAD, "country_of_origin": "中国"})["country_of_origin"] == "CN"
    assert parsed({**VALID_LEAD, "country_of_origin": ""})["country_of_origin"] is None
    _, errors = parse_lead({**VALID_LEAD, "country_of_origin": "Made in PRC somewhere"})
    assert set(errors) == {"country_of_origin"}


def test_older_free_text_countries_still_process():
    # Rows saved before countries were read hold text such as "Mexico" or "United Kingdom".
    assert phone_e164("55 1234 5678", "Mexico") == "+525512345678"
    assert phone_e164("020 7946 0018", "United Kingdom") == "+442079460018"
    assert postal_code("2446", "United States") == "02446"
    assert postal_code("10115", "Deutschland") == "10115"


# --- Postal codes (case file c05) ---------------------------------------------------------------

def test_case_c05_zip_codes_that_lost_their_leading_zero():
    rows = case_rows("c05_zip_leading_zero.csv")
    z1, z2 = parsed(rows["Z1"]), parsed(rows["Z2"])
    assert z1["postal_code"] == "02446"
    assert geo.centroid(z1["postal_code"]) == pytest.approx((42.34, -71.12), abs=0.01)  # Brookline, MA
    assert z2["postal_code"] == "07102-1234"  # ZIP+4 kept as typed, with its zero
    assert normalise_lead(z1).postal_code == "02446" and normalise_lead(z2).postal_code == "07102"
    assert geo.centroid(z2["postal_code"]) == pytest.approx((40.73, -74.18), abs=0.01)  # Newark, NJ


@pytest.mark.parametrize("country, typed, stored", [
    ("US", "02446", "02446"),
    ("US", " 2446 ", "02446"),
    ("US", "501", "00501"),              # Holtsville, NY (the IRS): both leading zeros lost
    ("PR", "601", "00601"),              # Adjuntas, Puerto Rico
    ("Puerto Rico", "00601", "00601"),
    ("US", "7102 1234", "07102-1234"),
    ("US", "071021234", "07102-1234"),
    ("US", "90012-1234", "90012-1234"),
    ("US", "8540", "08540"),             # Princeton, NJ
    ("GB", "ec1a 1bb", "EC1A 1BB"),      # other countries: as typed, upper-cased
    ("DE", "01067", "01067"),
    ("DE", "1067", "01067"),             # Dresden: a fixed 5-digit format gets its zero back
    ("MX", "6600", "06600"),             # Mexico City (Juárez)
    ("", "EC1A 1BB", "EC1A 1BB"),        # no country, not a ZIP: kept (older files)
    ("", "2446", "02446"),               # no country: the US, as for phones
])
def test_one_postal_code_rule_per_country(country, typed, stored):
    assert parsed({**VALID_LEAD, "country": country, "postal_code": typed})["postal_code"] == stored


@pytest.mark.parametrize("typed", ["ABCDE", "1234", "123", "90012-12", "900123", "12", "SW1A 1AA"])
def test_other_shapes_are_refused_for_a_us_address(typed):
    _, errors = parse_lead({**VALID_LEAD, "country": "US", "postal_code": typed})
    assert set(errors) == {"postal_code"}
    assert f"'{typed}' is not a US ZIP code" in errors["postal_code"] and "02446" in errors["postal_code"]


def test_demand_requests_use_the_same_rule():
    assert clean_postal_code("2446") == "02446"
    assert clean_postal_code("90012-1234") == "90012-1234"
    assert clean_postal_code(" 90012 ") == "90012"
    for typed in ("ABCDE", "1234", "9003", "EC1A 1BB"):
        with pytest.raises(FieldError, match="not a US ZIP code"):
            clean_postal_code(typed)
    with pytest.raises(FieldError, match="required"):
        clean_postal_code("  ")


def test_only_us_zip_countries_have_a_zip_location():
    assert countries.us_zip("02446", "US") == "02446"
    assert countries.us_zip("2446", "United States") == "02446"  # an older stored value
    assert countries.us_zip("00601", "PR") == "00601"
    assert countries.us_zip("90802", None) == "90802"
    assert countries.us_zip("10115", "DE") is None  # Berlin, not New York's 10115
    assert countries.us_zip("10115", "Narnia") is None  # an unreadable country is not the US


# --- "Not given" is not a country (tester finding 9) -------------------------------------------

@pytest.mark.parametrize("typed", ["na", "n/a", "N/A", "n.a.", "N.A.", "no", "No", "none", "None", "nil",
                                   "null", "unknown", "Unknown", "tbd", "TBA", "-", "--", "?", "x", "xx",
                                   "XX", "not available", "Not applicable", "0"])
def test_words_for_not_given_are_refused_never_read_as_a_country(typed):
    with pytest.raises(FieldError) as error:
        countries.country_code(typed)
    assert "This looks like 'not given': leave it empty or write the country's name" in str(error.value)


@pytest.mark.parametrize("typed, placeholder_of", [("na", "Namibia is written Namibia or NAM"),
                                                   ("no", "Norway is written Norway or NOR")])
def test_a_placeholder_that_is_a_code_says_how_the_country_is_written(typed, placeholder_of):
    with pytest.raises(FieldError, match=placeholder_of):
        countries.country_code(typed)


@pytest.mark.parametrize("typed, name, alpha_3", [("NA", "Namibia", "NAM"), ("NO", "Norway", "NOR")])
def test_upper_case_na_and_no_alone_are_refused_naming_both_readings(typed, name, alpha_3):
    with pytest.raises(FieldError) as error:
        countries.country_code(typed)
    message = str(error.value)
    assert f"'{typed}' could be {name}'s code or 'not available'" in message
    assert f"write {name} (or {alpha_3})" in message and "leave it empty" in message


def test_a_lead_with_a_placeholder_country_or_origin_gets_the_message_beside_the_field():
    _, errors = parse_lead({**VALID_LEAD, "country": "NA", "country_of_origin": "no", "phone": "+1 213 555 0100"})
    assert set(errors) == {"country", "country_of_origin"}
    assert "Namibia" in errors["country"] and "not given" in errors["country_of_origin"]
    assert parsed({**VALID_LEAD, "country": "Namibia", "phone": "+264 61 123 4567",
                   "postal_code": "", "country_of_origin": "NOR"})["country_of_origin"] == "NO"


def test_stored_codes_still_read_and_every_code_is_written_back_readable():
    # Stored values are codes: Namibia's stored NA is Namibia, on pages and for its phone plan.
    assert countries.try_country_code("NA") == "NA" and countries.country_name("NO") == "Norway"
    assert countries.phone_region("NA") == "NA"
    # The export and the form's list write a code that reads back as itself.
    for country in countries.pycountry.countries:
        assert countries.country_code(countries.code_as_typed(country.alpha_2)) == country.alpha_2
    assert countries.code_as_typed("NA") == "NAM" and countries.code_as_typed("MX") == "MX"


# --- Names in other languages (CLDR via Babel) and World Bank inverted names (finding 13) ---------

@pytest.mark.parametrize("typed, code", [
    ("Россия", "RU"), ("Росія", "RU"),                    # Russian, Ukrainian
    ("EE.UU.", "US"), ("EE. UU.", "US"), ("EUA", "US"),     # Spanish, Portuguese abbreviations
    ("Korea, Rep.", "KR"), ("Korea, Dem. People's Rep.", "KP"), ("Iran, Islamic Rep.", "IR"),
    ("Egypt, Arab Rep.", "EG"), ("Congo, Dem. Rep.", "CD"), ("Congo, Rep.", "CG"), ("Yemen, Rep.", "YE"),
    ("Micronesia, Fed. Sts.", "FM"), ("Gambia, The", "GM"),
    ("Bharat", "IN"), ("भारत", "IN"),                     # Hindi in Latin and Devanagari script
    ("HK SAR", "HK"), ("Hong Kong SAR, China", "HK"), ("Macao SAR, China", "MO"), ("Macau S.A.R.", "MO"),
    ("Suomi", "FI"), ("Magyarország", "HU"), ("Ελλάδα", "GR"), ("Polska", "PL"), ("Türkei", "TR"),
])
def test_cldr_names_in_many_languages_and_world_bank_forms(typed, code):
    assert countries.country_code(typed) == code


def test_ambiguity_rules_hold_with_the_cldr_names():
    for typed, part in (("Korea", "North Korea (KP) or South Korea (KR)"),
                        ("Hong Kong (China)", "China (CN) or Hong Kong (HK)")):
        with pytest.raises(FieldError, match=part.replace("(", r"\(").replace(")", r"\)")):
            countries.country_code(typed)


# --- Postal codes of other countries (Google's address metadata; finding 11) ----------------------

@pytest.mark.parametrize("country, typed, stored", [
    ("MX", "6600", "06600"), ("MX", "06600", "06600"),
    ("DE", "1067", "01067"), ("IT", "144", "00144"),       # Rome: a spreadsheet dropped two zeros
    ("FR", "1000", "01000"), ("FR", "75 008", "75 008"),   # Bourg-en-Bresse; a space the format allows
    ("JP", "10010", "0010010"), ("JP", "154-0023", "154-0023"),
    ("ES", "8001", "08001"), ("BR", "1310100", "01310100"),
    ("GB", "sw1a 1aa", "SW1A 1AA"), ("NL", "1234 ab", "1234 AB"), ("CA", "h3z 2y7", "H3Z 2Y7"),
    ("HK", "999077", "999077"), ("AE", "P.O. Box 123", "P.O. BOX 123"),  # no format in the data: as typed
])
def test_postal_codes_are_read_by_the_country_format(country, typed, stored):
    assert countries.postal_code(typed, country) == stored
    assert parsed({**VALID_LEAD, "country": country, "phone": "", "postal_code": typed})["postal_code"] == stored


@pytest.mark.parametrize("country, typed, message_part", [
    ("DE", "123456", "'123456' is not a postal code of Germany: give 5 digits, for example 26133."),
    ("MX", "ABCDE", "'ABCDE' is not a postal code of Mexico: give 5 digits, for example 02860."),
    ("GB", "12345", "'12345' is not a postal code of United Kingdom: for example EC1Y 8SY."),
    ("NL", "1234", "for example 1234 AB"),       # a missing letter pair is not padded
    ("TW", "1060", "Taiwan"),                     # not a fixed number of digits: never padded
])
def test_postal_codes_that_cannot_be_the_country_s_are_refused_with_an_example(country, typed, message_part):
    with pytest.raises(FieldError) as error:
        countries.postal_code(typed, country)
    assert message_part in str(error.value)
    _, errors = parse_lead({**VALID_LEAD, "country": country, "phone": "", "postal_code": typed})
    assert message_part in errors["postal_code"]


def test_the_same_code_with_and_without_its_lost_zero_compares_equal():
    assert postal_code("6600", "MX") == postal_code("06600", "MX") == "06600"
    assert postal_code("1067", "Deutschland") == postal_code("01067", "DE") == "01067"
    assert postal_code("154-0023", "JP") == postal_code("1540023", "JP") == "1540023"
    assert postal_code("1067", "US") == "1067"      # not a ZIP that exists: never padded, kept (never raises)
    assert postal_code("1067", "Narnia") == "1067"  # an unreadable country: as typed
    mx = {**VALID_LEAD, "country": "MX", "phone": "", "postal_code": "6600"}
    assert normalise_lead(parsed(mx)).postal_code == normalise_lead(replace(parsed(mx), postal_code="06600")).postal_code


# --- Phones that are possible but not valid (finding 6) ------------------------------------------

def test_a_possible_but_invalid_number_is_kept_at_intake_and_explained():
    values = parsed({**VALID_LEAD, "country": "", "phone": "138 0013 8000"})
    assert values["phone"] == "138 0013 8000"      # intake keeps possible numbers
    assert countries.phone_invalid_reason("138 0013 8000", None) == (
        "+1 380-013-8000 is not a valid number in the United States; if the supplier is abroad, "
        "the country may be missing.")
    # The same kind in another plan: Ofcom's range for drama (01632 960xxx) is possible, not valid.
    assert countries.phone_invalid_reason("01632 960000", "GB") == (
        "+44 1632 960000 is not a valid number in the United Kingdom; check the number and the country.")
    assert countries.phone_invalid_reason("+86 138 0013 8000", None) is None   # the same mobile, in China
    assert countries.phone_invalid_reason(VALID_LEAD["phone"], "US") is None   # 555-0100 is valid
    assert countries.phone_invalid_reason("not a number", "US") is None       # parse_phone's to refuse


def test_demo_phones_are_valid_numbers():
    import phonenumbers

    from marketplace.domain.demo_data import generate_leads
    for row in generate_leads(300):
        assert phonenumbers.is_valid_number(phonenumbers.parse(row["phone"], "US")), row["phone"]


def test_scoring_flags_a_possible_but_invalid_number_like_a_bad_phone():
    from marketplace.domain.scoring import FLAG_LABELS, load_reference, score_lead

    def signals(lead):
        values = parsed(lead)
        return {s.code: s for s in score_lead(values, normalise_lead(values)).signals}

    weight = load_reference().data["no_phone_weight"]
    chinese_mobile = signals({**VALID_LEAD, "country": "", "phone": "138 0013 8000"})["phone_invalid"]
    assert chinese_mobile.weight == weight < 0
    assert "not a valid number in the United States; if the supplier is abroad" in chinese_mobile.text
    drama = signals({**VALID_LEAD, "country": "GB", "postal_code": "", "phone": "01632 960000"})
    assert drama["phone_invalid"].weight == weight
    assert "phone_invalid" in FLAG_LABELS
    for lead in ({**VALID_LEAD}, {**VALID_LEAD, "country": "", "phone": "+86 138 0013 8000"},
                 {**VALID_LEAD, "country": "GB", "postal_code": "", "phone": "020 7946 0018"}):
        found = signals(lead)
        assert "phone_invalid" not in found and "bad_phone" not in found


def test_a_bare_code_is_read_without_the_index_and_as_the_index_reads_it(monkeypatch):
    """The form posts alpha-2 codes; reading them must not build the index of names (seconds of
    CPU in every web worker, issue 9, item 7), and gives what the index gives."""
    by_index = {}
    for code in sorted(countries._ALPHA_2 - set(countries._PLACEHOLDER_CODES)):
        by_index[code] = countries._lookup(code)
    monkeypatch.setattr(countries, "_index", lambda: pytest.fail("the index was consulted"))
    for code, expected in by_index.items():
        assert countries.country_code(code) == expected == code
    for placeholder in countries._PLACEHOLDER_CODES:  # 'NA', 'NO' still ask what is meant
        with pytest.raises(FieldError):
            countries.country_code(placeholder)


def test_country_names_and_the_choice_list_are_in_the_readers_language():
    """Spanish pages name countries in Spanish (CLDR's names) and list them by their Spanish
    names; English stays ISO's common names. A typed or stored value is read the same either way."""
    from marketplace.domain import i18n

    english = [code for code, _name in countries.country_choices()]
    assert countries.display_name("KR") == "South Korea" and countries.country_name("Deutschland") == "Germany"
    assert english[0] == "US" and english.index("DZ") < english.index("DE")  # Algeria, Germany
    with i18n.use_locale("es"):
        assert countries.display_name("KR") == "Corea del Sur"
        assert countries.country_name("Deutschland") == "Alemania" and countries.country_name("MX") == "México"
        assert countries.country_name("not a country") == "not a country"  # as typed
        spanish = countries.country_choices()
        codes = [code for code, _name in spanish]
        assert spanish[0] == ("US", "Estados Unidos")
        assert codes.index("DE") < codes.index("DZ")  # Alemania, Argelia: by the Spanish names
        assert sorted(codes) == sorted(english)
        assert countries.country_code("Alemania") == "DE"
    assert countries.display_name("DE") == "Germany"  # the language is the block's only
