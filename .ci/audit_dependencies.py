"""Audit every installed distribution against PyPI (quality bar S14: no known-vulnerable package
without a written reason). Standard library only (packaging's Version when installed); run it with
the virtual environment's python (`make audit`) so that importlib.metadata reads its distributions.

pip-audit cannot run on this network: PyPI's per-version JSON (/pypi/NAME/VERSION/json) answers 404
and OSV is unreachable. The project JSON (/pypi/NAME/json) answers; it carries the advisories of the
latest release only, the latest version, and every release's files (with their yanked flag). So:

- one package's per-version JSON is tried first; if it answers, every package is checked against
  its own installed version's advisories (what pip-audit reads), and being behind is no failure;
- otherwise, installed == latest: every advisory PyPI lists for it fails (unless excepted);
  installed < latest: the advisories of an older release cannot be read here, so it is noted (a
  failure with AUDIT_STRICT=1) unless .ci/audit-exceptions.txt gives the reason it is held back: a
  dependency's new release must not fail an unrelated commit overnight; the latest's advisories whose
  fix is above the installed version (or that have no fix) affect us too and always fail;
- an installed version yanked on PyPI fails; a package PyPI does not know fails;
- PyPI unreachable fails, unless AUDIT_OFFLINE_OK=1 (then network errors only warn).

Exceptions file, one per line, each with its reason after `#`:
    name==version  # why this release is held back (covers: behind the latest, not on PyPI)
    name==version PYSEC-2024-1 CVE-2024-2  # why this advisory does not apply (covers those ids)
An exception whose name==version is not installed is stale and fails.

Exit status: 0 clean, 1 findings, 2 unreadable exceptions file.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

try:  # packaging is in the venv (pytest, gunicorn need it); the fallback covers a bare one
    from packaging.version import InvalidVersion
    from packaging.version import Version as _PackagingVersion
except ImportError:  # pragma: no cover - exercised by the tests through _stdlib_version_key
    _PackagingVersion = None

DEFAULT_INDEX = "https://pypi.org/pypi"
DEFAULT_EXCEPTIONS = Path(__file__).with_name("audit-exceptions.txt")
TIMEOUT_SECONDS = 20
WORKERS = 16


# --- versions ------------------------------------------------------------------------------------

_STDLIB_VERSION = re.compile(
    r"^v?(?:(?P<epoch>\d+)!)?(?P<release>\d+(?:\.\d+)*)"
    r"(?:[-_.]?(?P<pre_l>a|alpha|b|beta|c|rc|pre|preview)[-_.]?(?P<pre_n>\d*))?"
    r"(?P<post>-(?P<post_n1>\d+)|[-_.]?(?:post|rev|r)[-_.]?(?P<post_n2>\d*))?"
    r"(?P<dev>[-_.]?dev[-_.]?(?P<dev_n>\d*))?"
    r"(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$",
    re.IGNORECASE,
)
_PRE_RANK = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}
_INF = float("inf")


def _stdlib_version_key(text: str) -> tuple:
    """A sort key ordering PEP 440 versions as packaging does (local versions compare as their
    public part): 1.0.dev1 < 1.0a1 < 1.0rc1 < 1.0 < 1.0.post1 < 1.0.1, and 1.0 == 1.0.0."""
    m = _STDLIB_VERSION.match(text.strip())
    if not m:
        raise ValueError(f"not a PEP 440 version: {text!r}")
    release = [int(p) for p in m["release"].split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    pre = (_PRE_RANK[m["pre_l"].lower()], int(m["pre_n"] or 0)) if m["pre_l"] else None
    post = int(m["post_n1"] or m["post_n2"] or 0) if m["post"] else None
    dev = int(m["dev_n"] or 0) if m["dev"] else None
    if pre is None:
        pre = (-_INF, 0) if dev is not None and post is None else (_INF, 0)  # 1.0.dev1 < 1.0a1 < 1.0
    return (int(m["epoch"] or 0), tuple(release), pre,
            (-_INF,) if post is None else (post,), (_INF,) if dev is None else (dev,))


def version_key(text: str):
    """A comparable key for a version string: packaging's Version when installed, else our own."""
    if _PackagingVersion is not None:
        try:
            return (0, _PackagingVersion(text))
        except InvalidVersion:
            return (-1, text)  # a legacy version sorts below every valid one, and only equals itself
    try:
        return (0, _stdlib_version_key(text))
    except ValueError:
        return (-1, text)


def normalize_name(name: str) -> str:
    """PEP 503: Flask_SQLAlchemy, flask.sqlalchemy and flask-sqlalchemy are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --- exceptions ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExceptionLine:
    name: str  # normalized
    version: str
    ids: frozenset  # empty: excuses being behind / not on PyPI; else: excuses these advisories
    reason: str
    line: int


_EXCEPTION_LINE = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*(?P<version>\S+)(?P<ids>(?:\s+[^\s#]+)*)\s*$")


def parse_exceptions(text: str) -> tuple[list[ExceptionLine], list[str]]:
    """Parse the exceptions file; returns (exceptions, errors). A line needs a written reason."""
    found, errors = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        spec, sep, reason = line.partition("#")
        reason = reason.strip()
        m = _EXCEPTION_LINE.match(spec.strip())
        if not m:
            errors.append(f"line {number}: expected 'name==version [ADVISORY-ID ...]  # reason', got {raw!r}")
            continue
        if not sep or not reason:
            errors.append(f"line {number}: {m['name']}=={m['version']} has no written reason after '#'")
            continue
        ids = frozenset(i.upper() for i in m["ids"].split())
        found.append(ExceptionLine(normalize_name(m["name"]), m["version"], ids, reason, number))
    return found, errors


# --- findings ------------------------------------------------------------------------------------

def affects(vuln: dict, installed: str, listed_for_installed: bool) -> bool:
    """Does this PyPI advisory affect the installed version? Withdrawn ones never do. PyPI matched
    an advisory listed for the installed release itself to that release, so it does. One listed for
    a newer release affects an older one unless it is fixed at or below it: no fix, or a fixed_in
    above the installed version (another branch's fix below it proves nothing)."""
    if vuln.get("withdrawn"):
        return False
    if listed_for_installed:
        return True
    fixes = vuln.get("fixed_in") or []
    return not fixes or any(version_key(f) > version_key(installed) for f in fixes)


def advisory_ids(vuln: dict) -> set[str]:
    return {str(i).upper() for i in [vuln.get("id"), *(vuln.get("aliases") or [])] if i}


def describe(vuln: dict) -> str:
    aliases = ", ".join(vuln.get("aliases") or [])
    fixes = ", ".join(vuln.get("fixed_in") or []) or "no fixed release"
    summary = (vuln.get("summary") or vuln.get("details") or "").strip().splitlines()
    first = f": {summary[0][:100]}" if summary else ""
    return f"{vuln.get('id')}{f' ({aliases})' if aliases else ''}, fixed in {fixes}{first} {vuln.get('link') or ''}".rstrip()


def release_yanked(files: list[dict]) -> bool:
    """A release is yanked when PyPI marks its files yanked (yanking a release marks every file)."""
    return bool(files) and all(f.get("yanked") for f in files)


def find_release(releases: dict, version: str):
    """The files of `version` in a project's `releases`, matching 1.0 to 1.0.0 as pip does; None if absent."""
    if version in releases:
        return releases[version]
    key = version_key(version)
    for name, files in releases.items():
        if version_key(name) == key:
            return files
    return None


@dataclass
class Result:
    name: str
    version: str
    latest: str | None = None
    failures: list[str] = field(default_factory=list)
    excused: list[str] = field(default_factory=list)  # what a written exception covered, with its reason
    notes: list[str] = field(default_factory=list)
    used: set[int] = field(default_factory=set)  # exceptions-file lines that excused something
    unreachable: bool = False  # PyPI could not be asked (network), as opposed to a finding


def judge(name: str, version: str, doc: dict | None, *, per_version: bool, exceptions: list[ExceptionLine],
          error: str | None = None, strict: bool = False) -> Result:
    """Judge one installed distribution from its PyPI JSON: the project JSON, or the installed
    version's own JSON when per_version. Without a document, `error` says why ('not found': 404).
    A release behind the latest without a written reason is a note, or a failure when `strict`
    (AUDIT_STRICT=1): CI must not turn red because a dependency published a release overnight."""
    key = normalize_name(name)
    mine = [e for e in exceptions if e.name == key and version_key(e.version) == version_key(version)]
    held = next((e for e in mine if not e.ids), None)  # the line excusing 'cannot be audited here'
    r = Result(name, version)

    def cannot_audit(finding: str, hint: str) -> None:
        if held:
            r.excused.append(f"{finding}; written reason: {held.reason}")
            r.used.add(held.line)
        else:
            r.failures.append(f"{finding}: {hint}")

    if doc is None:
        if error == "not found":
            cannot_audit(f"not found on PyPI ({'this version' if per_version else 'no such project'})",
                         "cannot be audited; write why it is installed in the exceptions file")
        else:
            r.unreachable = True
            r.failures.append(f"cannot be audited: PyPI {error}")
        return r

    listed = doc.get("vulnerabilities") or []
    if per_version:
        for_installed = True
        yanked = bool((doc.get("info") or {}).get("yanked")) or release_yanked(doc.get("urls") or [])
    else:
        r.latest = latest = str((doc.get("info") or {}).get("version") or "")
        for_installed = version_key(latest) == version_key(version)
        files = find_release(doc.get("releases") or {}, version)
        yanked = files is not None and release_yanked(files)
        if files is None:
            cannot_audit(f"{version} is not a release on PyPI (latest {latest})",
                         "cannot be audited; write why it is installed in the exceptions file")
        elif version_key(version) < version_key(latest):
            if held or strict:
                cannot_audit(f"behind the latest release {latest}",
                             "this network reads only the latest release's advisories, so upgrade the pin, "
                             "or write why it is held back in the exceptions file")
            else:  # a new upstream release must not fail an unrelated commit: said, not failed
                r.notes.append(f"behind the latest release {latest} with no written reason: its own advisories "
                               "cannot be read here; upgrade the pin or write why it is held back")
        elif not for_installed:
            r.notes.append(f"newer than PyPI's latest release {latest}")
    if yanked:
        r.failures.append(f"{version} is yanked on PyPI")
    for vuln in listed:
        if not affects(vuln, version, for_installed):
            continue
        where = "" if for_installed else f" (listed for {r.latest}; not fixed at or below {version})"
        excuse = next((e for e in mine if e.ids & advisory_ids(vuln)), None)
        if excuse:
            r.excused.append(f"{vuln.get('id')}{where}: {excuse.reason}")
            r.used.add(excuse.line)
        else:
            r.failures.append(f"VULNERABLE{where}: {describe(vuln)}")
    return r


def stale_exceptions(exceptions: list[ExceptionLine], installed: dict[str, str]) -> list[str]:
    """Exceptions for a name==version that is not installed (upgraded or removed since): to delete."""
    out = []
    for e in exceptions:
        have = installed.get(e.name)
        if have is None or version_key(have) != version_key(e.version):
            now = f"{have} is installed" if have else "not installed"
            out.append(f"line {e.line}: the exception for {e.name}=={e.version} is stale ({now}): delete or update it")
    return out


def unused_exceptions(exceptions: list[ExceptionLine], results: list[Result], installed: dict[str, str]) -> list[str]:
    """Exceptions for an installed name==version that excused nothing this run (for example, it is
    now the latest release, or the advisory was withdrawn)."""
    used = set().union(*(r.used for r in results)) if results else set()
    return [f"line {e.line}: the exception for {e.name}=={e.version} excused nothing this run"
            for e in exceptions
            if e.line not in used and e.name in installed and version_key(installed[e.name]) == version_key(e.version)]


def installed_distributions() -> dict[str, tuple[str, str]]:
    """normalized name -> (name as published, version) of every distribution this python sees;
    the first on sys.path wins, as for import."""
    found: dict[str, tuple[str, str]] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(normalize_name(name), (name, dist.version))
    return found


# --- network -------------------------------------------------------------------------------------

def fetch_json(url: str, timeout: float = TIMEOUT_SECONDS, attempts: int = 2):
    """(document, None), or (None, why): 'not found' for a 404, else what went wrong."""
    why = "unreachable"
    for attempt in range(attempts):
        try:
            request = urllib.request.Request(url, headers={"Accept": "application/json",
                                                           "User-Agent": "marketplace-ci-audit"})
            # main() lets only an http(s) index through, so no file: or custom scheme reaches urlopen.
            with urllib.request.urlopen(request, timeout=timeout) as response:  # nosec B310
                return json.load(response), None
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None, "not found"
            why = f"answered HTTP {exc.code} for {url}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            why = f"unreachable ({getattr(exc, 'reason', exc)}) for {url}"
        if attempt + 1 < attempts:
            time.sleep(1)
    return None, why


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Audit the installed distributions against PyPI (see the module's doc).")
    parser.add_argument("--exceptions", type=Path, default=DEFAULT_EXCEPTIONS)
    parser.add_argument("--index", default=os.environ.get("AUDIT_PYPI_URL", DEFAULT_INDEX))
    parser.add_argument("-v", "--verbose", action="store_true", help="also list what was excused and why")
    args = parser.parse_args(argv)
    index = args.index.rstrip("/")
    if not index.startswith(("https://", "http://")):
        parser.error(f"--index must be an http(s) URL, not {index!r}")
    offline_ok = os.environ.get("AUDIT_OFFLINE_OK", "") not in ("", "0")
    strict = os.environ.get("AUDIT_STRICT", "") not in ("", "0")
    started = time.monotonic()

    try:
        text = args.exceptions.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    exceptions, errors = parse_exceptions(text)
    for e in errors:
        print(f"audit: {args.exceptions}: {e}", file=sys.stderr)
    if errors:
        return 2

    dists = installed_distributions()
    installed = {key: version for key, (_, version) in dists.items()}
    # When this network serves the per-version JSON, read each installed version's own advisories.
    probe = dists.get("pip") or next(iter(dists.values()))
    probe_doc, probe_why = fetch_json(f"{index}/{probe[0]}/{probe[1]}/json", attempts=1)
    per_version = isinstance(probe_doc, dict) and "vulnerabilities" in probe_doc

    def one(item: tuple[str, str]) -> Result:
        name, version = item
        doc, why = fetch_json(f"{index}/{name}/{version}/json" if per_version else f"{index}/{name}/json")
        return judge(name, version, doc, per_version=per_version, exceptions=exceptions, error=why,
                     strict=strict)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = sorted(pool.map(one, dists.values()), key=lambda r: normalize_name(r.name))

    failures, unreachable = [], [r for r in results if r.unreachable]
    for r in results:
        if not r.unreachable:
            failures += [f"{r.name} {r.version}: {f}" for f in r.failures]
        for n in r.notes:
            print(f"audit: note: {r.name} {r.version}: {n}")
        if args.verbose:
            for x in r.excused:
                print(f"audit: excused: {r.name} {r.version}: {x}")
    failures += [f"{args.exceptions.name} {s}" for s in stale_exceptions(exceptions, installed)]
    if unreachable:
        names = ", ".join(r.name for r in unreachable[:8]) + (", ..." if len(unreachable) > 8 else "")
        down = (f"{len(unreachable)} of {len(results)} not audited, PyPI could not be asked ({names}; "
                f"first error: {unreachable[0].failures[0]})")
        if offline_ok:
            print(f"audit: WARNING: {down}; AUDIT_OFFLINE_OK=1, so not failing")
        else:
            failures.append(f"{down}; on a machine without network, AUDIT_OFFLINE_OK=1 makes this a warning")
    else:
        for u in unused_exceptions(exceptions, results, installed):
            print(f"audit: note: {args.exceptions.name} {u}")
    for f in failures:
        print(f"audit: FAIL {f}")

    mode = ("each installed version's own advisories (per-version JSON)" if per_version
            else f"the latest releases' advisories (project JSON; per-version JSON for {probe[0]}: {probe_why})")
    excused = [f"{r.name} {r.version}" + (f" (latest {r.latest})" if r.latest and r.latest != r.version else "")
               for r in results if r.excused]
    print(f"audit: {len(results)} installed distributions checked in {time.monotonic() - started:.1f} s against "
          f"{index}, by {mode}: {len(failures)} failure(s)"
          + (f"; excused by a written reason ({args.exceptions.name}): {', '.join(excused)}" if excused else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
