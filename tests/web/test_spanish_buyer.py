"""The buyer's flow in Spanish (issue 13): organisation home, new request with its stock fields
and errors, request page, extend request, matches and the match page for both parties, each
asked for with ``Accept-Language: es``. English stays the default (the other tests)."""
import re
from datetime import timedelta

from marketplace.domain.i18n import format_day, use_locale
from marketplace.extensions import db
from marketplace.services import planning
from tests.conftest import approve, city_today, login, make_lead, make_request, make_user, post_form, valid_demand

ES = {"Accept-Language": "es"}


def _page(client, path: str) -> str:
    response = client.get(path, headers=ES)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _shows(html: str, spanish: list[str], english: list[str]) -> None:
    for text in spanish:
        assert text in html, text
    for text in english:
        assert text not in html, text


def _proposal(clean_app, quantity: int = 2000):
    """A verified buyer's request, a supplier's approved lead and a proposal between them."""
    with clean_app.app_context():
        buyer = make_user("buyer", verified=True)
        supplier = make_user("supplier")
        request = make_request(buyer, max_unit_price="0.85", quantity="3000")
        lead = make_lead(supplier, unit_price="0.79")
        vetter = approve(lead)
        match_id = planning.propose(request, lead.id, quantity, vetter).id
        db.session.commit()
        return buyer.email, supplier.email, request.id, match_id


def test_the_buyers_home_request_form_and_request_page_read_in_spanish(clean_app, client):
    with clean_app.app_context():
        buyer = make_user("buyer", verified=True)
        request_id = make_request(buyer, stock_on_hand="1200", avg_daily_use="150", days_of_supply="").id
        email = buyer.email
    login(client, email)

    _shows(_page(client, "/buyer/"), ["Solicitar suministros", "Nuestras solicitudes", "Verificada",
                                      "El personal de la ciudad verificó su organización"],
           ["Request supplies", "Our requests", "City staff have verified"])
    _shows(_page(client, "/buyer/requests/new"),
           ["¿Qué necesita?", "Cuánto le duran las existencias", "Consumo diario promedio (unidades al día)",
            "Recuento anterior (unidades)", "método de tasa de consumo de los CDC", "Publicar solicitud"],
           ["What do you need?", "How long your stock lasts", "Average daily use", "Post request"])
    _shows(_page(client, f"/buyer/requests/{request_id}"),
           [f"Solicitud #{request_id}", "Días de existencias restantes", "unidades en existencia el",
            "con un consumo de 150 al día", "Retirar", "Todavía no hay suministro asignado"],
           ["Days of supply left", "units on hand on", "Withdraw", "No supply matched yet"])
    _shows(_page(client, f"/buyer/requests/{request_id}/edit"), [f"Editar la solicitud #{request_id}",
                                                                 "Guardar cambios"], ["Save changes"])
    _shows(_page(client, f"/buyer/requests/{request_id}/extend"),
           ["Volver a la solicitud", "Nueva fecha para la que se necesita", "Guardar la nueva fecha",
            "Cerrar el resto de la solicitud"], ["Back to the request", "Set the new date"])


def test_a_refused_request_shows_its_field_errors_in_spanish(clean_app, client):
    with clean_app.app_context():
        email = make_user("buyer", verified=True).email
    login(client, email)
    today = city_today()
    # Stock without daily use (domain.stock), and a needed-by date in the past (domain.demand).
    data = valid_demand(max_unit_price="2", days_of_supply="", stock_on_hand="1200",
                        needed_by=(today - timedelta(days=3)).isoformat())
    response = post_form(client, "/buyer/requests/new", data, headers=ES)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    _shows(html, ["Indique el consumo diario promedio (unidades al día)", "Esta fecha ya pasó."],
           ["Give the average daily use", "This date is in the past."])
    # A burn rate whose counts give no use: the message keeps its numbers, in Spanish words.
    data = valid_demand(max_unit_price="2", days_of_supply="", stock_on_hand="900",
                        stock_counted_on=today.isoformat(), first_count="500",
                        first_counted_on=(today - timedelta(days=7)).isoformat(), received_between="100")
    html = post_form(client, "/buyer/requests/new", data, headers=ES).get_data(as_text=True)
    _shows(html, ["Estos recuentos no dan consumo: 500 + 100 recibidas - 900 en existencia = -300 unidades."],
           ["These counts give no use"])


def test_the_match_page_reads_in_spanish_for_the_buyer_and_the_supplier(clean_app):
    buyer_email, supplier_email, request_id, match_id = _proposal(clean_app)
    buyer, supplier = clean_app.test_client(), clean_app.test_client()
    login(buyer, buyer_email)
    login(supplier, supplier_email)

    _shows(_page(buyer, f"/matches/{match_id}"),
           [f"Propuesta #{match_id}", "La oferta", "La solicitud", "Por qué esta oferta", "Contacto del proveedor",
            "Acepte la propuesta para ver los datos de contacto", "Siguiente paso", ">Aceptar</button>",
            ">Rechazar</button>", "¿Por qué la rechaza?", "¿Por qué se cierra?"],
           ["The offer", "Supplier contact", "Accept the match", ">Accept</button>", "Why do you decline?"])
    _shows(_page(supplier, f"/matches/{match_id}"),
           ["Estas unidades están reservadas para este comprador", "Confirmar disponibilidad", "No puedo suministrar",
            "Fecha de entrega prevista"],
           ["These units are held", "Confirm availability", "Cannot supply", "Delivery date you expect"])
    _shows(_page(buyer, "/buyer/"), ["Propuestas que esperan su respuesta", "Precio por unidad"],
           ["Proposals waiting for your answer", "Unit price"])
    _shows(_page(buyer, "/matches/"), ["Propuestas", "Todas", "En curso"], ["In progress", "No matches here yet."])
    _shows(_page(buyer, f"/buyer/requests/{request_id}"), ["unidades,", "asignadas", "Propuestas"],
           [" matched", "<h2>Matches"])


def test_the_buyers_steps_answer_in_spanish(clean_app):
    buyer_email, _supplier, request_id, match_id = _proposal(clean_app)
    buyer = clean_app.test_client()
    login(buyer, buyer_email)
    page = f"/matches/{match_id}"

    response = post_form(buyer, f"{page}/act", {"action": "accept"}, form_page=page, headers=ES,
                         follow_redirects=True)
    assert f"Aceptó la propuesta #{match_id}." in response.get_data(as_text=True)
    # A delivery date in the past is refused beside its field, in Spanish.
    past_day = city_today() - timedelta(days=2)
    past = past_day.isoformat()
    with use_locale("es"):
        past_words = format_day(past_day)
    response = post_form(buyer, f"{page}/act", {"action": "mark_ordered", "delivery_on": past},
                         form_page=page, headers=ES)
    _shows(response.get_data(as_text=True),
           [f"{past_words} ya pasó: la fecha de entrega debe ser hoy", "Fecha de entrega que dio el proveedor (opcional)",
            "Marcar como pedida"],
           ["is in the past", "Mark as ordered"])
    # Closing the rest of the request: the flash counts no proposal (the accepted match goes on).
    response = post_form(buyer, f"/buyer/requests/{request_id}/close", form_page=f"/buyer/requests/{request_id}",
                         headers=ES, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert f"La solicitud #{request_id} está cerrada: el resto ya no se necesita." in html
    assert re.search(r"Notificaciones|Correo electrónico", _page(buyer, "/notifications"))
