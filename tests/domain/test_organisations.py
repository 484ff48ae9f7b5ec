"""One organisation-name rule for registration and import (issue 10, item 1)."""
import pytest

from marketplace.domain.organisations import (
    KnownOrganisation,
    compare_names,
    matching_organisations,
    organisation_key,
    registration_target,
)


@pytest.mark.parametrize("a, b", [
    # issue 10's example: one hospital, three spellings
    ("St. Vincent Medical Center", "Saint Vincent Medical Center"),
    ("St. Vincent Medical Center", "St Vincent Medical Ctr"),
    # more of the kind
    ("ST. VINCENT MEDICAL CENTER, INC.", "saint vincent medical center"),
    ("Good Samaritan Hosp.", "Good Samaritan Hospital"),
    ("St. Mary's Medical Center", "St Marys Med Ctr"),
    ("Mt. Sinai Hospital", "Mount Sinai Hospital"),
    ("Cedars–Sinai Medical Center", "Cedars Sinai Medical Center"),
    ("LA County Fire Dept.", "LA County Fire Department"),
    ("Hôpital Général Juif", "Hopital General Juif"),
])
def test_spellings_of_one_organisation_share_a_key(a, b):
    assert organisation_key(a) == organisation_key(b)
    assert compare_names(a, b) == (True, 100.0)


@pytest.mark.parametrize("a, b", [
    ("St. Mary's Hospital (West Campus)", "St. Mary's Hospital (East Campus)"),
    ("Main St Clinic", "Saint Clinic"),
    ("County Fire Department", "Sunrise Care Home"),
])
def test_different_facilities_keep_different_keys(a, b):
    assert organisation_key(a) != organisation_key(b)


def test_close_names_are_asked_about_not_twinned():
    existing = [(1, "Saint Vincent Medical Center"), (2, "Sunrise Care Home"),
                (3, "Los Angeles County Fire Department"), (4, "St Vincent Medical Ctr")]
    found = matching_organisations("St. Vincent Medical Centre", existing)
    assert [(m.organisation_id, m.same) for m in found] == [(1, True), (4, True)]
    close = matching_organisations("St Vincents Medical Center", existing)
    assert close and not any(m.same for m in close) and close[0].organisation_id in (1, 4)
    assert [m.organisation_id for m in matching_organisations("County Fire Department", existing)] == [3]
    assert matching_organisations("Harbor Dialysis Clinic", existing) == []


def test_a_name_without_letters_matches_nothing():
    assert organisation_key("  ...  ") == ""
    assert matching_organisations("...", [(1, "...")]) == []


from marketplace.domain.organisations import import_target  # noqa: E402

KNOWN = [KnownOrganisation(1, "Saint Vincent Medical Center", True),
         KnownOrganisation(2, "Harbor General Hospital", False),          # self-registered, unverified
         KnownOrganisation(3, "Sunrise Care Home", True)]


@pytest.mark.parametrize("name, expected", [
    ("St. Vincent Medical Center", 1), ("ST VINCENT MED CTR", 1), ("sunrise care home", 3)])
def test_import_attaches_spellings_to_the_verified_organisation(name, expected):
    assert import_target(name, KNOWN).organisation_id == expected


@pytest.mark.parametrize("name", ["harbor general hospital", "Harbor Gen. Hosp."])
def test_import_never_attaches_to_an_unverified_organisation(name):
    target = import_target(name, KNOWN)
    assert target.organisation_id is None and not target.create
    assert "not verified" in target.refused


def test_import_asks_about_a_close_name_unless_told_it_is_new():
    target = import_target("St Vincents Medical Centre", KNOWN)
    assert target.refused and "Saint Vincent Medical Center" in target.refused
    assert import_target("St Vincents Medical Centre", KNOWN, new_organisation=True).create
    assert import_target("Bayside Dialysis", KNOWN).create


def test_import_refuses_verified_twins_unless_one_is_named_exactly():
    twins = [KnownOrganisation(1, "St. Vincent Medical Center", True),
             KnownOrganisation(2, "Saint Vincent Medical Center", True)]
    assert import_target("Saint Vincent Medical Center", twins).organisation_id == 2
    assert "several verified" in import_target("St Vincent Med Ctr", twins).refused


REGISTERED = [KnownOrganisation(1, "Saint Vincent Medical Center", False),
         KnownOrganisation(2, "St. Vincent Medical Center", True),
         KnownOrganisation(3, "Harbor General Hospital", False),
         KnownOrganisation(4, "Los Angeles County Fire Department", True)]


@pytest.mark.parametrize("name, expected", [
    ("ST VINCENT MEDICAL CTR", 2),       # the same hospital: the verified spelling first
    ("St Vincents Medical Center", 2),   # close: the closest, verified first among equals
    ("harbor general hosp.", 3),         # an exact match to an unverified organisation: join it, never a twin
    ("County Fire Department", 4),       # one name's words inside the other's
    ("Sunrise Care Home", None),         # a new organisation
])
def test_registration_joins_the_same_or_a_close_organisation(name, expected):
    target = registration_target(name, REGISTERED)
    assert (target.id if target else None) == expected
