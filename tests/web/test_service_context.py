"""What the edge hands the services instead of Flask: the settings per application context, the
client's address per request (services.settings, services.audit, marketplace.service_context)."""
from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import AuditLog
from marketplace.services import audit, settings
from tests.conftest import VALID_LEAD, login, make_user, post_form


def test_no_service_imports_flask():
    import pathlib

    import marketplace.services

    folder = pathlib.Path(marketplace.services.__file__).parent
    offenders = [path.name for path in folder.glob("*.py")
                 if any(line.startswith(("from flask ", "import flask")) for line in path.read_text().splitlines())]
    assert offenders == []


def test_settings_are_bound_for_every_app_context_and_read_live(clean_app, monkeypatch):
    with clean_app.app_context():
        assert settings.current().public_url == clean_app.config["PUBLIC_URL"].rstrip("/")
        monkeypatch.setitem(clean_app.config, "DEDUP_REFIT_EVERY", 7)
        monkeypatch.setitem(clean_app.config, "MAIL_SERVER", "")
        assert settings.current().dedup_refit_every == 7 and settings.current().mail_server is None
        with clean_app.app_context():  # nested: bound again, and unbound again on leaving
            assert settings.current().mail_from == clean_app.config["MAIL_FROM"]
        assert settings.current().dedup_refit_every == 7
    with pytest.raises(RuntimeError, match="no settings bound"):
        settings.current()


def test_a_web_change_is_audited_with_the_client_address_and_a_service_call_without(client, clean_app):
    with clean_app.app_context():
        user = make_user("supplier")
        email = user.email
    client.environ_base["REMOTE_ADDR"] = "192.0.2.7"  # from the start: the session is bound to it
    login(client, email)
    response = post_form(client, "/leads/new", VALID_LEAD)
    assert response.status_code == 302 and "/leads/" in response.headers["Location"]
    with clean_app.app_context():
        row = db.session.execute(db.select(AuditLog).where(AuditLog.action == "lead.create")).scalar_one()
        assert row.remote_addr == "192.0.2.7"
        # After the request the address is unbound: a change made outside any request has none.
        outside = audit.record(None, "test.outside", "lead", row.entity_id)
        assert outside.remote_addr is None
        db.session.rollback()
