"""`flask registries refresh`: staff install newer registry copies; every lead is scored again."""
from datetime import timedelta

import pytest

from marketplace.domain import registries
from marketplace.domain.messages import render_signal
from marketplace.domain.scoring import load_reference
from marketplace.extensions import db
from marketplace.models import Lead
from marketplace.services import processing
from tests.conftest import make_lead

GLOVE_ROW = 'K203321,"Glove Maker Sdn Bhd",Nitrile Examination Gloves,LZA,2020-10-01,SESE,MY\n'


@pytest.fixture
def registry_folder(clean_app, tmp_path):
    """The app's REGISTRY_FOLDER on a fresh directory, put back afterwards."""
    folder = tmp_path / "registries"
    before = clean_app.config.get("REGISTRY_FOLDER")
    clean_app.config["REGISTRY_FOLDER"] = str(folder)
    registries.configure(str(folder))
    yield folder
    clean_app.config["REGISTRY_FOLDER"] = before
    registries.configure(before)


def k510_with_gloves(tmp_path):
    texts, _ = registries._shipped_texts()
    path = tmp_path / "k510.csv"
    path.write_text(texts["k510"].rstrip("\n") + "\n" + GLOVE_ROW, encoding="utf-8")
    return path


def glove_signals(lead):
    return {s["code"]: s for s in lead.risk_signals}


def test_refresh_installs_a_new_version_and_every_lead_is_scored_again(clean_app, registry_folder, tmp_path):
    runner = clean_app.test_cli_runner()
    with clean_app.app_context():
        lead = make_lead(product_category="nitrile_gloves", unit_price="0.035", product_description="Nitrile exam gloves",
                         certification="ASTM D6319, FDA 510(k) K 203321")
        processing.process_lead(lead.id)
        old_version = db.session.get(Lead, lead.id).reference_version
        assert "k510_not_covered" in glove_signals(db.session.get(Lead, lead.id))
        lead_id = lead.id

    result = runner.invoke(args=["registries", "refresh", "--k510", str(k510_with_gloves(tmp_path)),
                                 "--as-of", "2026-11-29", "--source", "openFDA 510(k), product codes FXX and LZA",
                                 "--no-rescore"])
    assert result.exit_code == 0, result.output
    assert "installed (k510 replaced)" in result.output and "sweeper" in result.output
    with clean_app.app_context():
        version = load_reference().version
        assert version != old_version and registries.current().version in version
        # The sweeper finds the lead scored with the older registries and scores it again.
        assert lead_id in processing.leads_to_sweep(older_than=timedelta(seconds=60))
        processing.process_lead(lead_id)
        lead = db.session.get(Lead, lead_id)
        assert lead.reference_version == version
        listed = glove_signals(lead)["k510_listed"]
        assert "Glove Maker Sdn Bhd" in render_signal(listed, "staff")
        assert listed["evidence"]["as_of"] == "2026-11-29" and listed["evidence"]["rows"][0]["product code"] == "LZA"

    shown = runner.invoke(args=["registries", "show"])
    assert shown.exit_code == 0 and "2026-11-29" in shown.output and "2020-11-13" in shown.output
    assert "TC-84A-0000" in shown.output  # the placeholder row is reported, not hidden
    again = runner.invoke(args=["registries", "refresh", "--k510", str(k510_with_gloves(tmp_path)),
                                "--as-of", "2026-11-29", "--source", "openFDA 510(k), product codes FXX and LZA"])
    assert again.exit_code == 0 and "nothing changed" in again.output


def test_refresh_from_a_directory_rescores_at_once(clean_app, registry_folder, tmp_path):
    with clean_app.app_context():
        processing.process_lead(make_lead().id)
    source = tmp_path / "new"
    source.mkdir()
    k510_with_gloves(source)
    result = clean_app.test_cli_runner().invoke(args=["registries", "refresh", str(source)])
    assert result.exit_code == 0, result.output
    assert "1 lead(s) queued to be scored again" in result.output


def test_a_bad_file_is_refused_whole_and_nothing_changes(clean_app, registry_folder, tmp_path):
    texts, _ = registries._shipped_texts()
    bad = tmp_path / "niosh.csv"
    bad.write_text(texts["niosh"] + "TC-84A-12,Acme Masks,X1,No\nTC-84A-7777,,X2,No\n", encoding="utf-8")
    before = registries.current().version
    result = clean_app.test_cli_runner().invoke(args=["registries", "refresh", "--niosh", str(bad)])
    assert result.exit_code != 0
    assert "niosh row 1327: tc_number: 'TC-84A-12' is not a NIOSH approval number (TC-84A-NNNN)" in result.output
    assert "niosh row 1328: approval_holder: empty" in result.output
    assert "refused: 2 problem(s); the registries in force are unchanged" in result.output
    assert registries.current().version == before and not (registry_folder / "current.json").exists()

    latin1 = tmp_path / "eua.csv"
    latin1.write_bytes("list,date_removed,manufacturer,models,country\nappendix_a_china,,Caf\xe9 Co,X1,China\n"
                       .encode("latin-1"))
    result = clean_app.test_cli_runner().invoke(args=["registries", "refresh", "--eua", str(latin1)])
    assert result.exit_code != 0 and "not UTF-8 text" in result.output

    result = clean_app.test_cli_runner().invoke(args=["registries", "refresh"])
    assert result.exit_code != 0 and "no registry file given" in result.output
