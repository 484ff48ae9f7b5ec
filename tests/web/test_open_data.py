"""/open-data (public daily aggregates with their data dictionary, read from the snapshot a job
counted) and `flask open-data ocds` (the OCDS 1.1 release package of accepted and delivered
matches), end to end on a small marketplace."""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.domain import ocds
from marketplace.domain.disclosure import MIN_ORGANISATIONS
from marketplace.domain.open_data import FIELD_NAMES
from marketplace.extensions import db
from marketplace.jobs.tasks import refresh_open_data_job
from marketplace.models import SummarySnapshot
from marketplace.services import matches, planning, processing
from marketplace.services import open_data as open_data_service
from tests.conftest import approve, make_lead, make_request, make_user

PRICE, MAXIMUM = "0.7911", "1.4713"


def build(app, organisations: int) -> dict:
    """``organisations`` hospitals, each posting one N95 request, and as many suppliers, each with an
    approved offer; the city proposes 1,000 + i units of offer i to request i, and each match is
    accepted, ordered and delivered."""
    with app.app_context():
        vetter = make_user("vetter")
        world = {"requests": [], "matches": []}
        for i in range(organisations):
            buyer = make_user("buyer", verified=True)
            supplier = make_user("supplier")
            lead = make_lead(supplier, company_name=f"Quillon Supply {i}", email=f"sales@quillon{i}.example",
                             website=f"quillon{i}.example", phone=f"(213) 555-02{10 + i}", contact_name=f"Ana Ruiz{i}",
                             unit_price=PRICE, quantity="40000")
            processing.process_lead(lead.id)
            db.session.commit()
            approve(lead, vetter)
            request = make_request(buyer, quantity=str(7001 + i), max_unit_price=MAXIMUM)
            match = planning.propose(request, lead.id, 1000 + i, vetter)
            db.session.commit()
            for actor, action in ((buyer, "accept"), (buyer, "mark_ordered"), (vetter, "mark_delivered")):
                matches.act_on_match(match, actor, action)
                db.session.commit()
            world["requests"].append(request.id)
            world["matches"].append(match.id)
        db.session.remove()
    return world


def count(app) -> None:
    """What the job does when the newest count is too old: count the daily table into a snapshot."""
    with app.app_context():
        assert refresh_open_data_job().startswith("open data ")


def test_three_organisations_each_side_are_published(clean_app):
    build(clean_app, MIN_ORGANISATIONS)
    count(clean_app)
    client = clean_app.test_client()  # signed out
    response = client.get("/open-data/daily.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert tuple(rows[0]) == FIELD_NAMES
    [row] = rows  # one city date, one category
    assert row["category"] == "n95_respirator"
    assert (row["requests_posted"], row["units_requested"]) == ("3", "21000")  # 21,006 rounded
    assert (row["leads_approved"], row["units_offered"]) == ("3", "120000")
    assert row["units_proposed"] == row["units_accepted"] == row["units_delivered"] == "3000"  # 3,003 rounded
    assert row["median_days_to_delivery"] == "0.0"

    data = client.get("/open-data/daily.json").get_json()
    assert data["rows"][0]["units_delivered"] == 3000 and data["rows"][0]["median_days_to_delivery"] == 0.0
    assert [f["name"] for f in data["schema"]["fields"]] == list(FIELD_NAMES)
    package = client.get("/open-data/datapackage.json").get_json()
    assert package["resources"][0]["path"].endswith("/open-data/daily.csv")
    page = client.get("/open-data").get_data(as_text=True)
    assert "median_days_to_delivery" in page and "fewer than 3" in page and "3,000" in page
    for body in (page, json.dumps(data), response.get_data(as_text=True)):
        for private in ("Quillon", "quillon", "Hospital", PRICE, MAXIMUM, "Ana Ruiz"):
            assert private not in body, private


def test_fewer_than_three_organisations_are_suppressed(clean_app):
    build(clean_app, MIN_ORGANISATIONS - 1)
    count(clean_app)
    client = clean_app.test_client()
    [row] = list(csv.DictReader(io.StringIO(client.get("/open-data/daily.csv").get_data(as_text=True))))
    for name in FIELD_NAMES[3:]:
        assert row[name] == "", (name, row[name])
    data = client.get("/open-data/daily.json").get_json()
    assert all(data["rows"][0][name] is None for name in FIELD_NAMES[3:])
    page = client.get("/open-data").get_data(as_text=True)
    for figure in ("14003", "7001", "7002", "2001", "1000", "1001", "80000"):
        assert figure not in page.replace(",", "") and figure not in json.dumps(data)


def test_an_empty_marketplace_publishes_an_empty_table(clean_app):
    count(clean_app)
    client = clean_app.test_client()
    assert client.get("/open-data/daily.csv").get_data(as_text=True).strip() == ",".join(FIELD_NAMES)
    assert client.get("/open-data/daily.json").get_json()["rows"] == []
    assert "Nothing to publish yet" in client.get("/open-data").get_data(as_text=True)


# --- flask open-data ocds ---------------------------------------------------------------------

@pytest.fixture
def ocds_settings(clean_app, monkeypatch):
    monkeypatch.setitem(clean_app.config, "OCDS_PREFIX", "ocds-t3st01")
    monkeypatch.setitem(clean_app.config, "OCDS_PUBLISH", ())
    monkeypatch.setitem(clean_app.config, "OPEN_DATA_PUBLISHER", "City of Example, Procurement")
    return clean_app


def test_the_ocds_export_writes_a_valid_package(ocds_settings, tmp_path):
    app = ocds_settings
    world = build(app, 2)
    with app.app_context():  # a third match only accepted, and a fourth only proposed (not published)
        buyer, supplier, vetter = make_user("buyer", verified=True), make_user("supplier"), make_user("vetter")
        lead = make_lead(supplier, company_name="Ardent Gloves", email="sales@ardent.example", website="ardent.example",
                         phone="(213) 555-0299", product_category="nitrile_gloves", unit_price="0.0625")
        processing.process_lead(lead.id)
        db.session.commit()
        approve(lead, vetter, note="1.79x the reference: the only gloves to be had")  # over the ceiling
        request = make_request(buyer, category="nitrile_gloves", quantity="90001", max_unit_price=MAXIMUM)
        accepted = planning.propose(request, lead.id, 5000, vetter)
        db.session.commit()
        matches.act_on_match(accepted, buyer, "accept")
        db.session.commit()
        planning.propose(request, lead.id, 700, vetter)
        db.session.commit()
        db.session.remove()
    target = tmp_path / "ocds.json"
    result = app.test_cli_runner().invoke(args=["open-data", "ocds", str(target)])
    assert result.exit_code == 0, result.output
    package = json.loads(target.read_text())
    assert ocds.validate(package) == []
    assert len(package["releases"]) == 3
    assert package["publisher"]["name"] == "City of Example, Procurement"
    assert package["uri"] == "http://127.0.0.1:5000/open-data#ocds"  # OCDS_PACKAGE_URI not set: the page's section
    contracts = [c for r in package["releases"] for c in r["contracts"]]
    assert sorted(c["status"] for c in contracts) == ["pending", "terminated", "terminated"]
    quantities = sorted(a["items"][0]["quantity"] for r in package["releases"] for a in r["awards"])
    assert quantities == [1000, 1001, 5000]  # the proposal of 700 is not an award
    text = target.read_text()
    # The city chose no optional fields: no prices, addresses or contacts; never the buyer's maximum
    # or the request's size.
    for private in (PRICE, "0.0625", MAXIMUM, "amount", "7001", "90001", "sales@", "Ana Ruiz", "555-02"):
        assert private not in text, private
    assert "Ardent Gloves" in text and "Quillon Supply 0" in text  # suppliers are named, as OCDS does
    assert world["matches"][0] and f"match-{world['matches'][0]}" in text


def test_the_ocds_export_refuses_without_a_prefix(clean_app, tmp_path, monkeypatch):
    monkeypatch.setitem(clean_app.config, "OCDS_PREFIX", None)
    target = tmp_path / "ocds.json"
    result = clean_app.test_cli_runner().invoke(args=["open-data", "ocds", str(target)])
    assert result.exit_code != 0 and "OCDS_PREFIX" in result.output
    assert not target.exists()


def test_the_ocds_export_refuses_an_invalid_package(ocds_settings, tmp_path, monkeypatch):
    build(ocds_settings, 1)
    real = ocds.release_package

    def broken(*args, **kwargs):  # a bug that drops a required field
        package = real(*args, **kwargs)
        del package["releases"][0]["initiationType"]
        return package

    monkeypatch.setattr(open_data_service.ocds, "release_package", broken)
    target = tmp_path / "ocds.json"
    result = ocds_settings.test_cli_runner().invoke(args=["open-data", "ocds", str(target)])
    assert result.exit_code != 0
    assert "does not validate" in result.output and "'initiationType' is a required property" in result.output
    assert not target.exists() and not (tmp_path / "ocds.json.tmp").exists()


def test_an_empty_export_is_refused_not_written_invalid(ocds_settings, tmp_path):
    target = tmp_path / "ocds.json"
    result = ocds_settings.test_cli_runner().invoke(args=["open-data", "ocds", str(target)])
    assert result.exit_code != 0 and "No match has been accepted yet" in result.output
    assert not target.exists()


def _never_counted_in_a_request(*args, **kwargs):
    raise AssertionError("a request counted the daily table")


def test_the_page_and_downloads_read_the_newest_count_and_never_count(clean_app, monkeypatch):
    """Every public route serves the newest snapshot, says when it was counted, and counts nothing:
    a fourth organisation's request is not published until the job counts again."""
    build(clean_app, MIN_ORGANISATIONS)
    count(clean_app)
    with clean_app.app_context():
        counted_at = open_data_service.published().as_of
        buyer = make_user("buyer", verified=True)
        make_request(buyer, quantity="5000", max_unit_price=MAXIMUM)
        db.session.remove()
    real_daily = open_data_service.daily
    monkeypatch.setattr(open_data_service, "daily", _never_counted_in_a_request)
    client = clean_app.test_client()
    before = "21000"  # 7001 + 7002 + 7003, rounded to two significant figures
    page = client.get("/open-data")
    assert page.status_code == 200 and page.last_modified == counted_at.replace(microsecond=0)
    assert "Figures as of" in page.get_data(as_text=True) and "21,000" in page.get_data(as_text=True)
    response = client.get("/open-data/daily.csv")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    [row] = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert row["units_requested"] == before and response.last_modified == counted_at.replace(microsecond=0)
    data = client.get("/open-data/daily.json").get_json()
    assert data["as_of"] == counted_at.isoformat() and data["rows"][0]["units_requested"] == int(before)

    monkeypatch.setattr(open_data_service, "daily", real_daily)
    count(clean_app)  # the job counts again: now the fourth organisation's request is in
    monkeypatch.setattr(open_data_service, "daily", _never_counted_in_a_request)
    data = client.get("/open-data/daily.json").get_json()
    assert data["rows"][0]["units_requested"] == 26_000 and data["as_of"] > counted_at.isoformat()  # 26,006 rounded


def test_before_the_first_count_the_figures_are_being_prepared(clean_app, monkeypatch):
    """No snapshot yet: the page answers at once that the figures are being prepared (never a
    500, never a count in the request), the files 503 with Retry-After."""
    build(clean_app, MIN_ORGANISATIONS)
    monkeypatch.setattr(open_data_service, "daily", _never_counted_in_a_request)
    client = clean_app.test_client()
    page = client.get("/open-data")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.last_modified is None
    assert "The figures are being prepared" in text and "Figures as of" not in text and "21,000" not in text
    assert "median_days_to_delivery" in text  # the data dictionary is there all the same
    for url in ("/open-data/daily.csv", "/open-data/daily.json"):
        response = client.get(url)
        assert response.status_code == 503 and response.headers["Retry-After"] == "60"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "being prepared" in response.get_data(as_text=True)
    assert client.get("/open-data/datapackage.json").status_code == 200


def test_the_job_stores_the_count_and_keeps_a_few(clean_app):
    """The job writes the counted rows (exactly daily()'s, suppression applied) as the newest
    snapshot of its kind; older counts beyond KEEP_SNAPSHOTS go, and the dashboard's are not touched."""
    from marketplace.services import dashboard, snapshots

    build(clean_app, MIN_ORGANISATIONS - 1)
    ids = select(SummarySnapshot.id).order_by(SummarySnapshot.id)
    with clean_app.app_context():
        dashboard.refresh()
        db.session.commit()
        dashboards = db.session.scalars(ids.where(SummarySnapshot.kind == "dashboard")).all()
        assert open_data_service.refresh_due()
    for _unused in range(snapshots.KEEP_SNAPSHOTS + 2):
        count(clean_app)
    with clean_app.app_context():
        published = open_data_service.published()
        assert published.rows == open_data_service.daily() and len(published.rows) == 1
        assert published.rows[0]["units_requested"] is None  # two buyers: suppressed, as counted
        assert len(db.session.scalars(ids.where(SummarySnapshot.kind == "open_data")).all()) == snapshots.KEEP_SNAPSHOTS
        assert db.session.scalars(ids.where(SummarySnapshot.kind == "dashboard")).all() == dashboards
        assert "categories" in dashboard.latest().figures  # still the dashboard's own figures
        assert not open_data_service.refresh_due()


def test_flask_open_data_refresh_counts_now(clean_app):
    build(clean_app, 1)
    result = clean_app.test_cli_runner().invoke(args=["open-data", "refresh"])
    assert result.exit_code == 0 and result.output.startswith("Counted 1 row(s) in "), result.output
    with clean_app.app_context():
        assert [row["category"] for row in open_data_service.published().rows] == ["n95_respirator"]


def test_the_sweeper_counts_when_the_newest_count_is_too_old(app_ctx, monkeypatch):
    from flask import current_app

    from marketplace.jobs import worker
    from marketplace.models.base import utcnow

    app = current_app._get_current_object()
    asked: list[str] = []
    monkeypatch.setattr(worker, "enqueue_open_data_refresh", lambda: asked.append("count") or True)
    worker.sweep(app)
    assert asked == ["count"]  # no count yet
    open_data_service.refresh()
    db.session.commit()
    worker.sweep(app)
    assert asked == ["count"]  # a fresh count: nothing to do
    db.session.execute(db.update(SummarySnapshot).where(SummarySnapshot.kind == "open_data").values(
        computed_at=utcnow() - current_app.config["OPEN_DATA_MAX_AGE"] - timedelta(seconds=1)))
    db.session.commit()
    worker.sweep(app)
    assert asked == ["count", "count"]


def test_on_the_embedded_default_a_request_counts_after_its_response(app_ctx):
    """Without Redis (no sweeper): the request that finds no count (or one older than
    OPEN_DATA_MAX_AGE) answers first, then counts; the next requests do not look again until the
    newest count will be too old. With Redis the hook is not installed (the sweeper counts)."""
    from tests.web.test_csrf_and_headers import fresh_app

    build(app_ctx, MIN_ORGANISATIONS)
    newest = select(func.count()).select_from(SummarySnapshot).where(SummarySnapshot.kind == "open_data")
    with fresh_app(app_ctx, OPEN_DATA_REFRESH_AFTER_REQUEST=True, REDIS_URL=None) as other:
        client = other.test_client()
        response = client.get("/open-data")
        assert "The figures are being prepared" in response.get_data(as_text=True)  # not counted in the request
        db.session.expire_all()
        assert db.session.scalar(newest) == 0
        response.close()  # the response has gone out: now it counts
        db.session.expire_all()
        assert db.session.scalar(newest) == 1
        assert "21,000" in client.get("/open-data").get_data(as_text=True)
        client.get("/open-data/daily.csv").close()
        client.get("/login").close()  # within OPEN_DATA_MAX_AGE: nobody counts again
        db.session.expire_all()
        assert db.session.scalar(newest) == 1


def test_days_are_the_citys_dates_counted_in_the_database(clean_app):
    """05:30 UTC on 2 April is 22:30 on 1 April in Los Angeles (CITY_TIMEZONE): the database groups
    by the city's date (models.base.city_date, on PostgreSQL and SQLite alike)."""
    from datetime import UTC, datetime

    with clean_app.app_context():
        buyers = [make_user("buyer", verified=True) for _ in range(3)]
        for buyer, hour in zip(buyers, (5, 6, 7), strict=True):  # 22:30, 23:30 on 1 April; 00:30 on 2 April
            request = make_request(buyer, quantity="100")
            request.created_at = datetime(2026, 4, 2, hour, 30, tzinfo=UTC)
            db.session.commit()
        db.session.remove()
    count(clean_app)
    rows = clean_app.test_client().get("/open-data/daily.json").get_json()["rows"]
    assert [(r["date"], r["units_requested"]) for r in rows] == [("2026-04-01", None), ("2026-04-02", None)]


def test_the_waiting_and_as_of_texts_are_in_the_readers_language(clean_app):
    client = clean_app.test_client()
    spanish = {"Accept-Language": "es"}
    assert "Las cifras se están preparando" in client.get("/open-data", headers=spanish).get_data(as_text=True)
    response = client.get("/open-data/daily.csv", headers=spanish)
    assert response.status_code == 503 and "Inténtelo de nuevo" in response.get_data(as_text=True)
    count(clean_app)
    page = client.get("/open-data", headers=spanish).get_data(as_text=True)
    assert "Cifras a fecha de" in page and "Figures as of" not in page


# --- two counts read signed out must not give one organisation's figure away (disclosure.public_figure) ---

def _csv_row(client, category):
    rows = list(csv.DictReader(io.StringIO(client.get("/open-data/daily.csv").get_data(as_text=True))))
    return next(r for r in rows if r["category"] == category)


def _approved_offer(vetter, number, category, quantity):
    supplier = make_user("supplier")
    lead = make_lead(supplier, company_name=f"Wipes Supply {number}", email=f"sales@wipes{number}.example",
                     website=f"wipes{number}.example", phone=f"(213) 555-03{10 + number}",
                     contact_name=f"Luis Vega{number}", product_category=category, quantity=str(quantity))
    processing.process_lead(lead.id)
    db.session.commit()
    approve(lead, vetter)
    assert lead.status == "approved"


def test_one_huge_offer_approved_between_two_counts_cannot_be_read_off_the_csv(clean_app):
    """The reported case: 2,755,000 disinfectant wipes offered by three suppliers; a vetter approves
    ONE offer of 500,000,000. The two CSVs differed by exactly that offer; now the cell is suppressed."""
    with clean_app.app_context():
        vetter = make_user("vetter")
        for number, quantity in enumerate((1_000_000, 1_000_000, 755_000)):
            _approved_offer(vetter, number, "disinfectant_wipes", quantity)
        db.session.remove()
    count(clean_app)
    client = clean_app.test_client()  # signed out
    before = _csv_row(client, "disinfectant_wipes")
    assert (before["leads_approved"], before["units_offered"]) == ("3", "2800000")
    with clean_app.app_context():
        _approved_offer(make_user("vetter"), 3, "disinfectant_wipes", 500_000_000)
        db.session.remove()
    count(clean_app)
    after = _csv_row(client, "disinfectant_wipes")
    assert after["units_offered"] == "" and after["leads_approved"] == ""
    assert "500000000" not in client.get("/open-data/daily.json").get_data(as_text=True)


def test_one_buyers_request_posted_between_two_counts_does_not_show_in_the_csv(clean_app):
    """Same kind, demand side: three hospitals ask for 1,000,000 gloves; a fourth posts one request of
    20,000. Under the rounding base, the two CSVs are the same."""
    with clean_app.app_context():
        for quantity in (400_000, 350_000, 250_000):
            make_request(make_user("buyer", verified=True), category="nitrile_gloves", quantity=str(quantity),
                         max_unit_price="0.50")
        db.session.remove()
    count(clean_app)
    client = clean_app.test_client()
    before = _csv_row(client, "nitrile_gloves")
    with clean_app.app_context():
        make_request(make_user("buyer", verified=True), category="nitrile_gloves", quantity="20000",
                     max_unit_price="0.50")
        db.session.remove()
    count(clean_app)
    after = _csv_row(client, "nitrile_gloves")
    assert before["units_requested"] == after["units_requested"] == "1000000"
