"""The regulators' registries that certification claims are checked against, as versioned data.

Four tables, each a CSV file with a fixed header (the agencies' own columns):

* ``niosh``: NIOSH-approved N95 filtering facepiece respirators: ``tc_number, approval_holder,
  models, exhalation_valve``; one approval number often has many (private-label) holders, models
  are separated by ``|``.
* ``watchlist``: respirators CDC/NIOSH named as counterfeit or misrepresented: ``name_or_brand_used,
  model, tc_number_used, real_holder_of_tc, what, source``.
* ``eua``: FDA emergency use authorisation of imported respirators: ``list, date_removed,
  manufacturer, models, country``; ``list`` is one of ``appendix_a_china``,
  ``removed_from_appendix_a``, ``exhibit_1_imported``; ``date_removed`` is MM/DD/YYYY.
* ``k510``: FDA 510(k) clearances: ``k_number, applicant, device_name, product_code,
  decision_date, decision_code, country_code`` (openFDA's columns; decision_date YYYY-MM-DD).

The seed copies (November 2020) ship in ``registry_data/`` with ``manifest.json`` (title, source and
as-of date of each table). Staff install newer copies with ``flask registries refresh``: they are
validated whole (any bad row refuses the whole refresh), written to a new directory under the
configured registry folder, and made current by replacing ``current.json`` atomically. Every
process sees the new version at its next lead (one ``stat`` per lookup; the tables themselves are
parsed once per version and cached). The version is a digest of the four files' contents: it is
part of the scoring reference version, so that a refresh re-scores every lead (the sweeper).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .certifications import GENERIC_MODEL_TOKENS, model_tokens, parse_claims
from .i18n import N_, _
from .normalise import company_name

KINDS = ("niosh", "watchlist", "eua", "k510")
COLUMNS = {
    "niosh": ("tc_number", "approval_holder", "models", "exhalation_valve"),
    "watchlist": ("name_or_brand_used", "model", "tc_number_used", "real_holder_of_tc", "what", "source"),
    "eua": ("list", "date_removed", "manufacturer", "models", "country"),
    "k510": ("k_number", "applicant", "device_name", "product_code", "decision_date", "decision_code",
             "country_code"),
}
# The registries' titles and the names of their evidence columns, stored in English in a signal's
# evidence and worded for the reader when shown (``shown``): marked here for the catalogue.
TITLES = {
    "niosh": N_("NIOSH N95 approvals"),
    "watchlist": N_("CDC/NIOSH counterfeit and misrepresentation notices"),
    "eua": N_("FDA emergency-use authorisation of imported respirators (Appendix A)"),
    "k510": N_("FDA 510(k) clearances"),
}
EUA_LISTS = {"appendix_a_china": N_("Appendix A"), "removed_from_appendix_a": N_("removed from Appendix A"),
             "exhibit_1_imported": N_("Exhibit 1")}
EVIDENCE_COLUMNS = (N_("approval"), N_("holder"), N_("models"), N_("exhalation valve"), N_("name or brand used"),
                    N_("model"), N_("approval number used"), N_("real holder"), N_("what"), N_("source"),
                    N_("list"), N_("manufacturer"), N_("country"), N_("removed on"), N_("applicant"),
                    N_("device"), N_("product code"), N_("decision date"))
_SHOWN = frozenset((*TITLES.values(), *EUA_LISTS.values(), *EVIDENCE_COLUMNS))


def shown(text: str) -> str:
    """A registry title, list name or evidence column stored in English, in the reader's language
    (anything else, such as a registry's own value, as stored)."""
    return _(text) if text in _SHOWN else text
MAX_FILE_BYTES = 20 * 1024 * 1024
SHIPPED = "registry_data"
CURRENT = "current.json"

class RegistryError(ValueError):
    """A registry file that cannot be used: ``problems`` holds one line per reason."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
        self.problems = problems


def name_pattern(core: str) -> re.Pattern | None:
    """A whole-word pattern for a normalised name, or None when it is too short to be evidence."""
    if len(core) < 2:
        return None
    return re.compile(rf"(?<![0-9a-z]){re.escape(core)}(?![0-9a-z])")


@dataclass(frozen=True)
class NioshEntry:
    number: str
    holder: str
    models: str
    valve: str
    row: int
    core: str
    tokens: frozenset

    def evidence(self) -> dict:
        return {"approval": self.number, "holder": self.holder, "models": self.models.replace("|", ", ") or "—",
                "exhalation valve": self.valve}


@dataclass(frozen=True)
class WatchEntry:
    names: tuple[str, ...]
    brand_cores: tuple[str, ...]
    model: str
    numbers: frozenset
    real_holder: str
    what: str
    source: str
    tokens: frozenset
    brand_is_holder: bool

    def evidence(self) -> dict:
        return {"name or brand used": " / ".join(self.names), "model": self.model or "—",
                "approval number used": ", ".join(sorted(self.numbers)) or "—",
                "real holder": self.real_holder or "—", "what": self.what, "source": self.source}


@dataclass(frozen=True)
class EuaEntry:
    list: str
    date_removed: str | None  # ISO date
    manufacturer: str
    models: str
    country: str
    core: str
    tokens: frozenset

    def evidence(self) -> dict:
        return {"list": EUA_LISTS[self.list], "manufacturer": self.manufacturer, "models": self.models or "—",
                "country": self.country, "removed on": self.date_removed or "—"}


@dataclass(frozen=True)
class K510Entry:
    number: str
    applicant: str
    device: str
    product_code: str
    decision_date: str

    def evidence(self) -> dict:
        return {"510(k)": self.number, "applicant": self.applicant, "device": self.device,
                "product code": self.product_code, "decision date": self.decision_date}


@dataclass
class Registries:
    """Parsed registries with their lookups (dicts by number). ``manifest[kind]`` holds ``title``,
    ``source``, ``as_of`` (ISO date or month) and ``rows``; ``notes`` lists rows skipped on loading."""
    version: str
    manifest: dict
    niosh: dict[str, list[NioshEntry]]
    niosh_by_model: dict[str, set[str]]
    watchlist: list[WatchEntry]
    eua: list[EuaEntry]
    k510: dict[str, K510Entry]
    notes: list[str] = field(default_factory=list)

    @property
    def k510_product_codes(self) -> frozenset:
        return frozenset(e.product_code for e in self.k510.values())

    def about(self, kind: str) -> dict:
        info = self.manifest[kind]
        return {"registry": info["title"], "as_of": info["as_of"], "source": info["source"]}

    def __hash__(self) -> int:  # cached by identity (one object per version)
        return id(self)


# ---- reading and validating -------------------------------------------------------------------

def _rows(kind: str, text: str, problems: list[str]) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(h.strip() for h in (reader.fieldnames or ()))
    missing = [c for c in COLUMNS[kind] if c not in header]
    if missing:
        problems.append(f"{kind}: the header lacks {', '.join(missing)} (expected: {', '.join(COLUMNS[kind])})")
        return []
    rows = []
    for row in reader:
        if None in row:
            problems.append(f"{kind} row {reader.line_num}: more cells than the header has")
            continue
        rows.append((reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items()}))
    if not rows:
        problems.append(f"{kind}: no rows")
    return rows


def _one_number(scheme: str, text: str) -> str | None:
    claims = [c for c in parse_claims(text) if c.scheme == scheme]
    return claims[0].number if len(claims) == 1 else None


def _iso_date(text: str, formats: tuple[str, ...]) -> str | None:
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            pass
    return None


def parse_tables(texts: dict[str, str], manifest: dict) -> Registries:
    """Validate and index the four tables (``texts[kind]`` is the CSV text). Raises RegistryError
    listing every bad row ("niosh row 7: tc_number: 'TC-84B-12' is not a NIOSH approval number
    (TC-84A-NNNN)"); a NIOSH placeholder number (sequence 0000, never issued) is skipped with a note."""
    problems: list[str] = []
    notes: list[str] = []
    for kind in KINDS:
        if kind not in texts:
            problems.append(f"{kind}: file missing")
    if problems:
        raise RegistryError(problems)

    niosh: dict[str, list[NioshEntry]] = defaultdict(list)
    by_model: dict[str, set[str]] = defaultdict(set)
    for line, row in _rows("niosh", texts["niosh"], problems):
        number = _one_number("niosh", row["tc_number"])
        if not number:
            problems.append(f"niosh row {line}: tc_number: '{row['tc_number'][:40]}' is not a NIOSH approval "
                            "number (TC-84A-NNNN)")
            continue
        if not row["approval_holder"]:
            problems.append(f"niosh row {line}: approval_holder: empty")
            continue
        if number.endswith("-0000"):
            notes.append(f"niosh row {line}: {number} ({row['approval_holder']}) skipped: sequence 0000 is a "
                         "placeholder, never an issued approval")
            continue
        tokens = frozenset(t for m in row["models"].split("|") for t in model_tokens(m))
        niosh[number].append(NioshEntry(number, row["approval_holder"], row["models"], row["exhalation_valve"],
                                        line, company_name(row["approval_holder"]), tokens))
        for token in tokens:
            by_model[token].add(number)

    watchlist = []
    for line, row in _rows("watchlist", texts["watchlist"], problems):
        if not row["name_or_brand_used"]:
            problems.append(f"watchlist row {line}: name_or_brand_used: empty")
            continue
        numbers = set()
        for part in re.split(r"\s*/\s*|\s*,\s*", row["tc_number_used"]):
            if part:
                number = _one_number("niosh", part)
                if not number:
                    problems.append(f"watchlist row {line}: tc_number_used: '{part[:40]}' is not a NIOSH approval "
                                    "number (TC-84A-NNNN)")
                    break
                numbers.add(number)
        names = _watch_names(row["name_or_brand_used"])
        cores = tuple(c for c in (company_name(n) for n in names) if c)
        holder_core = company_name(row["real_holder_of_tc"])
        brand_is_holder = bool(holder_core) and any(
            name_pattern(c) and name_pattern(c).search(holder_core) for c in cores)
        watchlist.append(WatchEntry(tuple(names), cores, row["model"], frozenset(numbers), row["real_holder_of_tc"],
                                    row["what"], row["source"], frozenset(model_tokens(row["model"])),
                                    brand_is_holder))

    eua = []
    for line, row in _rows("eua", texts["eua"], problems):
        if row["list"] not in EUA_LISTS:
            problems.append(f"eua row {line}: list: '{row['list'][:40]}' is not one of {', '.join(EUA_LISTS)}")
            continue
        if not row["manufacturer"]:
            problems.append(f"eua row {line}: manufacturer: empty")
            continue
        removed = None
        if row["date_removed"]:
            removed = _iso_date(row["date_removed"], ("%m/%d/%Y", "%Y-%m-%d"))
            if not removed:
                problems.append(f"eua row {line}: date_removed: '{row['date_removed'][:20]}' is not a date "
                                "(MM/DD/YYYY)")
                continue
        elif row["list"] == "removed_from_appendix_a":
            problems.append(f"eua row {line}: date_removed: empty for a removed maker")
            continue
        eua.append(EuaEntry(row["list"], removed, row["manufacturer"], row["models"], row["country"],
                            company_name(_strip_aka(row["manufacturer"])), frozenset(model_tokens(row["models"]))))

    k510 = {}
    for line, row in _rows("k510", texts["k510"], problems):
        number = _one_number("fda_510k", row["k_number"])
        if not number or not re.fullmatch(r"K\d{6}", row["k_number"].upper().replace(" ", "")):
            problems.append(f"k510 row {line}: k_number: '{row['k_number'][:20]}' is not a 510(k) number (K + 6 digits)")
            continue
        if not re.fullmatch(r"[A-Z]{3}", row["product_code"]):
            problems.append(f"k510 row {line}: product_code: '{row['product_code'][:20]}' is not an FDA product "
                            "code (3 letters)")
            continue
        decided = _iso_date(row["decision_date"], ("%Y-%m-%d", "%Y%m%d"))
        if not decided:
            problems.append(f"k510 row {line}: decision_date: '{row['decision_date'][:20]}' is not a date (YYYY-MM-DD)")
            continue
        if number in k510:
            problems.append(f"k510 row {line}: k_number: {number} appears twice")
            continue
        k510[number] = K510Entry(number, row["applicant"], row["device_name"], row["product_code"], decided)

    if problems:
        raise RegistryError(problems)
    digest = hashlib.sha256()
    for kind in KINDS:
        digest.update(kind.encode() + b"\0" + texts[kind].encode("utf-8") + b"\0")
    latest = max(str(manifest[k]["as_of"]) for k in KINDS)
    version = f"{latest.replace('-', '')[:8]}-{digest.hexdigest()[:6]}"
    manifest = {k: {**manifest[k], "rows": count} for k, count in
                (("niosh", sum(map(len, niosh.values()))), ("watchlist", len(watchlist)), ("eua", len(eua)),
                 ("k510", len(k510)))}
    return Registries(version, manifest, dict(niosh), dict(by_model), watchlist, eua, k510, notes)


def _watch_names(text: str) -> list[str]:
    """'Chengde Technology Co., Ltd. (Gosbuy KN95)' -> ['Chengde Technology Co., Ltd.', 'Gosbuy'];
    '3M (counterfeit)' -> ['3M']."""
    names = []
    for part in re.split(r"\s*/\s*|\(([^)]*)\)", text):
        if not part:
            continue
        part = " ".join(w for w in part.split() if w.upper() not in GENERIC_MODEL_TOKENS
                        and w.lower() not in {"counterfeit", "counterfeits"})
        if part.strip(" ,"):
            names.append(part.strip(" ,"))
    return names


def _strip_aka(name: str) -> str:
    return re.sub(r"\s*\((aka|a\.k\.a\.|formerly)[^)]*\)", "", name, flags=re.IGNORECASE)


# ---- where the current version lives ----------------------------------------------------------

_folder: str | None = None


def configure(folder: str | None) -> None:
    """Set the folder that refreshed registries are installed in (the app's REGISTRY_FOLDER);
    None: only the copies shipped in the package."""
    global _folder
    _folder = folder


def _shipped_texts() -> tuple[dict[str, str], dict]:
    base = resources.files(__package__).joinpath(SHIPPED)
    manifest = json.loads(base.joinpath("manifest.json").read_text(encoding="utf-8"))
    return {k: base.joinpath(manifest[k]["file"]).read_text(encoding="utf-8") for k in KINDS}, manifest


@lru_cache(maxsize=1)
def shipped() -> Registries:
    texts, manifest = _shipped_texts()
    return parse_tables(texts, manifest)


@lru_cache(maxsize=4)
def _installed(path: str, mtime_ns: int, size: int) -> Registries:
    pointer = json.loads(Path(path).read_text(encoding="utf-8"))
    directory = Path(path).parent / pointer["directory"]
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    texts = {k: (directory / manifest[k]["file"]).read_text(encoding="utf-8") for k in KINDS}
    return parse_tables(texts, manifest)


def current(folder: str | None = None) -> Registries:
    """The registries in force: the newest refresh installed in ``folder`` (default: the configured
    one), else the shipped seed. Cheap: one stat; each version is parsed once per process."""
    folder = folder if folder is not None else _folder
    if folder:
        pointer = os.path.join(folder, CURRENT)
        try:
            stat = os.stat(pointer)
        except FileNotFoundError:
            return shipped()
        return _installed(pointer, stat.st_mtime_ns, stat.st_size)
    return shipped()


def current_texts(folder: str | None) -> tuple[dict[str, str], dict]:
    """The CSV texts and manifest of the registries in force (for a partial refresh)."""
    pointer = os.path.join(folder, CURRENT) if folder else None
    if pointer and os.path.exists(pointer):
        directory = Path(folder) / json.loads(Path(pointer).read_text(encoding="utf-8"))["directory"]
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        return {k: (directory / manifest[k]["file"]).read_text(encoding="utf-8") for k in KINDS}, manifest
    return _shipped_texts()


def read_file(path: str) -> str:
    """A registry file as text: UTF-8 (a BOM is dropped), at most MAX_FILE_BYTES; RegistryError otherwise."""
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise RegistryError([f"{path}: {size:,} bytes, more than {MAX_FILE_BYTES:,}"])
    with open(path, "rb") as stream:
        data = stream.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RegistryError([f"{path}: not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'"]) from None


def install(folder: str, new_texts: dict[str, str], *, as_of: str | None = None,
            source: str | None = None) -> tuple[Registries, bool]:
    """Validate ``new_texts`` (some or all of the four kinds; the others are kept from the version in
    force) and make them current in ``folder``. ``as_of`` (ISO date, default today UTC) and ``source``
    describe the new files. Returns (registries, changed); raises RegistryError and changes nothing
    when any file or row is bad."""
    unknown = set(new_texts) - set(KINDS)
    if unknown or not new_texts:
        raise RegistryError([f"unknown registry kind(s): {', '.join(sorted(unknown))}" if unknown
                             else "no registry file given"])
    as_of = as_of or datetime.now(UTC).date().isoformat()
    try:
        date.fromisoformat(as_of)
    except ValueError:
        raise RegistryError([f"as-of date '{as_of}' is not a date (YYYY-MM-DD)"]) from None
    texts, manifest = current_texts(folder)
    manifest = {k: dict(v) for k, v in manifest.items() if k in KINDS}
    for kind, text in new_texts.items():
        texts[kind] = text
        manifest[kind] = {"title": TITLES[kind], "file": f"{kind}.csv", "as_of": as_of,
                          "source": source or f"refreshed by staff on {datetime.now(UTC):%Y-%m-%d}"}
    registries = parse_tables(texts, manifest)
    before = current(folder).version
    if registries.version == before:
        return registries, False
    directory = Path(folder) / registries.version
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for kind in KINDS:
        files[kind] = f"{kind}.csv"
        (directory / files[kind]).write_text(texts[kind], encoding="utf-8")
    (directory / "manifest.json").write_text(json.dumps(
        {k: {**manifest[k], "file": files[k]} for k in KINDS}, indent=2), encoding="utf-8")
    pointer = Path(folder) / CURRENT
    temporary = pointer.with_suffix(".tmp")
    temporary.write_text(json.dumps({"directory": registries.version, "version": registries.version,
                                     "installed_at": datetime.now(UTC).isoformat(timespec="seconds")}),
                         encoding="utf-8")
    os.replace(temporary, pointer)  # atomic: readers see the old version or the new one
    return current(folder), True
