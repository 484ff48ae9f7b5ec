"""Migration 0016: demand_requests.specification comes and goes; the requests stay."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from marketplace.extensions import db
from marketplace.models import DemandRequest
from tests.conftest import make_request, make_user


def test_specification_column_survives_a_round_trip(app_ctx):
    buyer = make_user("buyer", "desk@spec.example", verified=True)
    make_request(buyer, specification="Size M, ASTM D6319")
    db.session.remove()
    downgrade(revision="0015")
    try:
        with db.engine.connect() as conn:
            assert "specification" not in {c["name"] for c in inspect(conn).get_columns("demand_requests")}
            assert list(conn.execute(text("SELECT quantity FROM demand_requests")).scalars()) == [20000]
    finally:
        upgrade()
    request = db.session.execute(db.select(DemandRequest)).scalar_one()
    assert request.specification is None and request.quantity == 20000
