"""CSV import and export on a real database."""
import csv
import io

from sqlalchemy import func

from marketplace.domain.demo_data import generate_leads
from marketplace.domain.leads import LEAD_COLUMNS
from marketplace.extensions import db
from marketplace.models import AuditLog, Lead
from marketplace.services import leads
from tests.conftest import make_lead, make_user


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
    assert table[0] == ["id", *LEAD_COLUMNS, "status", "cluster", "risk_score", "flags", "marketplace_ref"]
    assert len(table) == 21
    notes_cell = table[1][1 + LEAD_COLUMNS.index("notes")]
    assert notes_cell.startswith("'=")  # spreadsheet-safe
    # Importing the export again changes nothing.
    report = leads.import_leads(io.StringIO(exported), actor_id=None)
    assert (report.imported, report.updated, report.unchanged, len(report.rejected)) == (0, 0, 20, 0)


# --- export -> re-import is "unchanged" (tester finding 2: leads without an external_id came back
# as new leads, the copies then showed as duplicate pairs) ---------------------------------------

def exported_table() -> list[dict]:
    return list(csv.DictReader(io.StringIO(leads.export_csv_text())))


def table_text(table: list[dict]) -> str:
    return csv_text(table, header=tuple(table[0]))


def mixed_leads() -> list[Lead]:
    """Form leads (no external_id) of a US and a German supplier, CSV leads with and without an
    external_id, packs, four-decimal prices, and countries other than the US."""
    supplier = make_user("supplier")
    made = [make_lead(supplier),
            make_lead(supplier, company_name="Müller Medizintechnik GmbH", email="info@mueller-medtech.de",
                      phone="+49 30 1234567", street="Friedrichstraße 10", city="Berlin", state="",
                      postal_code="10117", country="Germany", unit_price="12.5",
                      pack_size="20", quantity="500", min_order_qty="10", country_of_origin="DE")]
    rows = [dict(row) for row in generate_leads(6)]
    rows[0]["external_id"] = ""  # a city list without its own references
    rows[1].update(external_id="", country="Mexico", postal_code="06600", phone="+52 55 1234 5678",
                   unit_price="0.0735", pack_size="100", quantity="40", min_order_qty="")
    rows[2].update(unit_price="1.2345", pack_size="3")
    rows[3].update(country="Japan", postal_code="100-0001", phone="+81 3-1234-5678", city="東京")
    report = leads.import_leads(io.StringIO(csv_text(rows)), actor_id=None)
    assert (report.imported, len(report.rejected)) == (6, 0), report.rejected
    return made


def test_an_export_reimports_unchanged_with_form_leads_and_leads_without_external_id(app_ctx):
    mixed_leads()
    assert count() == 8 and db.session.scalar(db.select(func.count()).select_from(Lead).where(
        Lead.external_id.is_(None))) == 4
    exported = leads.export_csv_text()
    report = leads.import_leads(io.StringIO(exported), actor_id=None)
    assert (report.imported, report.updated, report.unchanged, report.rejected) == (0, 0, 8, [])
    assert count() == 8
    # and again: the second export is the first one, row for row
    assert leads.export_csv_text() == exported
    report = leads.import_leads(io.StringIO(exported), actor_id=None)
    assert (report.imported, report.updated, report.unchanged) == (0, 0, 8)


def test_every_lead_has_its_own_marketplace_ref_from_the_start(app_ctx):
    made = mixed_leads()
    refs = list(db.session.execute(db.select(Lead.marketplace_ref)).scalars())
    assert len(set(refs)) == 8 and all(len(ref) == 36 for ref in refs)
    assert made[0].marketplace_ref in refs


def test_an_edited_export_updates_the_form_lead_it_names(app_ctx):
    form_lead = mixed_leads()[0]
    table = exported_table()
    row = next(r for r in table if r["marketplace_ref"] == form_lead.marketplace_ref)
    row["quantity"] = "60000"
    report = leads.import_leads(io.StringIO(table_text(table)), actor_id=None)
    assert (report.imported, report.updated, report.unchanged) == (0, 1, 7)
    assert db.session.get(Lead, form_lead.id).quantity == 60000 and count() == 8


def test_a_reference_unknown_here_is_a_new_lead_never_an_unrelated_one(app_ctx):
    """A file exported by another deployment: its references name none of the leads here (they
    are random, not the row ids), so its rows are new leads, even where its ``id`` column repeats
    an id of a lead here; importing it again changes nothing."""
    import uuid

    mixed_leads()
    before = {lead.id: leads.lead_values(lead) for lead in db.session.execute(db.select(Lead)).scalars()}
    table = exported_table()
    for row in table:
        row["marketplace_ref"] = str(uuid.uuid4())  # the other deployment's
        row["external_id"] = ""
        row["company_name"] = "Another City " + row["company_name"]
    report = leads.import_leads(io.StringIO(table_text(table)), actor_id=None)
    assert (report.imported, report.updated, report.unchanged, report.rejected) == (8, 0, 0, [])
    assert count() == 16
    assert {lead.id: leads.lead_values(lead) for lead in db.session.execute(
        db.select(Lead).where(Lead.id.in_(before))).scalars()} == before  # nothing here changed
    again = leads.import_leads(io.StringIO(table_text(table)), actor_id=None)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 8)


def test_a_reference_the_export_did_not_write_is_refused_with_the_row(app_ctx):
    form_lead = mixed_leads()[0]
    table = exported_table()[:3]
    table[0]["marketplace_ref"] = f"lead-{form_lead.id}"  # a guessed reference
    table[1]["marketplace_ref"] = str(form_lead.id)  # the row id
    table[2]["marketplace_ref"] = table[2]["marketplace_ref"].upper()  # a spreadsheet's upper case: same UUID
    report = leads.import_leads(io.StringIO(table_text(table)), actor_id=None)
    assert [(r.row, r.reason.split(":")[0]) for r in report.rejected] == [(2, "marketplace_ref"), (3, "marketplace_ref")]
    assert "leave the cell empty to import the row as a new lead" in report.rejected[0].reason
    assert (report.imported, report.unchanged) == (0, 1) and count() == 8


def test_a_row_whose_references_name_two_leads_is_refused(app_ctx):
    mixed_leads()
    table = exported_table()
    with_external = [r for r in table if r["external_id"]]
    without = next(r for r in table if not r["external_id"])
    without["external_id"] = with_external[0]["external_id"]  # lead A's ref, lead B's external_id
    report = leads.import_leads(io.StringIO(table_text([without])), actor_id=None)
    assert len(report.rejected) == 1 and report.rejected[0].reason.startswith("external_id: ")
    assert "marketplace_ref" in report.rejected[0].reason
    # Two rows naming one lead, one by each reference: the second is refused.
    first = dict(with_external[1], marketplace_ref="")  # by its external_id
    second = dict(with_external[1], external_id="")  # by its marketplace_ref
    report = leads.import_leads(io.StringIO(table_text([first, second])), actor_id=None)
    assert [r.row for r in report.rejected] == [3] and "row 2 both name lead" in report.rejected[0].reason
    # The same reference twice in one file.
    report = leads.import_leads(io.StringIO(table_text([without, dict(without, external_id="")])), actor_id=None)
    assert any("already appears on row 2" in r.reason for r in report.rejected)
    assert count() == 8
