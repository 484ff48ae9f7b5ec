"""A re-import does not change a lead a vetter has decided on (issue 10, item 7: an insider edited an
approved lead's e-mail, phone and price by re-importing its external_id; it stayed approved)."""
import io

from marketplace.domain.demo_data import generate_leads
from marketplace.extensions import db
from marketplace.models import Lead
from marketplace.services import leads, vetting
from tests.conftest import make_user
from tests.services.test_import_export import csv_text


def _lead(external_id: str) -> Lead:
    return db.session.execute(db.select(Lead).where(Lead.external_id == external_id)).scalar_one()


def test_a_decided_lead_keeps_its_vetted_details_and_the_row_says_why(app_ctx):
    rows = generate_leads(3)
    leads.import_leads(io.StringIO(csv_text(rows)), actor_id=None)
    vetter = make_user("vetter")
    approved, rejected, open_lead = (_lead(r["external_id"]) for r in rows)
    vetting.decide(approved, vetter, "approve", "Justified: the only supply.")  # may be over the ceiling
    vetting.decide(rejected, vetter, "reject", "no certificate")
    email, price = approved.email, approved.unit_price
    rows[0].update(email="sales@new-broker.example", phone="+1 213 555 0199")  # the example
    rows[1]["unit_price"] = "0.01"                                              # same kind: a rejected lead's price
    rows[2]["quantity"] = "777"                                                 # not decided yet: updated
    report = leads.import_leads(io.StringIO(csv_text(rows)), actor_id=None)
    assert (report.updated, report.unchanged) == (1, 0)
    assert [r.row for r in report.rejected] == [2, 3]
    assert f"lead {approved.id} is approved" in report.rejected[0].reason
    assert "email, phone" in report.rejected[0].reason and "reopens" in report.rejected[0].reason
    assert "unit_price" in report.rejected[1].reason
    db.session.expire_all()
    assert (_lead(rows[0]["external_id"]).email, _lead(rows[0]["external_id"]).unit_price) == (email, price)
    assert _lead(rows[0]["external_id"]).status == "approved"
    assert _lead(rows[2]["external_id"]).quantity == 777


def test_an_unchanged_row_of_a_decided_lead_is_not_refused(app_ctx):
    rows = generate_leads(1)
    leads.import_leads(io.StringIO(csv_text(rows)), actor_id=None)
    vetting.decide(_lead(rows[0]["external_id"]), make_user("vetter"), "approve", "Justified: the only supply.")
    report = leads.import_leads(io.StringIO(csv_text(rows)), actor_id=None)
    assert (report.unchanged, report.rejected) == (1, [])
