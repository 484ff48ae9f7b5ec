"""Weights from the data: EM recovers known m/u, TF adjustment, safety caps, fallback, storage."""
import math
import random

import numpy as np
import pytest

from marketplace.domain.dedup import (
    AUTO_MERGE_PROBABILITY,
    LEAD_MATCH_SPEC,
    MAX_CANDIDATES_PER_KEY,
    REVIEW_PROBABILITY,
    FieldComparison,
    Level,
    MatchSpec,
    TokenFrequencies,
    lead_blocking_keys,
)
from marketplace.domain.linkage_model import (
    candidate_pairs,
    fit_em,
    fit_spec,
    frequencies_to_json,
    pool_against_order,
    spec_from_json,
    spec_to_json,
    token_frequencies,
)

# A known mixture: 20% matches; three comparisons with 3, 2 and 4 levels; 10% of values missing.
TRUE_P = 0.2
TRUE_M = [np.array([0.80, 0.15, 0.05]), np.array([0.90, 0.10]), np.array([0.60, 0.25, 0.10, 0.05])]
TRUE_U = [np.array([0.05, 0.15, 0.80]), np.array([0.20, 0.80]), np.array([0.02, 0.08, 0.30, 0.60])]


def sample_levels(n, seed=7):
    rng = np.random.default_rng(seed)
    is_match = rng.random(n) < TRUE_P
    columns = []
    for m, u in zip(TRUE_M, TRUE_U):
        col = np.where(is_match, rng.choice(len(m), n, p=m), rng.choice(len(u), n, p=u))
        col[rng.random(n) < 0.1] = -1
        columns.append(col)
    return np.stack(columns, axis=1), is_match


def test_em_recovers_known_m_u_and_share():
    levels, is_match = sample_levels(40_000)
    fit = fit_em(levels, [3, 2, 4])
    assert fit.match_share == pytest.approx(TRUE_P, abs=0.01)
    for m, u, true_m, true_u in zip(fit.m, fit.u, TRUE_M, TRUE_U):
        np.testing.assert_allclose(m, true_m, atol=0.02)
        np.testing.assert_allclose(u, true_u, atol=0.02)
    # and the posterior separates the classes it never saw
    assert ((fit.posterior > 0.5) == is_match).mean() > 0.95


def test_em_from_a_start_posterior_keeps_the_meaning_of_match():
    levels, _ = sample_levels(20_000, seed=3)
    start = np.where(levels[:, 0] == 0, 0.9, 0.1)  # a rough hand-set model: level 0 of field 0
    fit = fit_em(levels, [3, 2, 4], start_posterior=start)
    assert fit.match_share == pytest.approx(TRUE_P, abs=0.015)
    assert fit.weights()[0][0] > 3 and fit.weights()[0][-1] < -3


def test_levels_against_their_order_are_pooled():
    weights = pool_against_order(np.array([0.5, 0.1, 0.2, 0.2]), np.array([0.1, 0.2, 0.2, 0.5]))
    assert list(weights) == sorted(weights, reverse=True)
    assert weights[1] == weights[2]


def test_candidate_pairs_follow_the_services_cap():
    keys = [{"a"}, {"a"}, {"a", "b"}, {"b"}, {"a"}]
    assert candidate_pairs(keys, max_per_key=10) == [(0, 1), (0, 2), (0, 4), (1, 2), (1, 4), (2, 3), (2, 4)]
    # only the first two holders of "a" are compared with later ones
    assert candidate_pairs(keys, max_per_key=2) == [(0, 1), (0, 2), (0, 4), (1, 2), (1, 4), (2, 3)]


# --- Term frequencies ---------------------------------------------------------------------------

NAMES = (["pacific medical supply", "global medical supply", "first medical supply", "united medical supply"] * 50
         + [f"company{i} medical supply" for i in range(200)] + ["anhua medical supply", "anhua medical"])


def test_token_frequencies_count_each_record_once():
    tf = token_frequencies(NAMES + ["supply supply", None])
    assert tf.total == len(NAMES) + 2
    assert tf.counts["supply"] == len(NAMES)  # "supply supply" counts once ... plus "anhua medical" has none
    assert tf.rarest_shared("anhua medical supply", "anhua medical") == ("anhua", 2 / tf.total)
    assert tf.rarest_shared("pacific medical supply", "global medical supply")[0] == "medical"
    assert tf.rarest_shared("abc", "xyz") is None
    small = token_frequencies(NAMES, max_tokens=3)
    assert set(small.counts) == {"medical", "supply", "pacific"} or small.floor >= 50
    assert small.frequency("never-seen") == small.floor / small.total


def name_spec(tf):
    return MatchSpec(prior_log_odds=-3.0, term_frequencies={"name": tf}, comparisons=(
        FieldComparison("name", "token_sort", (Level("same", 1.0, 5.0, tf_centre=math.log2(0.2)),
                                               Level("similar", 0.8, 2.0, tf_centre=math.log2(0.2)),
                                               Level("different", 0.0, -4.0)), tf_adjusted=True),
        FieldComparison("city", "exact", (Level("same", 1.0, 1.0), Level("different", 0.0, -2.0))),
    ))


def test_a_rare_shared_token_weighs_more_than_a_common_one():
    spec = name_spec(token_frequencies(NAMES))
    rare = spec.compare({"name": "anhua medical supply", "city": "x"}, {"name": "anhua medical supply", "city": "x"})
    common = spec.compare({"name": "pacific medical supply", "city": "x"}, {"name": "pacific medical supply", "city": "x"})
    assert rare.log_odds > common.log_odds
    name_rare, name_common = rare.evidence[0], common.evidence[0]
    assert name_rare.tf_token == "anhua" and name_rare.tf_adjustment > 0
    assert name_common.tf_token == "pacific" and name_common.tf_adjustment < name_rare.tf_adjustment
    assert name_rare.weight == pytest.approx(name_rare.base_weight + name_rare.tf_adjustment)


def test_the_tf_adjustment_is_bounded_and_absent_without_a_shared_token():
    spec = name_spec(TokenFrequencies({"x": 1}, 10**9))
    ev = spec.compare({"name": "x y"}, {"name": "x y"}).evidence[0]
    assert ev.tf_adjustment == 4.0  # TF_ADJUSTMENT_BOUNDS
    typo = spec.compare({"name": "harbour"}, {"name": "harbor"}).evidence[0]
    assert typo.tf_token is None and typo.tf_adjustment == 0.0


# --- Safety caps ----------------------------------------------------------------------------------

def overconfident_spec():
    """The lead spec with weights a bad fit could produce: every agreement +12."""
    params = spec_to_json(LEAD_MATCH_SPEC)
    for entry in params["comparisons"].values():
        entry["weights"] = [12.0] * (len(entry["weights"]) - 1) + [-1.0]
        entry["tf_centres"] = [0.0] * len(entry["weights"])
    params["prior_log_odds"] = -2.0
    tf = frequencies_to_json({"name": token_frequencies(["pacific medical supply"] * 10)})
    return spec_from_json(LEAD_MATCH_SPEC, params, tf, version=9)


ADDRESS = {"name": "pacific medical supply", "street": "1 alameda st", "postal_code": "90021",
           "city": "los angeles"}


def test_names_and_addresses_alone_never_merge_whatever_the_weights():
    spec = overconfident_spec()
    result = spec.compare(ADDRESS, dict(ADDRESS))
    assert REVIEW_PROBABILITY <= result.probability < AUTO_MERGE_PROBABILITY
    assert result.evidence[-1].field == "safety"
    with_phone = spec.compare({**ADDRESS, "phone": "+12135550111"}, {**ADDRESS, "phone": "+12135550111"})
    assert with_phone.probability >= AUTO_MERGE_PROBABILITY


def test_a_contact_person_counts_only_at_a_company_of_the_same_name():
    spec = overconfident_spec()
    a = {**ADDRESS, "contact": "maria garcia"}
    assert spec.compare(a, dict(a)).probability >= AUTO_MERGE_PROBABILITY
    other_company = {**a, "name": "harbor industrial distribution"}
    assert spec.compare(a, other_company).probability < AUTO_MERGE_PROBABILITY


def test_a_name_alone_is_not_even_reviewed_whatever_the_weights():
    spec = overconfident_spec()
    only_name = {"name": "pacific medical supply"}
    assert spec.compare(only_name, dict(only_name)).probability < REVIEW_PROBABILITY
    other_city = {**only_name, "city": "portland"}
    assert spec.compare(other_city, {**only_name, "city": "los angeles"}).probability < REVIEW_PROBABILITY


# --- Fitting a spec on leads ---------------------------------------------------------------------

GENERIC = ("pacific medical supply", "global medical supply", "united safety supply", "first aid supply")
CITIES = ("los angeles", "portland", "houston", "chicago", "miami", "denver", "seattle", "boston")
PEOPLE = [f"{first} {last}" for first in ("maria", "wei", "john", "priya", "carlos", "aisha", "kenji", "olga")
          for last in ("garcia", "chen", "smith", "patel", "lopez", "okafor", "kim", "nguyen")]


def synthetic_leads(suppliers=700, seed=1):
    """Suppliers with 1-3 leads each: a near-name, another contact, a phone or website left out,
    a moved office. 10% of suppliers share a generic name. Returns (records, supplier per record)."""
    rng = random.Random(seed)
    records, truth = [], []
    for s in range(suppliers):
        name = GENERIC[s % 4] if s % 10 == 0 else f"{rng.choice(['acme', 'zenith', 'lotus', 'delta'])}{s} medical supply"
        city = rng.choice(CITIES)
        base = {"name": name, "phone": f"+1213555{s:04d}", "email": f"sales@s{s}.com", "domains": f"s{s}.com",
                "contact": rng.choice(PEOPLE), "street": f"{s} harbor blvd",
                "postal_code": f"{90000 + s:05d}", "city": city}
        for k in range(rng.choice((1, 1, 2, 3))):
            lead = dict(base)
            if k:
                if rng.random() < 0.3:
                    lead["phone"] = None
                if rng.random() < 0.4:
                    lead["domains"], lead["email"] = None, f"s{s}x{k}@gmail.com"
                if rng.random() < 0.2:
                    lead["street"], lead["postal_code"], lead["city"] = f"{k} new rd", f"{80000 + s:05d}", rng.choice(CITIES)
                if rng.random() < 0.3:
                    lead["name"] = name.replace("supply", "supplies")
                if rng.random() < 0.5:
                    lead["contact"] = rng.choice(PEOPLE)
            records.append(lead)
            truth.append(s)
    order = list(range(len(records)))
    rng.shuffle(order)
    return [records[i] for i in order], [truth[i] for i in order]


def test_too_few_pairs_keep_the_hand_set_weights():
    records, _ = synthetic_leads(suppliers=30)
    fit = fit_spec(LEAD_MATCH_SPEC, records, lead_blocking_keys, max_per_key=MAX_CANDIDATES_PER_KEY)
    assert not fit.fitted and fit.spec is LEAD_MATCH_SPEC and "hand-set" in fit.note


def test_a_fit_on_leads_learns_strong_identifiers_and_keeps_the_caps():
    records, truth = synthetic_leads()
    fit = fit_spec(LEAD_MATCH_SPEC, records, lead_blocking_keys, max_per_key=MAX_CANDIDATES_PER_KEY, min_pairs=200)
    assert fit.fitted and fit.n_pairs >= 200
    spec = fit.spec
    weight = {c.field: {lv.name: lv.weight for lv in c.levels} for c in spec.comparisons}
    assert weight["phone"]["same"] > 3 and weight["email"]["same"] > 3 and weight["domains"]["same"] > 3
    assert spec.safety == LEAD_MATCH_SPEC.safety
    assert spec.term_frequencies["name"].total == len(records)
    # the name's agreeing levels carry a TF centre: the typical frequency of the rarest shared
    # token among the non-matching pairs (generic names: well above a unique supplier's token)
    assert spec.comparisons[0].levels[0].tf_centre < -3
    # precise and finds most pairs on the pairs it was fitted on (no labels were read)
    pairs = candidate_pairs([lead_blocking_keys(r) for r in records], MAX_CANDIDATES_PER_KEY)
    merged = {(i, j) for i, j in pairs if spec.compare(records[i], records[j]).probability >= AUTO_MERGE_PROBABILITY}
    true = {(i, j) for i, j in pairs if truth[i] == truth[j]}
    assert len(merged & true) / len(merged) >= 0.99
    assert len(merged & true) / len(true) >= 0.75


def test_a_stored_model_round_trips_and_ignores_changed_comparisons():
    records, _ = synthetic_leads()
    spec = fit_spec(LEAD_MATCH_SPEC, records, lead_blocking_keys, max_per_key=MAX_CANDIDATES_PER_KEY,
                    min_pairs=200).spec
    params, tfs = spec_to_json(spec), frequencies_to_json(spec.term_frequencies)
    again = spec_from_json(LEAD_MATCH_SPEC, params, tfs, version=3)
    assert again.version == 3 and spec_to_json(again) == params
    a, b = records[0], records[1]
    assert again.compare(a, b) == spec.compare(a, b)
    # a comparison whose levels changed since the fit keeps its hand-set weights
    params["comparisons"]["city"]["levels"] = ["same", "close", "different"]
    params["comparisons"]["city"]["weights"] = [9.0, 1.0, -9.0]
    city = next(c for c in spec_from_json(LEAD_MATCH_SPEC, params, tfs, 4).comparisons if c.field == "city")
    assert [lv.weight for lv in city.levels] == [1.0, -2.0]


def test_em_can_keep_u_and_chosen_comparisons_fixed():
    levels, _ = sample_levels(20_000, seed=5)
    start = np.where(levels[:, 0] == 0, 0.9, 0.1)
    first = fit_em(levels, [3, 2, 4], start_posterior=start, max_iter=0)  # the start M-step only
    fixed_u = fit_em(levels, [3, 2, 4], start_posterior=start, fix_u_after=0)
    for u, u0 in zip(fixed_u.u, first.u):
        np.testing.assert_allclose(u, u0)
    fixed_field = fit_em(levels, [3, 2, 4], start_posterior=start, fix_u_after=0, fixed=[2])
    np.testing.assert_allclose(fixed_field.m[2], first.m[2])
    assert fixed_field.iterations > 1 and not np.allclose(fixed_field.m[0], first.m[0])


def test_different_house_numbers_are_different_streets():
    street = next(c for c in LEAD_MATCH_SPEC.comparisons if c.field == "street")
    level = lambda a, b: street.levels[LEAD_MATCH_SPEC.level_index(street, a, b)[0]].name  # noqa: E731
    assert level("128 renmin rd", "233 renmin rd") == "different"
    assert level("100 harbor blvd", "100 harbor blvd ste 5") != "different"
    assert level("100 harbor blvd", "harbor blvd") != "different"  # a missing number changes nothing


def test_on_a_fuzzy_level_the_tf_adjustment_only_lowers():
    spec = name_spec(token_frequencies(NAMES))
    rare = spec.compare({"name": "anhua medical supply"}, {"name": "anhua medical supplies"}).evidence[0]
    common = spec.compare({"name": "pacific medical supply"}, {"name": "pacific medical supplies"}).evidence[0]
    assert rare.level == common.level == "similar"
    assert rare.tf_adjustment == 0.0 and common.tf_adjustment <= 0.0


def test_a_similar_name_with_the_same_contact_is_no_company_evidence():
    spec = overconfident_spec()
    a = {**ADDRESS, "name": "xiamen ruihua medical devices", "contact": "sales manager"}
    b = {**a, "name": "xiamen tianrui medical devices"}
    assert spec.compare(a, b).evidence[0].level == "similar"
    assert spec.compare(a, b).probability < AUTO_MERGE_PROBABILITY


def test_a_move_counts_once_against_not_once_per_address_field():
    moved = ({"name": "kimshield supplies", "domains": "kimshield.com", "street": "9722 harbor blvd",
              "postal_code": "02170", "city": "boston"},
             {"name": "kimshield supplies", "domains": "kimshield.com", "street": "8226 franklin ave",
              "postal_code": "02446", "city": "brookline"})
    result = LEAD_MATCH_SPEC.compare(*moved)
    against = {e.field: e.weight for e in result.evidence if e.field in ("street", "postal_code", "city")}
    assert sorted(against.values()) == [-2.0, 0.0, 0.0]  # the city's -2 (hand-set), the others counted with it
    assert "counted with city" in next(e.level for e in result.evidence if e.field == "street")
    assert result.log_odds == pytest.approx(sum(e.weight for e in result.evidence) + LEAD_MATCH_SPEC.prior_log_odds)
