"""Duplicate resolution on realistic supplier leads: our resolver beside splink, on the same leads.

Run:   cd <checkout> && PYTHONPATH=. /tmp/benchvenv/bin/python bench/dedup_leads.py [--quick] [--seed 1]
       [--sizes 3000,30000] [--difficulty easy,realistic] [--no-splink]
Needs: bench/requirements.txt (the app's requirements plus splink, duckdb, pandas).

Data: ``bench/leads_synth.generate(n, difficulty, seed)`` (see its docstring: near-name companies,
missing phones and websites, moved offices, free-mail, storefronts, other scripts, legal forms,
spreadsheet damage), at 3,000 and 30,000 leads (``--quick``: 3,000 only), "easy" and "realistic".
The label (``true_supplier``) is read only for scoring.

Same input for both: every generated row goes through the intake (``domain.leads.parse_lead``,
as the CSV import does; a row it refuses never reaches the resolver and is left out of the
truth too: the count is printed), then ``domain.normalise.normalise_lead`` and
``domain.dedup.lead_record``, exactly as ``services.processing.process_lead`` does. Both methods
see the resulting records (name, phone, email, domains, contact, street, postal_code, city), so
only the resolution method differs. Improvements to normalisation or to the lead spec are picked
up automatically: the bench calls the domain API, and the spec comes from one function
(``our_spec``).

Ours, the real thing in memory: leads are resolved one by one in arrival order, as the job does:
blocking keys from ``lead_blocking_keys``; candidates per key chosen by ``capped_candidates``,
the in-memory form of ``services.processing.candidate_ids`` (the same policy: the oldest
MAX_CANDIDATES_PER_KEY per key; tests/services/test_processing.py checks that the two agree);
comparison and the per-cluster cap by ``compare_candidates``, the function the service calls; pairs at or above REVIEW_PROBABILITY
are stored, those at or above AUTO_MERGE_PROBABILITY join the clusters (``UnionFind``; the
cluster id of a lead is its smallest member, as ``leads.cluster_id``).

Splink 5.0.0 on DuckDB, with its documented deduplication workflow (the "deduplicate_50k_synthetic"
example and the FEBRL examples of its documentation, as in bench/dedup_quality.py):

* ``link_type="dedupe_only"``; blocking rules for predictions: the same keys as ours, written as
  splink rules: ``block_on("phone")``, ``block_on("email")``, ``block_on("domains",
  arrays_to_explode=["domains"])`` (domains is an array: a lead's website and company e-mail
  domains), ``block_on("name")``, ``block_on("postal_code", "substr(name, 1, 4)")`` and
  ``block_on("city", "substr(name, 1, 4)")`` and ``block_on("city", "street")`` (ours: the same
  address key is looser, house number and street-word prefix; its name-in-city and
  name-with-contact keys are covered by splink's rule on the name start within a city);
* comparisons: ``NameComparison("name")`` with term-frequency adjustments (Jaro-Winkler 0.92 /
  0.88 / 0.7 levels), ``ExactMatch("phone")``, ``EmailComparison("email")``,
  ``ArrayIntersectAtSizes("domains", [1])``, ``JaroWinklerAtThresholds("contact", [0.95, 0.88])``,
  ``JaroWinklerAtThresholds("street", [0.95, 0.8])``, ``ExactMatch("postal_code")`` with
  term-frequency adjustments, ``JaroWinklerAtThresholds("city", [0.95])`` with term-frequency
  adjustments;
* training as documented: ``estimate_probability_two_random_records_match`` on the deterministic
  rules phone, e-mail (recall 0.7), ``estimate_u_using_random_sampling(max_pairs=1e6, seed=2)``,
  then EM on ``block_on("name")`` (estimates everything but the name) and on
  ``block_on("phone")`` (estimates the name and the rest);
* ``predict(threshold_match_probability=0.5)``, then
  ``cluster_pairwise_predictions_at_threshold`` at AUTO_MERGE_PROBABILITY (0.98), the same bar
  as our automatic merges, so that both sides mean the same by "automatic" and "review".

Scores, in record pairs (as bench/dedup_quality): the automatic clusters (every pair inside a
cluster) against the true pairs (every pair of leads of one supplier): precision, recall, F1.
"Review pairs": predicted pairs with REVIEW_PROBABILITY <= p < AUTO_MERGE_PROBABILITY whose two
leads are not already in one automatic cluster (what vetters are asked to decide), as a count and
as % of leads. "Recall with review": the recall of the clusters after vetters confirm every true
review pair (and split the others), i.e. automatic edges plus true review edges.
Seconds: wall time of the resolution alone, from the normalised records in memory to the clusters
(ours: blocking, comparing, clustering; splink: registering the table, training, predicting,
clustering); intake and normalisation are shared and timed once, separately.

Measured: see the README's "Benchmarks" section (the table printed by this script).
"""
from __future__ import annotations

import argparse
import itertools
import logging
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import leads_synth  # noqa: E402

from marketplace.domain import dedup  # noqa: E402
from marketplace.domain.leads import LEAD_COLUMNS, parse_lead  # noqa: E402
from marketplace.domain.normalise import normalise_lead  # noqa: E402

warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", category=DeprecationWarning)

RECORD_FIELDS = ("name", "phone", "email", "domains", "contact", "street", "postal_code", "city")


HAND_SET = False  # --hand-set: the weights in the code, not fitted (the "before" figures)


def our_spec(records: list[dict]) -> dedup.MatchSpec:
    """The lead spec our resolver uses: the one call site. The weights fitted to ``records`` (the
    normalised leads in arrival order) by ``domain.linkage_model.fit_spec``, as the service's
    refit job does (``services.match_models.refit``: the same candidate pairs, token frequencies
    over all leads), once over all the leads before resolving them (the steady state of a
    deployment that refits as leads arrive; splink is trained on all of them too)."""
    if HAND_SET:
        return dedup.LEAD_MATCH_SPEC
    from marketplace.domain.linkage_model import fit_lead_spec

    fit = fit_lead_spec(records)
    print(f"{'':>16s}  (ours: {fit.note})", flush=True)
    return fit.spec


# --- Input -----------------------------------------------------------------------------------

def prepare(rows: list[dict]) -> tuple[list[dict], list[str], int]:
    """(records, true supplier per record, rows refused by the intake), in arrival order."""
    records, labels, refused = [], [], 0
    for row in rows:
        values, errors = parse_lead({k: row[k] for k in LEAD_COLUMNS})
        if errors:
            refused += 1
            continue
        records.append(dedup.lead_record(normalise_lead(values), values.get("contact_name")))
        labels.append(row[leads_synth.LABEL])
    return records, labels, refused


# --- Ours ------------------------------------------------------------------------------------

def run_ours(records: list[dict]) -> tuple[list[set[int]], list[tuple[int, int, float]]]:
    """(automatic clusters, stored pairs (a, b, probability) with p >= REVIEW_PROBABILITY)."""
    spec = our_spec(records)
    index: dict[str, list[int]] = defaultdict(list)
    clusters = dedup.UnionFind()
    pairs = []
    for lead_id, record in enumerate(records):
        keys = dedup.lead_blocking_keys(record)
        others = dedup.capped_candidates(index, keys)
        for key in keys:
            index[key].append(lead_id)
        clusters.find(lead_id)
        if not others:
            continue
        candidates = [(other, clusters.find(other), records[other]) for other in others]
        matches, _ = dedup.compare_candidates(record, candidates, spec, shared_keys=others)
        for other, result in matches.items():
            pairs.append((other, lead_id, result.probability))
            if result.probability >= dedup.AUTO_MERGE_PROBABILITY:
                clusters.union(other, lead_id)
    return [set(members) for members in clusters.groups().values()], pairs


# --- Splink ----------------------------------------------------------------------------------

def run_splink(records: list[dict]) -> tuple[list[set[int]], list[tuple[int, int, float]]]:
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frame = pd.DataFrame([{
        "unique_id": i,
        **{name: (r.get(name) or None) for name in RECORD_FIELDS if name != "domains"},
        "domains": (r.get("domains") or "").split() or None,
    } for i, r in enumerate(records)])
    frame = frame.astype(object).where(frame.notna(), None)
    db_api = DuckDBAPI()
    table = db_api.register(frame)
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("phone"), block_on("email"), block_on("domains", arrays_to_explode=["domains"]),
            block_on("name"), block_on("postal_code", "substr(name, 1, 4)"), block_on("city", "substr(name, 1, 4)"),
            block_on("city", "street"),
        ],
        comparisons=[
            cl.NameComparison("name").configure(term_frequency_adjustments=True),
            cl.ExactMatch("phone"),
            cl.EmailComparison("email"),
            cl.ArrayIntersectAtSizes("domains", [1]),
            cl.JaroWinklerAtThresholds("contact", [0.95, 0.88]),
            cl.JaroWinklerAtThresholds("street", [0.95, 0.8]),
            cl.ExactMatch("postal_code").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("city", [0.95]).configure(term_frequency_adjustments=True),
        ],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        linker = Linker(table, settings, log_level=logging.ERROR)
        linker.training.estimate_probability_two_random_records_match([block_on("phone"), block_on("email")], recall=0.7)
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("name"))
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
        predictions = linker.inference.predict(threshold_match_probability=dedup.REVIEW_PROBABILITY)
        clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=dedup.AUTO_MERGE_PROBABILITY).as_pandas_dataframe()
        scored = predictions.as_pandas_dataframe()
    pairs = [(int(a), int(b), float(p)) for a, b, p in zip(scored["unique_id_l"], scored["unique_id_r"],
                                                          scored["match_probability"])
             if p >= dedup.REVIEW_PROBABILITY]
    groups = clustered.groupby("cluster_id")["unique_id"].apply(list)
    return [set(int(i) for i in members) for members in groups], pairs


METHODS = {"ours": run_ours, "splink": run_splink}


# --- Scores ----------------------------------------------------------------------------------

def _pairs_of(groups) -> set[tuple[int, int]]:
    return {(a, b) for members in groups for a, b in itertools.combinations(sorted(members), 2)}


def score(clusters: list[set[int]], pairs: list[tuple[int, int, float]], labels: list[str]) -> dict:
    by_supplier: dict[str, list[int]] = defaultdict(list)
    for lead_id, label in enumerate(labels):
        by_supplier[label].append(lead_id)
    truth = _pairs_of(by_supplier.values())
    found = _pairs_of(clusters)
    tp = len(found & truth)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    cluster_of = {lead: n for n, members in enumerate(clusters) for lead in members}
    review = [(a, b) for a, b, p in pairs if p < dedup.AUTO_MERGE_PROBABILITY
              and cluster_of.get(a, ("a", a)) != cluster_of.get(b, ("b", b))]
    review = sorted({(min(a, b), max(a, b)) for a, b in review})
    confirmed = dedup.UnionFind(range(len(labels)))
    for members in clusters:
        first, *rest = sorted(members)
        for other in rest:
            confirmed.union(first, other)
    for a, b in review:
        if labels[a] == labels[b]:
            confirmed.union(a, b)
    after_review = _pairs_of(confirmed.groups().values())
    return {"precision": precision, "recall": recall, "f1": f1, "review": len(review),
            "review_pct": 100.0 * len(review) / max(1, len(labels)),
            "recall_review": len(after_review & truth) / len(truth) if truth else 1.0,
            "true_pairs": len(truth)}


# --- Table -----------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3,000 leads only")
    parser.add_argument("--sizes", default="3000,30000")
    parser.add_argument("--difficulty", default="easy,realistic")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-splink", action="store_true", help="ours only (no splink installed)")
    parser.add_argument("--hand-set", action="store_true", help="ours with the hand-set weights, not fitted")
    args = parser.parse_args(argv)
    global HAND_SET
    HAND_SET = args.hand_set
    assert tuple(leads_synth.LEAD_COLUMNS) == tuple(LEAD_COLUMNS), "leads_synth.LEAD_COLUMNS is out of date"
    sizes = [3000] if args.quick else [int(s) for s in args.sizes.split(",")]
    methods = {k: v for k, v in METHODS.items() if not (args.no_splink and k == "splink")}

    header = (f"{'data':>16s}  {'method':8s}  {'precision':>9s}  {'recall':>7s}  {'F1':>7s}  "
              f"{'review pairs':>14s}  {'recall+review':>13s}  {'seconds':>7s}")
    print(header)
    print("-" * len(header))
    for difficulty in args.difficulty.split(","):
        for size in sizes:
            rows = leads_synth.generate(size, difficulty, args.seed)
            started = time.perf_counter()
            records, labels, refused = prepare(rows)
            prepare_seconds = time.perf_counter() - started
            for name, run in methods.items():
                started = time.perf_counter()
                clusters, pairs = run(records)
                seconds = time.perf_counter() - started
                s = score(clusters, pairs, labels)
                review = f"{s['review']:,} ({s['review_pct']:.1f}%)"
                print(f"{difficulty + ' ' + format(size, ','):>16s}  {name:8s}  {s['precision']:9.4f}  "
                      f"{s['recall']:7.4f}  {s['f1']:7.4f}  {review:>14s}  {s['recall_review']:13.4f}  "
                      f"{seconds:7.1f}", flush=True)
            print(f"{'':>16s}  ({len(records):,} leads, {s['true_pairs']:,} true pairs, {refused} rows refused "
                  f"by the intake; intake + normalisation {prepare_seconds:.1f} s, shared)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
