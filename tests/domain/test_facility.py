"""domain.facility: the NPI check digit (Luhn over 80840 + the number) and a facility's details."""
import pytest

from marketplace.domain.errors import FieldError
from marketplace.domain.facility import (
    LICENCE_NPI,
    LICENCE_STATE,
    IdentifierHolder,
    clean_licence,
    clean_npi,
    identifier_key,
    luhn_valid,
    parse_facility,
    shared_identifiers,
)

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


# --- the same identifier held by two organisations (a squatted NPI) ---

@pytest.mark.parametrize("kind, number", [
    (LICENCE_NPI, "1234567893"), (LICENCE_NPI, "123 456 7893"), (LICENCE_NPI, "1234-567-893"),
    (LICENCE_STATE, "NPI 1234567893"),  # the hospital's NPI typed as a "state licence": still the NPI
])
def test_an_npi_is_compared_by_its_digits_whatever_kind_was_chosen(kind, number):
    assert identifier_key(kind, number) == "npi:1234567893"


def test_a_state_licence_is_compared_by_letters_and_digits_case_aside():
    assert identifier_key(LICENCE_STATE, "CA-LIC 000123") == identifier_key(LICENCE_STATE, "calic000123")
    assert identifier_key(LICENCE_STATE, "CA-LIC 000123") != identifier_key(LICENCE_STATE, "TX-LIC 000123")
    assert identifier_key(LICENCE_STATE, "1234567890") == "licence:1234567890"  # not a valid NPI: a licence
    assert identifier_key(LICENCE_NPI, None) is None and identifier_key(LICENCE_STATE, " - ") is None


def test_organisations_sharing_an_identifier_each_name_the_others_verified_first():
    # The fresh user's example: a new clinic registered with the verified hospital's NPI.
    hospital = IdentifierHolder(1, "St. Vincent Community Hospital", True, LICENCE_NPI, "1234567893")
    clinic = IdentifierHolder(2, "Eastside Free Clinic", False, LICENCE_NPI, "1234567893")
    # The second example: the same NPI with spaces and dashes, and a state licence in another spelling.
    dashes = IdentifierHolder(3, "Westside Urgent Care", False, LICENCE_STATE, "123-456 7893")
    care_a = IdentifierHolder(4, "Hillcrest Care Home", False, LICENCE_STATE, "CA-LIC 000123")
    care_b = IdentifierHolder(5, "Hill Crest Nursing", True, LICENCE_STATE, "ca lic 000123")
    alone = IdentifierHolder(6, "Harbor Fire Department", False, LICENCE_NPI, "1245319599")
    none = IdentifierHolder(7, "Old Organisation", True, None, None)
    shared = shared_identifiers([hospital, clinic, dashes, care_a, care_b, alone, none])
    assert [h.name for h in shared[2]] == ["St. Vincent Community Hospital", "Westside Urgent Care"]
    assert [h.name for h in shared[1]] == ["Eastside Free Clinic", "Westside Urgent Care"]
    assert [h.id for h in shared[4]] == [5] and [h.id for h in shared[5]] == [4]
    assert 6 not in shared and 7 not in shared
