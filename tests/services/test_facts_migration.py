"""Migration 0009 turns stored sentences into facts (reasons, notifications, outbox e-mail, signals),
recovering the numbers where the sentence is one the marketplace wrote; the downgrade words them back,
the reasons as the sentences stored before it (frozen in the migration: the live wording for staff
has changed since, "under the buyer's maximum" where the sentences said "under your maximum")."""
import importlib.util
import json
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, inspect, select, text

from marketplace.domain import i18n
from marketplace.domain.messages import fact, render_notification, render_reasons, render_signal
from marketplace.extensions import db
from marketplace.models import Lead, Match, Notification, OutboxEmail, User
from tests.conftest import approve, make_lead, make_request, make_user

OLD_REASONS = ["3 days of supply left (urgency weight 4)", "$0.79 a unit, $0.06 under your maximum",
               "ready in 5 days, 9 days before your deadline", "4 km away",
               "substitute: KN95 respirator for N95 respirator", "vetting score 62 of 100 (some concerns)",
               "proposed by hand by vera@city.example", "a sentence nobody parses"]
# The same reasons as staff read them now.
STAFF_READS = ["3 days of supply left (urgency weight 4)", "$0.79 a unit, $0.06 under the buyer's maximum",
               "ready in 5 days, 9 days before the needed-by date", "4 km away",
               "substitute: KN95 respirator for N95 respirator", "vetting score 62 of 100 (some concerns)",
               "proposed by hand by vera@city.example", "a sentence nobody parses"]


def _migration():
    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0009_facts_not_sentences.py"
    spec = importlib.util.spec_from_file_location("migration_0009", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Facts of every reason code the downgrade may meet, with the sentence it writes for each.
DOWNGRADED = [
    (fact("urgency", days_of_supply=1, weight=8), "1 day of supply left (urgency weight 8)"),
    (fact("price", unit_price="0.79", max_unit_price="0.85"), "$0.79 a unit, $0.06 under your maximum"),
    (fact("price", unit_price="1.5", max_unit_price="1.5"), "$1.50 a unit, at your maximum"),
    (fact("price", unit_price="3.151", max_unit_price="1250.5"), "$3.151 a unit, $1,247.349 under your maximum"),
    (fact("lead_time", lead_time_days=0, days_until_needed=1), "ready now, 1 day before your deadline"),
    (fact("lead_time", lead_time_days=10, days_until_needed=10), "ready in 10 days, on your deadline"),
    (fact("lead_time", lead_time_days=1, days_until_needed=1200), "ready in 1 day, 1,199 days before your deadline"),
    (fact("lead_time", lead_time_days=8, days_until_needed=5), "ready in 8 days, 3 days after your deadline"),
    (fact("late", late_days=3, days_of_supply=1),
     "late: arrives 3 days after the needed-by date (urgent; nothing sooner fits)"),
    (fact("lead_time_unstated", assumed_days=14), "lead time not stated; assumed 14 days"),
    (fact("distance", distance_km=0.4), "less than 1 km away"),
    (fact("distance", distance_km=1234.5), "1,234 km away"),
    (fact("distance_unknown"), "distance unknown"),
    (fact("substitute", offer_category="kn95_respirator", need_category="n95_respirator"),
     "substitute: KN95 respirator for N95 respirator"),
    (fact("vetting_score", score=75), "vetting score 75 of 100 (few concerns)"),
    (fact("vetting_score", score=39), "vetting score 39 of 100 (serious concerns)"),
    (fact("vetting_unscored"), "vetting score: not scored yet"),
    (fact("proposed_by_hand", staff_email="vera@city.example"), "proposed by hand by vera@city.example"),
    (fact("legacy", text="a sentence nobody parses"), "a sentence nobody parses"),
    ("a bare sentence", "a bare sentence"),
    (fact("from_the_future", n=1), "from_the_future {'n': 1}"),
]


@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_downgrade_writes_the_sentences_stored_before_it(locale):
    """Frozen in the migration: whatever the live wording and the reader's language, the downgrade
    writes the English sentences the marketplace stored before facts (money as it was written then:
    $3.151, not today's $3.1510), and the upgrade reads each back into the same fact."""
    migration = _migration()
    with i18n.use_locale(locale):
        assert [migration.reason_sentence(stored) for stored, _ in DOWNGRADED] == [sentence for _, sentence in DOWNGRADED]
    # What came after the migration (late, a lead time after the deadline) reads back as a legacy
    # fact; a distance in whole km; everything else as the fact it was.
    read_back = [migration.reason_fact(sentence) for _, sentence in DOWNGRADED]
    assert [one["code"] for one in read_back] == [
        "urgency", "price", "price", "price", "lead_time", "lead_time", "lead_time", "legacy", "legacy",
        "lead_time_unstated", "distance", "distance", "distance_unknown", "substitute", "vetting_score",
        "vetting_score", "vetting_unscored", "proposed_by_hand", "legacy", "legacy", "legacy"]
    for (stored, sentence), one in zip(DOWNGRADED, read_back, strict=True):
        if one["code"] not in ("legacy", "distance"):
            assert one == stored, sentence


def test_every_reason_code_has_a_downgraded_sentence():
    from marketplace.domain.messages import REASONS

    assert set(REASONS) <= {stored["code"] for stored, _ in DOWNGRADED if isinstance(stored, dict)}


def _json(value):
    return json.dumps(value)


def test_sentences_become_facts_and_back(clean_app):
    with clean_app.app_context():
        buyer = make_user("buyer", "buyer@hospital.example", verified=True)
        supplier = make_user("supplier", "supplier@acme.example")
        vetter = make_user("vetter", "vera@city.example")
        request = make_request(buyer)
        lead = make_lead(supplier)
        approve(lead, vetter)
        # The approval's own notification and e-mail (issue 11) are not the rows this test writes.
        db.session.execute(delete(Notification))
        db.session.execute(delete(OutboxEmail))
        match = Match(demand_id=request.id, lead_id=lead.id, quantity=4000, unit_price=lead.unit_price,
                      distance_km=4.2, reasons=[], status="proposed")
        db.session.add(match)
        db.session.commit()
        ids = {"match": match.id, "lead": lead.id, "request": request.id, "buyer": buyer.id,
               "supplier": supplier.id}
        db.session.remove()

        downgrade(revision="0008")
        with db.engine.begin() as conn:  # rows as the marketplace wrote them before facts
            conn.execute(text("UPDATE matches SET reasons = :r WHERE id = :id"),
                         {"r": _json(OLD_REASONS), "id": ids["match"]})
            conn.execute(text("UPDATE leads SET risk_signals = :s WHERE id = :id"), {"s": _json([
                {"code": "webmail", "weight": -10, "sentence": "Company uses a free webmail address (gmail.com)."},
                {"code": "niosh_unknown", "weight": -30, "sentence": "TC-84A-0000 is not among ...",
                 "evidence": {"registry": "NIOSH", "rows": []}}]), "id": ids["lead"]})
            notes = [
                (ids["buyer"], f"Proposed: 4,000 N95 respirator for your request #{ids['request']}"),
                (ids["supplier"], f"Your lead #{ids['lead']}: 4,000 N95 respirator proposed to a buyer "
                                  f"(request #{ids['request']})"),
                (ids["supplier"], f"Match #{ids['match']} (4,000 N95 respirator, request #{ids['request']}) "
                                  "is now declined: too dear"),
                (ids["buyer"], f"Match #{ids['match']} was closed: The buyer withdrew the request."),
                (ids["buyer"], "Something from long ago"),
            ]
            for user_id, note in notes:
                conn.execute(text("INSERT INTO notifications (user_id, text, link, created_at) "
                                  "VALUES (:u, :t, :l, CURRENT_TIMESTAMP)"),
                             {"u": user_id, "t": note, "l": f"/matches/{ids['match']}"})
                conn.execute(text("INSERT INTO outbox_emails (to_address, subject, body, status, attempts, "
                                  "created_at) VALUES (:a, :s, :b, 'pending', 0, CURRENT_TIMESTAMP)"),
                             {"a": "buyer@hospital.example" if user_id == ids["buyer"] else "supplier@acme.example",
                              "s": note, "b": f"{note}\n\nOpen it in the marketplace: "
                                              f"https://ppe.example/matches/{ids['match']}\n"})
        upgrade()

        match = db.session.get(Match, ids["match"])
        codes = [r["code"] for r in match.reasons]
        assert codes == ["urgency", "price", "lead_time", "distance", "substitute", "vetting_score",
                         "proposed_by_hand", "legacy"]
        assert match.reasons[1]["params"] == {"unit_price": "0.79", "max_unit_price": "0.85"}
        assert render_reasons(match.reasons, "staff") == STAFF_READS  # of the buyer in the third person
        assert render_reasons(match.reasons, "buyer")[1:3] == ["$0.79 a unit, $0.06 under your maximum",
                                                             "ready in 5 days, 9 days before your needed-by date"]
        supplier_reads = " ".join(render_reasons(match.reasons, "supplier"))
        assert "0.85" not in supplier_reads and "0.06" not in supplier_reads and "62" not in supplier_reads
        assert "nobody parses" not in supplier_reads and "supply" not in supplier_reads

        lead = db.session.get(Lead, ids["lead"])
        assert [s["code"] for s in lead.risk_signals] == ["webmail", "niosh_unknown"]
        assert render_signal(lead.risk_signals[0], "staff") == "Company uses a free webmail address (gmail.com)."
        assert lead.risk_signals[1]["evidence"] == {"registry": "NIOSH", "rows": []}
        assert lead.reference_version is None  # the sweeper scores it again, with parameters

        notes = list(db.session.execute(select(Notification).order_by(Notification.id)).scalars())
        assert [n.message["code"] for n in notes] == ["match_proposed", "match_proposed", "match_status",
                                                      "match_closed", "legacy"]
        assert notes[0].message["params"]["lead_id"] == ids["lead"]  # from the match the link names
        assert notes[2].message["params"]["reason"] == "too dear"
        assert notes[3].message["params"]["close_reason"] == "request_withdrawn"
        assert render_notification(notes[1].message, "supplier") == (
            f"Your offer #{ids['lead']}: 4,000 N95 respirators proposed to a buyer (request #{ids['request']})")
        assert render_notification(notes[4].message, "staff") == "Something from long ago"
        assert "long ago" not in render_notification(notes[4].message, "buyer")

        emails = list(db.session.execute(select(OutboxEmail).order_by(OutboxEmail.id)).scalars())
        assert [e.role for e in emails] == ["buyer", "supplier", "supplier", "buyer", "buyer"]
        assert all(e.link == f"/matches/{ids['match']}" for e in emails)
        assert [e.message and e.message["code"] for e in emails] == [
            "match_proposed", "match_proposed", "match_status", "match_closed", None]  # None: sent as written
        assert emails[4].body.startswith("Something from long ago")
        db.session.remove()

        downgrade(revision="0008")
        try:
            with db.engine.connect() as conn:
                assert "text" in {c["name"] for c in inspect(conn).get_columns("notifications")}
                assert "message" not in {c["name"] for c in inspect(conn).get_columns("outbox_emails")}
                reasons = conn.execute(text("SELECT reasons FROM matches WHERE id = :id"),
                                       {"id": ids["match"]}).scalar_one()
                reasons = json.loads(reasons) if isinstance(reasons, str) else reasons
                assert reasons == OLD_REASONS  # the sentences stored before facts, exactly
                texts = list(conn.execute(text("SELECT text FROM notifications ORDER BY id")).scalars())
                assert texts[0] == f"Proposed: 4,000 N95 respirators for your request #{ids['request']}"
                signals = conn.execute(text("SELECT risk_signals FROM leads WHERE id = :id"),
                                       {"id": ids["lead"]}).scalar_one()
                assert "Company uses a free webmail address (gmail.com)." in str(signals)
        finally:
            upgrade()
        assert db.session.execute(select(User)).first() is not None
