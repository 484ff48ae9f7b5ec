"""One rule for organisation names: when two names are the same organisation, when they are close
enough to ask, and when they are different (registration and the city's request import use it).

A hospital's name arrives written many ways: ``St. Vincent Medical Center``, ``Saint Vincent
Medical Center``, ``St Vincent Medical Ctr``, ``ST VINCENT MEDICAL CENTER, INC.``. They share one
``organisation_key``: folded (case, accents, punctuation; ``normalise.fold``), apostrophes dropped
(``Mary's`` = ``Marys``), legal forms removed (cleanco's terms, through ``normalise.company_name``;
bracketed parts are kept: ``(West Campus)`` names a different facility), and the abbreviations of
US health-care and public-service names expanded (``ABBREVIATIONS``; ``St`` is ``Saint`` except
as the last word, where it is ``Street``).

Names that differ after that are compared with RapidFuzz on their keys. ``CLOSE_SCORE`` or more
(token sort ratio), or one name's words all inside the other's (``County Fire Department`` and
``Los Angeles County Fire Department``), is *close*: a person must say whether it is the same
organisation. A close match is asked about, never silently twinned and never silently merged.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from .normalise import company_name, fold

# Common abbreviations in US facility and agency names (AHA hospital directory usage).
ABBREVIATIONS = {
    "ste": "saint", "ctr": "center", "cntr": "center", "centre": "center", "cent": "center",
    "hosp": "hospital", "hsp": "hospital", "med": "medical", "mem": "memorial", "meml": "memorial",
    "univ": "university", "u": "university", "dept": "department", "hlth": "health", "reg": "regional",
    "regl": "regional", "comm": "community", "cmty": "community", "gen": "general", "mt": "mount",
    "ft": "fort", "intl": "international", "natl": "national", "assn": "association",
    "assoc": "association", "svc": "services", "svcs": "services", "srvcs": "services",
    "sys": "system", "inst": "institute", "cnty": "county", "co": "county", "clin": "clinic",
    "rehab": "rehabilitation", "ctrs": "centers", "hosps": "hospitals", "fd": "fire department",
    "pd": "police department", "snf": "skilled nursing facility",
}
CLOSE_SCORE = 88
_APOSTROPHES = re.compile(r"['’ʼ`´]")


def organisation_key(name: str | None) -> str:
    """The comparable form of an organisation's name; ``''`` for a name with no letters or digits.

    ``'St. Vincent Medical Ctr'`` -> ``'saint vincent medical center'``;
    ``"St. Mary's Hospital (West Campus), Inc."`` -> ``'saint marys hospital west campus'``."""
    if not name:
        return ""
    text = _APOSTROPHES.sub("", name)
    text = text.replace("(", " ").replace(")", " ").replace("[", " ").replace("]", " ")
    words = (company_name(text) or fold(text)).split()
    expanded = []
    for index, word in enumerate(words):
        if word == "st":
            expanded.append("street" if index == len(words) - 1 and index > 0 else "saint")
        else:
            expanded.append(ABBREVIATIONS.get(word, word))
    return " ".join(expanded)


@dataclass(frozen=True)
class NameMatch:
    """An existing organisation compared with a new name: ``same`` (equal keys) or close (``score``,
    0-100, RapidFuzz token sort ratio on the keys; 100 when one name's words contain the other's)."""

    organisation_id: int
    name: str
    same: bool
    score: float


def compare_names(a: str | None, b: str | None) -> tuple[bool, float]:
    """``(same, score)`` for two organisation names: same when their keys are equal; score 0-100."""
    key_a, key_b = organisation_key(a), organisation_key(b)
    if not key_a or not key_b:
        return False, 0.0
    if key_a == key_b:
        return True, 100.0
    words_a, words_b = set(key_a.split()), set(key_b.split())
    if min(len(words_a), len(words_b)) >= 2 and (words_a <= words_b or words_b <= words_a):
        return False, 100.0
    return False, fuzz.token_sort_ratio(key_a, key_b)


def matching_organisations(name: str, existing: Iterable[tuple[int, str]]) -> list[NameMatch]:
    """The organisations among ``existing`` (``(id, name)`` pairs) that are the same as ``name`` or
    close to it, the same ones first, then by falling score. An empty list: a new organisation."""
    found = []
    for organisation_id, other in existing:
        same, score = compare_names(name, other)
        if same or score >= CLOSE_SCORE:
            found.append(NameMatch(organisation_id, other, same, score))
    return sorted(found, key=lambda m: (not m.same, -m.score, m.organisation_id))
