"""Migration 0013: the claim and first-approval columns come and go; a lead awaiting its second
approval is left under review by the downgrade (it is approved again from the start), never approved."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from marketplace.extensions import db
from marketplace.models import Lead
from marketplace.services import vetting
from tests.conftest import make_lead, make_user

COLUMNS = {"claimed_by_id", "claimed_at", "first_approved_by_id", "first_approved_at"}


def test_claims_and_first_approvals_survive_a_downgrade_as_leads_under_review(app_ctx):
    ann = make_user("vetter", "ann@city.example.gov")
    lead = make_lead(quantity="500000")
    vetting.claim(lead, ann)
    vetting.decide(lead, ann, "approve")
    claimed = make_lead(company_name="Claimed Medical", email="x@claimed-medical.com", phone="(213) 555-0199")
    vetting.claim(claimed, ann)
    db.session.commit()
    db.session.remove()
    downgrade(revision="0011")
    try:
        with db.engine.connect() as conn:
            assert not COLUMNS & {c["name"] for c in inspect(conn).get_columns("leads")}
            assert sorted(conn.execute(text("SELECT status FROM leads")).scalars()) == ["submitted", "under_review"]
    finally:
        upgrade()
    rows = list(db.session.execute(db.select(Lead)).scalars())
    assert all(r.claimed_by_id is None and r.first_approved_by_id is None for r in rows)
