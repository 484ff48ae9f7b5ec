"""A lead travels as a typed, frozen LeadFacts from parse_lead through normalisation, the duplicate
record and scoring (issue 9, item 5). No app needed.

``data/intake_cases.json`` holds what every row of the intake cases (tests/cases/*.csv) gave before
LeadFacts, when parse_lead returned a dict: its values (or errors), its normalised identity, its
dedup record, its score and signals. It was written by running the same steps with the code of
the commit before LeadFacts; the facts must give the same, value for value and type for type.
"""
import csv
import dataclasses
import io
import json
import typing
from decimal import Decimal
from pathlib import Path

import pytest

from marketplace.domain.csv_text import WINDOWS_1252, decode_csv
from marketplace.domain.dedup import lead_record
from marketplace.domain.leads import (
    DERIVED_FIELDS,
    LEAD_COLUMNS,
    LEAD_FACT_FIELDS,
    MARKETPLACE_REF,
    LeadFacts,
    lead_to_row,
    parse_lead,
)
from marketplace.domain.normalise import normalise_lead
from marketplace.domain.scoring import figures_to_confirm, score_lead
from tests.conftest import VALID_LEAD

CASES = Path(__file__).resolve().parent.parent / "cases"
BEFORE = json.loads((Path(__file__).resolve().parent / "data" / "intake_cases.json").read_text(encoding="utf-8"))


def case_rows():
    for path in sorted(CASES.glob("*.csv")):
        text = decode_csv(path.read_bytes(), WINDOWS_1252 if "cp1252" in path.name else None).text
        for number, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
            yield f"{path.name}:{number}", row


def plain(value):
    """A value as the snapshot writes it: a Decimal as {"decimal": text}, a tuple as a list."""
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, tuple):
        return list(value)
    return value


def test_the_snapshot_covers_every_case_row():
    assert sorted(key for key, _ in case_rows()) == sorted(BEFORE)
    assert len(BEFORE) > 100 and sum("values" in case for case in BEFORE.values()) > 100


@pytest.mark.parametrize("key,row", list(case_rows()), ids=lambda v: v if isinstance(v, str) else "")
def test_each_intake_case_gives_the_same_values_identity_record_and_score_as_before(key, row):
    before = BEFORE[key]
    facts, errors = parse_lead(row)
    if "errors" in before:
        assert (facts, errors) == (None, before["errors"])
        return
    assert errors == {} and isinstance(facts, LeadFacts)
    # The snapshot's dict had no marketplace_ref nor valid_until (the case files have no such columns).
    assert facts.valid_until is None
    assert {name: plain(facts[name]) for name in facts if name not in (MARKETPLACE_REF, "valid_until")} == before["values"]
    assert facts.marketplace_ref is None
    normal = normalise_lead(facts)
    assert {name: plain(value) for name, value in normal.as_dict().items()} == before["normal"]
    assert lead_record(normal, facts.contact_name) == before["record"]
    assessment = score_lead(facts, normal)
    assert assessment.score == before["score"]
    assert [[s.code, s.weight] for s in assessment.signals] == before["signals"]


def test_parse_lead_gives_frozen_facts_or_none_with_every_message():
    facts, errors = parse_lead(VALID_LEAD)
    assert errors == {} and type(facts) is LeadFacts
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.quantity = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        facts["quantity"] = 1  # type: ignore[index]
    facts, errors = parse_lead({**VALID_LEAD, "quantity": "-1", "email": "x"})
    assert facts is None and set(errors) == {"quantity", "email"}


def test_the_fields_are_the_csv_columns_then_the_derived_ones_with_their_types():
    assert LEAD_FACT_FIELDS == LEAD_COLUMNS + DERIVED_FIELDS + (MARKETPLACE_REF,)
    hints = typing.get_type_hints(LeadFacts)
    assert hints["quantity"] is int and hints["unit_price"] is Decimal and hints["pack_size"] is int
    assert hints["pack_price"] == Decimal | None and hints["lead_time_days"] == int | None
    assert hints["company_name"] is str and hints["email"] is str and hints["website"] == str | None
    facts, _ = parse_lead({**VALID_LEAD, "pack_size": "100", "quantity": "10", "unit_price": "12.50", "min_order_qty": "2"})
    for name in LEAD_FACT_FIELDS:  # every value has its declared type
        value = getattr(facts, name)
        allowed = typing.get_args(hints[name]) or (hints[name],)
        assert isinstance(value, allowed), (name, value)
    assert (facts.quantity, facts.unit_price, facts.pack_price) == (1000, Decimal("0.1250"), Decimal("12.50"))


def test_the_required_fields_have_no_default():
    with pytest.raises(TypeError, match="unit_price"):
        LeadFacts(company_name="A", email="a@example.com", supplier_type="other", product_category="other",
                  quantity=1)  # type: ignore[call-arg]
    minimal = LeadFacts(company_name="A", email="a@example.com", supplier_type="other", product_category="other",
                        quantity=1, unit_price=Decimal("1"))
    assert (minimal.pack_size, minimal.pack_price, minimal.phone, minimal.marketplace_ref) == (1, None, None, None)


def test_facts_read_as_a_mapping_by_field_name_and_compare_by_value():
    facts, _ = parse_lead(VALID_LEAD)
    assert list(facts) == list(LEAD_FACT_FIELDS) and len(facts) == len(LEAD_FACT_FIELDS)
    assert facts["quantity"] == facts.quantity and facts.get("notes") is None
    assert "unit_price" in facts and "risk_score" not in facts and facts.get("risk_score") is None
    with pytest.raises(KeyError):
        facts["risk_score"]  # noqa: B018
    assert facts.as_dict() == dict(facts) and facts.as_dict() is not facts.as_dict()
    assert parse_lead(VALID_LEAD)[0] == facts and hash(parse_lead(VALID_LEAD)[0]) == hash(facts)
    changed = dataclasses.replace(facts, quantity=7)
    assert changed != facts and changed.quantity == 7 and facts.quantity != 7


def test_the_round_trip_through_csv_text_gives_the_same_facts():
    for fields in ({}, {"pack_size": "100", "quantity": "10", "unit_price": "12.50", "min_order_qty": "2"}):
        facts, _ = parse_lead({**VALID_LEAD, **fields})
        assert parse_lead(lead_to_row(facts)) == (facts, {})


def test_normalisation_and_scoring_read_the_facts():
    facts, _ = parse_lead({**VALID_LEAD, "email": "someone@gmail.com", "supplier_type": "broker"})
    normal = normalise_lead(facts)
    assert (normal.email_domain, normal.webmail) == ("gmail.com", True)
    codes = {s.code for s in score_lead(facts, normal).signals}
    assert {"webmail", "broker"} <= codes
    # A stored lead read back as facts (services.processing.lead_facts) scores as its parse did.
    stored = LeadFacts(**facts.as_dict())
    assert score_lead(stored, normalise_lead(stored)) == score_lead(facts, normal)
    assert figures_to_confirm(dataclasses.replace(facts, quantity=10**10))["quantity"].startswith("10,000,000,000")
