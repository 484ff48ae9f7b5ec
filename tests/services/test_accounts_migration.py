"""Migration 0010: existing accounts predate e-mail confirmation and count as confirmed; the
downgrade strands no held lead."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from marketplace.extensions import db
from marketplace.models import Lead, User
from tests.conftest import make_lead, make_user


def test_existing_users_count_as_confirmed_and_held_leads_survive_a_downgrade(app_ctx):
    supplier = make_user("supplier", "s@example.org", email_verified=False)
    held = make_lead(supplier)
    make_user("buyer", "b@example.org")
    assert held.status == "held"
    db.session.remove()
    downgrade(revision="0009")
    try:
        with db.engine.connect() as conn:
            assert "email_verified_at" not in {c["name"] for c in inspect(conn).get_columns("users")}
            assert conn.execute(text("SELECT status FROM leads")).scalar_one() == "submitted"
    finally:
        upgrade()
    users = list(db.session.execute(db.select(User)).scalars())
    assert len(users) == 2 and all(u.email_verified_at == u.created_at for u in users)
    assert db.session.execute(db.select(Lead.status)).scalar_one() == "submitted"
