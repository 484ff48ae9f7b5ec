"""Vetting use cases: the ranked queue, decisions through the transition table, questions and
answers, and vetters' duplicate decisions (confirm, split, merge)."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, literal, or_, select, tuple_, update

from ..domain.catalog import label
from ..domain.dashboard import AGE_FILTERS, age_window
from ..domain.dedup import AUTO_MERGE_PROBABILITY
from ..domain.errors import Conflict
from ..domain.four_eyes import (
    FourEyes,
    LeadDecisions,
    TogetherChoices,
    four_eyes,
    lead_decisions,
    second_approval_refusal,
    together_choices,
)
from ..domain.i18n import N_, _, format_time_of_day
from ..domain.lead_status import (
    ACTIONS,
    APPROVALS,
    APPROVED,
    LEAD_STATUSES,
    OPEN_STATUSES,
    PROCESSING_PENDING,
    REJECTED,
    UNDER_REVIEW,
    TransitionError,
    transition,
)
from ..domain.messages import fact
from ..domain.normalise import email_domain
from ..domain.permissions import self_vetting_reason
from ..domain.reference import price_over_ceiling
from ..extensions import db
from ..models import DuplicatePair, Lead, LeadFlag, LeadMessage, User
from ..models.base import id_in, utcnow
from . import audit, effects, settings
from .held import free_units
from .matches import lead_status_changed
from .notifications import notify, resolve
from .processing import recompute_clusters, reset_for_retry


class DecisionRefused(ValueError):
    pass


# --- The queue -------------------------------------------------------------------------------

# Sort orders: (label, marked with N_ and translated where shown, [(column, descending?)]). The id is always last, so the order is total and
# keyset pagination ("after this row") is exact and fast at any depth, unlike OFFSET.
SORTS = {
    "best": (N_("Best score first, then oldest"), [(Lead.queue_score, True), (Lead.created_at, False), (Lead.id, False)]),
    "risky": (N_("Riskiest first, then oldest"), [(Lead.queue_score, False), (Lead.created_at, False), (Lead.id, False)]),
    "oldest": (N_("Oldest first"), [(Lead.created_at, False), (Lead.id, False)]),
    "newest": (N_("Newest first"), [(Lead.created_at, True), (Lead.id, True)]),
}


@dataclass
class QueueFilter:
    status: str = "open"          # a status, "open" (awaiting a decision) or "all"
    category: str | None = None
    supplier_type: str | None = None
    flag: str | None = None
    processing: str | None = None  # pending | failed: leads not yet scored
    search: str | None = None
    sort: str = "best"
    claim: str | None = None      # "mine" (my live claims) | "unclaimed" (no live claim)
    waiting: str | None = None    # "answered" (the supplier answered) | "second" (awaiting a second approval)
    age: str | None = None        # a domain.dashboard.AGE_FILTERS code: leads created that long ago
    free: bool = False            # only leads with units free of matches (the dashboard's free supply)
    viewer_id: int | None = None  # whose "mine"
    claim_since: datetime | None = None  # claims made before this have lapsed (now - LEAD_CLAIM_TTL)


def _encode_cursor(values: list) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, columns: list) -> list | None:
    """The values in a cursor, or None if it is not one this module made (it comes back from the
    browser: anything but an aware timestamp and integer scores and ids is refused)."""
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(plain, list) or len(plain) != len(columns):
            return None
        values = []
        for value, (col, _desc) in zip(plain, columns):
            if col.key == "created_at":
                value = datetime.fromisoformat(value)
                if value.tzinfo is None:
                    return None
            elif type(value) is not int or not -2**31 <= value < 2**31:  # queue_score and id
                return None
            values.append(value)
        return values
    except (ValueError, TypeError):
        return None


def _after(columns: list, values: list) -> list:
    """Rows strictly after ``values`` in the order ``columns``, as consecutive pieces, first to last:
    one per run of columns sorted the same way. "Best" (score descending, then age and id
    ascending) is two runs: the rest of this score (same score, (created_at, id) after the cursor's),
    then the lower scores. Each piece is one range of an index in that order, so a page is as fast
    at any depth; a single OR of them (what "after" means) is no range, and the database would
    read every row before the cursor, as OFFSET does."""
    runs: list[tuple[bool, list]] = []
    for (column, descending), value in zip(columns, values):
        if runs and runs[-1][0] == descending:
            runs[-1][1].append((column, value))
        else:
            runs.append((descending, [(column, value)]))
    pieces, equal = [], []
    for descending, run in runs:
        if len(run) == 1:
            (column, value), = run
            beyond = column < value if descending else column > value
        else:
            mine = tuple_(*[column for column, _ in run])
            theirs = tuple_(*[literal(value, column.type) for column, value in run])
            beyond = mine < theirs if descending else mine > theirs
        pieces.append(and_(*equal, beyond))
        equal += [column == value for column, value in run]
    return pieces[::-1]


def queue_select(flt: QueueFilter):
    """The leads ``flt`` selects (a query without order or limit) and its sort order's columns."""
    _label, columns = SORTS.get(flt.sort, SORTS["best"])
    query = select(Lead)
    if flt.status == "open":
        query = query.where(Lead.status.in_(OPEN_STATUSES))
    elif flt.status and flt.status != "all":
        query = query.where(Lead.status == flt.status)
    if flt.age in AGE_FILTERS:
        newest, oldest = age_window(flt.age, utcnow())
        query = query.where(Lead.created_at <= oldest)
        if newest is not None:
            query = query.where(Lead.created_at > newest)
    if flt.free:  # the dashboard's "Free approved supply" counts the same units (services.held)
        query = query.where(free_units() > 0)
    if flt.processing in ("pending", "failed", "done"):
        query = query.where(Lead.processing_state == flt.processing)
    if flt.category:
        query = query.where(Lead.product_category == flt.category)
    if flt.supplier_type:
        query = query.where(Lead.supplier_type == flt.supplier_type)
    if flt.flag:
        query = query.where(Lead.id.in_(select(LeadFlag.lead_id).where(LeadFlag.flag == flt.flag)))
    if flt.search:
        query = query.where(func.lower(Lead.company_name).contains(flt.search.strip().lower()))
    if flt.claim in ("mine", "unclaimed"):
        since = flt.claim_since or (utcnow() - settings.current().lead_claim_ttl)
        live = and_(Lead.claimed_by_id.is_not(None), Lead.claimed_at > since)
        if flt.claim == "mine":
            query = query.where(live, Lead.claimed_by_id == flt.viewer_id)
        else:
            query = query.where(~live)
    if flt.waiting == "answered":
        # Back with the vetters after an answer: under review, and the newest message is an answer.
        newest_kind = (select(LeadMessage.kind).where(LeadMessage.lead_id == Lead.id)
                       .order_by(LeadMessage.id.desc()).limit(1).correlate(Lead).scalar_subquery())
        query = query.where(Lead.status == UNDER_REVIEW, newest_kind == "answer")
    elif flt.waiting == "second":
        query = query.where(Lead.first_approved_by_id.is_not(None))
    return query, columns


def capped_count(query) -> int:
    """How many rows ``query`` selects, counted up to COUNT_CAP + 1 only. Counting a million open
    leads on every page view would cost more than the page itself: the page shows "10,000+"."""
    return db.session.scalar(select(func.count()).select_from(query.limit(COUNT_CAP + 1).subquery()))


def queue_page(flt: QueueFilter, *, after: str | None, per_page: int) -> tuple[list[Lead], str | None, int]:
    """One page of the queue, the cursor of the next page, and the number of matching leads."""
    query, columns = queue_select(flt)
    total = capped_count(query)
    values = _decode_cursor(after, columns) if after else None
    keys: list = []
    for piece in _after(columns, values) if values is not None else [None]:
        keys += _page_keys(query if piece is None else query.where(piece), columns, flt, per_page + 1 - len(keys))
        if len(keys) > per_page:
            break
    next_cursor = _encode_cursor(list(keys[per_page - 1])) if len(keys) > per_page else None
    # The page is found from its sort keys alone, which the queue's indexes hold (with the product
    # and supplier type, on PostgreSQL): a filter that passes over many leads passes over index
    # entries, not table rows. Then the page's own rows are read.
    ids = [key[-1] for key in keys[:per_page]]
    found = db.session.execute(select(Lead).where(id_in(Lead.id, ids))).scalars() if ids else []
    by_id = {lead.id: lead for lead in found}
    return [by_id[i] for i in ids if i in by_id], next_cursor, total


def _page_keys(query, columns: list, flt: QueueFilter, limit: int) -> list:
    """The sort keys (the id last) of the first ``limit`` leads of ``query`` in the order ``columns``."""
    key_columns = [column for column, _desc in columns]
    keys = query.with_only_columns(*key_columns)
    if flt.flag and columns[0][0] is Lead.queue_score and columns[0][1]:
        # Every flag lowers the score, so best first a flag's leads all come after every lead
        # without flags, and reading the queue in order until a page of them turns up reads all of
        # those first (the planner expects them spread evenly; at a million leads, a second). So
        # the flag's leads are taken first (from lead_flags) and sorted: as many as have the flag.
        flagged = keys.cte("flagged").prefix_with("MATERIALIZED", dialect="postgresql")
        key_columns = [flagged.c[column.key] for column in key_columns]
        keys = select(*key_columns)
    order = [column.desc() if desc else column.asc() for column, (_column, desc) in zip(key_columns, columns)]
    return list(db.session.execute(keys.order_by(*order).limit(limit)).all())


COUNT_CAP = 10_000


def next_in_queue(flt: QueueFilter, lead: Lead) -> Lead | None:
    """The lead after ``lead`` in the queue ``flt`` (its order and filter as the vetter sees them),
    or None at the end of the queue. "After" is by ``lead``'s sort keys as they are now, so a lead
    that just left the filter (decided) still has a place: the next one is the one that followed
    it. Read like a page of the queue (one index range per piece)."""
    query, columns = queue_select(flt)
    values = [getattr(lead, column.key) for column, _desc in columns]
    for piece in _after(columns, values):
        keys = _page_keys(query.where(piece), columns, flt, 1)
        if keys:
            return db.session.get(Lead, keys[0][-1])
    return None


def processing_counts() -> dict[str, int]:
    """Leads still pending and failed (both few, and indexed): not a count of the whole table."""
    return {state: db.session.scalar(select(func.count()).select_from(Lead).where(Lead.processing_state == state))
            for state in (PROCESSING_PENDING, "failed")}


# --- Claims: "I am on it" --------------------------------------------------------------------

def claimed_until(lead: Lead, now: datetime | None = None) -> datetime | None:
    """When (UTC) the live claim on ``lead`` (by ``lead.claimed_by_id``) lapses, or None (never
    claimed, or lapsed after LEAD_CLAIM_TTL). Reads no other row."""
    if lead.claimed_by_id is None or lead.claimed_at is None:
        return None
    until = lead.claimed_at + settings.current().lead_claim_ttl
    return until if until > (now or utcnow()) else None


def live_claim(lead: Lead, now: datetime | None = None) -> tuple[User, datetime] | None:
    """Who holds a live claim on ``lead`` and until when (UTC), or None (never claimed, or lapsed
    after LEAD_CLAIM_TTL)."""
    until = claimed_until(lead, now)
    return None if until is None else (lead.claimed_by, until)


def claim(lead: Lead, actor: User) -> datetime:
    """``actor`` claims ``lead`` (or renews their own claim) until the returned time (UTC).
    Conflict naming who holds it and until when if another vetter's claim is live, or if the lead
    is decided, or if ``actor`` may decide nothing on it (self-vetting: the same words as the page).
    Flushes and audits; the caller commits."""
    if lead.status not in OPEN_STATUSES:
        raise Conflict(_("Lead #{id} is {status}: there is nothing to claim.").format(
            id=lead.id, status=label(LEAD_STATUSES, lead.status).lower()))
    refusal = decisions_for(lead, actor).refusal()
    if refusal:
        raise Conflict(refusal)
    now = utcnow()
    since = now - settings.current().lead_claim_ttl
    # Only if nobody else holds a live claim at this moment (two vetters clicking at once: one wins).
    changed = db.session.execute(update(Lead).where(
        Lead.id == lead.id,
        or_(Lead.claimed_by_id.is_(None), Lead.claimed_by_id == actor.id, Lead.claimed_at <= since),
    ).values(claimed_by_id=actor.id, claimed_at=now)).rowcount
    db.session.refresh(lead)
    if changed != 1:
        holder, until = live_claim(lead, now) or (None, None)
        raise Conflict(_("{who} claimed lead #{id} at {since}; the claim lasts until {until}.").format(
            who=_who(holder), id=lead.id, since=format_time_of_day(lead.claimed_at), until=format_time_of_day(until))
            if holder else _("Please try again."))
    audit.record(actor.id, "lead.claim", "lead", lead.id, after={"claimed_until": now + settings.current().lead_claim_ttl})
    db.session.flush()
    return now + settings.current().lead_claim_ttl


def release_claim(lead: Lead, actor: User) -> None:
    """``actor`` gives up their claim on ``lead`` (nothing if they hold none). Flushes."""
    if lead.claimed_by_id == actor.id:
        lead.claimed_by_id, lead.claimed_at = None, None
        audit.record(actor.id, "lead.claim_release", "lead", lead.id)
        db.session.flush()


def _who(user: User | None) -> str:
    if user is None:
        return _("Someone")
    return f"{user.name} ({user.email})" if getattr(user, "name", None) else user.email


# --- Decisions -------------------------------------------------------------------------------

def approval_rule(lead: Lead) -> FourEyes:
    """Whether approving ``lead`` takes two vetters, and why (domain.four_eyes, FOUR_EYES_VALUE_USD)."""
    return four_eyes(lead.quantity, lead.unit_price, lead.risk_signals, settings.current().four_eyes_value_usd)


def decisions_for(lead: Lead, actor: User) -> LeadDecisions:
    """What ``actor`` may decide on ``lead`` now, and what the page says of it
    (domain.four_eyes.lead_decisions): the buttons, the keyboard shortcuts and the notice (four
    eyes, or self-vetting: nothing, and why), the cluster form's choices and decide's refusal."""
    return lead_decisions(lead.status, actor.role, actor_id=actor.id, first_approver_id=lead.first_approved_by_id,
                          rule=approval_rule(lead), self_vetting=_self_vetting(actor, lead))


def _self_vetting(actor: User, lead: Lead) -> str | None:
    """Why ``actor`` may decide nothing on ``lead`` (their own, or their own domain's), or None."""
    return self_vetting_reason(actor_id=actor.id, actor_email_domain=email_domain(actor.email),
                               lead_owner_id=lead.owner_id, lead_created_by_id=lead.created_by_id,
                               lead_email_domain=email_domain(lead.email))


def together_for(lead: Lead, actor: User) -> TogetherChoices:
    """What ``actor`` may decide on ``lead`` when deciding several of its supplier's leads together,
    and why not the rest: the lead page's rule (decisions_for, domain.four_eyes.together_choices)."""
    return together_choices(decisions_for(lead, actor), lead.status, actor.role)


def _refuse_self_vetting(actor: User, lead: Lead, action: str) -> None:
    """A decision posted anyway on a lead the page's rule (decisions_for) lets ``actor`` decide
    nothing on, their own or their own domain's: recorded, then refused, saying why as the page does."""
    decisions = decisions_for(lead, actor)
    if decisions.self_vetting:
        # The refusal is itself recorded, in its own transaction.
        audit.record(actor.id, "lead.decision_refused", "lead", lead.id, detail=f"{action}: {decisions.self_vetting}")
        db.session.commit()
        raise DecisionRefused(decisions.refusal())


# What a decision of the cluster form the person may not take on a lead says (over the reason).
NOT_DONE = {"approve": N_("Not approved: {reason}."), "reject": N_("Not rejected: {reason}.")}


def decide_together(lead: Lead, actor: User, decision: str, text: str | None = None) -> str:
    """One lead of several of a supplier's decided together: the cluster form's ``decision``
    ("approve" or "reject", domain.four_eyes.TOGETHER) as the lead's own action (together_for),
    then ``decide``. Returns the action taken. DecisionRefused saying why in words if the person
    may not take it on this lead (self-vetting refused and recorded as on the lead page; the
    first approver's second approval; an escalated lead a vetter may not decide); the caller commits."""
    choice = together_for(lead, actor)
    action = choice.actions.get(decision)
    if action is None:
        _refuse_self_vetting(actor, lead, decision)  # recorded, then refused
        reason = choice.refusals.get(decision) or _("Unknown action {action!r}.").format(action=decision)
        raise DecisionRefused(_(NOT_DONE[decision]).format(reason=reason) if decision in NOT_DONE else reason)
    decide(lead, actor, action.name, text)
    return action.name


# Decisions after which a first approval still stands: the lead and its facts are unchanged.
KEEP_FIRST_APPROVAL = ("start_review", "escalate")


def decide(lead: Lead, actor: User, action: str, text: str | None = None) -> str:
    """Apply a vetting decision (or a supplier's answer) and write its audit row in the same
    transaction; the caller commits (once, with whatever else the use case changed). Matching,
    e-mail and rescoring follow that commit. Returns the lead's new status. Raises
    TransitionError or DecisionRefused with a message for the person.

    Four eyes (domain.four_eyes): approving a lead above FOUR_EYES_VALUE_USD or with a stop
    signal first records a first approval (audit ``lead.first_approval``; the lead is under
    review, ``first_approved_by_id`` set) and only a different vetter's approval then approves
    it (audit ``lead.approve`` naming the first approver). A staff decision releases the
    decider's or anyone's claim on the lead."""
    before = lead.status
    target = transition(action, before, actor.role, text)
    staff = actor.role != "supplier"
    if staff:
        _refuse_self_vetting(actor, lead, action)
    text = (text or "").strip() or None  # its length is transition's rule (refused, never cut)
    first_approver = lead.first_approved_by_id
    first_approval = False
    if action in APPROVALS:
        refusal = second_approval_refusal(actor_id=actor.id, first_approver_id=first_approver)
        if refusal:
            raise DecisionRefused(_("You may not approve this lead again: {reason}.").format(reason=refusal))
        if staff and not text and price_over_ceiling(lead.product_category, lead.unit_price) is not None:
            raise DecisionRefused(_("This price is more than 10% above the reference (California Penal Code 396): "
                                    "approve it only with a justification in the note; it is kept in the audit trail."))
        rule = approval_rule(lead)
        if rule.needed and first_approver is None:
            first_approval, target = True, (UNDER_REVIEW if before != "escalated" else before)
    now = utcnow()
    values: dict = dict(status=target)
    if first_approval:
        values.update(first_approved_by_id=actor.id, first_approved_at=now)
    elif action not in KEEP_FIRST_APPROVAL:
        values.update(first_approved_by_id=None, first_approved_at=None)
    if staff:
        values.update(claimed_by_id=None, claimed_at=None)
        if not first_approval:
            values.update(decided_at=now, decided_by_id=actor.id)
            if action in ("reject", "reject_escalated", *APPROVALS):
                values.update(decision_reason=text)
    # Only if nobody decided in between: the status (and the first approval) we checked must
    # still be there.
    guard = [Lead.id == lead.id, Lead.status == before,
             Lead.first_approved_by_id.is_(None) if first_approver is None else Lead.first_approved_by_id == first_approver]
    changed = db.session.execute(update(Lead).where(*guard).values(**values)).rowcount
    if changed != 1:
        db.session.rollback()
        raise TransitionError(_("Someone else changed this lead a moment ago; please look again.") if staff
                              else _("Someone else changed this offer a moment ago; please look again."))
    if action in ("request_info", "answer"):
        db.session.add(LeadMessage(lead_id=lead.id, author_id=actor.id,
                                   kind="question" if action == "request_info" else "answer", body=text))
    if first_approval:
        audit.record(actor.id, "lead.first_approval", "lead", lead.id, before={"status": before},
                     after={"status": target, "awaiting": "second approval", "why": rule.reason()}, detail=text)
    else:
        after = {"status": target}
        if action in APPROVALS and first_approver is not None:
            after["first_approved_by"] = first_approver
        audit.record(actor.id, f"lead.{action}", "lead", lead.id, before={"status": before},
                     after=after, detail=text)
    db.session.flush()
    db.session.refresh(lead)
    effects.after_commit("refresh_summary")  # the funnel and the backlog moved
    if not first_approval:  # a first of two approvals decides nothing the supplier must know yet
        _tell_about(lead, action, text)
    _resolve_notices(lead, action, target, first_approval)
    if APPROVED in (before, target) and before != target:
        lead_status_changed(lead, before, target, actor)
    if target == "rejected":
        # Leads that resemble this one are scored again, so they show "resembles a rejected lead".
        _process_after_commit(_paired_lead_ids(lead.id) | _cluster_ids(lead))
    return target


def _asker(lead: Lead) -> User | None:
    """The vetter who asked the supplier's latest question about ``lead``."""
    author_id = db.session.execute(select(LeadMessage.author_id).where(
        LeadMessage.lead_id == lead.id, LeadMessage.kind == "question").order_by(LeadMessage.id.desc())
        .limit(1)).scalar()
    return db.session.get(User, author_id) if author_id else None


def _tell_about(lead: Lead, action: str, text: str | None) -> None:
    """Tell who must act on or wants to know of a vetting decision (docs/notifications.md): the
    supplier of a question, approval or rejection; the vetter who asked of the answer; admins of
    an escalation. In the app and by e-mail, in the decision's transaction."""
    company, supplier_link, staff_link = lead.company_name, f"/leads/{lead.id}", f"/staff/leads/{lead.id}"
    if action == "request_info":
        notify([lead.owner], fact("lead_question", lead_id=lead.id, company=company, question=text), supplier_link)
    elif action in ("approve", "approve_escalated"):
        notify([lead.owner], fact("lead_approved", lead_id=lead.id, company=company), supplier_link)
    elif action in ("reject", "reject_escalated"):
        notify([lead.owner], fact("lead_rejected", lead_id=lead.id, company=company, reason=text), supplier_link)
    elif action == "answer":
        notify([_asker(lead)], fact("lead_answered", lead_id=lead.id, company=company), staff_link)
    elif action == "escalate":
        admins = db.session.execute(select(User).where(User.role == "admin", User.active.is_(True))).scalars()
        notify(admins, fact("lead_escalated", lead_id=lead.id, company=company), staff_link)


def _resolve_notices(lead: Lead, action: str, target: str, first_approval: bool) -> None:
    """Mark done, for everyone told, the notices this step acts on (domain.messages.TO_ACT_ON):
    the supplier's answer settles the question; a decision (approved or rejected) settles the
    vetter's "supplier answered" and the admins' "escalated"; a new question, the answer read."""
    if action == "answer":
        resolve("lead_question", lead_id=lead.id)
    elif target in (APPROVED, REJECTED) and not first_approval:
        resolve("lead_answered", lead_id=lead.id)
        resolve("lead_escalated", lead_id=lead.id)
    elif action == "request_info":
        resolve("lead_answered", lead_id=lead.id)


def _process_after_commit(lead_ids) -> None:
    for lead_id in sorted(lead_ids):
        effects.after_commit("process_lead", lead_id)


def _paired_lead_ids(lead_id: int) -> set[int]:
    rows = db.session.execute(select(DuplicatePair.lead_id, DuplicatePair.other_id).where(
        or_(DuplicatePair.lead_id == lead_id, DuplicatePair.other_id == lead_id))).all()
    return {a if a != lead_id else b for a, b in rows}


def _cluster_ids(lead: Lead) -> set[int]:
    if lead.cluster_id is None:
        return set()
    return set(db.session.execute(select(Lead.id).where(Lead.cluster_id == lead.cluster_id, Lead.id != lead.id)).scalars())


def _mark_for_rescoring(lead_ids: set[int]) -> None:
    if lead_ids:
        db.session.execute(update(Lead).where(id_in(Lead.id, lead_ids)).values(processing_state=PROCESSING_PENDING))


# --- Duplicates: vetters confirm, split and merge ----------------------------------------------

def decide_pair(pair: DuplicatePair, actor: User, decision: str) -> None:
    """A vetter says two leads are the 'same' supplier or 'different' ones; kept for good.
    TransitionError (before writing) for any other decision. Flushes; the caller commits."""
    if decision not in ("same", "different"):
        raise TransitionError(_("Choose 'same' or 'different'."))
    before = pair.decision
    pair.decision, pair.decided_by_id, pair.decided_at = decision, actor.id, utcnow()
    affected = {pair.lead_id, pair.other_id}
    _recluster(affected)
    audit.record(actor.id, f"duplicate.{decision}", "lead", pair.lead_id, before={"decision": before},
                 after={"decision": decision, "other_lead": pair.other_id})
    _process_after_commit(affected)
    db.session.flush()


def _recluster(lead_ids: set[int]) -> None:
    members = set(lead_ids)
    for cluster_id in db.session.execute(select(Lead.cluster_id).where(id_in(Lead.id, lead_ids))).scalars():
        if cluster_id is not None:
            members |= set(db.session.execute(select(Lead.id).where(Lead.cluster_id == cluster_id)).scalars())
    db.session.flush()
    recompute_clusters(members)
    _mark_for_rescoring(members)


def split_from_cluster(lead: Lead, actor: User) -> int:
    """'This lead is not that supplier': every automatic link to its cluster-mates becomes a
    'different' decision, so the split holds when the leads are processed again. Returns how
    many links were cut. Flushes; the caller commits."""
    mates = _cluster_ids(lead)
    pairs = list(db.session.execute(select(DuplicatePair).where(
        or_(and_(DuplicatePair.lead_id == lead.id, id_in(DuplicatePair.other_id, mates)),
            and_(DuplicatePair.other_id == lead.id, id_in(DuplicatePair.lead_id, mates))),
        or_(DuplicatePair.decision == "same",
            and_(DuplicatePair.decision.is_(None), DuplicatePair.probability >= AUTO_MERGE_PROBABILITY)))).scalars())
    for pair in pairs:
        pair.decision, pair.decided_by_id, pair.decided_at = "different", actor.id, utcnow()
    _recluster({lead.id} | mates)
    audit.record(actor.id, "duplicate.split", "lead", lead.id, after={"unlinked": sorted(mates)})
    _process_after_commit({lead.id} | mates)
    db.session.flush()
    return len(pairs)


def merge_leads(lead: Lead, other: Lead, actor: User) -> None:
    """'These two are the same supplier', said by a vetter about leads the engine kept apart.
    TransitionError (before writing) for a lead and itself. Flushes; the caller commits."""
    if lead.id == other.id:
        raise TransitionError(_("A lead is always the same supplier as itself."))
    high, low = max(lead.id, other.id), min(lead.id, other.id)
    pair = db.session.execute(select(DuplicatePair).where(
        DuplicatePair.lead_id == high, DuplicatePair.other_id == low)).scalar_one_or_none()
    if pair is None:
        pair = DuplicatePair(lead_id=high, other_id=low, probability=0.0, evidence=[])
        db.session.add(pair)
    decide_pair(pair, actor, "same")


def retry_processing(lead: Lead, actor: User) -> None:
    """Staff ask for a lead to be processed again (after a failure); the job is queued after the
    caller's commit. Flushes."""
    reset_for_retry(lead.id)
    audit.record(actor.id, "lead.reprocess", "lead", lead.id)
    effects.after_commit("process_lead", lead.id)
    db.session.flush()


# --- What the lead page shows ----------------------------------------------------------------

@dataclass
class PairView:
    pair: DuplicatePair
    other: Lead
    in_cluster: bool
    needs_review: bool


def lead_pairs(lead: Lead) -> list[PairView]:
    pairs = list(db.session.execute(select(DuplicatePair).where(
        or_(DuplicatePair.lead_id == lead.id, DuplicatePair.other_id == lead.id))
        .order_by(DuplicatePair.probability.desc())).scalars())
    others = {other.id: other for other in db.session.execute(select(Lead).where(id_in(
        Lead.id, [p.other_id if p.lead_id == lead.id else p.lead_id for p in pairs]))).scalars()} if pairs else {}
    views = []
    for pair in pairs:
        other = others[pair.other_id if pair.lead_id == lead.id else pair.lead_id]
        views.append(PairView(pair, other, in_cluster=other.cluster_id == lead.cluster_id,
                              needs_review=pair.decision is None and pair.probability < AUTO_MERGE_PROBABILITY))
    return views


def cluster_members(lead: Lead, limit: int = 50) -> list[Lead]:
    if lead.cluster_id is None:
        return []
    return list(db.session.execute(select(Lead).where(Lead.cluster_id == lead.cluster_id, Lead.id != lead.id)
                                   .order_by(Lead.id).limit(limit)).scalars())


def cluster_open(leads: list[Lead]) -> list[Lead]:
    """Those of ``leads`` (a lead and its cluster-mates) still awaiting a decision, by id: what a
    vetter may decide together from the lead page."""
    return sorted((lead for lead in leads if lead.status in OPEN_STATUSES), key=lambda lead: lead.id)


def answered_ids(lead_ids: list[int]) -> set[int]:
    """The leads among ``lead_ids`` whose newest message is the supplier's answer and that wait for
    a reviewer again (under review): the queue shows them as "supplier answered"."""
    if not lead_ids:
        return set()
    newest = (select(LeadMessage.lead_id, func.max(LeadMessage.id).label("last_id"))
              .where(id_in(LeadMessage.lead_id, lead_ids)).group_by(LeadMessage.lead_id).subquery())
    rows = db.session.execute(select(LeadMessage.lead_id).join(newest, LeadMessage.id == newest.c.last_id)
                              .join(Lead, Lead.id == LeadMessage.lead_id)
                              .where(LeadMessage.kind == "answer", Lead.status == "under_review"))
    return {lead_id for (lead_id,) in rows}


def messages(lead: Lead) -> list[LeadMessage]:
    return list(db.session.execute(select(LeadMessage).where(LeadMessage.lead_id == lead.id)
                                   .order_by(LeadMessage.created_at, LeadMessage.id)).scalars())


ACTION_LABELS = {name: action.label for name, action in ACTIONS.items()}
