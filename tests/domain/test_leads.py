"""The lead format's rules, as a table of cases. No app needed."""
from decimal import Decimal

import pytest

from marketplace.domain.leads import LEAD_COLUMNS, lead_to_row, parse_lead
from tests.conftest import VALID_LEAD


def errors_for(**changes):
    return parse_lead({**VALID_LEAD, **changes})[1]


def test_valid_lead_parses_to_plain_values():
    values, errors = parse_lead(VALID_LEAD)
    assert errors == {}
    assert values["quantity"] == 50000
    assert values["unit_price"] == Decimal("0.79")
    assert values["website"] == "https://harborindustrial.com"
    assert values["product_category"] == "n95_respirator"
    assert values["lead_time_days"] == 7


@pytest.mark.parametrize("field, raw, message_part", [
    ("email", "not-an-email", "Not a valid e-mail"),
    ("email", "", "required"),
    ("quantity", "-5", "at least 1"),
    ("quantity", "0", "at least 1"),
    ("quantity", "12.5", "whole number"),
    ("quantity", "lots", "whole number"),
    ("quantity", "", "required"),
    ("quantity", str(10**13), "at most"),
    ("unit_price", "0", "more than 0"),
    ("unit_price", "-1", "more than 0"),
    ("unit_price", "abc", "must be a number"),
    ("unit_price", "NaN", "must be a number"),
    ("unit_price", "Infinity", "must be a number"),
    ("unit_price", "0.123456", "4 decimal places"),
    ("unit_price", "1000000", "at most"),
    ("lead_time_days", "-3", "cannot be negative"),
    ("lead_time_days", "400", "at most 365"),
    ("product_category", "respirators", "could be: N95 respirator, KN95 respirator"),
    ("product_category", "thermometers", "Unknown product category"),
    ("product_category", "", "required"),
    ("supplier_type", "middleman", "Unknown supplier type"),
    ("company_name", "   ", "required"),
    ("company_name", "x" * 201, "At most 200"),
    ("website", "javascript:alert(1)", "http"),
    ("website", "ftp://example.com", "http"),
    ("website", "localhost", "domain"),
    ("phone", "12", "phone"),
    ("phone", "call me maybe", "phone"),
    ("notes", "bad \x00 byte", "control character"),
    ("min_order_qty", "60000", "larger than the quantity"),
])
def test_invalid_fields_get_a_message_beside_the_field(field, raw, message_part):
    errors = errors_for(**{field: raw})
    assert field in errors, errors
    assert message_part.lower() in errors[field].lower()
    assert len(errors) == 1, errors  # one mistake, one message


@pytest.mark.parametrize("field, raw, expected", [
    ("quantity", "1,000,000", 1_000_000),
    ("unit_price", "$1.25", Decimal("1.25")),
    ("unit_price", "0.035", Decimal("0.035")),
    ("product_category", "N95 respirator", "n95_respirator"),
    ("product_category", "Nitrile-Gloves", "nitrile_gloves"),
    ("supplier_type", "Manufacturer", "manufacturer"),
    ("website", "http://example.com/path", "http://example.com/path"),
    ("company_name", "  Acme   Medical  ", "Acme Medical"),
    ("lead_time_days", "0", 0),
    ("lead_time_days", "", None),
    ("phone", "+44 20 7946 0000", "+44 20 7946 0000"),
])
def test_lenient_inputs_are_understood(field, raw, expected):
    values, errors = parse_lead({**VALID_LEAD, field: raw})
    assert errors == {}
    assert values[field] == expected


def test_many_mistakes_are_all_reported_at_once():
    errors = errors_for(email="x", quantity="-1", unit_price="0", product_category="?", lead_time_days="-3")
    assert set(errors) == {"email", "quantity", "unit_price", "product_category", "lead_time_days"}


def test_round_trip_through_csv_text():
    values, _ = parse_lead(VALID_LEAD)
    row = lead_to_row(values)
    assert list(row) == list(LEAD_COLUMNS)
    again, errors = parse_lead(row)
    assert errors == {}
    assert again == values


def test_a_marketplace_ref_is_a_uuid_as_the_export_writes_it():
    from marketplace.domain.errors import FieldError
    from marketplace.domain.leads import clean_marketplace_ref, new_marketplace_ref

    ref = new_marketplace_ref()
    assert clean_marketplace_ref(ref) == ref and clean_marketplace_ref(f"  {ref.upper()} ") == ref
    assert clean_marketplace_ref("") is None and clean_marketplace_ref(None) is None
    assert new_marketplace_ref() != ref
    for guessed in ("lead-12", "12", "{" + ref + "}", ref.replace("-", ""), "urn:uuid:" + ref):
        with pytest.raises(FieldError, match="leave the cell empty"):
            clean_marketplace_ref(guessed)
    # parse_lead reads it only from a file that has the column: a form never sends it.
    assert parse_lead(VALID_LEAD)[0].marketplace_ref is None
    values, errors = parse_lead({"marketplace_ref": "lead-12"})
    assert "marketplace_ref" in errors
