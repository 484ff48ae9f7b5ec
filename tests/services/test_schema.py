"""The migrations are the schema: they must match the models exactly, and the audit log must be
append-only in the database itself."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from marketplace.extensions import db
from marketplace.services import audit
from tests.conftest import IS_POSTGRES


def test_migrations_match_the_models(app_ctx):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


@pytest.mark.skipif(not IS_POSTGRES, reason="the append-only triggers are PostgreSQL's")
@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET action = 'forged'",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
])
def test_audit_log_refuses_update_delete_truncate(app_ctx, statement):
    audit.record(None, "test.event", "lead", 1, after={"x": 1})
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text(statement))
    assert db.session.scalar(text("SELECT count(*) FROM audit_log")) == 1
