"""Migration 0027 adds submission_receipts.fingerprint, nullable: a receipt written before it has
none and replays its first result as before; the downgrade drops the column and keeps the receipts."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from marketplace.extensions import db
from tests.conftest import VALID_LEAD, bearer, make_api_token, make_user

KEY = "migrated-key-0123456789"


def _columns(conn) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns("submission_receipts")}


def test_receipts_from_before_replay_and_the_downgrade_keeps_them(clean_app):
    client = clean_app.test_client()
    body = {**{k: v for k, v in VALID_LEAD.items() if k != "external_id"}, "quantity": 50000, "unit_price": 0.85}
    with clean_app.app_context():
        token = make_api_token(make_user("supplier", "migrated@acme.example"))
    first = client.post("/api/v1/leads", json=body, headers={**bearer(token), "Idempotency-Key": KEY})
    assert first.status_code == 201
    with clean_app.app_context():
        db.session.remove()
        downgrade(revision="0026")
        try:
            with db.engine.connect() as conn:
                assert "fingerprint" not in _columns(conn)
                assert conn.execute(text("SELECT count(*) FROM submission_receipts")).scalar_one() == 1
        finally:
            upgrade()
        with db.engine.connect() as conn:
            assert "fingerprint" in _columns(conn)
            assert conn.execute(text("SELECT fingerprint FROM submission_receipts")).scalar_one() is None
    # Written before fingerprints were kept: the key replays its first result, whatever the body.
    again = client.post("/api/v1/leads", json={**body, "quantity": 999999},
                        headers={**bearer(token), "Idempotency-Key": KEY})
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
