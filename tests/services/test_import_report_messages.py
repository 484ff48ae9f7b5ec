"""The import report's lines (tester items 5 and 13): a demand row with a maximum far outside
the reference is saved and reported as a warning, an unquoted decimal comma gets a hint about
quotes, and a row's reasons are joined so that they read as one line."""
import io
from datetime import timedelta
from pathlib import Path

from marketplace.domain.demand import DEMAND_COLUMNS
from marketplace.extensions import db
from marketplace.models import DemandRequest
from marketplace.services import demand, leads
from tests.conftest import city_today

CASES = Path(__file__).resolve().parent.parent / "cases"
SOON = (city_today() + timedelta(days=7)).isoformat()


def demand_csv(*rows: str) -> io.StringIO:
    return io.StringIO("\n".join([",".join(DEMAND_COLUMNS), *rows]) + "\n")


def test_a_maximum_far_outside_the_reference_is_saved_with_a_warning_per_row(app_ctx):
    report = demand.import_demand(demand_csv(
        f"R1,County General,nitrile_gloves,100000,12.50,{SOON},90033,2,hospital,",   # the tester's: a box price
        f"R2,County General,n95_respirator,20000,0.01,{SOON},90033,2,hospital,",      # 1/79 of an N95
        f"R3,County General,nitrile_gloves,100000,0.15,{SOON},90033,2,hospital,",     # a glove price: fine
    ), actor_id=None)
    assert (report.imported, report.rejected) == (3, [])
    assert [w.row for w in report.warnings] == [2, 3]
    first = report.warnings[0].message
    assert first.startswith("max_unit_price: $12.50 a unit is 357x the reference price of nitrile exam gloves")
    assert "per single unit" in first and "not per box" in first
    assert "$0.01 a unit is 0.01x the reference price of N95 respirators" in report.warnings[1].message
    saved = {r.external_id: r.max_unit_price for r in db.session.execute(db.select(DemandRequest)).scalars()}
    assert saved["R1"] == 12.5  # kept as typed, not changed


def test_the_cli_prints_a_warning_line_per_row(clean_app, tmp_path):
    path = tmp_path / "requests.csv"
    path.write_text(demand_csv(f"R1,County General,nitrile_gloves,100000,12.50,{SOON},90033,2,hospital,").getvalue(),
                    encoding="utf-8")
    result = clean_app.test_cli_runner().invoke(args=["demand", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "row 2: warning: max_unit_price: $12.50 a unit is 357x" in result.output
    assert "imported 1" in result.output


def test_an_unquoted_decimal_comma_gets_a_hint_about_quotes(app_ctx):
    lines = (CASES / "c04_decimal_comma.csv").read_text(encoding="utf-8").splitlines()
    unquoted = [lines[0], lines[1].replace('"0,79"', "0,79")]  # the tester's: a comma left unquoted
    report = leads.import_leads(io.StringIO("\n".join(unquoted) + "\n"), actor_id=None)
    [rejected] = report.rejected
    assert rejected.reason == ("expected 22 columns, found 23 (a number with a decimal comma, or a text "
                               "with a comma, needs quotes: use a decimal point)")
    # A second kind: a demand row with a comma in an unquoted price; too few cells get no such hint.
    report = demand.import_demand(demand_csv(
        f"R1,County General,nitrile_gloves,100000,0,15,{SOON},90033,2,hospital,",
        f"R2,County General,nitrile_gloves,100000,0.15,{SOON},90033,2,hospital"), actor_id=None)
    assert "needs quotes" in report.rejected[0].reason
    assert report.rejected[1].reason == "expected 10 columns, found 9"


def test_a_rows_reasons_are_joined_without_a_full_stop_before_the_semicolon(app_ctx):
    report = demand.import_demand(demand_csv(
        f"R1,County General,nitrile_gloves,100000,0.15,{SOON},ABCDE,400,hospital,"), actor_id=None)
    [rejected] = report.rejected
    assert ".; " not in rejected.reason and "; days_of_supply: The days_of_supply must be at most 365" \
        in rejected.reason, rejected.reason
    assert rejected.reason.startswith("postal_code: ")
