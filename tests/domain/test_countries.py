"""Countries, phones and postal codes as people write them (issue 8, items 2 and 3). No app needed.

The case files in tests/cases are copies of ../shared/cases (their right values are in its README)."""
import csv
from pathlib import Path

import pytest

from marketplace.domain import countries, geo
from marketplace.domain.demand import clean_postal_code
from marketplace.domain.errors import FieldError
from marketplace.domain.leads import parse_lead
from marketplace.domain.normalise import normalise_lead, phone_e164, postal_code
from tests.conftest import VALID_LEAD

CASES = Path(__file__).resolve().parent.parent / "cases"


def case_rows(name: str) -> dict[str, dict]:
    with open(CASES / name, newline="", encoding="utf-8") as handle:
        return {row["external_id"]: row for row in csv.DictReader(handle)}


def parsed(row: dict) -> dict:
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
    ("Deutschland (Germany)", "DE"), ("USA (Texas)", "US"), ("NA", "NA"),  # bare letters: Namibia's code
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
    ("XX", "Unknown country 'XX'"),
    ("x" * 150, "Not a country"),
    ("Mexico\x00", "Not a country"),
    ("N/A", "Unknown country 'N/A'"),     # no answer, not Namibia (NA)
    ("n.a.", "Unknown country 'n.a.'"),
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
    _, errors = parse_lead({**VALID_LEAD, "country": country, "phone": phone})
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
    ("DE", "1067", "1067"),              # not a US ZIP: never padded
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
