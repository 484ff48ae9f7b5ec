"""Weights of a ``MatchSpec`` estimated from unlabelled records, as splink does.

1. Candidate pairs: records sharing a blocking key, each compared with at most the first
   ``max_per_key`` records of a key (the service's own cap, ``dedup.MAX_CANDIDATES_PER_KEY``).
2. Levels: every pair's level per comparison (``MatchSpec.levels``; -1 when a value is missing).
3. EM (``fit_em``): a Fellegi-Sunter mixture of matches and non-matches, fields independent given
   the class; m = P(level | match), u = P(level | non-match) per comparison, and the share of
   matches among the candidates, which becomes the prior. It starts from the posterior of the
   hand-set spec (so "match" keeps its meaning) and never reads a true link.
4. Weights: log2(m/u) per level, adjacent levels whose weights run against their order pooled
   (``pool_against_order``: sampling noise on thin levels), then clipped to ``WEIGHT_BOUNDS``.
5. Term-frequency adjustment (comparisons with ``tf_adjusted``: company name, contact person), on
   the most similar level only, as splink adjusts its exact-match level: a pair's weight moves by
   ``centre - log2(tf(t))``, where t is the rarest token the two values share and tf(t) its share
   of all records (``TokenFrequencies``); the centre is the mean of log2 tf(t) over the
   non-matching pairs of that level (EM's posterior), so that on those pairs the adjustment
   averages zero. splink's form is log2(u / tf(value)) on whole values; tokens suit company
   names, where "medical supply" is shared by thousands and "anhua" by one supplier. (On the
   fuzzier levels the rarest shared token says little: "shenzhen minghua medical technology" and
   "shenzhen baoxin medical technology" share everything but what tells them apart.)
6. The safety caps and the structure come from the code's spec, never from the fit.

Fallback: with fewer than ``MIN_FIT_PAIRS`` candidate pairs (a new deployment) nothing is fitted
and the hand-set weights stay. Stored models are JSON (``spec_to_json``/``spec_from_json``).
"""
from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .dedup import (
    LEAD_FIXED_IN_EM,
    LEAD_MATCH_SPEC,
    MAX_CANDIDATES_PER_KEY,
    FieldComparison,
    Level,
    MatchSpec,
    TokenFrequencies,
    capped_candidates,
    lead_blocking_keys,
)

# Below this many candidate pairs EM has too little to go on: keep the hand-set weights.
MIN_FIT_PAIRS = 500
# Pairs beyond this are sampled (seeded): EM's estimates are shares, a sample gives them.
MAX_FIT_PAIRS = 200_000
# No fitted level weight leaves these bounds (log2 units): a level seen a handful of times cannot
# become a veto or a proof.
WEIGHT_BOUNDS = (-5.0, 12.0)
PRIOR_BOUNDS = (-14.0, 0.0)
# Token frequency tables keep at most this many tokens (the most frequent); the others count as
# the rarest kept one (a conservative stand-in).
MAX_TF_TOKENS = 50_000


# --- EM ----------------------------------------------------------------------------------------

@dataclass
class EMFit:
    m: list[np.ndarray]        # per comparison: P(level | match), levels most to least similar
    u: list[np.ndarray]        # per comparison: P(level | non-match)
    match_share: float         # share of matches among the pairs (the prior)
    iterations: int
    posterior: np.ndarray      # P(match | levels) per pair

    def weights(self, pool: bool = True) -> list[np.ndarray]:
        """log2(m/u) per comparison and level, pooled where against the levels' order (``pool``)."""
        if not pool:
            return [np.log2(m / u) for m, u in zip(self.m, self.u)]
        return [pool_against_order(m, u) for m, u in zip(self.m, self.u)]

    @property
    def prior_log_odds(self) -> float:
        return math.log2(self.match_share / (1.0 - self.match_share))


def pool_against_order(m: np.ndarray, u: np.ndarray) -> np.ndarray:
    """log2(m/u) per level, made non-increasing from the most to the least similar level by
    pooling adjacent violators (their expected counts are merged into one level)."""
    blocks = [[m[k], u[k], 1] for k in range(len(m))]
    merged = True
    while merged:
        merged = False
        for k in range(len(blocks) - 1):
            if blocks[k][0] / blocks[k][1] < blocks[k + 1][0] / blocks[k + 1][1]:
                a, b = blocks[k], blocks.pop(k + 1)
                blocks[k] = [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
                merged = True
                break
    return np.array([math.log2(bm / bu) for bm, bu, width in blocks for _ in range(width)])


def fit_em(levels: np.ndarray, sizes: Sequence[int], max_iter: int = 200, tol: float = 1e-6,
           pseudo_count: float = 0.5, start_posterior: np.ndarray | None = None,
           fix_u_after: int | None = None, fixed: Sequence[int] = ()) -> EMFit:
    """Unsupervised Fellegi-Sunter EM on the pairs' levels.

    ``levels``: shape (pairs, comparisons), the level index per comparison, -1 for missing (no
    information either way). ``sizes``: the number of levels per comparison. ``start_posterior``:
    P(match) per pair to start from (the M-step runs first); without it, matches start mostly in
    the most similar levels and non-matches in the least. ``pseudo_count`` is added to every
    level's expected count (no level gets probability 0). ``fix_u_after``: u is re-estimated only
    in the first that many iterations, then kept (0: u from the start posterior alone).
    ``fixed``: comparisons (indices) whose m and u keep their first estimate: splink does not
    re-estimate a comparison whose field is in the blocking rule of an EM session, and a company
    name is part of most lead keys, which makes "same name" common among non-matching candidates
    and lets EM trade the name's evidence for the address's."""
    n, n_fields = levels.shape
    onehot = []
    for f, k in enumerate(sizes):
        oh = np.zeros((n, k))
        present = np.nonzero(levels[:, f] >= 0)[0]
        oh[present, levels[present, f]] = 1.0
        onehot.append(oh)

    def m_step(g):
        m = [(g @ oh + pseudo_count) for oh in onehot]
        u = [((1.0 - g) @ oh + pseudo_count) for oh in onehot]
        return ([c / c.sum() for c in m], [c / c.sum() for c in u],
                float(min(max(g.mean(), 1e-6), 1 - 1e-6)))

    if start_posterior is not None:
        m, u, p = m_step(np.clip(np.asarray(start_posterior, dtype=float), 0.0, 1.0))
    else:
        m = [np.linspace(1.0, 0.1, k) / np.linspace(1.0, 0.1, k).sum() for k in sizes]
        u = [np.linspace(0.1, 1.0, k) / np.linspace(0.1, 1.0, k).sum() for k in sizes]
        p = 0.5
    g = np.full(n, p)
    iteration = 0
    for iteration in range(1, max_iter + 1):
        log_m = np.full(n, math.log(p))
        log_u = np.full(n, math.log(1.0 - p))
        for f in range(n_fields):
            log_m += onehot[f] @ np.log(m[f])
            log_u += onehot[f] @ np.log(u[f])
        g = 1.0 / (1.0 + np.exp(np.clip(log_u - log_m, -700.0, 700.0)))  # P(match | levels)
        new_m, new_u, new_p = m_step(g)
        if fix_u_after is not None and iteration > fix_u_after:
            new_u = u
        for f in fixed:
            new_m[f], new_u[f] = m[f], u[f]
        delta = max(abs(new_p - p), *(np.abs(a - b).max() for a, b in zip(new_m, m)),
                    *(np.abs(a - b).max() for a, b in zip(new_u, u)))
        m, u, p = new_m, new_u, new_p
        if delta < tol:
            break
    return EMFit(m, u, p, iteration, g)


# --- Candidate pairs and term frequencies ------------------------------------------------------

def candidate_pairs(keys: Sequence[Iterable[str]], max_per_key: int) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, that the service compares when record j arrives after records 0..j-1
    (records in arrival order; ``keys``: each record's blocking keys): the candidate policy of
    ``dedup.capped_candidates``, the first ``max_per_key`` holders of each key."""
    holders: dict[str, list[int]] = defaultdict(list)
    pairs = set()
    for j, record_keys in enumerate(keys):
        record_keys = list(record_keys)
        pairs.update((i, j) for i in capped_candidates(holders, record_keys, cap=max_per_key))
        for key in record_keys:
            holders[key].append(j)
    return sorted(pairs)


def token_frequencies(values: Iterable[str | None], max_tokens: int = MAX_TF_TOKENS) -> TokenFrequencies:
    """Document frequency of the space-separated tokens of normalised values (each value counts a
    token once). Empty values count towards the total (they are records without this field)."""
    counts: Counter[str] = Counter()
    total = 0
    for value in values:
        total += 1
        if value:
            counts.update(set(str(value).split()))
    floor = 1
    if len(counts) > max_tokens:
        kept = counts.most_common(max_tokens)
        floor = kept[-1][1]
        counts = Counter(dict(kept))
    return TokenFrequencies(dict(counts), total, floor)


# --- Fitting a spec ----------------------------------------------------------------------------

@dataclass
class FittedSpec:
    spec: MatchSpec
    fitted: bool           # False: too little data, the hand-set weights are kept
    n_records: int
    n_pairs: int           # candidate pairs found (before any sampling)
    match_share: float | None
    iterations: int
    note: str


def _with_weights(base: MatchSpec, weights: Mapping[str, Sequence[float]],
                  centres: Mapping[str, Sequence[float | None]], prior_log_odds: float,
                  term_frequencies: Mapping[str, TokenFrequencies], version: int | None) -> MatchSpec:
    comparisons = []
    for c in base.comparisons:
        if c.field in weights and len(weights[c.field]) == len(c.levels):
            tf_centres = centres.get(c.field) or [None] * len(c.levels)
            c = FieldComparison(c.field, c.comparator, tuple(
                Level(lv.name, lv.min_similarity, float(w), None if t is None else float(t))
                for lv, w, t in zip(c.levels, weights[c.field], tf_centres)), c.label, c.tf_adjusted)
        comparisons.append(c)
    return MatchSpec(tuple(comparisons), prior_log_odds, base.safety, dict(term_frequencies), version,
                     base.correlated)


def _posterior(spec: MatchSpec, levels: np.ndarray) -> np.ndarray:
    """P(match) of every pair under ``spec``'s weights (no TF adjustment, no caps)."""
    log_odds = np.full(len(levels), spec.prior_log_odds)
    for f, c in enumerate(spec.comparisons):
        table = np.array([lv.weight for lv in c.levels] + [0.0])  # index -1: missing
        log_odds += table[levels[:, f]]
    return 1.0 / (1.0 + np.exp2(-np.clip(log_odds, -60, 60)))


def fit_spec(base: MatchSpec, records: Sequence[Mapping[str, object]],
             keys_of: Callable[[Mapping[str, object]], Iterable[str]], *, max_per_key: int,
             term_frequencies: Mapping[str, TokenFrequencies] | None = None,
             fixed_fields: Collection[str] = (), min_pairs: int = MIN_FIT_PAIRS,
             max_pairs: int = MAX_FIT_PAIRS, seed: int = 0) -> FittedSpec:
    """Fit ``base``'s weights, prior and TF centres to ``records`` (in arrival order).

    ``keys_of``: a record's blocking keys (``dedup.lead_blocking_keys``). ``term_frequencies``: per
    field with ``tf_adjusted``, token frequencies over all records (default: over ``records``).
    ``fixed_fields``: comparisons whose m and u EM does not re-estimate (see ``fit_em``'s
    ``fixed``). Returns the hand-set ``base`` unchanged (``fitted`` False) below ``min_pairs`` pairs.

    u is estimated once, from the candidate pairs weighted by the hand-set model's posterior of a
    non-match, and then kept (``fix_u_after=0``; splink likewise estimates u apart and fixes it
    during EM): left free, EM on lead pairs drifts to a third class, "same address or postal code,
    other company", which it calls matches. The levels of a TF-adjusted comparison are not pooled:
    its most similar level ("same name") holds the generic names, whose weight the TF adjustment
    corrects pair by pair, so it may rightly weigh less than a near-miss ("similar": typos)."""
    pairs = candidate_pairs([keys_of(r) for r in records], max_per_key)
    n_pairs = len(pairs)
    if n_pairs < min_pairs:
        return FittedSpec(base, False, len(records), n_pairs, None, 0,
                          f"{n_pairs} candidate pairs, fewer than {min_pairs}: hand-set weights kept")
    if n_pairs > max_pairs:
        pairs = sorted(random.Random(seed).sample(pairs, max_pairs))
    levels = np.array([base.levels(records[i], records[j]) for i, j in pairs], dtype=np.int64)
    levels = levels.reshape(len(pairs), len(base.comparisons))
    em = fit_em(levels, [len(c.levels) for c in base.comparisons], start_posterior=_posterior(base, levels),
                fix_u_after=0, fixed=[f for f, c in enumerate(base.comparisons) if c.field in fixed_fields])
    low, high = WEIGHT_BOUNDS
    weights = {c.field: np.clip(raw if c.tf_adjusted else pooled, low, high).round(3).tolist()
               for c, pooled, raw in zip(base.comparisons, em.weights(pool=True), em.weights(pool=False))}
    prior = round(min(max(em.prior_log_odds, PRIOR_BOUNDS[0]), PRIOR_BOUNDS[1]), 3)

    tfs = dict(term_frequencies or {})
    centres: dict[str, list[float | None]] = {}
    for f, c in enumerate(base.comparisons):
        if not c.tf_adjusted:
            continue
        tf = tfs.get(c.field) or token_frequencies(r.get(c.field) for r in records)
        tfs[c.field] = tf
        sums = np.zeros(len(c.levels))
        mass = np.zeros(len(c.levels))
        for k, (i, j) in enumerate(pairs):
            level = levels[k, f]
            if level < 0 or level == len(c.levels) - 1:  # missing, or the least similar level
                continue
            shared = tf.rarest_shared(str(records[i][c.field]), str(records[j][c.field]))
            if shared is not None:
                weight = 1.0 - em.posterior[k]
                sums[level] += weight * math.log2(shared[1])
                mass[level] += weight
        centres[c.field] = [round(float(s / w), 3) if w >= 1.0 else None for s, w in zip(sums, mass)]
    spec = _with_weights(base, weights, centres, prior, tfs, None)
    return FittedSpec(spec, True, len(records), n_pairs, em.match_share, em.iterations,
                      f"EM over {len(pairs)} of {n_pairs} candidate pairs, {em.iterations} iterations")


def fit_lead_spec(records: Sequence[Mapping[str, object]],
                  term_frequencies: Mapping[str, TokenFrequencies] | None = None,
                  min_pairs: int = MIN_FIT_PAIRS) -> FittedSpec:
    """``fit_spec`` with the lead settings: ``LEAD_MATCH_SPEC`` (structure, hand-set start, safety
    caps), ``lead_blocking_keys`` with the service's ``MAX_CANDIDATES_PER_KEY``, and
    ``LEAD_FIXED_IN_EM``. ``records``: ``dedup.lead_record`` dicts in arrival order. The one call
    for the service's refit (``services.match_models``) and the benchmark (``bench/dedup_leads``)."""
    return fit_spec(LEAD_MATCH_SPEC, records, lead_blocking_keys, max_per_key=MAX_CANDIDATES_PER_KEY,
                    term_frequencies=term_frequencies, fixed_fields=LEAD_FIXED_IN_EM, min_pairs=min_pairs)


# --- Storage -----------------------------------------------------------------------------------

def spec_to_json(spec: MatchSpec) -> dict:
    """The fitted parts of a spec: prior, and per comparison its levels' weights and TF centres."""
    return {"prior_log_odds": spec.prior_log_odds,
            "comparisons": {c.field: {"levels": [lv.name for lv in c.levels],
                                      "weights": [lv.weight for lv in c.levels],
                                      "tf_centres": [lv.tf_centre for lv in c.levels]}
                            for c in spec.comparisons}}


def frequencies_to_json(tfs: Mapping[str, TokenFrequencies]) -> dict:
    return {name: {"total": tf.total, "floor": tf.floor, "counts": dict(tf.counts)} for name, tf in tfs.items()}


def frequencies_from_json(data: Mapping | None) -> dict[str, TokenFrequencies]:
    return {name: TokenFrequencies(dict(v["counts"]), int(v["total"]), int(v.get("floor", 1)))
            for name, v in (data or {}).items()}


def spec_from_json(base: MatchSpec, parameters: Mapping, term_frequencies: Mapping | None,
                   version: int | None) -> MatchSpec:
    """``base`` (the code's structure and safety caps) with a stored model's weights. A comparison
    the model does not know, or whose levels changed since it was fitted, keeps its hand-set
    weights (so a field added to the spec works before the next refit)."""
    weights, centres = {}, {}
    stored = parameters.get("comparisons", {})
    for c in base.comparisons:
        entry = stored.get(c.field)
        if entry and entry.get("levels") == [lv.name for lv in c.levels]:
            weights[c.field] = entry["weights"]
            centres[c.field] = entry.get("tf_centres") or [None] * len(c.levels)
    return _with_weights(base, weights, centres, float(parameters["prior_log_odds"]),
                         frequencies_from_json(term_frequencies), version)
