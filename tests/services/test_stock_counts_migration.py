"""Migration 0018: the stock columns come and go; requests from before get their creation date as
the count date, so their stated days of supply age from the day they were stated."""
from datetime import UTC, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from marketplace.extensions import db
from marketplace.models import DemandRequest
from tests.conftest import make_request, make_user


def test_existing_requests_count_from_their_creation_date(app_ctx):
    buyer = make_user("buyer", "desk@stock.example", verified=True)
    request = make_request(buyer, days_of_supply="12")
    request_id = request.id
    db.session.remove()
    downgrade(revision="0016")
    try:
        with db.engine.connect() as conn:
            assert "stock_on_hand" not in {c["name"] for c in inspect(conn).get_columns("demand_requests")}
        with db.engine.begin() as conn:  # a row from before, created on 1 March 2027 at 23:30 UTC
            conn.execute(text("UPDATE demand_requests SET created_at = :at WHERE id = :id"),
                         {"at": datetime(2027, 3, 1, 23, 30, tzinfo=UTC), "id": request_id})
    finally:
        upgrade()
    request = db.session.get(DemandRequest, request_id)
    assert (request.days_of_supply, request.stock_on_hand, request.avg_daily_use) == (12, None, None)
    assert request.stock_counted_on.isoformat() == "2027-03-01"
