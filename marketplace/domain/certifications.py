"""Certification claims: read as the agencies print them, then checked against their registries.

One parser (``parse_claims``) turns free text into structured claims (scheme, number), using the
schemes in ``reference_data.json`` ("certification_schemes": a pattern and the canonical form for
each: NIOSH approvals, FDA 510(k) numbers, GB 2626, ASTM F2100, AAMI PB70, ASTM D6319). The same
data gives each product category its accepted schemes and the example shown in the lead form
(``certification_hint``), so the hint always passes its own rule.

``check_claims`` compares a lead's claims with the registries (see ``registries``) and returns
findings (code, weight, params, evidence) that scoring turns into signals; the words are
``messages.SIGNALS``. Evidence is a dict:
``registry`` (title), ``as_of`` (date of our copy), ``source``, ``rows`` (the matching registry
rows as column -> value) and optionally ``note``.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from .catalog import PRODUCT_CATEGORIES, label
from .i18n import N_, _
from .normalise import company_name, fold
from .reference import reference_json

if TYPE_CHECKING:  # pragma: no cover
    from .registries import Registries

NAME_MATCH = 88  # RapidFuzz token_sort_ratio on normalised company names: the same company
MAX_EVIDENCE_ROWS = 6
RESPIRATORS = ("n95_respirator", "kn95_respirator")




@dataclass(frozen=True)
class Claim:
    scheme: str     # key of "certification_schemes", e.g. "niosh"
    number: str     # canonical form, e.g. "TC-84A-0006", "K202354", "ASTM F2100 level 2"
    text: str       # as typed

    @property
    def label(self) -> str:
        return reference_json()["certification_schemes"][self.scheme]["label"]


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, re.Pattern, dict], ...]:
    return tuple((name, re.compile(scheme["pattern"], re.IGNORECASE), scheme)
                 for name, scheme in reference_json()["certification_schemes"].items())


# Characters typed or pasted for the hyphen of "TC-84A-0006": the Unicode dash punctuation (hyphen,
# non-breaking hyphen, figure/en/em dash, horizontal bar, small and full-width hyphen-minus, wave
# dash; general category Pd), the minus sign, and the prolonged-sound mark that a Japanese input
# method types for "-" in kana mode (ー, half-width ｰ).
_DASH_EXTRA = "\u2212\u02d7\u2796\u30fc\uff70"


@lru_cache(maxsize=2048)
def _plain_char(char: str) -> str:
    if unicodedata.category(char) == "Pd" or char in _DASH_EXTRA:
        return "-"
    return unicodedata.normalize("NFKC", char)


def plain_text(text: str | None) -> str:
    """Text as the claim and model patterns read it: each character in its compatibility form
    (NFKC: full-width ``ＴＣ８４Ａ`` -> ``TC84A``, ideographic space -> space) and every dash of the
    family to ``-`` (``TC–84A−0006``, ``ＴＣ－８４Ａ－０００６`` -> ``TC-84A-0006``). Nothing else changes."""
    return "".join(_plain_char(c) for c in text) if text else ""


def _plain_with_positions(text: str) -> tuple[str, list[int]]:
    """``plain_text(text)`` and, for each of its positions (and its end), the position in ``text``
    it came from, so that a claim keeps the text as typed."""
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        plain = _plain_char(char)
        out.append(plain)
        origin.extend([i] * len(plain))
    origin.append(len(text))
    return "".join(out), origin


def parse_claims(text: str | None) -> list[Claim]:
    """Every claim found in ``text``, in order, without repeats:
    'NIOSH TC 84A-0006 / K 202354' -> [Claim('niosh', 'TC-84A-0006', ...), Claim('fda_510k', 'K202354', ...)].
    The text is read through ``plain_text`` (full-width characters, every kind of dash), so
    'ＴＣ－８４Ａ－０００６' typed with a Chinese keyboard is TC-84A-0006; ``Claim.text`` stays as typed."""
    plain, origin = _plain_with_positions(text or "")
    found: list[tuple[int, Claim]] = []
    seen = set()
    for name, pattern, scheme in _compiled():
        for match in pattern.finditer(plain):
            groups = {k: v for k, v in match.groupdict().items() if v}
            canonical = scheme["canonical"].format(**groups)
            for group, suffix in scheme.get("optional", {}).items():
                if group in groups:
                    canonical += suffix.format(**groups)
            if (name, canonical) not in seen:
                seen.add((name, canonical))
                typed = (text or "")[origin[match.start()]:origin[match.end()]]
                found.append((match.start(), Claim(name, canonical, typed.strip())))
    return [claim for _start, claim in sorted(found, key=lambda f: f[0])]


def certification_hint() -> str:
    """The lead form's hint, from the same rules scoring uses, in the current language: 'For example N95
    respirator: NIOSH TC-84A-0006; ...'."""
    rules = reference_json()["certifications"]
    return _("For example {examples}.").format(examples="; ".join(
        f"{label(PRODUCT_CATEGORIES, category)}: {rule['example']}" for category, rule in rules.items()))


@dataclass(frozen=True)
class Finding:
    code: str
    weight: int
    params: dict = field(hash=False)   # plain values: registry numbers, names, models, dates, counts
    evidence: dict | None = field(default=None, hash=False)


# ---- helpers ----------------------------------------------------------------------------------

# The notes under a registry's evidence, stored in English with their values ("note",
# "note_values") and worded for the reader by ``evidence_note``.
EVIDENCE_NOTES = (N_("No row for {number}."), N_("Sequence 0000 is never issued."),
                  N_("No row for {number}; our copy holds product codes {product_codes} only."))


def _evidence(registries: Registries, kind: str, rows: list[dict], note: str | None = None,
              **note_values: str) -> dict:
    evidence = {**registries.about(kind), "version": registries.version, "rows": rows[:MAX_EVIDENCE_ROWS]}
    if len(rows) > MAX_EVIDENCE_ROWS:
        evidence["more_rows"] = len(rows) - MAX_EVIDENCE_ROWS
    if note:
        evidence["note"] = note
        if note_values:
            evidence["note_values"] = note_values
    return evidence


def evidence_note(evidence: dict) -> str:
    """The note under a registry's evidence in the current language ("No row for TC-84A-9999." /
    "No hay ninguna fila para TC-84A-9999."); a note stored before notes kept their values (already
    worded in English), as stored; "" for none."""
    note = evidence.get("note") or ""
    if note not in EVIDENCE_NOTES:
        return note
    return _(note).format(**evidence.get("note_values", {}))


def _names_match(core: str, others: list[str]) -> tuple[str, float] | None:
    if not core:
        return None
    best = process.extractOne(core, others, scorer=fuzz.token_sort_ratio, score_cutoff=NAME_MATCH)
    return (best[0], best[1]) if best else None


def _mentions(core: str, folded_text: str) -> bool:
    """Whether a normalised name appears as whole words in the folded text."""
    return len(core) >= 2 and core in folded_text and re.search(rf"(?<![0-9a-z]){re.escape(core)}(?![0-9a-z])", folded_text) is not None


@dataclass
class _Lead:
    category: str
    company: str        # normalised company name
    company_raw: str
    text: str           # folded product description + notes + company name
    models: set         # model-like tokens of the product description and notes
    supplier_type: str

    @classmethod
    def of(cls, category: str, lead: Mapping, claims: list[Claim]) -> _Lead:
        described = " ".join(str(lead.get(k) or "") for k in ("product_description", "notes"))
        claimed = {re.sub(r"\W", "", plain_text(c.text).upper()) for c in claims} | {
            re.sub(r"\W", "", c.number.upper()) for c in claims}
        models = {t for t in model_tokens(described) if t not in claimed and not any(t in c for c in claimed)}
        raw = str(lead.get("company_name") or "")
        return cls(category, company_name(raw), raw, fold(f"{raw} {described}"), models,
                   str(lead.get("supplier_type") or ""))


# ---- the checks -------------------------------------------------------------------------------

def check_claims(category: str, claims: list[Claim], lead: Mapping, registries: Registries,
                 ref: dict) -> list[Finding]:
    """Registry findings for a lead's claims (``lead``: CSV field names; company_name,
    product_description, notes and supplier_type are used)."""
    who = _Lead.of(category, lead, claims)
    findings: list[Finding] = []
    numbers = [c.number for c in claims if c.scheme == "niosh"]
    for number in numbers:
        findings += _niosh(number, who, registries, ref)
    findings += _watchlist(numbers, who, registries, ref)
    if category in RESPIRATORS and (category == "kn95_respirator" or any(c.scheme == "gb2626" for c in claims)
                                    or "kn95" in who.text.split()):
        findings += _eua(who, registries, ref)
    for claim in claims:
        if claim.scheme == "fda_510k":
            findings += _k510(claim.number, who, registries, ref)
    return findings


def _niosh(number: str, who: _Lead, registries: Registries, ref: dict) -> list[Finding]:
    weights = ref["registry_weights"]
    about = registries.manifest["niosh"]
    entries = registries.niosh.get(number)
    if not entries:
        note = "Sequence 0000 is never issued." if number.endswith("-0000") else "No row for {number}."
        return [Finding("niosh_unknown", weights["niosh_unknown"],
                        {"number": number, "listed_count": len(registries.niosh), "as_of": about["as_of"]},
                        _evidence(registries, "niosh", [], note, number=number))]
    holders = sorted({e.holder for e in entries})
    rows = [e.evidence() for e in entries]
    findings = []
    # The model: does the description name one of this approval's models, or one of another's?
    own_models = set().union(*(e.tokens for e in entries))
    matched_models = sorted(who.models & own_models) or sorted(
        m for m in who.models if len(m) >= 5 and process.extractOne(m, own_models, scorer=fuzz.ratio, score_cutoff=90))
    elsewhere = {m: sorted(registries.niosh_by_model[m]) for m in who.models - own_models
                 if m in registries.niosh_by_model}
    # The holder: the company itself, or a holder named in the description.
    holder_cores = [e.core for e in entries]
    by_company = _names_match(who.company, holder_cores)
    named = [e.holder for e in entries if _mentions(e.core, who.text)]
    holder_ok = by_company is not None or bool(named)
    # The rows that concern this lead first (its holder, a named holder, its model): a number may
    # have dozens of holders and the evidence shows a few.
    relevant = [e for e in entries if (by_company and e.core == by_company[0]) or e.holder in named
                or e.tokens & set(matched_models)]
    rows = [e.evidence() for e in relevant] + [e.evidence() for e in entries if e not in relevant]

    if not matched_models and elsewhere:
        model, others = next(iter(sorted(elsewhere.items())))
        other_rows = [e.evidence() for n in others for e in registries.niosh[n] if model in e.tokens]
        findings.append(Finding(
            "niosh_model_mismatch", ref["registry_weights"]["niosh_model_mismatch"],
            {"model": model, "listed_under": list(others), "listed_holders": sorted({r["holder"] for r in other_rows}),
             "number": number, "models": sorted({m for e in entries for m in e.models.split("|") if m})},
            _evidence(registries, "niosh", other_rows[:3] + rows[:3])))
    if not holder_ok and who.supplier_type == "manufacturer":
        findings.append(Finding(
            "niosh_holder_mismatch", weights["niosh_holder_mismatch"],
            {"company": who.company_raw[:60], "as_of": about["as_of"], "number": number, "holders": holders},
            _evidence(registries, "niosh", rows)))
    if findings:
        return findings
    # Consistent (or nothing to compare): say what the registry shows.
    params = {"number": number, "as_of": about["as_of"], "holders": holders, "models": matched_models,
              "company": who.company_raw[:60], "holder": None, "named": sorted(set(named)), "model_holders": []}
    if by_company:
        params.update(basis="company", holder=next(e.holder for e in entries if e.core == by_company[0]))
    elif named:
        params.update(basis="named")
    elif matched_models:
        params.update(basis="model", model_holders=sorted({e.holder for e in entries if e.tokens & set(matched_models)}))
    else:
        params.update(basis="none")
    return [Finding("niosh_listed", 0, params, _evidence(registries, "niosh", rows))]


def _watchlist(numbers: list[str], who: _Lead, registries: Registries, ref: dict) -> list[Finding]:
    findings = []
    for entry in registries.watchlist:
        number_hit = bool(entry.numbers & set(numbers))
        model_hit = bool(entry.tokens & who.models)
        by_company = any(_names_match(who.company, [core]) for core in entry.brand_cores)
        by_text = any(len(core) >= 3 and _mentions(core, who.text) for core in entry.brand_cores)
        evidence = _evidence(registries, "watchlist", [entry.evidence()])
        if entry.brand_is_holder:
            # A notice about a real holder's products (counterfeits of genuine models, versions not
            # covered): a caution to check, not an accusation of this seller.
            if (number_hit or not entry.numbers) and (model_hit or (by_text and not entry.tokens)):
                findings.append(Finding(
                    "watchlist_caution", 0,
                    {"names": list(entry.names), "model": entry.model or None, "what": entry.what},
                    evidence))
        elif by_company or (by_text and (number_hit or model_hit or who.category in RESPIRATORS)) or (
                model_hit and number_hit):
            findings.append(Finding(
                "watchlist", ref["registry_weights"]["watchlist"],
                {"names": list(entry.names), "what": entry.what, "numbers": sorted(entry.numbers)},
                evidence))
    return findings


def _eua(who: _Lead, registries: Registries, ref: dict) -> list[Finding]:
    """The maker against FDA's Appendix A and its removals: a model named in the description decides
    first (a maker may have one model removed and another kept), then the maker's name."""
    about = registries.manifest["eua"]
    removed_list = [e for e in registries.eua if e.list == "removed_from_appendix_a"]
    listed_list = [e for e in registries.eua if e.list != "removed_from_appendix_a"]
    listed_models = set().union(*(e.tokens for e in listed_list))

    def by_name(entries):
        hits = {index for _match, _score, index in process.extract(
            who.company, [e.core for e in entries], scorer=fuzz.token_sort_ratio, score_cutoff=NAME_MATCH,
            limit=None)} if who.company else set()
        return [e for i, e in enumerate(entries) if i in hits or (len(e.core) >= 4 and _mentions(e.core, who.text))]

    removed_by_model = [e for e in removed_list if (e.tokens & who.models) - listed_models]
    listed_by_model = [e for e in listed_list if e.tokens & who.models]
    removed_by_name, listed_by_name = by_name(removed_list), by_name(listed_list)
    removed = removed_by_model or ([] if listed_by_model or listed_by_name else removed_by_name)
    if removed:
        entry = removed[0]
        return [Finding(
            "eua_removed", ref["registry_weights"]["eua_removed"],
            {"manufacturer": entry.manufacturer, "models": entry.models or None, "date_removed": entry.date_removed},
            _evidence(registries, "eua", [e.evidence() for e in removed + listed_by_name]))]
    listed = listed_by_model or listed_by_name
    if listed:
        return [Finding("eua_listed", 0,
                        {"makers": sorted({e.manufacturer for e in listed}), "as_of": about["as_of"],
                         "removed_models": sorted({e.models for e in removed_by_name}),
                         "removed_on": removed_by_name[0].date_removed if removed_by_name else None},
                        _evidence(registries, "eua", [e.evidence() for e in listed + removed_by_name]))]
    if who.category == "kn95_respirator":
        return [Finding("eua_unlisted", 0, {"as_of": about["as_of"]},
                        _evidence(registries, "eua", [], "No maker matched the company name or description."))]
    return []


def _k510(number: str, who: _Lead, registries: Registries, ref: dict) -> list[Finding]:
    weights = ref["registry_weights"]
    expected = ref["certifications"].get(who.category, {}).get("product_codes", [])
    about = registries.manifest["k510"]
    entry = registries.k510.get(number)
    covered = sorted(registries.k510_product_codes)
    if entry is None:
        evidence = _evidence(registries, "k510", [], "No row for {number}; our copy holds product codes "
                             "{product_codes} only.", number=number, product_codes=", ".join(covered))
        if set(expected) & set(covered):
            return [Finding("k510_unknown", weights["k510_unknown"],
                            {"number": number, "count": len(registries.k510), "product_codes": covered,
                             "as_of": about["as_of"]}, evidence)]
        return [Finding("k510_not_covered", 0, {"number": number, "product_codes": covered}, evidence)]
    cleared = {"number": number, "device": entry.device[:80], "product_code": entry.product_code,
               "applicant": entry.applicant, "decision_date": entry.decision_date}
    if expected and entry.product_code not in expected:
        return [Finding("k510_other_product", weights["k510_other_product"], {**cleared, "category": who.category},
                        _evidence(registries, "k510", [entry.evidence()]))]
    return [Finding("k510_listed", 0, cleared, _evidence(registries, "k510", [entry.evidence()]))]


# --- Model numbers (also read by the registries) ----------------------------------------------

# Words printed on nearly every respirator: never evidence of one model.
GENERIC_MODEL_TOKENS = frozenset("""
N95 KN95 KN90 KN100 N99 N100 R95 P95 P99 P100 FFP1 FFP2 FFP3 KF94 KF80 KF99 2626 2006 2019 2020 2021
F2100 D6319 PB70 510K 3PLY 4PLY 5PLY
""".split())
_TOKEN_SPLIT = re.compile(r"[\s,;/|()\[\]{}:+]+")
_QUANTITY = re.compile(r"(?<![\w-])(?:\d{1,3}(?:[,.' ]\d{3})+|\d+)\s*(?:x\s*)?(?:pcs|pieces?|boxe?s?|units?|per|ct|"
                       r"count|cartons?|ctns?|pairs?|packs?|cases?|pallets?|million|k\b|each|ea\b|layers?|ply)\b",
                       re.IGNORECASE)
_COUNT = re.compile(r"\d+(PCS|PC|PIECES|BOX|BOXES|CT|ML|MM|LAYERS?|PLY|PACK|UNITS?)")


def model_tokens(text: str | None) -> set[str]:
    """The model-like tokens of a text: upper case, with a digit, at least 3 characters, hyphens and
    dots dropped ("DTC3M-1 (FDA)" -> {"DTC3M1"}; "N95 model 1860" -> {"1860"}), read like the claims
    (``certifications.plain_text``: full-width ``１８６０`` is 1860). Generic words
    (N95, KN95, FFP2, GB 2626 ...) are left out."""
    tokens = set()
    text = _QUANTITY.sub(" ", plain_text(text))
    for raw in _TOKEN_SPLIT.split(text.upper()):
        token = raw.replace("-", "").replace(".", "").replace("_", "")
        if len(token) < 3 or not any(c.isdigit() for c in token) or token in GENERIC_MODEL_TOKENS:
            continue
        if _COUNT.fullmatch(token) or (token.isdigit() and len(token) < 4):
            continue  # "50PCS", "100": counts, not models
        tokens.add(token)
    return tokens
