"""Migration 0017: the quote validity columns come and go; the leads and requests stay, and leads
that existed before get a validity of 14 days from the upgrade."""
from datetime import UTC, datetime, timedelta

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from marketplace.extensions import db
from marketplace.models import DemandRequest, Lead
from tests.conftest import make_lead, make_request, make_user


def test_quote_validity_columns_survive_a_round_trip(app_ctx):
    make_lead(make_user("supplier", "sales@harbor.example.com"))
    make_request(make_user("buyer", "desk@validity.example", verified=True))
    db.session.remove()
    downgrade(revision="0016")
    try:
        with db.engine.connect() as conn:
            inspector = inspect(conn)
            assert not {"valid_until", "validity_reminded_for"} & {c["name"] for c in inspector.get_columns("leads")}
            assert "overdue_asked_for" not in {c["name"] for c in inspector.get_columns("demand_requests")}
            assert list(conn.execute(text("SELECT quantity FROM leads")).scalars()) == [50000]
    finally:
        upgrade()
    lead = db.session.execute(db.select(Lead)).scalar_one()
    day = datetime.now(UTC).date()
    assert lead.valid_until in (day + timedelta(days=14), day + timedelta(days=13))  # a UTC midnight between
    assert lead.validity_reminded_for is None
    assert db.session.execute(db.select(DemandRequest)).scalar_one().overdue_asked_for is None
