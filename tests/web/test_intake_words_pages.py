"""The intake-words brief on the pages: the offer form's "10 boxes" points to Units per pack, a
Spanish lead import's report names the file's columns as its header writes them, and a buyer's
ambiguous delivery date with one reading still ahead is taken and said back."""
import html as html_lib
import io
from datetime import date, timedelta

from marketplace.domain.i18n import format_day, use_locale
from marketplace.domain.match_status import MAX_DELIVERY_DAYS_AHEAD
from marketplace.services import leads
from tests.conftest import VALID_LEAD, city_today, post_form
from tests.services.test_import_export import csv_text
from tests.web.test_delivery_date_pages import _act, _client, _stored, match_id  # noqa: F401 (a fixture)
from tests.web.test_lead_form_figures import field_errors, saved_leads, supplier
from tests.web.test_spanish_numbers import spanish_supplier


def test_the_offer_form_points_a_count_of_boxes_to_units_per_pack(client, clean_app):
    supplier(client, clean_app)
    response = post_form(client, "/leads/new", {**VALID_LEAD, "quantity": "10 boxes", "min_order_qty": "2 cartons"})
    assert response.status_code == 200 and saved_leads(clean_app) == []
    errors = {k: html_lib.unescape(v) for k, v in field_errors(response.get_data(as_text=True)).items()}
    assert errors["quantity"] == ("Give a number: write 10 and the units in each box under Units per pack (or the "
                                  "total number of single items).")
    assert errors["min_order_qty"].startswith("Give a number: write 2 and the units in each carton under Units per pack")
    # The pack path it points to works: 10 boxes of 50.
    done = post_form(client, "/leads/new", {**VALID_LEAD, "quantity": "10", "pack_size": "50", "unit_price": "40.00",
                                          "min_order_qty": ""})
    assert done.status_code == 302, field_errors(done.get_data(as_text=True))
    assert saved_leads(clean_app)[0].quantity == 500


def test_the_spanish_offer_form_names_its_own_label(client, clean_app):
    spanish_supplier(clean_app, client)
    response = post_form(client, "/leads/new", {**VALID_LEAD, "quantity": "10 cajas"})
    errors = {k: html_lib.unescape(v) for k, v in field_errors(response.get_data(as_text=True)).items()}
    assert errors["quantity"] == ("Indique un número: escriba 10 y las unidades de cada caja en «Unidades por caja» "
                                  "(o el número total de piezas sueltas).")


def test_a_spanish_import_report_names_the_files_columns(app_ctx):
    rows = [{**VALID_LEAD, "external_id": "A1", "quantity": "10 boxes"},
            {**VALID_LEAD, "external_id": "A2", "email": "a2@harbor.example", "quantity": "abc", "unit_price": "0"},
            {**VALID_LEAD, "external_id": "A3", "email": "a3@harbor.example", "country": "Atlantis"}]
    with use_locale("es"):
        report = leads.import_leads(io.StringIO(csv_text(rows)), actor_id=None)
    reasons = [r.reason for r in report.rejected]
    assert reasons[0].startswith("quantity: Indique un número: escriba 10 y las unidades de cada caja en «pack_size»")
    assert "«quantity»" in reasons[1] and "cantidad" not in reasons[1]
    assert "unit_price: El unit_price" in reasons[1] or "«unit_price»" in reasons[1], reasons[1]
    assert reasons[2].startswith("country: ")
    # In English the same file names the same columns.
    report = leads.import_leads(io.StringIO(csv_text(rows)), actor_id=None)
    assert report.rejected[0].reason.startswith("quantity: Give a number: write 10 and the units in each box under "
                                                "pack_size")
    assert "The unit_price must be more than 0" in report.rejected[1].reason


def _one_reading_ahead(today: date) -> tuple[str, date]:
    """Day/month numbers (DD/MM/YYYY) whose day-first reading is ahead and whose month-first
    reading is past, as 12/10/2026 is on 30 November 2026: the text and the day it is."""
    last = today + timedelta(days=MAX_DELIVERY_DAYS_AHEAD)
    day = today + timedelta(days=1)
    while True:
        if day.day <= 12 and day.day != day.month:
            other = date(day.year, day.day, day.month)
            if not today <= other <= last:
                return f"{day.day:02d}/{day.month:02d}/{day.year}", day
        day += timedelta(days=1)


def test_the_buyers_ambiguous_delivery_date_with_one_reading_ahead_is_taken_and_said_back(clean_app, match_id):  # noqa: F811
    buyer = _client(clean_app, "nurse@hospital.example")
    assert _act(buyer, match_id, action="accept").status_code == 302
    typed, day = _one_reading_ahead(city_today())
    response = _act(buyer, match_id, action="mark_ordered", delivery_on=typed)
    assert response.status_code == 302
    assert _stored(clean_app, match_id)[:2] == ("ordered", day)
    with clean_app.app_context():
        shown = format_day(day)
    page = html_lib.unescape(buyer.get(f"/matches/{match_id}").get_data(as_text=True))
    assert f"is marked as ordered. Expected delivery: {shown}." in page


def test_an_ambiguous_delivery_date_with_both_readings_ahead_is_still_refused(clean_app, match_id):  # noqa: F811
    buyer = _client(clean_app, "nurse@hospital.example")
    assert _act(buyer, match_id, action="accept").status_code == 302
    today = city_today()
    year = today.year + 1 if today.month > 3 else today.year
    if date(year, 3, 4) < today:
        year += 1
    response = _act(buyer, match_id, action="mark_ordered", delivery_on=f"03/04/{year}")
    assert response.status_code == 200
    assert "can be read as 3 April or March 4" in html_lib.unescape(response.get_data(as_text=True))
    assert _stored(clean_app, match_id)[0] == "accepted"
