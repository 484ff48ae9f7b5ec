"""Our record-linkage engine (``marketplace.domain.dedup``) set up for the FEBRL benchmarks.

Used by ``bench/dedup_quality.py``; see its docstring for how the results are measured. In short:

1. Normalise: strip the strings; a blank or missing value counts as missing (the engine then gives
   the field no weight at all, neither for nor against).
2. Block: a pair is compared only if the two records share at least one cheap key (``blocking_keys``), and
   the candidate pairs are the union over all keys. Keys whose bucket is too large are dropped.
3. Compare every candidate pair with ``MatchSpec.compare`` (``FEBRL_LEVELS``: which comparator and
   which similarity levels per field). Given name and surname are compared crosswise when they are
   plainly the wrong way round in one of the two records (see ``_oriented``).
4. Weights, unsupervised: EM (Fellegi-Sunter mixture of matches and non-matches, fields
   independent given the class) over the candidate pairs' levels. No true link is ever read here.
   Adjacent levels whose estimated weights run against their order (a more similar level scoring
   lower than a less similar one: sampling noise on thin levels) are pooled.
5. Decide: log-odds above 0 (probability above 0.5) is a match (``link``); for deduplication, the
   matches are then closed into clusters with ``UnionFind`` (``close_transitively``: every pair
   inside a cluster is reported).

Each candidate pair goes through ``MatchSpec.compare`` once, before the weights are known (step 3
needs only its levels). Its final log-odds, prior + the fitted weight of each field's level, is
what ``compare`` with the fitted spec returns; ``link`` computes it for all pairs at once and checks
it against ``compare`` on a sample, rather than comparing every pair a second time.

The same structure (fields, comparators, level thresholds, keys, threshold) serves all four sets;
only the EM estimates differ from set to set, and they come from the unlabelled pairs alone.
"""
from __future__ import annotations

import importlib.util
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str):
    """``marketplace.domain.<name>``: the domain is pure Python and loads neither Flask nor
    SQLAlchemy (tests/domain/test_layers.py), so the benchmark's own virtualenv imports it as is."""
    return importlib.import_module(f"marketplace.domain.{name}")


def load_engine():
    """``marketplace.domain.dedup`` (see ``_load``)."""
    return _load("dedup")


engine = load_engine()
linkage_model = _load("linkage_model")  # the EM (one place, shared with the lead model)
MatchSpec, FieldComparison, Level, UnionFind = (engine.MatchSpec, engine.FieldComparison, engine.Level,
                                                 engine.UnionFind)
_JW = engine.COMPARATORS["jaro_winkler"]

FIELDS = ("given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode",
          "state", "date_of_birth", "soc_sec_id")

_NAMES = ("same", "close", "similar", "weak")


def _levels(comparator: str, *thresholds: float) -> tuple[str, tuple]:
    """Levels from the most to the least similar; the weights are placeholders until EM."""
    levels = tuple(Level(name, t, 0.0) for name, t in zip(_NAMES, thresholds))
    return comparator, levels + (Level("different", 0.0, 0.0),)


# Set once, by reasoning about the kinds of error in each field, not fitted to any labels:
# - names and address words: Jaro-Winkler bands (typos, OCR and phonetic slips, merged words);
# - digit strings: Damerau-Levenshtein, so one slip (a changed, lost or swapped digit) has its own
#   level: 1 - 1/7 = 0.857 for a social-security number, 1 - 1/8 = 0.875 for a date, 0.75 for a
#   4-digit postcode, 0.5 for a 2-digit street number;
# - state: a short code, same or not.
FEBRL_LEVELS: dict[str, tuple[str, tuple]] = {
    "given_name": _levels("jaro_winkler", 1.0, 0.92, 0.85, 0.7),
    "surname": _levels("jaro_winkler", 1.0, 0.92, 0.85, 0.7),
    "street_number": _levels("damerau_levenshtein", 1.0, 0.5),
    "address_1": _levels("jaro_winkler", 1.0, 0.9, 0.8),
    "address_2": _levels("jaro_winkler", 1.0, 0.9, 0.8),
    "suburb": _levels("jaro_winkler", 1.0, 0.9, 0.8),
    "postcode": _levels("damerau_levenshtein", 1.0, 0.75),
    "state": _levels("exact", 1.0),
    "date_of_birth": _levels("damerau_levenshtein", 1.0, 0.85, 0.75),
    "soc_sec_id": _levels("damerau_levenshtein", 1.0, 0.85, 0.7),
}

THRESHOLD_LOG_ODDS = 0.0   # probability 0.5
MAX_BUCKET = 60            # dedup: records per key; linkage: pairs per key up to MAX_BUCKET**2 / 4


def make_spec(weights: dict[str, np.ndarray] | None = None, prior_log_odds: float = 0.0) -> MatchSpec:
    comparisons = []
    for name in FIELDS:
        comparator, levels = FEBRL_LEVELS[name]
        if weights is not None:
            levels = tuple(Level(lv.name, lv.min_similarity, float(w))
                           for lv, w in zip(levels, weights[name]))
        comparisons.append(FieldComparison(name, comparator, levels))
    return MatchSpec(tuple(comparisons), prior_log_odds)


# --- 1. Normalise ----------------------------------------------------------------------------

def normalise(df: pd.DataFrame) -> list[dict[str, str]]:
    """One dict per record (numbered 0..n-1 in the frame's order): stripped strings, '' when
    missing."""
    columns = [[v.strip() if isinstance(v, str) else "" for v in df[name].tolist()]
               for name in FIELDS]
    return [dict(zip(FIELDS, values)) for values in zip(*columns)]


# --- 2. Block --------------------------------------------------------------------------------

def blocking_keys(columns: dict[str, list[str]]) -> list[list[str]]:
    """Cheap keys, each catching a different way a duplicate can stay close to its original even
    after heavy corruption elsewhere. One list per kind of key, aligned with the records; '' where
    a record has no such key. Built column by column (it is the hot loop of blocking)."""
    gn, sn, dob, ssn = (columns[f] for f in ("given_name", "surname", "date_of_birth", "soc_sec_id"))
    pc, no = columns["postcode"], columns["street_number"]
    width = max(map(len, ssn), default=0)
    return [
        ["s:" + s if s else "" for s in ssn],                                     # ID number ...
        # ... or one digit off: the number with each digit in turn blanked out; two numbers share
        # one of these keys when they differ by one substituted, dropped or swapped digit.
        *[["s~" + s[:i] + "_" + s[i + 1:] if len(s) > i else "" for s in ssn] for i in range(width)],
        ["d:" + d if d else "" for d in dob],                                     # date of birth
        [("n:" + g + "|" + s if g <= s else "n:" + s + "|" + g) if g and s else ""  # full name,
         for g, s in zip(gn, sn)],                                                # either order
        ["a:" + p + "|" + n if p and n else "" for p, n in zip(pc, no)],          # postcode + house
        ["x:" + g[:2] + "|" + s[:2] + "|" + p[:2] for g, s, p in zip(gn, sn, pc)],  # name/area prefixes
    ]


def _keyed(records: list[dict]) -> tuple[np.ndarray, list[str]]:
    """(record number, key) for every key of every record, kind by kind."""
    columns = {name: [r[name] for r in records] for name in FIELDS}
    kinds = blocking_keys(columns)
    recs = np.tile(np.arange(len(records), dtype=np.int64), len(kinds))
    return recs, [key for kind in kinds for key in kind]


def candidate_pairs(left: list[dict], right: list[dict] | None = None) -> np.ndarray:
    """Pairs of record numbers sharing at least one key, shape (n, 2), sorted. Deduplication when
    ``right`` is None (pairs i < j within ``left``), else linkage (left record, right record).
    The grouping runs in pandas/numpy (hashing and joining in C)."""
    rec_l, keys_l = _keyed(left)
    if right is None:
        codes, uniques = pd.factorize(np.array(keys_l, dtype=object))
        size = np.bincount(codes, minlength=len(uniques))
        size[uniques == ""] = 0
        keep = (size[codes] > 1) & (size[codes] <= MAX_BUCKET)
        side = pd.DataFrame({"key": codes[keep], "rec": rec_l[keep]})
        joined = side.merge(side, on="key", suffixes=("_l", "_r"))
        joined = joined[joined["rec_l"].to_numpy() < joined["rec_r"].to_numpy()]
        n_right = len(left)
    else:
        rec_r, keys_r = _keyed(right)
        codes, uniques = pd.factorize(np.array(keys_l + keys_r, dtype=object))
        codes_l, codes_r = codes[:len(keys_l)], codes[len(keys_l):]
        size = np.bincount(codes_l, minlength=len(uniques)) * np.bincount(codes_r, minlength=len(uniques))
        size[uniques == ""] = 0
        limit = MAX_BUCKET * MAX_BUCKET // 4
        keep_l = (size[codes_l] > 0) & (size[codes_l] <= limit)
        keep_r = (size[codes_r] > 0) & (size[codes_r] <= limit)
        joined = pd.DataFrame({"key": codes_l[keep_l], "rec": rec_l[keep_l]}).merge(
            pd.DataFrame({"key": codes_r[keep_r], "rec": rec_r[keep_r]}), on="key", suffixes=("_l", "_r"))
        n_right = len(right)
    flat = np.unique(joined["rec_l"].to_numpy() * n_right + joined["rec_r"].to_numpy())
    return np.stack([flat // n_right, flat % n_right], axis=1)


# --- 3. Compare ------------------------------------------------------------------------------

def _oriented(left: dict, right: dict) -> dict:
    """``right`` with given name and surname exchanged when they match ``left`` much better
    crosswise than straight (a classic data-entry error, common in FEBRL's duplicates)."""
    lg, ls, rg, rs = left["given_name"], left["surname"], right["given_name"], right["surname"]
    if lg == rg or ls == rs or not (lg and ls and rg and rs):
        return right
    if _JW(lg, rs) + _JW(ls, rg) > _JW(lg, rg) + _JW(ls, rs) + 0.2:
        right = dict(right)
        right["given_name"], right["surname"] = rs, rg
    return right


def compare_levels(spec: MatchSpec, left: list[dict], right: list[dict], pairs: np.ndarray) -> np.ndarray:
    """``MatchSpec.compare`` on every pair; returns the level index per pair and field (-1 missing)."""
    index = [{lv.name: i for i, lv in enumerate(c.levels)} | {engine.MISSING: -1, engine.NOT_COMPARABLE: -1}
             for c in spec.comparisons]
    rows = []
    for i, j in pairs.tolist():
        a = left[i]
        evidence = spec.compare(a, _oriented(a, right[j])).evidence
        rows.append([ix[ev.level] for ix, ev in zip(index, evidence)])
    return np.array(rows, dtype=np.int64).reshape(len(pairs), len(spec.comparisons))


# --- 4. Weights by EM ------------------------------------------------------------------------

@dataclass
class Fit:
    weights: dict[str, np.ndarray]
    prior_log_odds: float
    match_share: float
    iterations: int


def fit_em(levels: np.ndarray, sizes: list[int], max_iter: int = 200, tol: float = 1e-6,
           pseudo_count: float = 0.5) -> Fit:
    """Unsupervised Fellegi-Sunter EM on the candidate pairs' levels (missing: no information):
    ``marketplace.domain.linkage_model.fit_em``, with the weights keyed by FEBRL field."""
    em = linkage_model.fit_em(levels, sizes, max_iter=max_iter, tol=tol, pseudo_count=pseudo_count)
    weights = dict(zip(FIELDS, em.weights()))
    return Fit(weights, em.prior_log_odds, em.match_share, em.iterations)


# --- 5. Decide -------------------------------------------------------------------------------

def link(left_df: pd.DataFrame, right_df: pd.DataFrame | None = None) -> dict:
    """Steps 1-4 and the threshold: deduplication of ``left_df`` when ``right_df`` is None, else
    linkage of the two. ``pairs`` are the matched pairs of record ids (the frames' index labels),
    pairwise, before any clustering (``close_transitively``); ``candidates`` the blocked pairs
    (record numbers), ``spec`` the fitted MatchSpec, ``fit`` the EM estimates."""
    left = normalise(left_df)
    right = left if right_df is None else normalise(right_df)
    pairs = candidate_pairs(left, None if right_df is None else right)

    shape = make_spec()
    levels = compare_levels(shape, left, right, pairs)
    fit = fit_em(levels, [len(c.levels) for c in shape.comparisons])
    spec = make_spec(fit.weights, fit.prior_log_odds)

    # Log-odds of every pair = prior + the weight of each field's level: exactly what
    # spec.compare returns (asserted on a sample below), without comparing every pair again.
    table = np.zeros((len(FIELDS), max(len(c.levels) for c in spec.comparisons) + 1))
    for f, c in enumerate(spec.comparisons):
        table[f, :len(c.levels)] = [lv.weight for lv in c.levels]   # column -1 (missing) stays 0
    log_odds = spec.prior_log_odds + table[np.arange(len(FIELDS)), levels].sum(axis=1)
    for k in range(0, len(pairs), max(1, len(pairs) // 25)):
        i, j = pairs[k]
        if abs(spec.compare(left[i], _oriented(left[i], right[j])).log_odds - log_odds[k]) > 1e-9:
            raise AssertionError("vectorised log-odds differ from MatchSpec.compare")

    ids_l = left_df.index.to_numpy()
    ids_r = ids_l if right_df is None else right_df.index.to_numpy()
    matched = [(ids_l[i], ids_r[j]) for i, j in pairs[log_odds > THRESHOLD_LOG_ODDS].tolist()]
    return {"pairs": matched, "candidates": pairs, "spec": spec, "fit": fit}


def close_transitively(pairs) -> list[tuple]:
    """Deduplication: the matches as clusters (``UnionFind``), every pair inside a cluster."""
    clusters = UnionFind()
    for a, b in pairs:
        clusters.union(a, b)
    return [pair for group in clusters.groups().values()
            for pair in itertools.combinations(sorted(group), 2)]
