"""Words hospitals use (issue 11 item 15) on the request form and in a demand import."""
import io
from datetime import timedelta

from marketplace.domain.demand import DEMAND_COLUMNS
from marketplace.extensions import db
from marketplace.models import DemandRequest
from marketplace.services import demand
from tests.conftest import city_today, login, make_user, post_form, valid_demand
from tests.web.test_lead_form_figures import field_errors

SOON = (city_today() + timedelta(days=7)).isoformat()


def saved(clean_app) -> list[DemandRequest]:
    with clean_app.app_context():
        return list(db.session.execute(db.select(DemandRequest)).scalars())


def test_the_request_form_reads_hospital_words_and_asks_units_not_boxes(client, clean_app):
    with clean_app.app_context():
        make_user("buyer", "buyer@hospital.example", verified=True)
    login(client, "buyer@hospital.example")
    boxes = post_form(client, "/buyer/requests/new", valid_demand(quantity="10 boxes"))
    assert boxes.status_code == 200 and saved(clean_app) == []
    assert field_errors(boxes.get_data(as_text=True))["quantity"].startswith("Give units, not boxes")
    cases = post_form(client, "/buyer/requests/new", valid_demand(quantity="4 cases"))
    assert field_errors(cases.get_data(as_text=True))["quantity"].startswith("Give units, not cases")
    done = post_form(client, "/buyer/requests/new",
                     valid_demand(category="Gloves (nitrile)", facility_type="SNF", max_unit_price="0.20"))
    assert done.status_code == 302
    [request] = saved(clean_app)
    assert (request.category, request.facility_type) == ("nitrile_gloves", "long_term_care")


def test_a_demand_import_reads_hospital_words_and_says_units_not_boxes_per_row(app_ctx):
    stream = io.StringIO("\n".join([
        ",".join(DEMAND_COLUMNS),
        f"R1,County General,N95,20000,1.50,{SOON},90033,2,SNF,KN95",
        f"R2,County General,gowns,5000,3.00,{SOON},90033,4,nursing home,",
        f"R3,County General,Gloves (nitrile),10 boxes,0.20,{SOON},90033,4,hospital,",
        f"R4,County General,n95_respirator,3 pallets,1.50,{SOON},90033,4,hospital,",
    ]) + "\n")
    report = demand.import_demand(stream, actor_id=None)
    assert report.imported == 2
    assert [(r.row, r.reason.split(":")[0]) for r in report.rejected] == [(4, "quantity"), (5, "quantity")]
    assert report.rejected[0].reason.startswith("quantity: Give units, not boxes")
    assert report.rejected[1].reason.startswith("quantity: Give units, not pallets")
    rows = {r.external_id: r for r in db.session.execute(db.select(DemandRequest)).scalars()}
    assert (rows["R1"].category, rows["R1"].facility_type) == ("n95_respirator", "long_term_care")
    assert rows["R1"].substitutes == ["kn95_respirator"]
    assert (rows["R2"].category, rows["R2"].facility_type) == ("isolation_gown", "long_term_care")


def test_a_number_with_the_products_words_is_refused_on_both_forms_and_in_an_import(client, clean_app):
    """"2,000 N95 respirators" as a quantity: refused, saying to write the number alone (request form,
    offer form, demand CSV), never saved as 2000 nor as anything else."""
    from tests.web.test_lead_form_figures import VALID_LEAD, saved_leads, supplier

    with clean_app.app_context():
        make_user("buyer", "buyer@hospital.example", verified=True)
    login(client, "buyer@hospital.example")
    response = post_form(client, "/buyer/requests/new", valid_demand(quantity="2,000 N95 respirators"))
    assert response.status_code == 200 and saved(clean_app) == []
    assert field_errors(response.get_data(as_text=True))["quantity"].startswith(
        "Write only the number of units as the quantity, for example 2000 (the product goes in its own")
    client.get("/logout")
    supplier(client, clean_app)
    offer = post_form(client, "/leads/new", {**VALID_LEAD, "quantity": "500 nitrile gloves"})
    assert offer.status_code == 200 and saved_leads(clean_app) == []
    assert field_errors(offer.get_data(as_text=True))["quantity"].startswith(
        "Write only the number of units as the quantity, for example 500")
    with clean_app.app_context():
        stream = io.StringIO(",".join(DEMAND_COLUMNS) + "\n"
                             f"R9,County General,N95,\"2,000 N95 respirators\",1.50,{SOON},90033,2,SNF,\n")
        report = demand.import_demand(stream, actor_id=None)
        assert report.imported == 0
        assert report.rejected[0].reason.startswith("quantity: Write only the number of units as the quantity, "
                                                    "for example 2000")


def test_a_demand_import_reads_common_words_and_refuses_ambiguous_ones_in_plain_labels(app_ctx):
    stream = io.StringIO("\n".join([
        ",".join(DEMAND_COLUMNS),
        f"W1,County General,exam gloves,2000,0.20,{SOON},90033,2,Fire Dept,",
        f"W2,County General,N-95,3000,1.50,{SOON},90033,2,hospital,wipes",
        f"W3,County General,masks,1000,1.50,{SOON},90033,2,hospital,",
        f"W4,County General,respirators,1000,1.50,{SOON},90033,2,hospital,",
        f"W5,County General,glovs,1000,1.50,{SOON},90033,2,hospital,",
    ]) + "\n")
    report = demand.import_demand(stream, actor_id=None)
    assert report.imported == 2
    reasons = [r.reason for r in report.rejected]
    assert reasons[0] == "category: 'masks' could be: Surgical mask, N95 respirator, KN95 respirator. Write the one you mean"
    assert reasons[1] == "category: 'respirators' could be: N95 respirator, KN95 respirator. Write the one you mean"
    assert reasons[2].startswith("category: Unknown category 'glovs'. Did you mean 'Nitrile gloves'?")
    assert not any("n95_respirator" in reason for reason in reasons)
    rows = {r.external_id: r for r in db.session.execute(db.select(DemandRequest)).scalars()}
    assert (rows["W1"].category, rows["W1"].facility_type) == ("nitrile_gloves", "first_responders")
    assert (rows["W2"].category, rows["W2"].substitutes) == ("n95_respirator", ["disinfectant_wipes"])
