"""Issue 8, items 1, 8 and 10 on a real database: decimal commas, prices per pack and implausible
figures, through the CSV import, the export and the pipeline. The case files are copies of
../shared/cases (modelled on what suppliers sent cities in 2020)."""
import csv
import io
from decimal import Decimal
from pathlib import Path

from marketplace.domain.leads import LEAD_COLUMNS, OPTIONAL_LEAD_COLUMNS
from marketplace.domain.messages import render_signal
from marketplace.extensions import db
from marketplace.models import Lead
from marketplace.services import leads, processing
from tests.conftest import VALID_LEAD

CASES = Path(__file__).resolve().parent.parent / "cases"


def import_file(name: str):
    with open(CASES / name, encoding="utf-8", newline="") as stream:
        return leads.import_leads(stream, actor_id=None)


def csv_text(rows, header):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in header])
    return buffer.getvalue()


def lead(external_id: str) -> Lead:
    return db.session.execute(db.select(Lead).where(Lead.external_id == external_id)).scalar_one()


def signal(lead_row: Lead, code: str) -> dict:
    return next(s for s in lead_row.risk_signals if s["code"] == code)


def test_c04_decimal_commas_are_refused_never_read_as_79_or_125(app_ctx):
    report = import_file("c04_decimal_comma.csv")
    assert report.imported == 0 and db.session.scalar(db.select(db.func.count()).select_from(Lead)) == 0
    assert [r.row for r in report.rejected] == [2, 3]
    assert "unit_price: Use a decimal point, for example 0.79" in report.rejected[0].reason
    assert "unit_price: Use a decimal point, for example 1.25" in report.rejected[1].reason


def test_a_dutch_price_list_with_decimal_commas_is_refused_too(app_ctx):
    rows = [{**VALID_LEAD, "external_id": "NL1", "unit_price": "€ 0,85", "quantity": "25.000"},
            {**VALID_LEAD, "external_id": "NL2", "unit_price": "2,40", "quantity": "10 000",
             "product_category": "isolation_gown", "certification": "PB70 level 2"}]
    report = leads.import_leads(io.StringIO(csv_text(rows, LEAD_COLUMNS)), actor_id=None)
    reasons = {r.row: r.reason for r in report.rejected}
    assert report.imported == 0 and set(reasons) == {2, 3}
    assert "unit_price: Give the unit_price in US dollars" in reasons[2] and "quantity:" in reasons[2]
    assert "unit_price: Use a decimal point, for example 2.40" in reasons[3]
    assert "quantity" not in reasons[3]  # 10 000 is ten thousand in any notation


def test_c14_price_per_box_is_scored_per_unit_not_357x(app_ctx):
    report = import_file("c14_price_per_box.csv")
    assert report.imported == 2 and not report.rejected
    gloves, n95 = lead("Q1"), lead("Q2")
    # Nothing typed is changed: without a pack size the figures are stored as typed ...
    assert (gloves.unit_price, gloves.quantity, gloves.pack_size) == (Decimal("12.50"), 2000, 1)
    processing.process_lead(gloves.id)
    processing.process_lead(n95.id)
    db.session.refresh(gloves)
    db.session.refresh(n95)
    # ... and scoring reads the price per unit, says so, and flags it for the vetter.
    per_pack = signal(gloves, "price_per_pack")
    assert "$0.125 a unit" in render_signal(per_pack, "staff") and "box of 100" in render_signal(per_pack, "staff")
    assert "357x as typed" in render_signal(per_pack, "staff")
    codes = {s["code"] for s in gloves.risk_signals}
    assert "price_10x" not in codes and "price_3x" in codes
    assert "$0.125 is 3.57x the reference" in render_signal(signal(gloves, "price_3x"), "staff")
    assert "357x the reference" not in " ".join(render_signal(s, "staff") for s in gloves.risk_signals)
    # Q2: "priced per box of 20" at $16.00 is $0.80 an N95, within the normal range.
    assert "price_ok" in {s["code"] for s in n95.risk_signals}
    assert "price_per_pack" in {s["code"] for s in n95.risk_signals}


def test_a_pack_size_column_stores_per_unit_figures_and_exports_what_was_typed(app_ctx):
    header = LEAD_COLUMNS
    rows = [{**VALID_LEAD, "external_id": "P1", "product_category": "nitrile_gloves", "certification": "ASTM D6319",
             "quantity": "2,000", "unit_price": "12.50", "min_order_qty": "10", "pack_size": "100"},
            {**VALID_LEAD, "external_id": "P2", "product_category": "nitrile_gloves", "certification": "ASTM D6319",
             "quantity": "40", "unit_price": "35.99", "pack_size": "1,000", "min_order_qty": ""},   # $0.03599 a glove
            {**VALID_LEAD, "external_id": "P3", "quantity": "500", "unit_price": "0.79", "pack_size": "", "min_order_qty": ""}]
    first = leads.import_leads(io.StringIO(csv_text(rows, header)), actor_id=None)
    assert first.imported == 3 and not first.rejected
    p1, p2, p3 = lead("P1"), lead("P2"), lead("P3")
    assert (p1.quantity, p1.unit_price, p1.min_order_qty, p1.pack_size, p1.pack_price) == (
        200_000, Decimal("0.125"), 1000, 100, Decimal("12.50"))
    assert (p2.quantity, p2.unit_price, p2.pack_price) == (40_000, Decimal("0.036"), Decimal("35.99"))
    assert (p3.quantity, p3.unit_price, p3.pack_size, p3.pack_price) == (500, Decimal("0.79"), 1, None)

    exported = leads.export_csv_text()
    table = {row["external_id"]: row for row in csv.DictReader(io.StringIO(exported))}
    assert (table["P1"]["quantity"], table["P1"]["unit_price"], table["P1"]["min_order_qty"],
            table["P1"]["pack_size"]) == ("2000", "12.5", "10", "100")
    assert table["P2"]["unit_price"] == "35.99"  # as typed, not 0.036 x 1000
    again = leads.import_leads(io.StringIO(exported), actor_id=None)
    assert (again.imported, again.updated, again.unchanged, again.rejected) == (0, 0, 3, [])


def test_files_without_the_pack_size_column_import_and_reimport_unchanged(app_ctx):
    header = tuple(c for c in LEAD_COLUMNS if c not in OPTIONAL_LEAD_COLUMNS)
    rows = [{**VALID_LEAD, "external_id": "OLD1"}]
    assert leads.import_leads(io.StringIO(csv_text(rows, header)), actor_id=None).imported == 1
    assert lead("OLD1").pack_size == 1
    again = leads.import_leads(io.StringIO(csv_text(rows, header)), actor_id=None)
    assert (again.unchanged, again.updated) == (1, 0)
    assert leads.import_leads(io.StringIO(leads.export_csv_text()), actor_id=None).unchanged == 1


def test_implausible_figures_from_a_csv_are_imported_and_flagged_with_readable_ratios(app_ctx):
    rows = [{**VALID_LEAD, "external_id": "T1", "unit_price": "0.0001"},
            {**VALID_LEAD, "external_id": "T2", "quantity": "1000000000000"},
            {**VALID_LEAD, "external_id": "T3", "unit_price": "1e3"}]
    report = leads.import_leads(io.StringIO(csv_text(rows, LEAD_COLUMNS)), actor_id=None)
    assert report.imported == 2
    assert [r.row for r in report.rejected] == [4] and "without an exponent" in report.rejected[0].reason
    tiny, huge = lead("T1"), lead("T2")
    for row in (tiny, huge):
        processing.process_lead(row.id)
        db.session.refresh(row)
    low = render_signal(signal(tiny, "price_too_low"), "staff")
    assert "1/7,900 of the reference" in low and "0x" not in low
    assert "implausible_quantity" in {s["code"] for s in huge.risk_signals}
