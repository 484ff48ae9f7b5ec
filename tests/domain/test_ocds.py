"""The OCDS 1.1 release package (domain.ocds): its shape, what the city chooses to publish, and the
validator over the schema shipped in marketplace/domain/ocds_schema/ (which must be able to fail)."""
import copy
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from marketplace.domain import ocds

T0 = datetime(2026, 4, 1, 15, 30, tzinfo=UTC)
T1 = datetime(2026, 4, 3, 9, 0, tzinfo=UTC)
BUYER = ocds.PartyFact("7", "St. Vincent Medical Center", street="2131 W 3rd St", city="Los Angeles",
                       region="CA", postal_code="90057")
SUPPLIER = ocds.PartyFact("o3", "Harbor Industrial Distribution", street="100 Harbor Boulevard",
                          contact_name="Maria Garcia", email="mgarcia@harborindustrial.com", phone="+12135550100")
OTHER = ocds.PartyFact("c12", "Pacific Gloves")


def awards():
    return [
        ocds.AwardFact(11, 5, "n95_respirator", 2000, Decimal("0.7900"), "delivered", T0, T1, BUYER, SUPPLIER,
                       ordered_at=T0, delivered_at=T1),
        ocds.AwardFact(12, 5, "nitrile_gloves", 10000, Decimal("0.0625"), "accepted", T0, T0, BUYER, OTHER),
        ocds.AwardFact(13, 6, "n95_respirator", 500, Decimal("0.8100"), "ordered", T0, T0, BUYER, SUPPLIER,
                       ordered_at=T1),
    ]


def package(**kwargs):
    options = {"prefix": "ocds-a1b2c3", "publisher": "City of Example", "published_at": T1,
               "package_uri": "https://city.example/open-data/ocds.json",
               "license_url": "https://creativecommons.org/licenses/by/4.0/", **kwargs}
    return ocds.release_package(awards(), **options)


def test_a_package_of_awards_and_contracts_validates():
    result = package()
    assert ocds.validate(result) == []
    assert result["version"] == "1.1"
    assert [r["ocid"] for r in result["releases"]] == ["ocds-a1b2c3-request-5", "ocds-a1b2c3-request-6"]
    first = result["releases"][0]
    assert first["buyer"] == {"id": "buyer-7", "name": "St. Vincent Medical Center"}
    assert first["tender"]["procuringEntity"] == {"id": "city", "name": "City of Example"}
    roles = {p["id"]: p["roles"] for p in first["parties"]}
    assert roles == {"city": ["procuringEntity"], "buyer-7": ["buyer"], "supplier-o3": ["supplier"],
                     "supplier-c12": ["supplier"]}
    assert [(c["id"], c["status"]) for c in first["contracts"]] == [("match-11", "terminated"), ("match-12", "pending")]
    assert first["contracts"][0]["implementation"]["milestones"][0]["dateMet"] == "2026-04-03T09:00:00Z"
    assert first["tag"] == ["award", "contract", "implementation"]
    assert result["releases"][1]["contracts"][0]["status"] == "active"
    # The same state gives the same release id (a re-export publishes no new release).
    assert package()["releases"][0]["id"] == first["id"] == "ocds-a1b2c3-request-5-20260403T090000Z"


def test_by_default_no_prices_addresses_or_contacts():
    text = json.dumps(package())
    for private in ("0.79", "0.0625", "1580", "amount", "2131 W 3rd St", "100 Harbor", "mgarcia", "Maria Garcia",
                    "+12135550100", "streetAddress", "contactPoint"):
        assert private not in text, private
    # the quantities of awards are published (what was bought)
    assert '"quantity": 2000' in text


def test_the_city_chooses_prices_and_addresses():
    result = package(publish=("prices", "buyer_address", "supplier_contact"))
    assert ocds.validate(result) == []
    award = result["releases"][0]["awards"][0]
    assert award["value"] == {"amount": 1580.0, "currency": "USD"}
    assert award["items"][0]["unit"]["value"] == {"amount": 0.79, "currency": "USD"}
    parties = {p["id"]: p for p in result["releases"][0]["parties"]}
    assert parties["buyer-7"]["address"]["streetAddress"] == "2131 W 3rd St"
    assert parties["supplier-o3"]["contactPoint"]["email"] == "mgarcia@harborindustrial.com"
    assert "address" not in parties["supplier-o3"]  # supplier_address was not chosen


@pytest.mark.parametrize("prefix", [None, "", "ocds-abc", "OCDS-a1b2c3", "ocds-a1b2c3-x", "ocds-a1b2-3"])
def test_a_malformed_prefix_is_refused(prefix):
    with pytest.raises(ValueError, match="OCDS_PREFIX"):
        package(prefix=prefix)


def test_an_unknown_optional_field_is_refused():
    with pytest.raises(ValueError, match="unknown field.*unit_prices"):
        package(publish=("prices", "unit_prices"))


def _broken(change):
    result = copy.deepcopy(package())
    change(result)
    return ocds.validate(result)


def test_the_validator_rejects_broken_packages():
    # A missing required field of the package, and of a release.
    assert any("'publisher' is a required property" in e for e in _broken(lambda p: p.pop("publisher")))
    assert any("releases/0" in e and "'ocid'" in e for e in _broken(lambda p: p["releases"][0].pop("ocid")))
    # A value outside a closed codelist (contract status), and a wrong type (quantity as text).
    errors = _broken(lambda p: p["releases"][0]["contracts"][0].update(status="delivered"))
    assert any("releases/0/contracts/0/status" in e for e in errors)
    errors = _broken(lambda p: p["releases"][0]["awards"][0]["items"][0].update(quantity="2000 boxes"))
    assert any("quantity" in e for e in errors)
    # OCDS needs at least one release; the same release id twice for one ocid.
    assert _broken(lambda p: p.update(releases=[]))
    assert any("appears twice" in e for e in _broken(lambda p: p["releases"].append(dict(p["releases"][0]))))
    # A version that is not major.minor.
    assert any("version" in e for e in _broken(lambda p: p.update(version="1.1.4")))


def test_the_shipped_schema_is_the_standards_own():
    package_schema = json.loads((ocds.SCHEMA_DIR / "release-package-schema.json").read_text())
    release_schema = json.loads((ocds.SCHEMA_DIR / "release-schema.json").read_text())
    assert package_schema["id"].endswith("/1__1__5/release-package-schema.json")
    assert release_schema["id"].endswith("/1__1__4/release-schema.json")
    assert {"ocid", "id", "date", "tag", "initiationType"} <= set(release_schema["required"])
