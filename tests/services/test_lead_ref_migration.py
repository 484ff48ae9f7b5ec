"""Migration 0008 gives every existing lead its own marketplace reference, and keeps the rest."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, text

from marketplace.extensions import db
from marketplace.models import Lead
from marketplace.models.matching import MatchPlanLine
from tests.conftest import IS_POSTGRES, REDIS_URL


def test_existing_leads_get_distinct_references_and_nothing_else_changes(clean_app):
    assert clean_app.test_cli_runner().invoke(args=["seed"]).exit_code == 0  # leads, plan lines on them
    with clean_app.app_context():
        lines = db.session.scalar(db.select(func.count()).select_from(MatchPlanLine))
        assert lines > 0 or REDIS_URL  # with Redis the seed's leads are only queued: no plan yet
        indexes = sorted(db.session.execute(text(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'leads' AND sql IS NOT NULL"
        )).scalars()) if not IS_POSTGRES else None
        db.session.remove()
        downgrade(revision="0007")
        try:
            with db.engine.connect() as conn:
                assert "marketplace_ref" not in {c["name"] for c in inspect(conn).get_columns("leads")}
        finally:
            upgrade()
        refs = list(db.session.execute(db.select(Lead.marketplace_ref)).scalars())
        assert len(refs) == 60 and None not in refs and len(set(refs)) == 60
        assert db.session.scalar(db.select(func.count()).select_from(MatchPlanLine)) == lines
        if not IS_POSTGRES:  # the table was copied: its indexes (with DESC) and foreign keys hold
            assert sorted(db.session.execute(text(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'leads' AND sql IS NOT NULL"
            )).scalars()) == indexes
            assert db.session.execute(text("PRAGMA foreign_key_check")).fetchall() == []
            assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
