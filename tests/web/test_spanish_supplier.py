"""The supplier's flow in Spanish (issue 13, items 1 and 3): offering supplies (the form, its help
texts and its field errors), my offers, the offer page, answering a vetter's question, confirming a
stale offer and documents read in Spanish for a browser that asks for it, with no English sentence
left; the English pages stay as they were."""
import io
import re
from datetime import timedelta

from marketplace.extensions import db
from marketplace.services import demand, vetting
from tests.conftest import VALID_LEAD, approve, login, make_lead, make_user, post_form

SUPPLIER = "sales@harbor.example.com"


def _text(response) -> str:
    """The words of the page's main content (the menu and footer are base.html's, checked apart)."""
    html = response.get_data(as_text=True)
    main = re.search(r"<main\b.*?</main>", html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main.group(0) if main else html))


def _spanish_client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-MX,es;q=0.9"
    login(client, SUPPLIER)
    return client


def _lead_asked(app):
    """A lead of the supplier that a vetter asked a question about; its id."""
    with app.app_context():
        supplier = make_user("supplier", SUPPLIER)
        lead = make_lead(supplier)
        vetting.decide(lead, make_user("vetter"), "request_info", "Can you send the NIOSH certificate?")
        db.session.commit()
        return lead.id


def test_the_offer_form_reads_in_spanish_and_refuses_in_spanish(clean_app):
    with clean_app.app_context():
        make_user("supplier", SUPPLIER)
    client = _spanish_client(clean_app)
    page = _text(client.get("/leads/new"))
    for spanish in ("Ofrecer suministros", "Los campos con * son obligatorios", "Nombre de la empresa",
                    "Cantidad disponible (unidades)", "Precio por unidad (USD)", "Unidades por caja",
                    "Plazo de entrega (días)", "Oferta válida hasta", "Vacío: 14 días desde hoy",
                    "Por ejemplo:", "Enviar la oferta", "Elija…"):
        assert spanish in page, spanish
    for english in ("Offer supplies", "Fields marked * are required", "Quantity available (units)",
                    "Days from order to shipment", "Submit offer", "For example"):
        assert english not in page, english

    refused = post_form(client, "/leads/new", {**VALID_LEAD, "quantity": "0", "valid_until": "2020-01-01",
                                               "website": "ftp://harbor.example.com", "company_name": ""})
    text = _text(refused)
    assert refused.status_code == 200
    assert "En «cantidad», el mínimo es 1." in text
    assert "Esta fecha ya pasó" in text
    assert "Solo se aceptan direcciones web http:// o https://." in text
    assert "Este campo es obligatorio." in text
    assert "This date is in the past" not in text and "This field is required." not in text


def test_a_range_error_names_the_field_in_spanish(clean_app):
    with clean_app.app_context():
        make_user("supplier", SUPPLIER)
    client = _spanish_client(clean_app)
    text = _text(post_form(client, "/leads/new", {**VALID_LEAD, "lead_time_days": "900", "min_order_qty": "90000"}))
    assert "El valor de «plazo de entrega» debe ser como máximo 365." in text
    assert "El pedido mínimo no puede ser mayor que la cantidad ofrecida." in text
    assert "must be at most" not in text and "cannot be larger" not in text


def test_my_leads_and_the_lead_page_read_in_spanish_and_the_answer_too(clean_app):
    lead_id = _lead_asked(clean_app)
    client = _spanish_client(clean_app)
    mine = _text(client.get("/leads"))
    assert "Mis ofertas" in mine and "Precio por unidad" in mine and "My offers" not in mine

    page = _text(client.get(f"/leads/{lead_id}"))
    for spanish in (f"Oferta n.º {lead_id}", "Preguntas del personal de la ciudad", "Pregunta del personal de la ciudad",
                    "Enviar la respuesta", " unidades (pedido mínimo ", "Plazo de entrega",
                    "7 días", "Todavía no hay documentos.", "Agregar un documento", "Subir"):
        assert spanish in page, spanish
    for english in ("Questions from city staff", "Send answer", "No documents yet.", "Quote valid until"):
        assert english not in page, english

    empty = post_form(client, f"/leads/{lead_id}/answer", {"answer": ""}, form_page=f"/leads/{lead_id}")
    assert "Escriba una respuesta." in _text(empty)  # "Please give an answer."; a long one says its count
    sent = post_form(client, f"/leads/{lead_id}/answer", {"answer": "Adjunto el certificado."},
                     form_page=f"/leads/{lead_id}", follow_redirects=True)
    assert f"Gracias: su respuesta sobre la oferta #{lead_id} se envió al personal de la ciudad." in _text(sent)


def test_documents_are_refused_and_attached_in_spanish(clean_app):
    with clean_app.app_context():
        lead_id = make_lead(make_user("supplier", SUPPLIER)).id
    client = _spanish_client(clean_app)
    refused = post_form(client, f"/leads/{lead_id}/documents",
                        {"document": (io.BytesIO(b"just some text"), "spec.pdf")}, form_page=f"/leads/{lead_id}",
                        content_type="multipart/form-data", follow_redirects=True)
    assert "Solo se aceptan documentos PDF y fotos PNG o JPEG" in _text(refused)
    attached = post_form(client, f"/leads/{lead_id}/documents",
                         {"document": (io.BytesIO(b"%PDF-1.4 spec sheet"), "spec.pdf")},
                         form_page=f"/leads/{lead_id}", content_type="multipart/form-data", follow_redirects=True)
    assert "El documento está adjunto." in _text(attached) and "The document is attached." not in _text(attached)


def test_confirming_a_stale_offer_reads_in_spanish(clean_app):
    with clean_app.app_context():
        lead = make_lead(make_user("supplier", SUPPLIER), pack_size="20", quantity="2500", unit_price="15.80")
        approve(lead)
        lead.valid_until = demand.today() - timedelta(days=1)
        db.session.commit()
        lead_id = lead.id
    client = _spanish_client(clean_app)
    detail = _text(client.get(f"/leads/{lead_id}"))
    assert "Oferta vencida" in detail and "Confirmar precio y existencias, o retirar" in detail
    assert " cajas de 20)" in detail and " por caja de 20 = " in detail and "packs of" not in detail

    page = _text(client.get(f"/leads/{lead_id}/confirm"))
    for spanish in (f"¿Sigue vigente la oferta n.º {lead_id}?", "está vencida", "En cajas de 20",
                    "Cantidad disponible ahora", "Confirmar precio y existencias", "¿Ya no está disponible?",
                    "Retirar la oferta"):
        assert spanish in page, spanish
    assert "Is offer" not in page and "has lapsed" not in page

    refused = post_form(client, f"/leads/{lead_id}/confirm", {"quantity": "0", "unit_price": "15.80"})
    assert "En «cantidad», el mínimo es 1." in _text(refused)
    confirmed = post_form(client, f"/leads/{lead_id}/confirm", {"quantity": "2500", "unit_price": "15.80"},
                          follow_redirects=True)
    assert f"Gracias: la oferta n.º {lead_id} está confirmada hasta el" in _text(confirmed)
    withdrawn = post_form(client, f"/leads/{lead_id}/withdraw", {}, form_page=f"/leads/{lead_id}/confirm",
                          follow_redirects=True)
    assert f"La oferta n.º {lead_id} está retirada." in _text(withdrawn)


def test_english_stays_as_it_was(clean_app):
    lead_id = _lead_asked(clean_app)
    client = clean_app.test_client()
    login(client, SUPPLIER)
    page = _text(client.get(f"/leads/{lead_id}"))
    assert "Questions from city staff" in page and "50,000 units (minimum order 1,000)" in page
    text = _text(post_form(client, "/leads/new", {**VALID_LEAD, "lead_time_days": "900"}))
    assert "The lead time must be at most 365." in text
