"""The vetting pipeline for one lead: normalise -> find duplicates -> cluster -> score -> store.

Idempotent: running it twice for the same lead leaves the same rows (upserts and replacements,
never blind inserts). Called by the RQ job (jobs.tasks) or in-process without Redis.

Order-independent: a pair of leads is decided by the newer one, from older leads only
(``domain.dedup``), and when a lead is processed after newer leads that may read it (two workers,
a retry, an edit), those are resolved again here, oldest first. The same leads give the same
duplicate pairs and clusters whatever order the jobs ran in.
"""
from __future__ import annotations

import heapq
import logging
from bisect import bisect_left
from collections import Counter
from datetime import timedelta

from sqlalchemy import delete, or_, select, text, union_all, update

from ..domain.dedup import (
    AUTO_MERGE_PROBABILITY,
    MAX_CANDIDATES_PER_KEY,
    MAX_COMPARED_PER_CLUSTER,
    MatchSpec,
    automatic,
    chosen_candidates,
    compare_candidates,
    lead_blocking_keys,
    lead_record,
    reads_newer,
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


def _stored_keys(lead_id: int) -> set[str]:
    return set(db.session.execute(select(LeadBlockKey.key).where(LeadBlockKey.lead_id == lead_id)).scalars())


def _older_holders(lead_id: int, keys: set[str]) -> list[tuple[str, int]]:
    """(key, lead id) of the first MAX_CANDIDATES_PER_KEY holders of each key among the leads older
    than ``lead_id``. One round trip for all keys."""
    if not keys:
        return []
    per_key = [
        select(LeadBlockKey.key, LeadBlockKey.lead_id).where(LeadBlockKey.key == key, LeadBlockKey.lead_id < lead_id)
        .order_by(LeadBlockKey.lead_id).limit(MAX_CANDIDATES_PER_KEY).subquery().select()
        for key in sorted(keys)
    ]
    return list(db.session.execute(union_all(*per_key) if len(per_key) > 1 else per_key[0]).all())


def candidate_ids(lead_id: int, keys: set[str]) -> Counter[int]:
    """Older leads sharing a blocking key, with how many of the keys each shares: at most
    MAX_CANDIDATES_PER_KEY per key, so the work per lead stays flat however large the table grows.
    The oldest ones, and only leads older than this one (``dedup.capped_candidates``): newer leads
    compare themselves with it, so processing a lead again, in any order, compares it with the same
    leads. A popular key (a generic name) is narrowed by the compound keys of ``lead_blocking_keys``
    (name within a city, address), not by taking more of it. One round trip for all keys."""
    return Counter(lead for _, lead in _older_holders(lead_id, keys))


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


def _pairs_of(lead_id: int) -> dict[int, DuplicatePair]:
    """The pairs this lead decides (with older leads: ``DuplicatePair.lead_id`` is the larger id)."""
    return {p.other_id: p for p in db.session.execute(
        select(DuplicatePair).where(DuplicatePair.lead_id == lead_id)).scalars()}


def _links_after(existing: dict[int, DuplicatePair], matches: dict[int, object]) -> set[int]:
    """The older leads this lead is automatically linked with once ``_store_pairs`` stored
    ``matches``: those matched at AUTO_MERGE_PROBABILITY (as stored, rounded), and those a vetter
    decided on, which are kept with their probability."""
    kept = {other for other, pair in existing.items()
            if other not in matches and pair.decision is not None and automatic(pair.probability)}
    return kept | {other for other, result in matches.items() if automatic(round(result.probability, 4))}


def _store_pairs(lead_id: int, matches: dict[int, object], existing: dict[int, DuplicatePair], *,
                 model_version: int | None = None) -> None:
    """Replace the pairs this lead decides (``existing``, from ``_pairs_of``) by ``matches``;
    vetters' decisions are always kept. Pairs with newer leads are theirs."""
    for other_id, result in matches.items():
        pair = existing.get(other_id) or DuplicatePair(lead_id=lead_id, other_id=other_id)
        pair.probability = round(result.probability, 4)
        pair.evidence = _evidence_json(result)
        pair.model_version = model_version
        db.session.add(pair)
    for other_id, pair in existing.items():
        if other_id not in matches and pair.decision is None:
            db.session.delete(pair)
    db.session.flush()


def _automatic_links(lead_ids) -> list[tuple[int, int]]:
    """The automatic links (probability at or above AUTO_MERGE_PROBABILITY, whatever a vetter
    decided) among ``lead_ids``: what groups a lead's candidates (``dedup.candidate_groups``)."""
    ids = list(lead_ids)
    if len(ids) < 2:
        return []
    return [(a, b) for a, b, p in db.session.execute(
        select(DuplicatePair.lead_id, DuplicatePair.other_id, DuplicatePair.probability).where(
            id_in(DuplicatePair.lead_id, ids), id_in(DuplicatePair.other_id, ids))).all() if automatic(p)]


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


def _update_clusters(lead_id: int, before: set[int]) -> None:
    """After this lead's pairs changed: merge the clusters its links touch, or, when a link was
    dropped, recompute the cluster it was in (it may fall apart)."""
    after = _accepted_neighbours(lead_id)
    if before <= after:
        # Only new links: merge the clusters they touch (the common case, one UPDATE).
        clusters = set(db.session.execute(select(Lead.cluster_id).where(
            id_in(Lead.id, after | {lead_id}), Lead.cluster_id.is_not(None))).scalars())
        target = min(clusters | {lead_id})
        # Only rows whose cluster changes are written: a supplier's 100th lead must not rewrite 99.
        db.session.execute(update(Lead).where(or_(Lead.id == lead_id, id_in(Lead.cluster_id, clusters)),
                                              Lead.cluster_id.is_distinct_from(target))
                           .values(cluster_id=target))
    else:
        cluster_id = db.session.scalar(select(Lead.cluster_id).where(Lead.id == lead_id))
        old_cluster = set(db.session.execute(select(Lead.id).where(Lead.cluster_id == cluster_id)).scalars()) \
            if cluster_id is not None else set()
        recompute_clusters({lead_id} | old_cluster | before)


# --- The repair, bounded ------------------------------------------------------------------------
#
# What a lead N's pairs are a function of (``_resolve``): its record and keys; its candidates C(N),
# for each key of N the first MAX_CANDIDATES_PER_KEY holders of the key older than N, with how many
# of N's keys bring each; the automatic links among C(N); and the records of the candidates it is
# compared with, chosen(N) = ``dedup.chosen_candidates`` of those. Everything it reads of other
# leads it reads through chosen(N): C(N), the shared-key counts and the links only decide chosen(N),
# and the comparisons read only the records of chosen(N) (the spec aside: a lead resolved again
# gets the newest weights, as before). So when one older lead L changes (its keys, its record, its
# automatic links), N's pairs can change only if chosen(N) changes, or if L's record changed and L
# is in chosen(N). Only such N are resolved again; the others keep pairs equal to what resolving
# them would store, and their links do not change, so nothing newer is reached through them.
#
# Which N to look at: L is in C(N), before or after the change, only if N holds a key of L of which
# L is among the first MAX_CANDIDATES_PER_KEY holders (``dedup.reads_newer``; whether it is does not
# depend on N, nor on L's own rows); a newer holder of such a key also sees its first holders
# shift when L enters or leaves them (the displaced 100th). No other N's C(N), links among C(N) or
# chosen(N) involve L. These "readers" are found as before; chosen(N) is computed for all of them
# just before L's rows are written and again just after, in three queries for all
# (``_chosen_for``). The difference with the unbounded repair: a supplier's 2,000 identical leads
# all read its first 100, but a late one among those enters group members the newer leads never
# compare with (they compare with the group's first five), so none of them is resolved again.
#
# Order: leads resolved again are taken oldest first from a heap, each checked against its own
# change the same way; when a lead is taken, every older lead that had to be resolved again has
# been (each is pushed by a still older one), so it is resolved from final older leads, and leads
# it was not pushed for kept pairs equal to resolving them, change by change (one lead changes per
# step, and each step's readers are checked). By induction on the ids the stored pairs are those of
# processing in id order, whatever order the jobs ran in.


def _first_holders(keys: set[str]) -> dict[str, list[int]]:
    """key -> its first MAX_CANDIDATES_PER_KEY holders, ascending: the first holders of a key older
    than any lead N are these, cut at N. One query per 100 keys (each reads only its first holders
    from the key's index, however many leads hold it)."""
    first: dict[str, list[int]] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), 100):
        per_key = [
            select(LeadBlockKey.key, LeadBlockKey.lead_id).where(LeadBlockKey.key == key)
            .order_by(LeadBlockKey.lead_id).limit(MAX_CANDIDATES_PER_KEY).subquery().select()
            for key in ordered[start:start + 100]
        ]
        for key, lead_id in db.session.execute(union_all(*per_key) if len(per_key) > 1 else per_key[0]):
            first.setdefault(key, []).append(lead_id)
    for holders in first.values():
        holders.sort()
    return first


def _chosen_for(readers: list[int]) -> dict[int, frozenset[int]]:
    """{lead: chosen(lead)}, whom each of ``readers`` is compared with when resolved from the
    leads as they stand: ``_resolve``'s candidates (``candidate_ids``: per key the first holders
    older than it) grouped by the links among them and chosen by ``dedup.chosen_candidates``. Three
    queries for all readers (one more per 100 keys past the first 100); leads that see the same first holders of the same keys (every lead
    past the first holders of its keys) share one computation."""
    if not readers:
        return {}
    keys_of: dict[int, set[str]] = {}
    for lead_id, key in db.session.execute(select(LeadBlockKey.lead_id, LeadBlockKey.key).where(
            id_in(LeadBlockKey.lead_id, readers))):
        keys_of.setdefault(lead_id, set()).add(key)
    first = _first_holders(set().union(*keys_of.values()) if keys_of else set())
    links = _automatic_links({lead for holders in first.values() for lead in holders})
    chosen: dict[int, frozenset[int]] = {}
    known: dict[tuple, frozenset[int]] = {}
    for reader in readers:
        keys = sorted(keys_of.get(reader, ()))
        seen_below = tuple((key, bisect_left(first.get(key, ()), reader)) for key in keys)
        if seen_below not in known:
            shared = Counter(lead for key, below in seen_below for lead in first[key][:below])
            known[seen_below] = frozenset(chosen_candidates(shared, links, MAX_COMPARED_PER_CLUSTER, shared))
        chosen[reader] = known[seen_below]
    return chosen


def _resolve(lead_id: int, record: dict, keys: set[str], old_keys: set[str], spec: MatchSpec, *,
             record_changed: bool, queued: set[int] = frozenset(), touched: set[int] | None = None) -> list[int]:
    """Decide this lead's pairs with older leads (under the dedup lock), store its keys and pairs,
    update the clusters. Returns the newer leads whose pairs this may have changed (see above: those
    whose chosen candidates changed, or that compare with this lead when its record changed), but
    for those already ``queued`` to be resolved again (they will be, from the final older leads).
    With ``touched``, the clusters are left to the caller: the leads whose links changed and their
    neighbours before and after are added to it, for one ``recompute_clusters`` at the end."""
    holders = _older_holders(lead_id, keys | old_keys)
    others = Counter(lead for key, lead in holders if key in keys)
    matches = {}
    if others:
        # Only the records of the leads it is compared with are read (five per group, not the 100s
        # of candidates): compare_candidates given just those compares every one of them (each
        # group of them has at most MAX_COMPARED_PER_CLUSTER members).
        links = _automatic_links(others)
        chosen = chosen_candidates(others, links, MAX_COMPARED_PER_CLUSTER, others)
        candidates = [(row.lead_id, _record_of(row)) for row in db.session.execute(
            select(LeadNormal).where(id_in(LeadNormal.lead_id, chosen))).scalars()]
        matches, _ = compare_candidates(record, candidates, links, spec, MAX_COMPARED_PER_CLUSTER,
                                        shared_keys=others)
    existing = _pairs_of(lead_id)
    links_before = {other for other, pair in existing.items() if automatic(pair.probability)}
    readers: list[int] = []
    if keys != old_keys or record_changed or _links_after(existing, matches) != links_before:
        below = Counter(key for key, _ in holders)
        readers = [reader for reader in _newer_holders(lead_id, sorted(
            key for key in keys | old_keys if reads_newer(below[key], MAX_CANDIDATES_PER_KEY)))
            if reader not in queued]
    chosen_before = _chosen_for(readers)
    if keys != old_keys:
        _replace_keys(lead_id, keys)
    neighbours = _accepted_neighbours(lead_id)
    _store_pairs(lead_id, matches, existing, model_version=spec.version)
    if touched is None:
        _update_clusters(lead_id, neighbours)
    elif _links_after(existing, matches) != links_before or neighbours != _accepted_neighbours(lead_id):
        touched |= {lead_id} | neighbours | _accepted_neighbours(lead_id)
    chosen_after = _chosen_for(readers)
    return [reader for reader in readers if chosen_before[reader] != chosen_after[reader]
            or (record_changed and lead_id in chosen_after[reader])]


def _newer_holders(lead_id: int, keys: list[str]) -> list[int]:
    if not keys:
        return []
    return sorted(db.session.execute(select(LeadBlockKey.lead_id).where(
        id_in(LeadBlockKey.key, keys), LeadBlockKey.lead_id > lead_id).distinct()).scalars())


def _resolve_duplicates(lead: Lead, record: dict, *, identity_changed: bool, spec: MatchSpec) -> int:
    """Resolve this lead; then the newer leads whose pairs that changed (``_resolve``), oldest
    first, each from its stored record, and so on up (their own jobs need not run: only their pairs
    and clusters depend on older leads). Returns how many newer leads were resolved again."""
    keys = lead_blocking_keys(record)
    _take_dedup_lock()
    old_keys = _stored_keys(lead.id)
    waiting = _resolve(lead.id, record, keys, old_keys, spec, record_changed=identity_changed)
    heapq.heapify(waiting)
    seen, again, touched = set(waiting), 0, set()
    while waiting:
        newer = heapq.heappop(waiting)
        row = db.session.get(LeadNormal, newer)
        if row is None:
            continue
        newer_keys = _stored_keys(newer)
        again += 1
        for reader in _resolve(newer, _record_of(row), newer_keys, newer_keys, spec, record_changed=False,
                               queued=seen, touched=touched):
            seen.add(reader)
            heapq.heappush(waiting, reader)
    # Clusters do not decide any pair (groups are the links among candidates), so the clusters the
    # repair touched are recomputed once, not once per lead resolved again (each a walk of the
    # whole cluster when a link moved: quadratic for one supplier's thousand leads).
    if touched:
        recompute_clusters(touched)
    return again


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
    again = _resolve_duplicates(lead, record, identity_changed=identity_changed, spec=current_spec())
    if again:
        log.info("lead %s: %d newer lead(s) resolved again", lead.id, again)
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
