"""The city's request import and the one organisation-name rule (issue 10, item 1): requests attach
only to verified organisations, never to a self-registered twin, and spellings of one hospital
become one organisation."""
import io
from datetime import timedelta

from marketplace.domain.demand import DEMAND_COLUMNS
from marketplace.extensions import db
from marketplace.models import DemandRequest, Organisation
from marketplace.services import demand
from tests.conftest import city_today, make_user

SOON = (city_today() + timedelta(days=7)).isoformat()


def _import(*rows: str, extra_column: bool = False):
    header = ",".join(DEMAND_COLUMNS) + (",new_organisation" if extra_column else "")
    return demand.import_demand(io.StringIO("\n".join([header, *rows]) + "\n"), actor_id=None)


def _row(external_id: str, organisation: str, new: str | None = None) -> str:
    row = f'{external_id},"{organisation}",nitrile_gloves,1000,0.20,{SOON},90033,5,hospital,'
    return row + (f",{new}" if new is not None else "")


def test_a_squatter_registered_under_a_hospital_name_never_receives_its_requests(app_ctx):
    squatter = make_user("buyer", "ops@gmail.com", organisation="Harbor General Hospital")
    for spelling in ("Harbor General Hospital", "HARBOR GENERAL HOSP."):   # the kind: any case
        report = _import(_row("H1", spelling))
        assert report.imported == 0 and len(report.rejected) == 1
        assert "not verified" in report.rejected[0].reason and report.rejected[0].row == 2
    assert db.session.execute(db.select(DemandRequest)).scalars().all() == []
    assert squatter.organisation.verified_at is None


def test_spellings_of_one_hospital_become_one_verified_organisation(app_ctx):
    report = _import(_row("V1", "St. Vincent Medical Center"), _row("V2", "Saint Vincent Medical Center"),
                     _row("V3", "St Vincent Medical Ctr"))
    assert (report.imported, report.rejected) == (3, [])
    organisations = db.session.execute(db.select(Organisation).where(Organisation.kind != "supplier")).scalars().all()
    assert [(o.name, o.verified) for o in organisations] == [("St. Vincent Medical Center", True)]
    again = _import(_row("V4", "ST. VINCENT MED. CTR., INC."))
    assert again.imported == 1
    assert {r.organisation_id for r in db.session.execute(db.select(DemandRequest)).scalars()} == {organisations[0].id}


def test_a_close_name_is_asked_about_row_by_row(app_ctx):
    assert _import(_row("S1", "Saint Vincent Medical Center")).imported == 1
    report = _import(_row("S2", "Sunrise Care Home"), _row("S3", "St Vincents Medical Centre"), extra_column=False)
    assert report.imported == 1 and [r.row for r in report.rejected] == [3]
    assert "close to “Saint Vincent Medical Center”" in report.rejected[0].reason
    assert "new_organisation" in report.rejected[0].reason
    assert db.session.execute(db.select(db.func.count()).select_from(DemandRequest)).scalar_one() == 2
    told = _import(_row("S3", "St Vincents Medical Centre", "yes"), extra_column=True)
    assert told.imported == 1 and told.rejected == []
    assert db.session.execute(db.select(db.func.count()).select_from(Organisation)).scalar_one() == 3
    assert "yes or no" in _import(_row("S4", "Elsewhere", "perhaps"), extra_column=True).rejected[0].reason
