"""Countries, phones and postal codes through the CSV import, processing, matching and export
(issue 8, items 2 and 3), on a real database. The case files are copies of ../shared/cases."""
import io
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from marketplace.domain import allocation
from marketplace.domain.messages import render_signal
from marketplace.extensions import db
from marketplace.models import Lead, LeadNormal
from marketplace.services import leads, processing, supply
from tests.conftest import VALID_LEAD, make_lead
from tests.services.test_import_export import csv_text

CASES = Path(__file__).resolve().parent.parent / "cases"


def import_case(name: str):
    with open(CASES / name, newline="", encoding="utf-8") as handle:
        report = leads.import_leads(io.StringIO(handle.read()), actor_id=None)
    assert report.ok and report.rejected == [], report.rejected
    by_id = {lead.external_id: lead for lead in db.session.execute(select(Lead)).scalars()}
    for lead in by_id.values():
        processing.process_lead(lead.id)
    return report, by_id


def normal_of(lead: Lead) -> LeadNormal:
    return db.session.get(LeadNormal, lead.id)


def test_case_c07_imports_every_row_with_its_country_and_phone(app_ctx):
    report, by_id = import_case("c07_country_name_phone.csv")
    assert report.imported == 5
    assert [by_id[key].country for key in ("M1", "M2", "U1", "U2", "U3")] == ["MX", "MX", "GB", "GB", "GB"]
    assert normal_of(by_id["M1"]).phone == normal_of(by_id["M2"]).phone == "+525512345678"
    assert {normal_of(by_id[key]).phone for key in ("U1", "U2", "U3")} == {"+442079460018"}
    assert by_id["M2"].phone == "55 1234 5678"  # as typed
    # The same supplier: M1 and M2 in one cluster, U1-U3 in another.
    assert by_id["M1"].cluster_id == by_id["M2"].cluster_id != by_id["U1"].cluster_id
    assert by_id["U1"].cluster_id == by_id["U2"].cluster_id == by_id["U3"].cluster_id


def test_case_c05_zip_codes_get_their_zero_and_their_location(app_ctx):
    report, by_id = import_case("c05_zip_leading_zero.csv")
    assert report.imported == 2
    assert (by_id["Z1"].postal_code, by_id["Z2"].postal_code) == ("02446", "07102-1234")
    assert (normal_of(by_id["Z1"]).postal_code, normal_of(by_id["Z2"]).postal_code) == ("02446", "07102")
    offer = supply._offer(by_id["Z1"], 100)
    assert offer.postal_code == "02446"
    assert allocation.geo.distance_km(offer.postal_code, "02115") < 10  # Brookline to Boston


def test_export_writes_codes_and_reimports_unchanged(app_ctx):
    import_case("c07_country_name_phone.csv")
    import_case("c05_zip_leading_zero.csv")
    exported = leads.export_csv_text()
    assert ",MX,manufacturer," in exported and ",EC1A 1BB,GB," in exported and ",02446,US," in exported
    report = leads.import_leads(io.StringIO(exported), actor_id=None)
    assert (report.imported, report.updated, report.unchanged, len(report.rejected)) == (0, 0, 7, 0)


def test_unknown_country_and_bad_zip_rows_are_refused_with_a_line_each(app_ctx):
    rows = [dict(VALID_LEAD, external_id="A", country="Atlantis"),
            dict(VALID_LEAD, external_id="B", country="US", postal_code="ABCDE"),
            dict(VALID_LEAD, external_id="C", country="Deutschland", phone="030 123456", postal_code="10115")]
    text = csv_text(rows)
    report = leads.import_leads(io.StringIO(text), actor_id=None)
    reasons = {r.row: r.reason for r in report.rejected}
    assert set(reasons) == {2, 3}, reasons
    assert reasons[2].startswith("country: Unknown country 'Atlantis'")
    assert reasons[3].startswith("postal_code: 'ABCDE' is not a US ZIP code")
    lead = db.session.execute(select(Lead).where(Lead.external_id == "C")).scalar_one()
    assert (lead.country, lead.postal_code) == ("DE", "10115")


def test_a_german_postal_code_is_no_new_york_zip(app_ctx):
    # 10115 is Berlin-Mitte and also a Manhattan ZIP: a German lead gets no US location.
    berlin = make_lead(country="DE", postal_code="10115", phone="+49 30 123456")
    assert supply._offer(berlin, 100).postal_code is None
    us = make_lead(postal_code="10115", external_id="NY")
    assert supply._offer(us, 100).postal_code == "10115"


def test_older_free_text_countries_still_show_and_process(app_ctx):
    # Rows saved before countries were read: free text, and a ZIP without its leading zero.
    lead = make_lead(external_id="OLD")
    lead.country, lead.country_of_origin, lead.phone, lead.postal_code = "Mexico", "China", "55 1234 5678", "2446"
    db.session.commit()
    assert processing.process_lead(lead.id)
    assert normal_of(lead).phone == "+525512345678"
    assert supply._offer(lead, 1).postal_code is None  # Mexico: no US ZIP location
    lead.country = "United States"
    db.session.commit()
    processing.process_lead(lead.id)
    assert normal_of(lead).postal_code == "02446" and supply._offer(lead, 1).postal_code == "02446"
    assert Decimal(lead.unit_price) > 0


def test_namibia_norway_and_a_padded_postal_code_export_and_reimport_unchanged(app_ctx):
    rows = [dict(VALID_LEAD, external_id="NAM", country="Namibia", phone="+264 61 123 4567", postal_code="",
                 country_of_origin="NOR"),
            dict(VALID_LEAD, external_id="MX1", country="MX", phone="55 1234 5678", postal_code="6600"),
            dict(VALID_LEAD, external_id="NA1", country="NA", phone="+264 61 123 4567", postal_code=""),
            dict(VALID_LEAD, external_id="MX2", country="MX", phone="55 1234 5678", postal_code="ABCDE")]
    report = leads.import_leads(io.StringIO(csv_text(rows)), actor_id=None)
    reasons = {r.row: r.reason for r in report.rejected}
    assert set(reasons) == {4, 5}, reasons
    assert reasons[4].startswith("country: 'NA' could be Namibia's code or 'not available'")
    assert reasons[5].startswith("postal_code: 'ABCDE' is not a postal code of Mexico")
    by_id = {lead.external_id: lead for lead in db.session.execute(select(Lead)).scalars()}
    assert (by_id["NAM"].country, by_id["NAM"].country_of_origin, by_id["MX1"].postal_code) == ("NA", "NO", "06600")
    exported = leads.export_csv_text()
    assert ",NAM," in exported and ",NOR," in exported and ",06600,MX," in exported
    report = leads.import_leads(io.StringIO(exported), actor_id=None)
    assert (report.imported, report.updated, report.unchanged, len(report.rejected)) == (0, 0, 2, 0)


def test_a_lead_whose_phone_is_no_valid_number_is_flagged_when_processed(app_ctx):
    lead = make_lead(external_id="CN", country="", phone="138 0013 8000")
    processing.process_lead(lead.id)
    db.session.refresh(lead)
    flagged = {s["code"]: s for s in lead.risk_signals}
    assert "not a valid number in the United States" in render_signal(flagged["phone_invalid"], "staff")
