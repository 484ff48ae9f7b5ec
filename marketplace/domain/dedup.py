"""Record linkage: is this lead the same supplier as that one?

A generic engine over a field specification (``MatchSpec``), in the Fellegi-Sunter style: each
field comparison falls into a level (same / similar / different / missing), each level carries a
weight (log2 of how much more often that level occurs among true matches than among non-matches),
and the weights add up to the log-odds that the two records are the same entity. The same engine
scores leads here and the FEBRL record-linkage benchmarks in ``bench/dedup_quality``.

The weights of the lead spec below are the hand-set starting point; ``domain.linkage_model`` fits
them to the data (EM over the candidate pairs, term-frequency adjustment of name tokens, as splink
does), and the service uses the newest stored fit. Two things are never fitted: the structure
(fields, comparators, level thresholds) and the safety caps (``SafetyCap``: a name alone never merges).

All RapidFuzz calls go through ``COMPARATORS`` below, each with an explicit ``processor=None``:
the values are normalised beforehand (``domain.normalise``), once, not on every comparison.

Values in different scripts (a Chinese name and its English name, ``Москва`` and ``Moscow``) are
compared by their transliterations (``FieldComparison.classify``): agreement counts, but a
disagreement says nothing (a translation differs for reasons other than identity), so it is
"not comparable" and weighs 0, like a missing value. An empty value is always missing.
"""
from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler, Levenshtein

from .i18n import N_
from .normalise import NormalisedLead, fold, same_script, transliterate


def _exact(a: str, b: str) -> float:
    return 1.0 if a == b else 0.0


def _overlap(a: str, b: str) -> float:
    """For fields holding a space-separated set (a lead's domains): 1 if the sets share a member."""
    return 1.0 if set(a.split()) & set(b.split()) else 0.0


def _first_number(value: str) -> str | None:
    return next((word for word in value.split() if word.isdigit()), None)


def _street(a: str, b: str) -> float:
    """Street lines: token_sort, but two different house numbers (the first number of each) are
    two addresses, however alike the street names: "128 renmin rd" is not "233 renmin rd"
    (at most 0.5). A second address line ("ste 5") and a missing number change nothing."""
    similarity = fuzz.token_sort_ratio(a, b, processor=None) / 100.0
    first_a, first_b = _first_number(a), _first_number(b)
    if first_a and first_b and first_a != first_b:
        return min(similarity, 0.5)
    return similarity


COMPARATORS: dict[str, Callable[[str, str], float]] = {
    "street": _street,
    "exact": _exact,
    "overlap": _overlap,
    "jaro_winkler": lambda a, b: JaroWinkler.normalized_similarity(a, b, processor=None),
    "levenshtein": lambda a, b: Levenshtein.normalized_similarity(a, b, processor=None),
    # Like levenshtein, but swapping two characters counts as one edit, not two: the usual typo in
    # digit strings (dates of birth, ID numbers, postcodes), where "1243" is one slip from "1234".
    "damerau_levenshtein": lambda a, b: DamerauLevenshtein.normalized_similarity(a, b, processor=None),
    "token_set": lambda a, b: fuzz.token_set_ratio(a, b, processor=None) / 100.0,
    "token_sort": lambda a, b: fuzz.token_sort_ratio(a, b, processor=None) / 100.0,
}


@dataclass(frozen=True)
class Level:
    name: str          # shown to vetters: "same", "similar", "different"
    min_similarity: float
    weight: float      # log2 likelihood ratio
    # Term-frequency adjustment (comparisons with ``tf_adjusted`` only): log2 of the typical
    # frequency of the rarest shared token among the non-matching pairs at this level, as fitted
    # (``linkage_model``). A pair whose rarest shared token is rarer than that gets more weight,
    # one that shares only common tokens less. None: no adjustment at this level.
    tf_centre: float | None = None


@dataclass(frozen=True)
class FieldComparison:
    field: str
    comparator: str
    levels: tuple[Level, ...]  # from the most to the least similar; the last must start at 0.0
    label: str = ""
    # Weigh agreement by how rare the shared tokens are (``TokenFrequencies`` of this field).
    tf_adjusted: bool = False

    def __post_init__(self) -> None:
        if self.comparator not in COMPARATORS:
            raise ValueError(f"unknown comparator {self.comparator!r}")
        if not self.levels or self.levels[-1].min_similarity != 0.0:
            raise ValueError(f"{self.field}: the last level must start at similarity 0.0")

    def classify(self, a: object, b: object) -> tuple[float | None, Level | None]:
        """The similarity of two values and the level it falls in. ``(None, None)`` when either
        value is missing or blank; ``(similarity, None)`` when the values are in different scripts
        and their transliterations disagree (not comparable). The one place a pair of values is
        judged: ``MatchSpec.compare`` and any weight estimation use it."""
        a, b = str(a).strip() if a is not None else "", str(b).strip() if b is not None else ""
        if not a or not b:
            return None, None
        across = False
        if not (a.isascii() and b.isascii()):
            across = not same_script(a, b)
        if across:
            a, b = transliterate(a), transliterate(b)
            if not a or not b:
                return None, None
        similarity = COMPARATORS[self.comparator](a, b)
        level = next(lv for lv in self.levels if similarity >= lv.min_similarity)
        if across and level is self.levels[-1]:
            return similarity, None
        return similarity, level


@dataclass(frozen=True)
class TokenFrequencies:
    """How many of ``total`` records hold each token of one field (document frequency of the
    space-separated tokens of a normalised value). Tokens not in ``counts`` (new, or left out of a
    truncated table) count ``floor``: the smallest count kept, 1 if none was left out."""
    counts: Mapping[str, int]
    total: int
    floor: int = 1

    def frequency(self, token: str) -> float:
        """Share of records holding ``token``, in (0, 1]."""
        return min(1.0, max(self.counts.get(token, self.floor), 1) / max(self.total, 1))

    def rarest_shared(self, a: str, b: str) -> tuple[str, float] | None:
        """The rarest token the two values share, with its frequency; None if they share none."""
        shared = set(a.split()) & set(b.split())
        if not shared:
            return None
        token = min(shared, key=lambda t: (self.counts.get(t, self.floor), t))
        return token, self.frequency(token)


@dataclass(frozen=True)
class SafetyCap:
    """A fixed rule on top of any weights: unless all the fields of at least one group in
    ``unless_agree`` agree (their level is one of ``AGREEING_LEVELS`` and its weight is positive),
    the log-odds stay at or below ``max_log_odds``. Agreement is read from the levels, which are
    fixed, so that no fit can switch a rule off."""
    reason: str
    unless_agree: tuple[frozenset[str], ...]
    max_log_odds: float

    def applies(self, agreeing: set[str]) -> bool:
        return not any(group <= agreeing for group in self.unless_agree)


@dataclass(frozen=True)
class Evidence:
    field: str
    label: str
    left: str | None
    right: str | None
    similarity: float | None
    level: str
    weight: float                    # what this field added to the log-odds (incl. TF adjustment)
    base_weight: float | None = None  # the level's weight before the TF adjustment
    tf_token: str | None = None       # the rarest shared token that drove the TF adjustment
    tf_adjustment: float = 0.0


@dataclass(frozen=True)
class MatchResult:
    log_odds: float
    evidence: tuple[Evidence, ...] = field(default=())

    @property
    def probability(self) -> float:
        return 1.0 / (1.0 + 2.0 ** (-self.log_odds))


# A TF adjustment moves a field's weight by at most this much down / up (log2 units).
TF_ADJUSTMENT_BOUNDS = (-4.0, 4.0)
# For the safety caps, a field agrees when its values are the same: not merely similar ("xiamen
# ruihua medical devices" against "xiamen tianrui medical devices" is "similar", two companies).
AGREEING_LEVELS = frozenset({"same"})


@dataclass(frozen=True)
class MatchSpec:
    comparisons: tuple[FieldComparison, ...]
    prior_log_odds: float  # log2 odds that two records sharing a blocking key match, before evidence
    safety: tuple[SafetyCap, ...] = ()
    # Token frequencies per field, for the comparisons with ``tf_adjusted`` (empty: no adjustment).
    term_frequencies: Mapping[str, TokenFrequencies] = field(default_factory=dict)
    # Which stored model these weights come from (None: the hand-set weights in the code).
    version: int | None = None
    # Fields that change together (a supplier that moved has a new street, postal code and city):
    # when several of one group disagree, only the strongest disagreement counts, not their sum
    # (the fields are not independent, as the weights assume).
    correlated: tuple[frozenset[str], ...] = ()

    def level_index(self, comparison: FieldComparison, a: object, b: object) -> tuple[int, float | None]:
        """(index of the level, similarity) of one field of a pair (``FieldComparison.classify``);
        index -1 when either value is missing or the two are not comparable (no information)."""
        similarity, level = comparison.classify(a, b)
        return (-1 if level is None else comparison.levels.index(level)), similarity

    def levels(self, left: Mapping[str, object], right: Mapping[str, object]) -> list[int]:
        """The level index of every comparison (-1: missing): what EM is fitted on."""
        return [self.level_index(c, left.get(c.field), right.get(c.field))[0] for c in self.comparisons]

    def compare(self, left: Mapping[str, object], right: Mapping[str, object]) -> MatchResult:
        total = self.prior_log_odds
        evidence = []
        agreeing = set()
        for comparison in self.comparisons:
            a, b = left.get(comparison.field), right.get(comparison.field)
            label = comparison.label or comparison.field
            similarity, level = comparison.classify(a, b)
            if level is None:
                evidence.append(Evidence(comparison.field, label, str(a) if a else None, str(b) if b else None,
                                         None if similarity is None else round(similarity, 3),
                                         MISSING if similarity is None else NOT_COMPARABLE, 0.0))
                continue
            token, adjustment = None, 0.0
            tf = self.term_frequencies.get(comparison.field) if comparison.tf_adjusted else None
            if tf is not None and level.tf_centre is not None:
                shared = tf.rarest_shared(str(a), str(b))
                if shared is not None:
                    token = shared[0]
                    low, high = TF_ADJUSTMENT_BOUNDS
                    adjustment = round(min(high, max(low, level.tf_centre - math.log2(shared[1]))), 3)
                    if level is not comparison.levels[0]:
                        # On a fuzzy level a shared rare token proves little (the tokens that tell
                        # two companies apart may be the ones that differ), but sharing only
                        # common ones is weak evidence: the adjustment only lowers the weight.
                        adjustment = min(adjustment, 0.0)
            weight = level.weight + adjustment
            if level.name in AGREEING_LEVELS and weight > 0:
                agreeing.add(comparison.field)
            total += weight
            evidence.append(Evidence(comparison.field, label, str(a), str(b), round(similarity, 3),
                                     level.name, weight, level.weight, token, adjustment))
        for group in self.correlated:
            against = sorted((e for e in evidence if e.field in group and e.weight < 0), key=lambda e: e.weight)
            for extra in against[1:]:
                total -= extra.weight
                evidence[evidence.index(extra)] = Evidence(
                    extra.field, extra.label, extra.left, extra.right, extra.similarity,
                    f"{extra.level} (counted with {against[0].label})", 0.0, extra.base_weight)
        for cap in self.safety:
            if total > cap.max_log_odds and cap.applies(agreeing):
                evidence.append(Evidence("safety", "safety rule", None, None, None, cap.reason,
                                         cap.max_log_odds - total))
                total = cap.max_log_odds
        return MatchResult(total, tuple(evidence))


MISSING = "missing"
NOT_COMPARABLE = "not comparable"  # values in different scripts that disagree


def probability_to_log_odds(probability: float) -> float:
    return math.log2(probability / (1.0 - probability))


# Above this, a lead joins the other's cluster automatically; between the two, a vetter decides.
# 0.98 = log-odds +5.6: reached by e.g. same name + same phone, or same domain + similar name +
# same street, but never by any single field alone. 0.5 = log-odds 0: weaker agreement
# (a shared webmail address under another company name, a shared domain with nothing else).
AUTO_MERGE_PROBABILITY = 0.98
REVIEW_PROBABILITY = 0.5


# --- Leads -----------------------------------------------------------------------------------
# Weights: log2 of m/u, set from what each agreement means for PPE suppliers, then checked on the
# demo data and the FEBRL benchmarks. A shared phone number, e-mail address or company domain is
# strong evidence; a shared name is weak (there are "Pacific Medical Supply"s in many cities), so
# that name alone can never reach the review threshold, let alone the automatic one.
_SAME, _CLOSE, _DIFF = "same", "similar", "different"

# The words vetters read in a pair's evidence: the lead comparisons' field labels and verdict levels
# (stored in English with the pair; shown in the reader's language through the ``label`` filter).
EVIDENCE_WORDS: tuple[tuple[str, str], ...] = (
    ("company name", N_("company name")), ("phone", N_("phone")), ("e-mail", N_("e-mail")),
    ("e-mail/web domain", N_("e-mail/web domain")), ("contact person", N_("contact person")),
    ("street", N_("street")), ("postal code", N_("postal code")), ("city", N_("city")),
    (_SAME, N_("same")), (_CLOSE, N_("similar")), ("somewhat similar", N_("somewhat similar")),
    (_DIFF, N_("different")), (MISSING, N_("missing")), (NOT_COMPARABLE, N_("not comparable")),
)

# Fixed safety rules, kept on top of any fitted weights. Company evidence: a shared phone number,
# e-mail address or company domain (free-mail and storefront domains never enter ``domains``, see
# ``lead_record``), or the same contact person at a company of the same name. Without one of
# them, names and addresses never merge two leads automatically (a vetter decides), and a company
# name that is the only agreement never even goes to review. Fields not named here (another
# spelling of the name, say) count as names.
LEAD_COMPANY_EVIDENCE = (frozenset({"phone"}), frozenset({"email"}), frozenset({"domains"}),
                         frozenset({"name", "contact"}))
_CAP_MARGIN = 0.05
LEAD_SAFETY = (
    SafetyCap("no phone, e-mail, company domain or named contact agrees: names and addresses alone never merge",
              LEAD_COMPANY_EVIDENCE, probability_to_log_odds(AUTO_MERGE_PROBABILITY) - _CAP_MARGIN),
    SafetyCap("only the name agrees: a name alone is not even worth a review",
              tuple(frozenset({f}) for f in ("phone", "email", "domains", "contact", "street", "postal_code", "city")),
              probability_to_log_odds(REVIEW_PROBABILITY) - _CAP_MARGIN),
)

LEAD_MATCH_SPEC = MatchSpec(
    prior_log_odds=-6.0,
    safety=LEAD_SAFETY,
    correlated=(frozenset({"street", "postal_code", "city"}),),
    comparisons=(
        FieldComparison("name", "token_sort", (
            Level(_SAME, 1.0, 4.0), Level(_CLOSE, 0.88, 3.0), Level("somewhat similar", 0.75, 1.0),
            Level(_DIFF, 0.0, -4.0)), "company name", tf_adjusted=True),
        FieldComparison("phone", "exact", (Level(_SAME, 1.0, 8.0), Level(_DIFF, 0.0, -1.5)), "phone"),
        FieldComparison("email", "exact", (Level(_SAME, 1.0, 10.0), Level(_DIFF, 0.0, 0.0)), "e-mail"),
        FieldComparison("domains", "overlap", (Level(_SAME, 1.0, 8.0), Level(_DIFF, 0.0, -2.5)),
                        "e-mail/web domain"),
        FieldComparison("contact", "jaro_winkler", (Level(_SAME, 0.95, 2.0), Level(_DIFF, 0.0, 0.0)),
                        "contact person", tf_adjusted=True),
        FieldComparison("street", "street", (
            Level(_SAME, 0.95, 3.0), Level(_CLOSE, 0.8, 1.0), Level(_DIFF, 0.0, -1.0)), "street"),
        FieldComparison("postal_code", "exact", (Level(_SAME, 1.0, 1.5), Level(_DIFF, 0.0, -1.5)), "postal code"),
        FieldComparison("city", "jaro_winkler", (Level(_SAME, 0.95, 1.0), Level(_DIFF, 0.0, -2.0)), "city"),
    ),
)

# Work per new lead stays flat as the table grows: at most this many leads per blocking key (the
# oldest: stable results), so a generic key such as a popular name cannot pull in the whole table;
# the compound keys of lead_blocking_keys find the duplicates behind such a key (bench/dedup_scale).
MAX_CANDIDATES_PER_KEY = 100
# A supplier with hundreds of leads is one cluster: a new lead is compared with at most this many
# of its members (see ``compare_candidates``).
MAX_COMPARED_PER_CLUSTER = 5


# Fitting the lead spec (``linkage_model.fit_lead_spec``): comparisons whose m and u are estimated
# once from the hand-set model's posterior and not re-estimated by EM (see ``linkage_model.fit_em``).
LEAD_FIXED_IN_EM = frozenset({"name"})


def lead_record(normal: NormalisedLead, contact_name: str | None = None) -> dict[str, str | None]:
    """What the lead spec compares, from a lead's normalised identity (``normalise.normalise_lead``)
    and its contact person as typed: {field: text or None} for each of ``name``, ``phone``,
    ``email``, ``domains`` (space-separated), ``contact``, ``street``, ``postal_code``, ``city``;
    an empty value is None. ``name`` is in its own script; ``domains`` holds only company evidence:
    never a free-mail, disposable or storefront platform's domain (``normalise.company_domains``).
    A plain dict because it is also what is stored (``lead_normals``) and compared field by field
    (``MatchSpec.compare``)."""
    return {
        "name": normal.name or None,
        "phone": normal.phone or None,
        "email": normal.email or None,
        "domains": " ".join(normal.company_domains) or None,
        "contact": fold(contact_name) or None,
        "street": normal.street or None,
        "postal_code": normal.postal_code or None,
        "city": normal.city or None,
    }


def _address_key(street: str | None, city: str | None) -> str | None:
    """'6762 main st ste 392' in 'newark' -> 'newark|6762|mai': the house number (the first
    number) and the first three letters of the street's longest word, within the city. Stays the
    same when a second address line is added, an abbreviation written out or a late letter mistyped."""
    if not street or not city:
        return None
    words = street.split()
    number = next((w for w in words if w.isdigit()), None)
    name = max((w for w in words if w.isalpha() and len(w) >= 3), key=len, default=None)
    return f"{city}|{number}|{name[:3]}" if number and name else None


def lead_blocking_keys(record: Mapping[str, str | None]) -> set[str]:
    """Cheap keys: only leads sharing at least one are compared. A key is made only from
    non-empty parts: an empty name, city or postal code never makes two leads candidates. A name
    in another script gives its keys in its own script and for its transliteration (so that
    ``ООО Медтехника`` and ``Medtekhnika LLC`` meet).

    Designed from the lead data (bench/leads_synth, bench/dedup_leads), each for a way a supplier's
    leads stay alike while other fields change: the same phone, e-mail address or company domain;
    the same name; name prefix within a postal code; the same address within a city (``addr``:
    another name spelling, a missing phone, other free-mail); the same name words in any order
    within a city, the city's name left out (``namecity``: "Shenzhen Anhua Medical" against "Anhua
    Medical (Shenzhen)");
    the same contact person under a name with the same start (``namecontact``). The compound keys
    are also the narrow forms of a popular name such as "pacific medical supply", whose own key
    holds more leads than a new lead is compared with (MAX_CANDIDATES_PER_KEY)."""
    keys = set()
    if record.get("phone"):
        keys.add("phone:" + record["phone"])
    if record.get("email"):
        keys.add("email:" + record["email"])
    for domain in (record.get("domains") or "").split():
        keys.add("domain:" + domain)
    name = (record.get("name") or "").strip()
    city = (record.get("city") or "").strip()
    contact = (record.get("contact") or "").strip()
    postal = (record.get("postal_code") or "").strip()
    if name:
        latin = transliterate(name)
        for form in dict.fromkeys((name, latin) if latin else (name,)):   # ordered, no repeat
            keys.add("name:" + form)
            if city:   # the city's own name inside the company name says nothing within that city
                words = set(form.split())
                keys.add(f"namecity:{city}|{' '.join(sorted(words - set(city.split()) or words))}")
            if contact:
                keys.add(f"namecontact:{contact}|{form[:4]}")
        if postal:
            keys.add(f"zipname:{postal}:{name[:4]}")
    address = _address_key(record.get("street"), city)
    if address:
        keys.add("addr:" + address)
    return {key[:160] for key in keys}


def capped_candidates(leads_by_key: Mapping[str, Sequence[int]], keys: Iterable[str], exclude: int | None = None,
                      cap: int = MAX_CANDIDATES_PER_KEY) -> Counter:
    """The candidate policy, on key -> lead ids in ascending order: per key the first ``cap`` ids
    other than ``exclude`` (the oldest leads), each counted once per key that brings it. The
    processing job runs the same policy as one SQL query (``services.processing.candidate_ids``;
    tests/services/test_processing.py checks the two agree); ``bench/dedup_leads`` runs this one."""
    found: Counter = Counter()
    for key in keys:
        found.update(itertools.islice((i for i in leads_by_key.get(key, ()) if i != exclude), cap))
    return found


def compare_candidates(record: Mapping[str, object],
                       candidates: Iterable[tuple[int, int | None, Mapping[str, object]]],
                       spec: MatchSpec = LEAD_MATCH_SPEC,
                       per_cluster: int = MAX_COMPARED_PER_CLUSTER,
                       shared_keys: Mapping[int, int] | None = None) -> tuple[dict[int, MatchResult], set[int]]:
    """Compare a new lead's ``record`` with the candidate leads found by blocking.

    ``candidates``: (lead id, cluster id or None, record) for each candidate; ``shared_keys``:
    how many blocking keys each candidate shares with the new lead (default 1 each). Within one
    existing cluster only ``per_cluster`` members are compared: a supplier with hundreds of leads
    is one cluster, and comparing with a few of its members decides as well as comparing with all
    of them. Those sharing the most keys come first (the supplier's lead from the new address, say,
    not its oldest five from the old one), then the oldest (ties broken by id: stable results).
    Returns ({lead id: MatchResult} for the pairs at or above REVIEW_PROBABILITY, the set of lead
    ids compared). The one place where the resolver decides whom to compare with; used by the
    processing job (``services.processing``) and by ``bench/dedup_leads``.
    """
    shared_keys = shared_keys or {}
    by_cluster: dict[object, list[tuple[int, Mapping[str, object]]]] = {}
    for lead_id, cluster_id, other in candidates:
        by_cluster.setdefault(cluster_id if cluster_id is not None else ("lead", lead_id), []).append((lead_id, other))
    matches: dict[int, MatchResult] = {}
    compared: set[int] = set()
    for members in by_cluster.values():
        members.sort(key=lambda m: (-shared_keys.get(m[0], 1), m[0]))
        for lead_id, other in members[:per_cluster]:
            compared.add(lead_id)
            result = spec.compare(record, other)
            if result.probability >= REVIEW_PROBABILITY:
                matches[lead_id] = result
    return matches, compared


# --- Clusters --------------------------------------------------------------------------------

class UnionFind:
    """Disjoint sets over hashable ids; the representative of a set is its smallest member."""

    def __init__(self, items: Iterable = ()) -> None:
        self.parent: dict = {}
        for item in items:
            self.parent.setdefault(item, item)

    def find(self, item):
        self.parent.setdefault(item, item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        keep, drop = (ra, rb) if ra <= rb else (rb, ra)
        self.parent[drop] = keep
        return keep

    def groups(self) -> dict:
        out: dict = {}
        for item in self.parent:
            out.setdefault(self.find(item), []).append(item)
        return out
