"""CSV import and export on a real database."""
import csv
import io

from sqlalchemy import func

from marketplace.domain.demo_data import generate_leads
from marketplace.domain.leads import LEAD_COLUMNS
from marketplace.extensions import db
from marketplace.models import AuditLog, Lead
from marketplace.services import leads


def csv_text(rows, header=LEAD_COLUMNS):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in header] if isinstance(row, dict) else row)
    return buffer.getvalue()


def count(model=Lead):
    return db.session.scalar(db.select(func.count()).select_from(model))


def test_3000_rows_import_with_a_correct_report(app_ctx):
    rows = generate_leads(3000)
    rows[10]["email"] = "not-an-email"
    rows[20]["quantity"] = "-5"
    rows[30]["product_category"] = "hazmat_suit"
    rows[40]["unit_price"] = "0"
    report = leads.import_leads(io.StringIO(csv_text(rows)), actor_id=None)
    assert (report.imported, report.updated, len(report.rejected)) == (2996, 0, 4)
    # Row numbers as a spreadsheet shows them: the header is row 1, so list index i is row i + 2.
    assert [(r.row, r.reason.split(":")[0]) for r in report.rejected] == [
        (12, "email"), (22, "quantity"), (32, "product_category"), (42, "unit_price")]
    assert count() == 2996
    assert db.session.scalar(db.select(Lead.id).where(Lead.external_id == rows[10]["external_id"])) is None
    assert count(AuditLog) == 2996  # one audit row per created lead


def test_reimport_updates_the_rows_it_names_and_creates_none(app_ctx):
    rows = generate_leads(50)
    leads.import_leads(io.StringIO(csv_text(rows)), actor_id=None)
    rows[0]["unit_price"] = "9.99"
    rows[1]["quantity"] = "12345"
    report = leads.import_leads(io.StringIO(csv_text(rows)), actor_id=None)
    assert (report.imported, report.updated, report.unchanged, len(report.rejected)) == (0, 2, 48, 0)
    assert count() == 50
    lead = db.session.execute(db.select(Lead).where(Lead.external_id == rows[0]["external_id"])).scalar_one()
    assert str(lead.unit_price.normalize()) == "9.99"


def test_a_bad_row_is_not_half_saved_and_does_not_stop_the_others(app_ctx):
    good, bad = generate_leads(2)
    bad["quantity"] = "lots"
    report = leads.import_leads(io.StringIO(csv_text([good, bad])), actor_id=None)
    assert report.imported == 1 and len(report.rejected) == 1
    assert report.rejected[0].row == 3 and "whole number" in report.rejected[0].reason
    assert db.session.scalar(db.select(func.count()).select_from(Lead).where(
        Lead.external_id == bad["external_id"])) == 0


def test_structural_problems_are_reported_per_row(app_ctx):
    good = generate_leads(3)
    text = csv_text(good[:1]) + "too,few,columns\n" + "\n" + csv_text(good[1:2]).split("\n", 1)[1]
    text += csv_text([good[0]]).split("\n", 1)[1]  # the same external_id twice in one file
    report = leads.import_leads(io.StringIO(text), actor_id=None)
    reasons = {r.row: r.reason for r in report.rejected}
    assert f"expected {len(LEAD_COLUMNS)} columns, found 3" in reasons[3]
    assert "already appears on row 2" in reasons[6]
    assert report.imported == 2


def test_a_file_without_the_right_header_is_refused_whole(app_ctx):
    report = leads.import_leads(io.StringIO("name,price\nx,1\n"), actor_id=None)
    assert not report.ok and "lacks the column" in report.file_error
    assert leads.import_leads(io.StringIO(""), actor_id=None).file_error
    assert count() == 0


def test_export_has_the_import_columns_plus_id_and_status_and_round_trips(app_ctx):
    rows = generate_leads(20)
    rows[0]["notes"] = "=HYPERLINK(\"http://evil.example\")"
    leads.import_leads(io.StringIO(csv_text(rows)), actor_id=None)
    exported = leads.export_csv_text()
    table = list(csv.reader(io.StringIO(exported)))
    assert table[0] == ["id", *LEAD_COLUMNS, "status", "cluster", "risk_score", "flags"]
    assert len(table) == 21
    notes_cell = table[1][1 + LEAD_COLUMNS.index("notes")]
    assert notes_cell.startswith("'=")  # spreadsheet-safe
    # Importing the export again changes nothing.
    report = leads.import_leads(io.StringIO(exported), actor_id=None)
    assert (report.imported, report.updated, report.unchanged, len(report.rejected)) == (0, 0, 20, 0)
