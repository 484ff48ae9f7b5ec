"""A request's specification (issue 11 item 12, and item 18's "other" rule end to end): the buyer's
form and the demand import take it (an optional column: today's files keep importing), the buyer,
staff and the supplier on a proposal see it; "other" requests are matched by it. The CSV templates
of the import pages carry the parser's own columns and an example row that imports."""
import csv
import html
import io
import re
from datetime import timedelta

from marketplace.domain.demand import DEMAND_COLUMNS, OPTIONAL_DEMAND_COLUMNS, parse_demand
from marketplace.domain.leads import LEAD_COLUMNS, parse_lead
from marketplace.domain.messages import trigger_fact
from marketplace.extensions import db
from marketplace.models import DemandRequest
from marketplace.services import demand, planning, processing, supply
from tests.conftest import approve, city_today, login, make_lead, make_request, make_user, post_form, valid_demand
from tests.web.test_lead_form_figures import field_errors

SOON = (city_today() + timedelta(days=7)).isoformat()
SPEC = "Size M, ASTM D6319, powder free"


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def saved(clean_app) -> list[DemandRequest]:
    with clean_app.app_context():
        return list(db.session.execute(db.select(DemandRequest).order_by(DemandRequest.id)).scalars())


def test_the_form_saves_the_specification_cleaned_and_shows_it_to_buyer_and_staff(client, clean_app):
    with clean_app.app_context():
        make_user("buyer", "buyer@hospital.example", verified=True)
        make_user("vetter", "staff@city.example")
    login(client, "buyer@hospital.example")
    too_long = post_form(client, "/buyer/requests/new", valid_demand(specification="x" * 501))
    assert field_errors(too_long.get_data(as_text=True))["specification"].startswith("At most 500 characters")
    control = post_form(client, "/buyer/requests/new", valid_demand(specification="size M\x07"))
    assert "control character" in field_errors(control.get_data(as_text=True))["specification"]
    assert saved(clean_app) == []  # nothing half-saved
    done = post_form(client, "/buyer/requests/new", valid_demand(specification=f"  {SPEC}\u200b  "))
    assert done.status_code == 302
    [request] = saved(clean_app)
    assert request.specification == SPEC  # trimmed, the zero-width space removed (domain.text)
    assert SPEC in _text(client.get(f"/buyer/requests/{request.id}"))
    edit = client.get(f"/buyer/requests/{request.id}/edit").get_data(as_text=True)
    assert SPEC in html.unescape(edit)  # the edit form keeps it
    client.get("/logout")
    login(client, "staff@city.example")
    assert SPEC in _text(client.get(f"/staff/requests/{request.id}"))


def test_an_other_request_without_specification_says_it_matches_nothing(client, clean_app):
    with clean_app.app_context():
        make_user("buyer", "buyer@hospital.example", verified=True)
    login(client, "buyer@hospital.example")
    post_form(client, "/buyer/requests/new", valid_demand(category="other", max_unit_price="5.00"))
    [request] = saved(clean_app)
    assert "without one it matches no offer" in _text(client.get(f"/buyer/requests/{request.id}"))


def test_the_import_takes_an_optional_specification_column(app_ctx):
    today_format = "\n".join([",".join(DEMAND_COLUMNS),
                              f"R1,County General,N95,20000,1.50,{SOON},90033,2,hospital,KN95"]) + "\n"
    assert demand.import_demand(io.StringIO(today_format), actor_id=None).imported == 1
    with_column = "\n".join([",".join(DEMAND_COLUMNS + ("specification",)),
                             f'R2,County General,other,300,20.00,{SOON},90033,2,hospital,,"Thermometers, infrared"',
                             f"R3,County General,other,300,20.00,{SOON},90033,2,hospital,,",
                             f"R4,County General,other,300,20.00,{SOON},90033,2,hospital,,{'y' * 501}"]) + "\n"
    report = demand.import_demand(io.StringIO(with_column), actor_id=None)
    assert report.imported == 2
    assert [(r.row, r.reason.split(":")[0]) for r in report.rejected] == [(4, "specification")]
    rows = {r.external_id: r.specification for r in db.session.execute(db.select(DemandRequest)).scalars()}
    assert rows == {"R1": None, "R2": "Thermometers, infrared", "R3": None}


def test_templates_are_csv_attachments_with_the_parsers_columns_and_a_valid_row(client, clean_app):
    with clean_app.app_context():
        make_user("vetter", "staff@city.example")
        make_user("buyer", "buyer@hospital.example", verified=True)
    login(client, "buyer@hospital.example")
    assert client.get("/staff/import/template.csv").status_code in (302, 403)
    client.get("/logout")
    login(client, "staff@city.example")
    assert "/staff/import/template.csv" in client.get("/staff/import").get_data(as_text=True)
    assert "/staff/requests/template.csv" in client.get("/staff/requests").get_data(as_text=True)
    leads_file = client.get("/staff/import/template.csv")
    assert leads_file.mimetype == "text/csv"
    assert leads_file.headers["Content-Disposition"] == "attachment; filename=leads-template.csv"
    header, example = list(csv.reader(io.StringIO(leads_file.get_data(as_text=True))))
    assert tuple(header) == LEAD_COLUMNS
    assert parse_lead(dict(zip(header, example)))[1] == {}
    demand_file = client.get("/staff/requests/template.csv")
    assert demand_file.headers["Content-Disposition"] == "attachment; filename=demand-template.csv"
    header, example = list(csv.reader(io.StringIO(demand_file.get_data(as_text=True))))
    assert tuple(header) == DEMAND_COLUMNS + OPTIONAL_DEMAND_COLUMNS
    with clean_app.app_context():
        assert parse_demand(dict(zip(header, example)), demand.today(), with_organisation=True)[1] == {}
        report = demand.import_demand(io.StringIO(demand_file.get_data(as_text=True)), actor_id=None)
        assert (report.imported, report.rejected) == (1, [])


def _other_lead(supplier, vetter, description, price):
    lead = make_lead(supplier, product_category="other", product_description=description, unit_price=price, min_order_qty="",
                     certification="")
    processing.process_lead(lead.id)
    db.session.commit()
    approve(lead, vetter)
    return lead


def test_other_requests_match_by_specification_and_the_supplier_sees_it(client, clean_app):
    with clean_app.app_context():
        buyer = make_user("buyer", "buyer@hospital.example", verified=True)
        supplier = make_user("supplier", "sales@supply.example")
        vetter = make_user("vetter", "v@city.example")
        bags = _other_lead(supplier, vetter, "Body bags, adult, heavy duty", "2.00")
        thermometers = _other_lead(supplier, vetter, "Infrared thermometer, non-contact", "4.00")
        request = make_request(buyer, category="other", max_unit_price="10.00", quantity="100",
                               specification="Thermometers, infrared, non-contact")
        bare = make_request(buyer, category="other", max_unit_price="10.00", quantity="100")
        assert [c.lead.id for c in supply.candidates(request)] == [thermometers.id]
        assert supply.candidates(bare) == []
        plan = planning.run_matching(trigger_fact("command"))
        db.session.commit()
        lines = {(line.demand_id, line.lead_id) for line in plan.lines}
        assert lines == {(request.id, thermometers.id)} and bags.id not in {lead for _, lead in lines}
        match = planning.propose(request, thermometers.id, 100, vetter)
        db.session.commit()
        match_id = match.id
    login(client, "sales@supply.example")
    page = _text(client.get(f"/matches/{match_id}"))
    assert "What to deliver Other: Thermometers, infrared, non-contact" in page
