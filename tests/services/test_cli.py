"""The flask commands a city administrator runs."""
import csv

from marketplace.cli import DEMO_ACCOUNTS
from marketplace.domain.demo_data import generate_leads
from marketplace.extensions import db
from marketplace.models import Lead, User
from tests.conftest import city_today
from tests.services.test_import_export import csv_text


def test_users_create_prompts_for_the_password(clean_app):
    runner = clean_app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "Boss@City.example", "--role", "admin"],
                           input="a strong admin passphrase\na strong admin passphrase\n")
    assert result.exit_code == 0, result.output
    with clean_app.app_context():
        user = db.session.execute(db.select(User)).scalar_one()
        assert (user.email, user.role) == ("boss@city.example", "admin")
    weak = runner.invoke(args=["users", "create", "--email", "x@city.example", "--role", "admin"],
                         input="123\n123\n")
    assert weak.exit_code != 0 and "at least 10 characters" in weak.output


def test_leads_import_and_export_commands(clean_app, tmp_path):
    rows = generate_leads(30)
    rows[5]["email"] = "broken"
    source = tmp_path / "leads.csv"
    source.write_text(csv_text(rows), encoding="utf-8")
    runner = clean_app.test_cli_runner()
    result = runner.invoke(args=["leads", "import", str(source)])
    assert result.exit_code == 0, result.output
    assert "row 7: email: Not a valid e-mail address" in result.output
    assert "imported 29, updated 0, unchanged 0, rejected 1" in result.output
    # The same file again is answered with its first import (issue 10, item 11): nothing is read twice.
    again = runner.invoke(args=["leads", "import", str(source)])
    assert "given to import before: import 1" in again.output
    assert "imported 29, updated 0, unchanged 0, rejected 1" in again.output
    # A file with one more row is a new import: its known rows are unchanged, the new one imported.
    source.write_text(csv_text(rows + generate_leads(31)[30:]), encoding="utf-8")
    changed = runner.invoke(args=["leads", "import", str(source)])
    assert "imported 1, updated 0, unchanged 29, rejected 1" in changed.output, changed.output

    target = tmp_path / "out.csv"
    result = runner.invoke(args=["leads", "export", str(target)])
    assert result.exit_code == 0 and "exported 30 leads" in result.output
    with open(target, newline="") as stream:
        exported = list(csv.DictReader(stream))
    assert len(exported) == 30 and {row["status"] for row in exported} == {"submitted"}
    assert exported[0]["external_id"] == rows[0]["external_id"]


def test_import_refuses_a_file_with_the_wrong_header(clean_app, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("name,price\nx,1\n")
    result = clean_app.test_cli_runner().invoke(args=["leads", "import", str(source)])
    assert result.exit_code != 0 and "lacks the column" in result.output


def test_seed_creates_one_account_per_role_and_leads(clean_app):
    result = clean_app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    for _role, email, password, *_ in DEMO_ACCOUNTS:
        assert email in result.output and password in result.output
    with clean_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Lead)) == 60
        roles = set(db.session.execute(db.select(User.role)).scalars())
        assert roles == {"admin", "vetter", "supplier", "buyer"}
        buyer = db.session.execute(db.select(User).where(User.role == "buyer")).scalar_one()
        assert buyer.organisation.licence_number == "1234567893"  # the demo hospital has its delivery details
    client = clean_app.test_client()
    from tests.conftest import login
    login(client, "supplier@example.com", "demo-supplier-pass-2026")
    assert "Submitted" in client.get("/leads").get_data(as_text=True)


def test_export_clusters_gives_one_cluster_per_supplier(clean_app, tmp_path):
    from marketplace.services import processing

    rows = generate_leads(40)
    source = tmp_path / "leads.csv"
    source.write_text(csv_text(rows), encoding="utf-8")
    runner = clean_app.test_cli_runner()
    runner.invoke(args=["leads", "import", str(source)])
    with clean_app.app_context():
        for lead_id in db.session.execute(db.select(Lead.id)).scalars():
            processing.process_lead(lead_id)  # with Redis configured the import only enqueued them
    target = tmp_path / "clusters.csv"
    result = runner.invoke(args=["leads", "export-clusters", str(target)])
    assert result.exit_code == 0, result.output
    with open(target, newline="") as stream:
        exported = list(csv.DictReader(stream))
    assert len(exported) == 40 and set(exported[0]) == {"external_id", "lead_id", "cluster"}
    by_website = {}
    for row, source_row in zip(exported, rows):
        assert row["external_id"] == source_row["external_id"]
        if source_row["supplier_type"] != "broker":
            by_website.setdefault(source_row["website"].replace("https://", "").replace("www.", ""), set()).add(row["cluster"])
    # The demo's companies come back as one cluster per website domain.
    assert all(len(clusters) == 1 for domain, clusters in by_website.items()), by_website
    full = tmp_path / "all.csv"
    runner.invoke(args=["leads", "export", str(full)])
    with open(full, newline="") as stream:
        first = next(csv.DictReader(stream))
    assert first["risk_score"].isdigit() and first["cluster"]


def test_the_whole_matching_loop_from_the_command_line(clean_app, tmp_path):
    """Issue 4: import suppliers the city already vetted (--status approved) and a list of
    requests, compute the plan, export it."""
    from datetime import timedelta

    from marketplace.domain.demand import DEMAND_COLUMNS

    leads_rows = generate_leads(6, seed=3)
    for index, row in enumerate(leads_rows):
        row.update(product_category="nitrile_gloves", unit_price="0.10", quantity="40000", min_order_qty="",
                   lead_time_days="2", postal_code="90802", external_id=f"VET-{index}")
    (tmp_path / "vetted.csv").write_text(csv_text(leads_rows), encoding="utf-8")
    soon = (city_today() + timedelta(days=7)).isoformat()
    (tmp_path / "requests.csv").write_text("\n".join([
        ",".join(DEMAND_COLUMNS),
        f"REQ-1,County General,nitrile_gloves,100000,0.15,{soon},90033,2,hospital,",
        f"REQ-2,Harbor Shelter,nitrile_gloves,300000,0.12,{soon},90731,20,shelter,",
        f"REQ-3,Harbor Shelter,nitrile_gloves,lots,0.12,{soon},90731,20,shelter,",
    ]) + "\n", encoding="utf-8")
    runner = clean_app.test_cli_runner()
    result = runner.invoke(args=["leads", "import", str(tmp_path / "vetted.csv"), "--status", "approved"])
    assert result.exit_code == 0 and "imported 6" in result.output, result.output
    with clean_app.app_context():
        assert {lead.status for lead in db.session.execute(db.select(Lead)).scalars()} == {"approved"}
    result = runner.invoke(args=["demand", "import", str(tmp_path / "requests.csv")])
    assert result.exit_code == 0, result.output
    assert "row 4: quantity: The quantity must be a whole number" in result.output
    assert "imported 2, updated 0, unchanged 0, rejected 1" in result.output

    result = runner.invoke(args=["matching", "run"])
    assert result.exit_code == 0, result.output
    # 240,000 units for 400,000 needed: the urgent hospital (2 days left) is filled first.
    assert "240,000 of 400,000 units needed (60.0%) from 6 offer(s) to 2 request(s)" in result.output
    result = runner.invoke(args=["matching", "export", str(tmp_path / "plan.csv")])
    assert result.exit_code == 0, result.output
    with open(tmp_path / "plan.csv", newline="") as stream:
        lines = list(csv.DictReader(stream))
    assert set(lines[0]) == {"demand_external_id", "lead_external_id", "quantity", "unit_price"}
    by_request: dict[str, int] = {}
    for line in lines:
        by_request[line["demand_external_id"]] = by_request.get(line["demand_external_id"], 0) + int(line["quantity"])
        assert line["lead_external_id"].startswith("VET-") and line["unit_price"] == "0.1"
    assert by_request == {"REQ-1": 100000, "REQ-2": 140000}


def test_matching_export_without_a_plan_says_so(clean_app, tmp_path):
    result = clean_app.test_cli_runner().invoke(args=["matching", "export", str(tmp_path / "plan.csv")])
    assert result.exit_code != 0 and "no plan yet" in result.output


def test_cli_and_web_upload_read_a_windows_1252_file_the_same_way(clean_app, tmp_path):
    """Intake case c02b (issue 8, item 9): 79 leads in Windows-1252, one accented name on row 61.
    The CLI used to import 46 and drop 33 rows silently. Now both paths go through one decoder: the
    file is refused whole (with how its line would read), then read whole once its encoding is named."""
    import io
    from pathlib import Path

    from tests.conftest import login, make_user, post_form, run_imports

    path = Path(__file__).parents[1] / "cases" / "c02b_cp1252_big.csv"
    data = path.read_bytes()
    runner = clean_app.test_cli_runner()
    refused = runner.invoke(args=["leads", "import", str(path)])
    assert refused.exit_code != 0
    assert "File refused: the file is not UTF-8 text (line 61); read as Windows-1252 it would give: Müller" \
        in refused.output
    client = clean_app.test_client()
    with clean_app.app_context():
        assert db.session.execute(db.select(db.func.count(Lead.id))).scalar() == 0
        make_user("vetter", "v@city.example")
    login(client, "v@city.example")
    location = post_form(client, "/staff/import", {"file": (io.BytesIO(data), "leads.csv")},
                         content_type="multipart/form-data").location
    run_imports(clean_app)  # with Redis, as a worker would
    page = client.get(location).get_data(as_text=True)
    assert "File refused: the file is not UTF-8 text (line 61)" in page

    result = runner.invoke(args=["leads", "import", "--encoding", "Windows-1252", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported 79, updated 0, unchanged 0, rejected 0 (read as Windows-1252)" in result.output
    with clean_app.app_context():
        names = set(db.session.execute(db.select(Lead.company_name)).scalars())
        assert len(names) == 79 and "Medizintechnik Müller GmbH" in names
    location = post_form(client, "/staff/import", {"file": (io.BytesIO(data), "leads.csv"), "encoding": "Windows-1252"},
                         content_type="multipart/form-data").location
    run_imports(clean_app)
    page = client.get(location).get_data(as_text=True)
    assert "<strong>0</strong> imported" in page and "<strong>79</strong> unchanged" in page
    assert "read as Windows-1252" in page


def test_a_file_in_another_code_page_is_refused_whole(clean_app, tmp_path):
    """A second example of the kind: a Chinese Excel file (GBK) would have imported as gibberish."""
    rows = generate_leads(3)
    rows[1]["company_name"] = "东莞市明达防护用品有限公司"
    source = tmp_path / "gbk.csv"
    source.write_bytes(csv_text(rows).encode("gbk"))
    result = clean_app.test_cli_runner().invoke(args=["leads", "import", str(source)])
    assert result.exit_code != 0
    assert "File refused: the file is not UTF-8" in result.output and "CSV UTF-8" in result.output
    assert "would give" not in result.output  # no gibberish shown as a reading
    wrong = clean_app.test_cli_runner().invoke(args=["leads", "import", "--encoding", "windows-1252", str(source)])
    assert wrong.exit_code != 0 and "read as Windows-1252, line 3 gives" in wrong.output
    with clean_app.app_context():
        assert db.session.execute(db.select(db.func.count(Lead.id))).scalar() == 0


def test_a_semicolon_separated_file_is_refused_with_the_hint(clean_app, tmp_path):
    rows = generate_leads(2)
    text = csv_text(rows).replace(",", ";")
    source = tmp_path / "semicolons.csv"
    source.write_text(text, encoding="utf-8")
    for command in (["leads", "import"], ["demand", "import"]):
        result = clean_app.test_cli_runner().invoke(args=[*command, str(source)])
        assert result.exit_code != 0
        assert "separated by ';', not commas" in result.output


def test_the_demo_data_exports_and_reimports_unchanged(clean_app, tmp_path):
    """The bootstrap's demo data (seed_demo: form leads of the demo supplier without an
    external_id, approved leads, a released plan) read back from its own export: nothing is new
    (tester finding 2: the 10 form leads were imported again, then 20, as duplicates)."""
    from marketplace.services import processing

    runner = clean_app.test_cli_runner()
    assert runner.invoke(args=["seed"]).exit_code == 0
    with clean_app.app_context():
        for lead_id in db.session.execute(db.select(Lead.id)).scalars():
            processing.process_lead(lead_id)  # with Redis configured the seed only enqueued them
        assert db.session.scalar(db.select(db.func.count()).select_from(Lead).where(Lead.external_id.is_(None))) == 10
    target = tmp_path / "demo.csv"
    assert "exported 60 leads" in runner.invoke(args=["leads", "export", str(target)]).output
    for _ in range(2):
        result = runner.invoke(args=["leads", "import", str(target)])
        assert "imported 0, updated 0, unchanged 60, rejected 0" in result.output, result.output
        assert "exported 60 leads" in runner.invoke(args=["leads", "export", str(target)]).output
