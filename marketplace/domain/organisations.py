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

from .i18n import _
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


@dataclass(frozen=True)
class KnownOrganisation:
    """An organisation the name may refer to: its id, name, and whether an admin (or the city's
    own import) has verified it."""

    id: int
    name: str
    verified: bool


@dataclass(frozen=True)
class ImportTarget:
    """Where a request row of the city's import goes: ``organisation_id`` (an existing verified
    organisation), ``create`` (a new verified organisation of that name), or ``refused`` (the row's
    message)."""

    organisation_id: int | None = None
    create: bool = False
    refused: str | None = None


def import_target(name: str, known: Iterable[KnownOrganisation], *, new_organisation: bool = False) -> ImportTarget:
    """Decide which organisation a request row named ``name`` belongs to (the city's import).

    - The same organisation (``organisation_key``), verified: attach to it. Several verified twins
      are refused unless one has exactly this name (letter case aside).
    - The same organisation, only unverified: refused. A self-registered account is never handed a
      hospital's requests by an import: an admin verifies it first (or it is a squatter).
    - Close to one or more (``matching_organisations``): refused with their names, unless the row
      says ``new_organisation`` (a different organisation with a similar name).
    - Otherwise (or close and ``new_organisation``): create it, verified by the import."""
    known = list(known)
    by_id = {k.id: k for k in known}
    matches = matching_organisations(name, [(k.id, k.name) for k in known])
    same = [by_id[m.organisation_id] for m in matches if m.same]
    if same:
        verified = [k for k in same if k.verified]
        exact = [k for k in verified if k.name.casefold() == name.strip().casefold()]
        if len(verified) == 1 or len(exact) == 1:
            return ImportTarget(organisation_id=(exact or verified)[0].id)
        if verified:
            names = "; ".join(f"“{k.name}”" for k in verified)
            return ImportTarget(refused=_("“{name}” matches several verified organisations ({names}): write "
                                          "one of those names exactly").format(name=name, names=names))
        return ImportTarget(refused=_("“{name}” is the name of an account that registered itself and is not "
                                      "verified yet: an admin must verify it (Admin, Organisations) before "
                                      "requests are imported for it").format(name=name))
    if matches and not new_organisation:
        names = "; ".join(f"“{by_id[m.organisation_id].name}”" for m in matches[:3])
        return ImportTarget(refused=_("“{name}” is close to {names}: write the existing name exactly if it is "
                                      "the same organisation, or put yes in the new_organisation column if it "
                                      "is a different one").format(name=name, names=names))
    return ImportTarget(create=True)


# --- registration: a name already taken asks to join ---------------------------------------------

JOIN_PENDING, JOIN_APPROVED, JOIN_REFUSED = "pending", "approved", "refused"
JOIN_STATUSES: tuple[tuple[str, str], ...] = (
    (JOIN_PENDING, "Waiting for approval"), (JOIN_APPROVED, "Approved"), (JOIN_REFUSED, "Refused"))


def registration_target(name: str, known: Iterable[KnownOrganisation]) -> KnownOrganisation | None:
    """The organisation a person registering with ``name`` asks to join, or None: a new one.

    The same rule as the import (``matching_organisations``): the same organisation or a close
    name is never a twin. Among the same ones a verified organisation comes first (then the
    oldest, the lowest id); otherwise the closest name. Verified or not: an exact match to an
    unverified organisation is a join request as well (its first member approves, or the city)."""
    known = list(known)
    by_id = {k.id: k for k in known}
    matches = matching_organisations(name, [(k.id, k.name) for k in known])
    if not matches:
        return None
    same = [by_id[m.organisation_id] for m in matches if m.same]
    if same:
        return sorted(same, key=lambda k: (not k.verified, k.id))[0]
    closest = sorted(matches, key=lambda m: (-m.score, not by_id[m.organisation_id].verified, m.organisation_id))
    return by_id[closest[0].organisation_id]
