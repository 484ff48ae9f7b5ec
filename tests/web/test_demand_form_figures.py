"""The buyer's form asks to confirm a maximum unit price far outside the reference, by the same
band and the same mechanism as the supplier's form (tester item 5), bound to the figure shown."""
import re

from marketplace.extensions import db
from marketplace.models import DemandRequest
from tests.conftest import login, make_user, post_form, valid_demand
from tests.web.test_lead_form_figures import confirmed_digest, field_errors


def buyer(client, clean_app):
    with clean_app.app_context():
        make_user("buyer", "buyer@hospital.example", verified=True)
    login(client, "buyer@hospital.example")


def saved(clean_app) -> list[DemandRequest]:
    with clean_app.app_context():
        return list(db.session.execute(db.select(DemandRequest)).scalars())


def test_a_box_price_as_maximum_is_saved_only_once_confirmed(client, clean_app):
    buyer(client, clean_app)
    fields = valid_demand(category="nitrile_gloves", max_unit_price="12.50")  # the tester's: a box of gloves
    first = post_form(client, "/buyer/requests/new", fields)
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and saved(clean_app) == []
    message = field_errors(html)["max_unit_price"]
    assert "357x the reference price of nitrile exam gloves" in message and "per single unit" in message
    assert 'name="confirm_figures"' in html
    # Ticking the box and changing the maximum to another figure far off asks again.
    changed = post_form(client, "/buyer/requests/new", {**fields, "max_unit_price": "25", "confirm_figures": "y",
                                                        "confirmed_figures": confirmed_digest(html)})
    assert changed.status_code == 200 and saved(clean_app) == []
    assert "714x" in field_errors(changed.get_data(as_text=True))["max_unit_price"]
    # Confirming the figure shown saves it as typed.
    done = post_form(client, "/buyer/requests/new", {**fields, "confirm_figures": "y",
                                                     "confirmed_figures": confirmed_digest(html)})
    assert done.status_code == 302
    [request] = saved(clean_app)
    assert request.max_unit_price == 12.5


def test_a_maximum_far_below_the_reference_asks_too_and_an_ordinary_one_does_not(client, clean_app):
    buyer(client, clean_app)
    low = post_form(client, "/buyer/requests/new", valid_demand(max_unit_price="0.05"))  # N95 at 5 cents
    assert low.status_code == 200 and "0.06x the reference" in field_errors(low.get_data(as_text=True))["max_unit_price"]
    page = client.get("/buyer/requests/new").get_data(as_text=True)
    assert not re.search(r'name="confirm_figures"', page)
    assert post_form(client, "/buyer/requests/new", valid_demand()).status_code == 302
