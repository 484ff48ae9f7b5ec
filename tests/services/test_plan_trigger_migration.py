"""Migration 0026 (PostgreSQL and SQLite): a plan's trigger stored as an English sentence becomes
its fact when the marketplace wrote it ("lead 42 approved", "3 approved lead(s) imported (+2
more)"), any other text a legacy fact shown as written; the downgrade words the facts back in
English for staff."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from marketplace.domain.messages import trigger_fact
from marketplace.extensions import db
from marketplace.models import MatchPlan

OLD = {
    "lead 42 approved": {"code": "lead_approved", "params": {"lead_id": 42}},
    "lead 7 no longer approved": {"code": "lead_unapproved", "params": {"lead_id": 7}},
    "lead 7 quote confirmed": {"code": "lead_confirmed", "params": {"lead_id": 7}},
    "3 approved lead(s) imported (+2 more)": {"code": "leads_imported", "params": {"count": 3, "others": 2}},
    "request 12 posted": {"code": "request_posted", "params": {"demand_id": 12}},
    "request 12 closed": {"code": "request_closed", "params": {"demand_id": 12}},
    "1 request(s) imported": {"code": "requests_imported", "params": {"count": 1}},
    "match 5 declined": {"code": "match_declined", "params": {"match_id": 5}},
    "match 5 proposed by hand": {"code": "match_proposed", "params": {"match_id": 5}},
    "asked for by x@y.example": {"code": "asked", "params": {"email": "x@y.example"}},
    "sweeper: supply or demand changed since the last plan": {"code": "data_changed", "params": {}},
    "quotes lapsed or requests passed their date": {"code": "dates_passed", "params": {}},
    "demo data": {"code": "demo_data", "params": {}},
    "flask matching run": {"code": "command", "params": {}},
    "bench": {"code": "legacy", "params": {"text": "bench"}},
    "lead 42 approved, by hand": {"code": "legacy", "params": {"text": "lead 42 approved, by hand"}},
    # cut at 120 characters: the e-mail may be cut too, so it is kept as written
    "asked for by " + "a" * 100 + "@city.e": {"code": "legacy", "params": {"text": "asked for by " + "a" * 100 + "@city.e"}},
}


def _insert(conn, trigger) -> None:
    conn.execute(text("INSERT INTO match_plans (status, trigger, created_at, needs_count, offers_count, demand_units,"
                      " units, weighted_units, cost_cents, solve_ms) VALUES ('superseded', :trigger,"
                      " CURRENT_TIMESTAMP, 0, 0, 0, 0, 0, 0, 0)"), {"trigger": trigger})


def test_old_sentences_become_facts_and_come_back_as_english(app_ctx):
    assert len(list(OLD)[-1]) == 120
    db.session.remove()
    downgrade(revision="0025")
    try:
        with db.engine.begin() as conn:
            for sentence in OLD:
                _insert(conn, sentence)
    finally:
        upgrade()
    stored = dict(zip(OLD, db.session.execute(db.select(MatchPlan.trigger).order_by(MatchPlan.id)).scalars()))
    assert stored == OLD
    db.session.add(MatchPlan(status="draft", trigger=trigger_fact("request_posted", demand_id=9, others=1),
                             needs_count=0, offers_count=0))
    db.session.commit()
    db.session.remove()
    downgrade(revision="0025")
    try:
        with db.engine.connect() as conn:
            words = conn.execute(text("SELECT trigger FROM match_plans ORDER BY id")).scalars().all()
    finally:
        upgrade()
    assert words[0] == "lead #42 approved" and words[3] == "3 approved leads imported and 2 other changes"
    assert words[14] == "bench"  # a legacy sentence goes back as it was, not quoted
    assert words[-1] == "request #9 posted and 1 other change"
