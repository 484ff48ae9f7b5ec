"""The flask commands a city administrator runs."""
import csv

from marketplace.cli import DEMO_ACCOUNTS
from marketplace.domain.demo_data import generate_leads
from marketplace.extensions import db
from marketplace.models import Lead, User
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
    again = runner.invoke(args=["leads", "import", str(source)])
    assert "imported 0, updated 0, unchanged 29, rejected 1" in again.output

    target = tmp_path / "out.csv"
    result = runner.invoke(args=["leads", "export", str(target)])
    assert result.exit_code == 0 and "exported 29 leads" in result.output
    with open(target, newline="") as stream:
        exported = list(csv.DictReader(stream))
    assert len(exported) == 29 and {row["status"] for row in exported} == {"submitted"}
    assert exported[0]["external_id"] == rows[0]["external_id"]


def test_import_refuses_a_file_with_the_wrong_header(clean_app, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("name,price\nx,1\n")
    result = clean_app.test_cli_runner().invoke(args=["leads", "import", str(source)])
    assert result.exit_code != 0 and "lacks the column" in result.output


def test_seed_creates_one_account_per_role_and_leads(clean_app):
    result = clean_app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    for role, email, password, *_ in DEMO_ACCOUNTS:
        assert email in result.output and password in result.output
    with clean_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Lead)) == 60
        roles = set(db.session.execute(db.select(User.role)).scalars())
        assert roles == {"admin", "vetter", "supplier", "buyer"}
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
