"""domain.facility: the NPI check digit (Luhn over 80840 + the number) and a facility's details."""
import pytest

from marketplace.domain.errors import FieldError
from marketplace.domain.facility import LICENCE_NPI, LICENCE_STATE, clean_licence, clean_npi, luhn_valid, parse_facility

GOOD = {"street": "4471 Quillfeather Lane", "city": "Los Angeles", "state": "CA", "postal_code": "90012",
        "phone": "(213) 555-0147", "licence_kind": LICENCE_NPI, "licence_number": "1234567893",
        "delivery_hours": "Mon-Fri 06:15-09:45, dock 7", "delivery_contact": "Receiving: Odalys Brennick"}


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "123 456 7893", "1234-567-893"])
def test_valid_npis_are_taken_as_ten_digits(npi):
    # 1234567893: CMS's own example; 1245319599: a second NPI whose check digit is right.
    assert clean_npi(npi) == npi.replace(" ", "").replace("-", "")


@pytest.mark.parametrize("npi, says", [
    ("1234567890", "check digit"),   # one digit wrong: the kind (a typo)
    ("1245319590", "check digit"),   # a second example of the kind
    ("123456789", "10 digits"),      # too short
    ("12345678901", "10 digits"),    # too long
    ("12345678a3", "10 digits"),     # a letter
    ("١٢٣٤٥٦٧٨٩٣", "10 digits"),     # Arabic-Indic digits are not an NPI as typed on forms
    ("", "required"),
])
def test_bad_npis_are_refused_with_a_reason(npi, says):
    with pytest.raises(FieldError, match=says):
        clean_npi(npi)


def test_luhn_alone():
    assert luhn_valid("808401234567893")
    assert not luhn_valid("808401234567890")
    assert not luhn_valid("80840x")


def test_a_state_licence_is_text_as_typed_and_cleaned():
    assert clean_licence(LICENCE_STATE, "  CA-LIC 000123  ") == "CA-LIC 000123"
    with pytest.raises(FieldError, match="direction"):
        clean_licence(LICENCE_STATE, "LIC\u202e321")
    with pytest.raises(FieldError, match="At most 50"):
        clean_licence(LICENCE_STATE, "9" * 51)
    with pytest.raises(FieldError, match="Choose"):
        clean_licence("passport", "123")


def test_a_good_facility_is_taken_whole():
    values, errors = parse_facility(GOOD)
    assert errors == {}
    assert values["licence_number"] == "1234567893" and values["postal_code"] == "90012"


def test_every_bad_field_is_named_and_nothing_is_taken():
    values, errors = parse_facility({**GOOD, "street": "", "phone": "555-0147", "postal_code": "9001",
                                     "licence_number": "1234567890", "delivery_contact": "Jo\u200b Doe\x07"})
    assert values == {}
    assert set(errors) == {"street", "phone", "postal_code", "licence_number", "delivery_contact"}
    assert "area code" in errors["phone"]


def test_optional_fields_may_be_empty_and_invisible_characters_go():
    values, errors = parse_facility({**GOOD, "delivery_hours": "", "delivery_contact": "Odalys\u200b Brennick"})
    assert errors == {}
    assert values["delivery_hours"] is None and values["delivery_contact"] == "Odalys Brennick"
