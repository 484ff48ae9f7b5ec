"""Vetters at 800 leads (issue 11, items 4-7): the next lead in the queue's order and filter,
claims, four eyes on large or stop-signal approvals, and the queue's new filters."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from marketplace.domain.errors import Conflict
from marketplace.extensions import db
from marketplace.models import AuditLog, Lead, Notification
from marketplace.models.base import utcnow
from marketplace.services import processing, vetting
from tests.conftest import make_lead, make_user


def lead_actions(lead_id):
    return [(row.action, row.actor_id) for row in db.session.execute(
        select(AuditLog).where(AuditLog.entity_type == "lead", AuditLog.entity_id == lead_id,
                               AuditLog.action.like("lead.%")).order_by(AuditLog.id)).scalars()]


def distinct_lead(n, **fields):
    """A lead of its own supplier (no cluster with the others)."""
    return make_lead(company_name=f"Supplier {n} Medical", email=f"sales@supplier{n}.com", website=f"supplier{n}.com",
                     phone=f"(213) 555-{1200 + n}", contact_name=f"Person {n}", **fields)


# --- 4. the next lead in the queue's order and filter -------------------------------------------

def test_next_follows_the_queues_order_and_filter(app_ctx):
    gowns = [distinct_lead(n, product_category="isolation_gown", certification="AAMI PB70 level 3",
                           unit_price="2.00") for n in range(3)]
    masks = [distinct_lead(n + 10) for n in range(2)]
    flt = vetting.QueueFilter(category="isolation_gown", sort="oldest")
    assert vetting.next_in_queue(flt, gowns[0]).id == gowns[1].id
    assert vetting.next_in_queue(flt, gowns[1]).id == gowns[2].id
    assert vetting.next_in_queue(flt, gowns[2]) is None  # the masks are not in this queue
    # Newest first: the order reverses; a decided lead keeps its place (it was where the vetter was).
    newest = vetting.QueueFilter(sort="newest")
    vetter = make_user("vetter", "v@city.example.gov")
    vetting.decide(masks[1], vetter, "reject", "not for us")
    assert vetting.next_in_queue(newest, masks[1]).id == masks[0].id
    assert vetting.next_in_queue(newest, masks[0]).id == gowns[2].id


def test_next_in_best_first_order_crosses_score_ties(app_ctx):
    """Best first is two index runs (score descending, then age): the next lead may be the next of
    the same score or the first of a lower score."""
    leads = [distinct_lead(n, unit_price=price) for n, price in enumerate(["0.79", "0.79", "12.00", "0.79"])]
    for lead in leads:
        processing.process_lead(lead.id)
    flt = vetting.QueueFilter()
    order, _, _ = vetting.queue_page(flt, after=None, per_page=10)
    walked = [order[0].id]
    while (following := vetting.next_in_queue(flt, db.session.get(Lead, walked[-1]))) is not None:
        walked.append(following.id)
    assert walked == [lead.id for lead in order] and len(walked) == 4
    assert walked[-1] == leads[2].id  # the 10x price scores lowest


# --- 6. claims ------------------------------------------------------------------------------------

def test_a_live_claim_refuses_others_with_who_and_when_and_lapses(app_ctx):
    ann, bob = make_user("vetter", "ann@city.example.gov"), make_user("vetter", "bob@city.example.gov")
    lead = make_lead()
    vetting.claim(lead, ann)
    db.session.commit()
    with pytest.raises(Conflict, match=r"ann@city\.example\.gov.*claimed lead #\d+ at \d{1,2}:\d\d\u202f[AP]M P[SD]T.*until"):
        vetting.claim(lead, bob)
    db.session.rollback()
    assert vetting.live_claim(lead)[0].id == ann.id
    vetting.claim(lead, ann)  # renewing one's own claim is fine
    # 31 minutes later the claim has lapsed (LEAD_CLAIM_TTL, 30 minutes): Bob may claim it.
    db.session.execute(update(Lead).where(Lead.id == lead.id).values(claimed_at=utcnow() - timedelta(minutes=31)))
    db.session.refresh(lead)
    assert vetting.live_claim(lead) is None
    vetting.claim(lead, bob)
    db.session.commit()
    assert lead.claimed_by_id == bob.id
    assert [a for a, _ in lead_actions(lead.id)][-3:] == ["lead.claim", "lead.claim", "lead.claim"]


def test_deciding_releases_the_claim_and_a_decided_lead_cannot_be_claimed(app_ctx):
    ann, bob = make_user("vetter", "ann@city.example.gov"), make_user("vetter", "bob@city.example.gov")
    lead = make_lead()
    vetting.claim(lead, ann)
    vetting.decide(lead, ann, "start_review")
    assert lead.claimed_by_id is None
    vetting.claim(lead, ann)
    vetting.decide(lead, bob, "reject", "price")  # a decision by anyone ends the claim
    assert lead.claimed_by_id is None and lead.status == "rejected"
    with pytest.raises(Conflict, match="nothing to claim"):
        vetting.claim(lead, ann)


def test_queue_filters_mine_unclaimed_answered_second(app_ctx):
    ann, bob = make_user("vetter", "ann@city.example.gov"), make_user("vetter", "bob@city.example.gov")
    supplier = make_user("supplier", "s@supplier-answers.com")
    mine, bobs, lapsed, free = (distinct_lead(n) for n in range(4))
    answered = make_lead(supplier, company_name="Answering Medical", email="s@supplier-answers.com")
    asked = distinct_lead(6)
    vetting.claim(mine, ann)
    vetting.claim(bobs, bob)
    vetting.claim(lapsed, ann)
    db.session.execute(update(Lead).where(Lead.id == lapsed.id).values(claimed_at=utcnow() - timedelta(hours=1)))
    vetting.decide(answered, bob, "request_info", "Which NIOSH number?")
    vetting.decide(answered, supplier, "answer", "TC-84A-0006")
    vetting.decide(asked, bob, "request_info", "Which NIOSH number?")
    big = distinct_lead(7, quantity="200000")
    vetting.decide(big, bob, "approve")
    db.session.commit()

    def ids(**kw):
        rows, _, _ = vetting.queue_page(vetting.QueueFilter(sort="oldest", viewer_id=ann.id, **kw), after=None, per_page=50)
        return {row.id for row in rows}

    assert ids(claim="mine") == {mine.id}
    assert ids(claim="unclaimed") == {lapsed.id, free.id, answered.id, asked.id, big.id}
    assert ids(waiting="answered") == {answered.id}
    assert ids(waiting="second") == {big.id}
    # Asked again after the answer: waiting for the supplier, not for the vetters.
    vetting.decide(answered, bob, "request_info", "And the model?")
    assert ids(waiting="answered") == set()


# --- 7. four eyes -------------------------------------------------------------------------------

def test_a_large_approval_needs_a_second_different_vetter(app_ctx):
    ann, bob = make_user("vetter", "ann@city.example.gov"), make_user("vetter", "bob@city.example.gov")
    lead = make_lead(quantity="200000", unit_price="0.79")  # $158,000 > $100,000
    assert vetting.decide(lead, ann, "approve") == "under_review"
    db.session.commit()
    assert (lead.status, lead.first_approved_by_id) == ("under_review", ann.id)
    with pytest.raises(vetting.DecisionRefused, match="different vetter must give the second"):
        vetting.decide(lead, ann, "approve")
    assert vetting.decide(lead, bob, "approve") == "approved"
    db.session.commit()
    assert (lead.status, lead.first_approved_by_id, lead.decided_by_id) == ("approved", None, bob.id)
    rows = db.session.execute(select(AuditLog).where(AuditLog.entity_id == lead.id, AuditLog.action.in_(
        ["lead.first_approval", "lead.approve"])).order_by(AuditLog.id)).scalars().all()
    assert [(r.action, r.actor_id) for r in rows] == [("lead.first_approval", ann.id), ("lead.approve", bob.id)]
    assert rows[0].after["status"] == "under_review" and "$158,000.00" in rows[0].after["why"]
    assert rows[1].after == {"status": "approved", "first_approved_by": ann.id}


def _approvals_told(user):
    return [n.message["params"]["lead_id"] for n in db.session.execute(
        select(Notification).where(Notification.user_id == user.id)).scalars() if n.message["code"] == "lead_approved"]


@pytest.mark.parametrize("kind", ["over_value", "stop_signal"])
def test_the_supplier_is_told_of_an_approval_once_when_the_second_vetter_gives_it(app_ctx, kind):
    """A first of two approvals left the lead under review, yet told the supplier "approved"; the
    second told it again (found in the demo: three offers approved twice in the notifications).
    Both kinds of four eyes: over the value, and a stop signal on a small lead."""
    ann, bob = make_user("vetter", "ann@city.example.gov"), make_user("vetter", "bob@city.example.gov")
    supplier = make_user("supplier", "sales@large-order.example")
    fields = dict(quantity="200000", unit_price="0.79") if kind == "over_value" else dict(quantity="1000", unit_price="12.00")
    lead = make_lead(supplier, **fields)
    processing.process_lead(lead.id)
    lead = db.session.get(Lead, lead.id)
    note = "Justified: the only supply." if kind == "stop_signal" else None  # 12.00: over the ceiling
    assert vetting.decide(lead, ann, "approve", note) == "under_review"
    db.session.commit()
    assert _approvals_told(supplier) == []
    assert vetting.decide(lead, bob, "approve", note) == "approved"
    db.session.commit()
    assert _approvals_told(supplier) == [lead.id]


def test_a_stop_signal_needs_two_approvals_whatever_the_value(app_ctx):
    """The second kind: a small lead ($12,000) with a price over 10x the reference (weight -45)."""
    ann, bob = make_user("vetter", "ann@city.example.gov"), make_user("vetter", "bob@city.example.gov")
    lead = make_lead(quantity="1000", unit_price="12.00")
    processing.process_lead(lead.id)
    lead = db.session.get(Lead, lead.id)
    rule = vetting.approval_rule(lead)
    assert not rule.over_value and rule.stop_codes == ("price_10x",)
    vetting.decide(lead, ann, "approve", "Justified: the only supply.")
    assert lead.status != "approved" and lead.first_approved_by_id == ann.id
    vetting.decide(lead, bob, "approve", "Justified: the only supply.")
    assert lead.status == "approved"


def test_below_or_at_the_threshold_one_approval_and_rejection_needs_one(app_ctx):
    ann = make_user("vetter", "ann@city.example.gov")
    at = make_lead(quantity="125000", unit_price="0.80")  # exactly $100,000: not above
    assert vetting.decide(at, ann, "approve") == "approved"
    big = distinct_lead(1, quantity="1000000")
    assert vetting.decide(big, ann, "reject", "too good to be true") == "rejected"


def test_a_question_voids_the_first_approval(app_ctx):
    """The supplier may change the lead when asked: the first approval was of the old lead."""
    ann, bob = make_user("vetter", "ann@city.example.gov"), make_user("vetter", "bob@city.example.gov")
    lead = make_lead(quantity="200000")
    vetting.decide(lead, ann, "approve")
    vetting.decide(lead, bob, "request_info", "Which model?")
    assert lead.first_approved_by_id is None
    vetting.decide(lead, bob, "approve")  # Bob is now the first again
    assert (lead.status, lead.first_approved_by_id) == ("under_review", bob.id)


def test_the_threshold_is_a_setting(app_ctx):
    app_ctx.config["FOUR_EYES_VALUE_USD"] = 10_000
    try:
        ann = make_user("vetter", "ann@city.example.gov")
        lead = make_lead()  # 50,000 x $0.79 = $39,500
        assert vetting.decide(lead, ann, "approve") == "under_review"
    finally:
        app_ctx.config["FOUR_EYES_VALUE_USD"] = 100_000
