"""The vetting pipeline for one lead: normalise -> find duplicates -> cluster -> score -> store.

Idempotent: running it twice for the same lead leaves the same rows (upserts and replacements,
never blind inserts). Called by the RQ job (jobs.tasks) or in-process without Redis.
"""
from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

from sqlalchemy import delete, or_, select, text, union_all, update

from ..domain.dedup import (
    AUTO_MERGE_PROBABILITY,
    MAX_CANDIDATES_PER_KEY,
    MAX_COMPARED_PER_CLUSTER,
    MatchSpec,
    compare_candidates,
    lead_blocking_keys,
    lead_record,
)
from ..domain.lead_status import PROCESSING_DONE, PROCESSING_FAILED, PROCESSING_PENDING, REJECTED
from ..domain.leads import LEAD_FACT_FIELDS, LeadFacts, parse_lead
from ..domain.normalise import NormalisedLead, normalise_lead
from ..domain.scoring import DuplicateContext, load_reference, score_lead
from ..extensions import db
from ..models import DuplicatePair, Lead, LeadBlockKey, LeadFlag, LeadNormal
from ..models.base import id_in, utcnow
from .match_models import current_spec
from .match_models import record_of as _record_of

log = logging.getLogger(__name__)

# Every worker takes this PostgreSQL advisory lock (held until its transaction ends) around
# "write my keys, find candidates, update clusters", so that two near-duplicates processed at the
# same moment by two workers always see each other: no split clusters (quality bar R9).
DEDUP_LOCK_KEY = 0x4C45_4144  # "LEAD"
# A lead whose processing failed this many times is shown to staff as failed, not retried forever.
MAX_ATTEMPTS = 4


def _take_dedup_lock() -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DEDUP_LOCK_KEY})


def lead_facts(lead: Lead) -> LeadFacts:
    """A stored lead's facts, as parse_lead gave them: what the pipeline reads."""
    return LeadFacts(**{name: getattr(lead, name) for name in LEAD_FACT_FIELDS})


def _store_normal(lead: Lead, normal: NormalisedLead, record: dict) -> None:
    row = db.session.get(LeadNormal, lead.id) or LeadNormal(lead_id=lead.id)
    for name in ("name", "phone", "email", "email_domain", "website_domain", "webmail", "street",
                 "city", "postal_code", "country"):
        setattr(row, name, getattr(normal, name) or (False if name == "webmail" else None))
    row.domains = record["domains"]
    row.contact = record["contact"]
    db.session.add(row)


def _replace_keys(lead_id: int, keys: set[str]) -> None:
    db.session.execute(delete(LeadBlockKey).where(LeadBlockKey.lead_id == lead_id))
    if keys:
        db.session.execute(LeadBlockKey.__table__.insert(), [{"key": k, "lead_id": lead_id} for k in sorted(keys)])


def candidate_ids(lead_id: int, keys: set[str]) -> Counter[int]:
    """Other leads sharing a blocking key, with how many of the keys each shares: at most
    MAX_CANDIDATES_PER_KEY per key, so the work per lead stays flat however large the table grows.
    The oldest ones: a key's first leads never change, so processing a lead again compares it with
    the same leads (idempotent results). A popular key (a generic name) is narrowed by the compound
    keys of ``lead_blocking_keys`` (name within a city, address), not by taking more of it.
    One round trip for all keys."""
    if not keys:
        return Counter()
    per_key = [
        select(LeadBlockKey.lead_id).where(LeadBlockKey.key == key, LeadBlockKey.lead_id != lead_id)
        .order_by(LeadBlockKey.lead_id).limit(MAX_CANDIDATES_PER_KEY).subquery().select()
        for key in sorted(keys)
    ]
    return Counter(db.session.execute(union_all(*per_key) if len(per_key) > 1 else per_key[0]).scalars())


def _evidence_json(result) -> list[dict]:
    """Per field: the values, the level and the weight it added; with a term-frequency adjustment,
    the level's fitted weight (``base_weight``) and the rarest shared token that moved it."""
    rows = []
    for e in result.evidence:
        row = {"field": e.label, "left": e.left, "right": e.right, "similarity": e.similarity,
               "level": e.level, "weight": round(e.weight, 3)}
        if e.tf_token is not None:
            row.update(base_weight=e.base_weight, tf_token=e.tf_token, tf_adjustment=e.tf_adjustment)
        rows.append(row)
    return rows


def _store_pairs(lead_id: int, matches: dict[int, object], compared: set[int], *, replace_all: bool,
                 model_version: int | None = None) -> None:
    """Upsert this lead's pairs. An undecided pair is dropped when the other lead was compared
    again and no longer matches, or when this lead's identity changed (``replace_all``); pairs
    with leads not compared this time are kept, and vetters' decisions always are."""
    existing = {(p.lead_id, p.other_id): p for p in db.session.execute(
        select(DuplicatePair).where(or_(DuplicatePair.lead_id == lead_id, DuplicatePair.other_id == lead_id))).scalars()}
    wanted = set()
    for other_id, result in matches.items():
        pair_key = (max(lead_id, other_id), min(lead_id, other_id))
        wanted.add(pair_key)
        pair = existing.get(pair_key) or DuplicatePair(lead_id=pair_key[0], other_id=pair_key[1])
        pair.probability = round(result.probability, 4)
        pair.evidence = _evidence_json(result)
        pair.model_version = model_version
        db.session.add(pair)
    for pair_key, pair in existing.items():
        other_id = pair_key[1] if pair_key[0] == lead_id else pair_key[0]
        if pair_key not in wanted and pair.decision is None and (replace_all or other_id in compared):
            db.session.delete(pair)
    db.session.flush()


def _accepted_edges(lead_ids: set[int]) -> list[tuple[int, int]]:
    accepted = or_(DuplicatePair.decision == "same",
                   (DuplicatePair.decision.is_(None)) & (DuplicatePair.probability >= AUTO_MERGE_PROBABILITY))
    return list(db.session.execute(
        select(DuplicatePair.lead_id, DuplicatePair.other_id).where(
            accepted, or_(id_in(DuplicatePair.lead_id, lead_ids), id_in(DuplicatePair.other_id, lead_ids)))).all())


def recompute_clusters(seed_ids: set[int]) -> None:
    """Set cluster_id (the smallest member's id) on every connected component that touches
    ``seed_ids``, following automatic matches and vetters' 'same' decisions."""
    remaining = set(seed_ids)
    while remaining:
        start = remaining.pop()
        component, frontier = {start}, {start}
        while frontier:
            edges = _accepted_edges(frontier)
            reached = {n for edge in edges for n in edge} - component
            component |= reached
            frontier = reached
        remaining -= component
        db.session.execute(update(Lead).where(id_in(Lead.id, component), Lead.cluster_id.is_distinct_from(min(component)))
                           .values(cluster_id=min(component)))


def _accepted_neighbours(lead_id: int) -> set[int]:
    return {a if a != lead_id else b for a, b in _accepted_edges({lead_id})}


def _resolve_duplicates(lead: Lead, record: dict, *, identity_changed: bool, spec: MatchSpec) -> None:
    keys = lead_blocking_keys(record)
    _take_dedup_lock()
    _replace_keys(lead.id, keys)
    others = candidate_ids(lead.id, keys)
    matches, compared = {}, set()
    if others:
        candidates = [(row.lead_id, cluster_id, _record_of(row)) for row, cluster_id in db.session.execute(
            select(LeadNormal, Lead.cluster_id).join(Lead, Lead.id == LeadNormal.lead_id)
            .where(id_in(LeadNormal.lead_id, others))).all()]
        matches, compared = compare_candidates(record, candidates, spec, MAX_COMPARED_PER_CLUSTER,
                                               shared_keys=others)
    before = _accepted_neighbours(lead.id)
    _store_pairs(lead.id, matches, compared, replace_all=identity_changed, model_version=spec.version)
    after = _accepted_neighbours(lead.id)
    if before <= after:
        # Only new links: merge the clusters they touch (the common case, one UPDATE).
        clusters = set(db.session.execute(select(Lead.cluster_id).where(
            id_in(Lead.id, after | {lead.id}), Lead.cluster_id.is_not(None))).scalars())
        target = min(clusters | {lead.id})
        # Only rows whose cluster changes are written: a supplier's 100th lead must not rewrite 99.
        db.session.execute(update(Lead).where(or_(Lead.id == lead.id, id_in(Lead.cluster_id, clusters)),
                                              Lead.cluster_id.is_distinct_from(target))
                           .values(cluster_id=target))
    else:
        # A link was dropped (the lead was edited): the cluster may fall apart; recompute it.
        old_cluster = set(db.session.execute(select(Lead.id).where(Lead.cluster_id == lead.cluster_id)).scalars())
        recompute_clusters({lead.id} | old_cluster | before)


def duplicate_context(lead: Lead) -> DuplicateContext:
    cluster = tuple(db.session.execute(
        select(Lead.id).where(Lead.cluster_id == lead.cluster_id, Lead.id != lead.id).order_by(Lead.id)).scalars()) \
        if lead.cluster_id is not None else ()
    # Look-alikes: leads paired with this one (unless a vetter said "different"), with their
    # probability, and the rest of its cluster, which are the same supplier even when this lead
    # was not compared with them.
    look_alikes = {other: 1.0 for other in cluster}
    for pair in db.session.execute(select(DuplicatePair).where(
            or_(DuplicatePair.lead_id == lead.id, DuplicatePair.other_id == lead.id),
            or_(DuplicatePair.decision.is_(None), DuplicatePair.decision == "same"))).scalars():
        look_alikes[pair.other_id if pair.lead_id == lead.id else pair.lead_id] = pair.probability
    rejected = set(db.session.execute(select(Lead.id).where(
        id_in(Lead.id, look_alikes), Lead.status == REJECTED)).scalars()) if look_alikes else set()
    return DuplicateContext(cluster_lead_ids=cluster, rejected_matches=tuple(sorted(
        ((i, look_alikes[i]) for i in rejected), key=lambda r: -r[1])))


def _store_assessment(lead: Lead, assessment) -> None:
    lead.risk_score = assessment.score
    lead.queue_score = assessment.score
    lead.risk_signals = [s.as_dict() for s in assessment.signals]
    lead.reference_version = assessment.reference_version
    db.session.execute(delete(LeadFlag).where(LeadFlag.lead_id == lead.id))
    for flag in assessment.flags:
        db.session.add(LeadFlag(lead_id=lead.id, flag=flag))


def warm_up() -> None:
    """Load the lazily loaded data (Public Suffix List, phone metadata, reference data, the index of
    country names, about 2 s) once in a worker before it forks its work horses; otherwise every job
    pays to build them again."""
    facts, _ = parse_lead({"company_name": "warm up", "email": "a@example.com", "phone": "(213) 555-0100",
                           "website": "example.co.uk", "supplier_type": "other", "product_category": "other",
                           "quantity": "1", "unit_price": "1", "country": "Mexico", "postal_code": "06600"})
    score_lead(facts, normalise_lead(facts))


def process_lead(lead_id: int) -> str:
    """Run the whole pipeline for one lead and commit. Returns what happened, for the log."""
    lead = db.session.get(Lead, lead_id)
    if lead is None:
        log.warning("process_lead: lead %s missing", lead_id)
        return "missing"
    seen_update = lead.updated_at
    facts = lead_facts(lead)
    normal = normalise_lead(facts)
    record = lead_record(normal, facts.contact_name)
    stored = db.session.get(LeadNormal, lead.id)
    identity_changed = stored is None or _record_of(stored) != record
    _store_normal(lead, normal, record)
    # The newest fitted weights (services.match_models); the hand-set ones until a fit exists.
    _resolve_duplicates(lead, record, identity_changed=identity_changed, spec=current_spec())
    # Commit the duplicate search now: this ends the transaction that holds the dedup lock, so
    # that other workers wait only for the search, not for the scoring as well.
    db.session.commit()
    db.session.refresh(lead, ["cluster_id"])
    _store_assessment(lead, score_lead(facts, normal, duplicate_context(lead)))
    # An edit that landed while we worked leaves the lead pending: the sweeper processes it again.
    current = db.session.execute(select(Lead.updated_at).where(Lead.id == lead.id)).scalar_one()
    if current == seen_update:
        lead.processing_state = PROCESSING_DONE
    lead.processed_at = utcnow()
    lead.processing_error = None
    db.session.commit()
    return "done"


def start_attempt(lead_id: int) -> bool:
    """Count an attempt; refuse (and mark failed) past MAX_ATTEMPTS. Committed on its own, so a
    worker killed mid-job still leaves the count behind."""
    lead = db.session.get(Lead, lead_id)
    if lead is None:
        return True  # process_lead logs it
    if lead.processing_attempts >= MAX_ATTEMPTS:
        db.session.execute(update(Lead).where(Lead.id == lead_id).values(
            processing_state=PROCESSING_FAILED,
            processing_error=(lead.processing_error or "") + f" (gave up after {MAX_ATTEMPTS} attempts)"))
        db.session.commit()
        return False
    db.session.execute(update(Lead).where(Lead.id == lead_id).values(
        processing_attempts=Lead.processing_attempts + 1))
    db.session.commit()
    return True


def record_failure(lead_id: int, error: str, *, final: bool) -> None:
    db.session.rollback()
    values = {"processing_error": error[:2000]}
    if final:
        values["processing_state"] = PROCESSING_FAILED
    db.session.execute(update(Lead).where(Lead.id == lead_id).values(**values))
    db.session.commit()


def reset_for_retry(lead_id: int) -> None:
    """Staff asked to process a failed lead again."""
    db.session.execute(update(Lead).where(Lead.id == lead_id).values(
        processing_state=PROCESSING_PENDING, processing_attempts=0, processing_error=None))


def leads_to_sweep(older_than: timedelta, limit: int = 5000) -> list[int]:
    """Leads left pending for longer than ``older_than`` (lost jobs, Redis outages, edits during
    processing), and leads scored with older reference data."""
    cutoff = utcnow() - older_than
    pending = list(db.session.execute(
        select(Lead.id).where(Lead.processing_state == PROCESSING_PENDING, Lead.updated_at < cutoff)
        .order_by(Lead.id).limit(limit)).scalars())
    version = load_reference().version
    stale = list(db.session.execute(
        select(Lead.id).where(Lead.processing_state == PROCESSING_DONE,
                              or_(Lead.reference_version.is_(None), Lead.reference_version != version))
        .order_by(Lead.id).limit(limit)).scalars())
    if stale:
        db.session.execute(update(Lead).where(id_in(Lead.id, stale)).values(
            processing_state=PROCESSING_PENDING))
        db.session.commit()
    return pending + stale
