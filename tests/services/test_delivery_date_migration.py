"""Migration 0022: matches.delivery_on comes and goes (PostgreSQL and SQLite); matches keep their
rows, and a match from before has no confirmed date (the projection uses its lead time)."""
from datetime import date
from decimal import Decimal

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from marketplace.extensions import db
from marketplace.models import Match
from tests.conftest import approve, make_lead, make_request, make_user


def test_the_column_comes_and_goes_and_matches_stay(app_ctx):
    buyer = make_user("buyer", "desk@delivery.example", verified=True)
    lead = make_lead(make_user("supplier", "sales@delivery.example"))
    approve(lead)
    match = Match(demand_id=make_request(buyer).id, lead_id=lead.id, quantity=500, unit_price=Decimal("0.79"),
                  reasons=[], status="ordered", delivery_on=date(2027, 1, 21))
    db.session.add(match)
    db.session.commit()
    match_id = match.id
    db.session.remove()
    downgrade(revision="0019")
    try:
        with db.engine.connect() as conn:
            assert "delivery_on" not in {c["name"] for c in inspect(conn).get_columns("matches")}
    finally:
        upgrade()
    match = db.session.get(Match, match_id)
    assert (match.status, match.quantity, match.delivery_on) == ("ordered", 500, None)
