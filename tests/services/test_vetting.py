"""Decisions, audit rows, self-vetting, questions and answers, the queue's pages."""
import pytest
from sqlalchemy import select

from marketplace.domain.lead_status import TransitionError
from marketplace.extensions import db
from marketplace.models import AuditLog, Lead
from marketplace.services import processing, vetting
from tests.conftest import make_lead, make_user


def audit_rows(lead_id):
    return list(db.session.execute(select(AuditLog).where(AuditLog.entity_id == lead_id, AuditLog.entity_type == "lead")
                                   .order_by(AuditLog.id)).scalars())


@pytest.mark.parametrize("action, text, status", [
    ("approve", None, "approved"), ("reject", "10x price", "rejected"),
    ("request_info", "Your NIOSH letter?", "info_requested"), ("escalate", "odd", "escalated"),
    ("start_review", None, "under_review"),
])
def test_every_decision_writes_one_audit_row(app_ctx, action, text, status):
    vetter = make_user("vetter", "v@city.example.gov")
    lead = make_lead()
    before = len(audit_rows(lead.id))
    vetting.decide(lead, vetter, action, text)
    rows = audit_rows(lead.id)
    assert len(rows) == before + 1
    assert (rows[-1].actor_id, rows[-1].action, rows[-1].before, rows[-1].after) == (
        vetter.id, f"lead.{action}", {"status": "submitted"}, {"status": status})
    assert lead.status == status


def test_self_vetting_is_refused_and_the_refusal_audited(app_ctx):
    vetter = make_user("vetter", "val@harborindustrial.com")
    lead = make_lead(email="sales@harborindustrial.com")
    with pytest.raises(vetting.DecisionRefused, match="own e-mail domain"):
        vetting.decide(lead, vetter, "approve")
    own = make_lead(vetter, email="x@elsewhere.example.com")
    with pytest.raises(vetting.DecisionRefused, match="submitted this lead yourself"):
        vetting.decide(own, vetter, "approve")
    refusals = db.session.execute(select(AuditLog).where(AuditLog.action == "lead.decision_refused")).scalars().all()
    assert {r.entity_id for r in refusals} == {lead.id, own.id}
    assert db.session.get(Lead, lead.id).status == "submitted"


def test_question_and_answer(app_ctx):
    vetter = make_user("vetter", "v@city.example.gov")
    supplier = make_user("supplier", "s@harborindustrial.com")
    lead = make_lead(supplier)
    vetting.decide(lead, vetter, "request_info", "Please send the NIOSH approval letter.")
    assert lead.status == "info_requested"
    vetting.decide(lead, supplier, "answer", "Attached as a PDF.")
    assert lead.status == "under_review"
    bodies = [(m.kind, m.body) for m in vetting.messages(lead)]
    assert bodies == [("question", "Please send the NIOSH approval letter."), ("answer", "Attached as a PDF.")]
    with pytest.raises(TransitionError):
        vetting.decide(lead, supplier, "answer", "again")


def test_a_stale_decision_is_refused(app_ctx):
    vetter = make_user("vetter", "v@city.example.gov")
    lead = make_lead()
    assert lead.status == "submitted"
    # Another vetter decides in between, on another connection.
    with db.engine.begin() as other:
        other.execute(Lead.__table__.update().where(Lead.id == lead.id).values(status="rejected"))
    with pytest.raises(TransitionError, match="Someone else changed this lead"):
        vetting.decide(lead, vetter, "approve")
    assert db.session.get(Lead, lead.id).status == "rejected"


def test_queue_pages_are_ranked_and_never_overlap(app_ctx):
    prices = ["0.79", "0.90", "6.50", "11.49", "0.30"] * 5
    for index, price in enumerate(prices):
        lead = make_lead(unit_price=price, company_name=f"Company {index}", email=f"a{index}@c{index}.com",
                         website=f"c{index}.com", phone=f"(213) 555-{1000 + index}")
        processing.process_lead(lead.id)
    seen, after, scores = [], None, []
    while True:
        rows, after, total = vetting.queue_page(vetting.QueueFilter(), after=after, per_page=4)
        seen += [r.id for r in rows]
        scores += [r.risk_score for r in rows]
        if not after:
            break
    assert total == 25 and len(seen) == 25 and len(set(seen)) == 25
    assert scores == sorted(scores, reverse=True)
    risky, _, _ = vetting.queue_page(vetting.QueueFilter(sort="risky", flag="price_10x"), after=None, per_page=50)
    assert len(risky) == 5 and all("price_10x" in {s["code"] for s in r.risk_signals} for r in risky)


def test_a_broken_cursor_is_the_first_page(app_ctx):
    make_lead()
    rows, _, _ = vetting.queue_page(vetting.QueueFilter(sort="oldest"), after="not-a-cursor!!", per_page=10)
    assert len(rows) == 1


def test_duplicate_decisions_and_reprocessing_are_audited(app_ctx):
    vetter = make_user("vetter", "v@city.example.gov")
    a, b = make_lead(), make_lead(contact_name="James Smith")
    for lead in (a, b):
        processing.process_lead(lead.id)
    vetting.split_from_cluster(b, vetter)
    vetting.merge_leads(a, b, vetter)
    vetting.retry_processing(a, vetter)
    actions = [r.action for r in db.session.execute(select(AuditLog).where(AuditLog.actor_id == vetter.id, AuditLog.entity_type == "lead")
                                                      .order_by(AuditLog.id)).scalars()]
    assert actions == ["duplicate.split", "duplicate.same", "lead.reprocess"]
