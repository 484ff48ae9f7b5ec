"""The dependency audit's rules (.ci/audit_dependencies.py), without the network: versions, the
exceptions file, what fails and what a written reason excuses, stale exceptions, offline."""

import importlib.util
import sys
from pathlib import Path

import pytest

CI = Path(__file__).resolve().parents[2] / ".ci"
_spec = importlib.util.spec_from_file_location("audit_dependencies", CI / "audit_dependencies.py")
audit = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("audit_dependencies", audit)  # dataclasses look their module up
_spec.loader.exec_module(audit)

ORDERED = ["0.9", "1.0.dev1", "1.0a1", "1.0a2.dev1", "1.0a2", "1.0b1", "1.0rc1", "1.0", "1.0.post1",
           "1.0.1", "1.1", "2.4.6", "2.5.0rc1", "2.5.0", "2.10", "2026.10.19", "2026.10.19.post1", "1!0.1"]


@pytest.mark.parametrize("key", [audit.version_key, audit._stdlib_version_key], ids=["packaging", "stdlib"])
def test_versions_order_as_pep_440_says(key):
    assert sorted(ORDERED, key=key) == ORDERED
    assert key("1.0") == key("1.0.0") == key("v1.0")
    assert key("1.0.0-1") == key("1.0.post1")
    assert key("6.170.17") > key("6.140.0")  # numerically, not as text


def test_stdlib_key_refuses_what_is_no_version():
    with pytest.raises(ValueError):
        audit._stdlib_version_key("not a version")


def test_names_compare_as_pep_503_says():
    assert audit.normalize_name("jsonschema_rs") == audit.normalize_name("jsonschema-rs") == "jsonschema-rs"
    assert audit.normalize_name("Flask.SQLAlchemy") == "flask-sqlalchemy"


def test_exceptions_file_lines_need_a_reason():
    text = """# a comment

    rq==2.12.0  # a major version: migration is its own work
    Foo_Bar==1.0 PYSEC-2024-1 cve-2024-2  # not reachable from our code
    gunicorn==23.0.0
    numpy==2.4.6  #
    what is this  # reason
    """
    found, errors = audit.parse_exceptions(text)
    assert [(e.name, e.version, e.ids, e.reason) for e in found] == [
        ("rq", "2.12.0", frozenset(), "a major version: migration is its own work"),
        ("foo-bar", "1.0", frozenset({"PYSEC-2024-1", "CVE-2024-2"}), "not reachable from our code"),
    ]
    assert len(errors) == 3
    assert "line 5: gunicorn==23.0.0 has no written reason" in errors[0]
    assert "line 6: numpy==2.4.6 has no written reason" in errors[1]
    assert errors[2].startswith("line 7: expected 'name==version")


def test_the_projects_exceptions_file_parses_and_gives_every_reason():
    found, errors = audit.parse_exceptions((CI / "audit-exceptions.txt").read_text(encoding="utf-8"))
    assert errors == []
    assert found and all(len(e.reason) > 20 for e in found)


def vuln(id_="PYSEC-2026-1", fixed_in=(), aliases=("CVE-2026-1",), withdrawn=None):
    return {"id": id_, "aliases": list(aliases), "fixed_in": list(fixed_in), "withdrawn": withdrawn,
            "link": f"https://osv.dev/vulnerability/{id_}", "summary": "something bad"}


def project(latest, *, vulns=(), releases=None):
    releases = releases if releases is not None else {latest: [{"yanked": False}]}
    return {"info": {"version": latest}, "vulnerabilities": list(vulns), "releases": releases}


def judge(name, version, doc, exceptions="", *, per_version=False, error=None, strict=True):
    found, errors = audit.parse_exceptions(exceptions)
    assert not errors
    return audit.judge(name, version, doc, per_version=per_version, exceptions=found, error=error, strict=strict)


def test_the_latest_release_without_advisories_passes():
    r = judge("flask", "3.1.3", project("3.1.3"))
    assert r.failures == [] and r.excused == []


def test_an_advisory_of_the_installed_latest_release_fails_unless_excused_by_id_or_alias():
    doc = project("1.0", vulns=[vuln(fixed_in=["1.1"])])
    r = judge("ecdsa", "1.0", doc)
    assert len(r.failures) == 1 and "VULNERABLE" in r.failures[0] and "CVE-2026-1" in r.failures[0]
    assert "fixed in 1.1" in r.failures[0]
    # PyPI lists an advisory for the release it affects: one with no fix fails too.
    assert judge("ecdsa", "1.0", project("1.0", vulns=[vuln()])).failures
    r = judge("ecdsa", "1.0", doc, "ecdsa==1.0 CVE-2026-1  # only the signing API, which we never call")
    assert r.failures == [] and r.excused and r.used == {1}
    # A line without ids excuses being behind, not an advisory.
    assert judge("ecdsa", "1.0", doc, "ecdsa==1.0  # held back").failures


def test_a_withdrawn_advisory_is_ignored():
    assert judge("x", "1.0", project("1.0", vulns=[vuln(withdrawn="2026-01-01T00:00:00Z")])).failures == []


def test_behind_the_latest_fails_unless_a_reason_is_written():
    doc = project("3.0.0", releases={"2.12.0": [{"yanked": False}], "3.0.0": [{"yanked": False}]})
    r = judge("rq", "2.12.0", doc)
    assert len(r.failures) == 1 and "behind the latest release 3.0.0" in r.failures[0]
    r = judge("rq", "2.12.0", doc, "rq==2.12.0  # rq 3 is a major version")
    assert r.failures == [] and r.used == {1} and "rq 3 is a major version" in r.excused[0]
    # An exception for another version excuses nothing.
    assert judge("rq", "2.12.0", doc, "rq==2.11.0  # old").failures


def test_behind_the_latest_without_a_reason_is_only_noted_unless_strict():
    """A dependency's release overnight must not fail an unrelated commit's CI: noted, not failed
    (AUDIT_STRICT=1 fails it)."""
    doc = project("3.0.0", releases={"2.12.0": [{"yanked": False}], "3.0.0": [{"yanked": False}]})
    r = judge("rq", "2.12.0", doc, strict=False)
    assert r.failures == [] and "behind the latest release 3.0.0 with no written reason" in r.notes[0]


def test_the_latest_releases_advisories_fixed_above_the_installed_version_affect_it_even_when_held_back():
    releases = {"2.0": [{"yanked": False}], "3.0": [{"yanked": False}]}
    held = "pkg==2.0  # held back"
    for fixed_in in ([], ["3.1"], ["2.1", "3.1"]):
        r = judge("pkg", "2.0", project("3.0", vulns=[vuln(fixed_in=fixed_in)], releases=releases), held)
        assert len(r.failures) == 1 and "listed for 3.0; not fixed at or below 2.0" in r.failures[0], fixed_in
    # Fixed at or below the installed version (another branch): no failure.
    r = judge("pkg", "2.0", project("3.0", vulns=[vuln(fixed_in=["1.9"])], releases=releases), held)
    assert r.failures == []


def test_a_yanked_installed_release_fails_even_with_a_reason():
    releases = {"1.3.0": [{"yanked": True}, {"yanked": True}], "1.3.1": [{"yanked": False}]}
    r = judge("deprecated", "1.3.0", project("1.3.1", releases=releases), "deprecated==1.3.0  # held")
    assert r.failures == ["1.3.0 is yanked on PyPI"]
    # One yanked file of several does not make the release yanked.
    releases["1.3.1"] = [{"yanked": True}, {"yanked": False}]
    assert judge("deprecated", "1.3.1", project("1.3.1", releases=releases)).failures == []


def test_versions_are_matched_to_releases_as_pip_matches_them():
    r = judge("certifi", "2026.10.19.post1", project("2026.10.19-1", releases={"2026.10.19-1": [{}]}))
    assert r.failures == []


def test_unknown_to_pypi_fails_and_unreachable_is_marked_as_such():
    r = judge("private-pkg", "1.0", None, error="not found")
    assert len(r.failures) == 1 and "not found on PyPI" in r.failures[0] and not r.unreachable
    assert judge("private-pkg", "1.0", None, "private-pkg==1.0  # ours, built here", error="not found").failures == []
    r = judge("flask", "3.1.3", None, error="unreachable (timed out) for https://pypi.org/pypi/flask/json")
    assert r.unreachable and "cannot be audited" in r.failures[0]
    r = judge("flask", "3.0.0", project("3.1.3", releases={"3.1.3": [{}]}))
    assert "3.0.0 is not a release on PyPI" in r.failures[0]


def test_per_version_json_reads_the_installed_versions_own_advisories_and_being_behind_is_no_failure():
    doc = {"info": {"version": "2.12.0", "yanked": False}, "urls": [{"yanked": False}], "vulnerabilities": []}
    assert judge("rq", "2.12.0", doc, per_version=True).failures == []
    doc["vulnerabilities"] = [vuln(fixed_in=["1.0"])]  # PyPI matched it to this version: it applies
    assert judge("rq", "2.12.0", doc, per_version=True).failures
    doc["vulnerabilities"], doc["info"]["yanked"] = [], True
    assert judge("rq", "2.12.0", doc, per_version=True).failures == ["2.12.0 is yanked on PyPI"]


def test_an_exception_for_a_version_no_longer_installed_is_stale():
    found, _ = audit.parse_exceptions("rq==2.12.0  # a\nnumpy==2.4.6  # b\ngone==1.0  # c\n")
    stale = audit.stale_exceptions(found, {"rq": "3.0.0", "numpy": "2.4.6"})
    assert len(stale) == 2
    assert "line 1: the exception for rq==2.12.0 is stale (3.0.0 is installed)" in stale[0]
    assert "line 3: the exception for gone==1.0 is stale (not installed)" in stale[1]


def test_an_exception_that_excused_nothing_is_noted():
    found, _ = audit.parse_exceptions("babel==2.19.0  # held\nrq==2.12.0  # held\n")
    results = [judge("babel", "2.19.0", project("2.19.0"), "babel==2.19.0  # held\n"),
               judge("rq", "2.12.0", project("3.0.0", releases={"2.12.0": [{}]}), "babel==2.19.0  # x\nrq==2.12.0  # held\n")]
    unused = audit.unused_exceptions(found, results, {"babel": "2.19.0", "rq": "2.12.0"})
    assert unused == ["line 1: the exception for babel==2.19.0 excused nothing this run"]


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """main() over two installed distributions, with PyPI answering as `answers` says."""
    answers = {}
    monkeypatch.setattr(audit, "installed_distributions",
                        lambda: {"pip": ("pip", "26.3"), "rq": ("rq", "2.12.0")})
    monkeypatch.setattr(audit, "fetch_json", lambda url, **kw: answers.get(url, (None, f"unreachable for {url}")))
    monkeypatch.delenv("AUDIT_OFFLINE_OK", raising=False)
    exceptions = tmp_path / "exceptions.txt"
    exceptions.write_text("rq==2.12.0  # a major version\n")
    return answers, ["--exceptions", str(exceptions), "--index", "https://pypi.example/pypi"]


def test_main_fails_when_pypi_cannot_be_asked_unless_told_it_is_offline(offline, monkeypatch, capsys):
    _, argv = offline
    assert audit.main(argv) == 1
    out = capsys.readouterr().out
    assert "FAIL 2 of 2 not audited, PyPI could not be asked (pip, rq; first error: cannot be audited: PyPI unreachable" in out
    assert "AUDIT_OFFLINE_OK=1 makes this a warning" in out
    monkeypatch.setenv("AUDIT_OFFLINE_OK", "1")
    assert audit.main(argv) == 0
    out = capsys.readouterr().out
    assert "WARNING: 2 of 2 not audited" in out and "FAIL" not in out


def test_main_passes_with_reasons_and_uses_per_version_json_when_served(offline, capsys):
    answers, argv = offline
    base = "https://pypi.example/pypi"
    answers[f"{base}/pip/json"] = (project("26.3"), None)
    answers[f"{base}/rq/json"] = (project("3.0.0", releases={"2.12.0": [{}], "3.0.0": [{}]}), None)
    assert audit.main(argv) == 0
    assert "rq 2.12.0 (latest 3.0.0)" in capsys.readouterr().out
    # The per-version JSON answers: each version's own advisories; the exception then excuses nothing.
    answers[f"{base}/pip/26.3/json"] = ({"info": {}, "urls": [{}], "vulnerabilities": []}, None)
    answers[f"{base}/rq/2.12.0/json"] = ({"info": {}, "urls": [{}], "vulnerabilities": [vuln()]}, None)
    assert audit.main(argv) == 1
    out = capsys.readouterr().out
    assert "FAIL rq 2.12.0: VULNERABLE: PYSEC-2026-1 (CVE-2026-1), fixed in no fixed release" in out
    assert "per-version JSON" in out


def test_main_refuses_an_exceptions_file_without_reasons(offline, capsys):
    _, argv = offline
    Path(argv[1]).write_text("rq==2.12.0\n")
    assert audit.main(argv) == 2
    assert "has no written reason" in capsys.readouterr().err
