"""Migration 0015: a buyer facility's columns come and go; the organisation and its members stay."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from marketplace.extensions import db
from marketplace.models import Organisation
from tests.conftest import make_user

COLUMNS = {"street", "city", "state", "postal_code", "phone", "licence_kind", "licence_number",
           "delivery_hours", "delivery_contact"}


def test_facility_columns_survive_a_round_trip(app_ctx):
    buyer = make_user("buyer", "desk@roundtrip.example", organisation="Roundtrip Hospital")
    buyer.organisation.street, buyer.organisation.licence_number = "1 Main St", "1245319599"
    db.session.commit()
    db.session.remove()
    downgrade(revision="0014")
    try:
        with db.engine.connect() as conn:
            assert not COLUMNS & {c["name"] for c in inspect(conn).get_columns("organisations")}
            assert list(conn.execute(text("SELECT name FROM organisations")).scalars()) == ["Roundtrip Hospital"]
    finally:
        upgrade()
    organisation = db.session.execute(db.select(Organisation)).scalar_one()
    assert organisation.street is None and organisation.members[0].email == "desk@roundtrip.example"
