"""The control tower in Spanish (issue 13, item 1): the staff dashboard, the public needs board, the
allocation plan and requests, the admin pages, open data and the API docs read in Spanish for a
Spanish reader (their English sentences gone), a refused form says why in Spanish, and the API
answers in the caller's language: the token holder's saved one, else Accept-Language. The
published files (open data) stay in English whoever asks."""
from __future__ import annotations

import html
import json
import re

import pytest

from marketplace.domain.messages import trigger_fact
from marketplace.extensions import db
from marketplace.services import accounts, dashboard, planning
from tests.conftest import approve, bearer, login, make_api_token, make_lead, make_request, make_user, post_form
from tests.services.test_dashboard import build_scenario

SPANISH = {"Accept-Language": "es"}


def _text(response) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def _reads(text: str, spanish: list[str], english: list[str]) -> None:
    missing = [s for s in spanish if s not in text]
    left = [e for e in english if e in text]
    assert not missing and not left, f"Spanish missing: {missing}; English left: {left}"


@pytest.fixture
def staff(clean_app):
    """The dashboard scenario counted, and a signed-in vetter whose browser asks for Spanish."""
    with clean_app.app_context():
        build_scenario()
        dashboard.refresh()
        db.session.commit()
        make_user("vetter", "vetter@city.example")
        db.session.remove()
    client = clean_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    login(client, "vetter@city.example")
    return client


def test_the_dashboard_and_its_charts_read_in_spanish(staff):
    response = staff.get("/dashboard")
    text = _text(response)
    _reads(text, ["Panel", "Oferta frente a demanda", "Faltante en las próximas cuatro semanas",
                  "De la oferta a la entrega", "Pendientes de verificación", "Señales de riesgo de esta semana",
                  "Enviadas 6 Procesadas 5 En revisión 3 Aprobadas 2 Rechazadas 1",
                  "De enviada a procesada 2,0 h", "De pedida a entregada 3,0 días",
                  "Menos de un día 1", "Precio más de 10 veces la referencia 2 1",
                  "Esperando la respuesta de un proveedor: 1 oferta ."],
           ["Supply against demand", "Vetting backlog", "Risk signals this week", "Submitted to processed",
            "Price over 10x reference", "Waiting on a supplier's answer", "Under a day"])
    page = response.get_data(as_text=True)
    charts = json.loads(re.search(r'id="dashboard-charts">(.*?)</script>', page, re.S).group(1))
    assert [s["label"] for s in charts["supply"]["series"]][:2] == ["Aún necesarias", "Suministro aprobado sin asignar"]
    assert charts["funnel"]["series"][0]["label"] == "Cantidad" and "Enviadas" in charts["funnel"]["labels"]
    assert charts["backlog"]["series"][0]["label"] == "Ofertas abiertas"
    assert 'aria-label="Gráfico de barras de la tabla de abajo"' in page


def test_the_public_needs_board_reads_in_spanish(clean_app):
    with clean_app.app_context():
        build_scenario()
        dashboard.refresh()
        db.session.commit()
        db.session.remove()
    text = _text(clean_app.test_client().get("/signal", headers=SPANISH))
    _reads(text, ["Qué se necesita", "tablero público de necesidades", "Cómo ofrecer suministros", "regístrese y ofrezca lo que tiene",
                  "Rango de precio justo (por unidad)", "Se necesita en 7 días (o vencidas)"],
           ["public needs board", "How to offer supplies", "Fair price band", "Needed within 7 days"])
    english = _text(clean_app.test_client().get("/signal"))
    assert "How to offer supplies" in english and "Needed within 7 days (or overdue)" in english


def test_the_plan_and_the_requests_read_in_spanish_and_a_refused_proposal_says_why(clean_app):
    with clean_app.app_context():
        buyer = make_user("buyer", "nurse@hospital.example", verified=True)
        request = make_request(buyer, quantity="500")
        lead = make_lead(make_user("supplier"), quantity="800", min_order_qty="100")
        approve(lead)
        dear = make_lead(make_user("supplier"), quantity="800", min_order_qty="100", unit_price="2.10")
        approve(dear, note="Dearer, but the only one left.")  # 2.66x the reference: a justification
        make_user("vetter", "vetter@city.example")
        request_id, lead_id, dear_id = request.id, lead.id, dear.id
        # A plan now, in both modes (with Redis the approvals only queue one for a worker).
        planning.run_matching(trigger_fact("command"))
        db.session.commit()
        db.session.remove()
    client = clean_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    login(client, "vetter@city.example")
    # The plan's counts are what it considered (two approved offers, one open request), not what it used.
    _reads(_text(client.get("/staff/matching")), ["Plan de asignación", "Calcular un nuevo plan",
                                                  "Ofertas consideradas: 2; solicitudes abiertas consideradas: 1"],
           ["Allocation plan", "Compute a new plan", "Ofertas usadas"])
    _reads(_text(client.get("/staff/requests")), ["Solicitudes", "Abiertas", "Se necesita para el", "Cualquiera"],
           ["Demand requests", "Withdrawn", "Needed by"])
    page = f"/staff/requests/{request_id}"
    _reads(_text(client.get(page)), ["Candidatas", "Por qué se ajusta", "Proponer"],
           ["Candidates", "Why it fits", "No approved offer fits"])
    refused = post_form(client, f"{page}/propose", {"lead_id": lead_id, "quantity": "600"}, follow_redirects=True)
    _reads(_text(refused), ["Proponga entre 1 y 500 unidades."], ["Propose between"])
    unfit = post_form(client, f"{page}/propose", {"lead_id": dear_id, "quantity": "10"}, follow_redirects=True)
    _reads(_text(unfit), ["Esta oferta no se ajusta a la solicitud:", "por unidad supera el máximo del comprador"],
           ["does not fit", "a unit is above the buyer's maximum"])


def test_the_admin_pages_read_in_spanish_and_a_refused_form_says_why(clean_app):
    with clean_app.app_context():
        make_user("admin", "admin@city.example")
        make_user("buyer", "b@hospital.example")
        db.session.remove()
    client = clean_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    login(client, "admin@city.example")
    _reads(_text(client.get("/admin/users")), ["Usuarios", "Nuevo revisor", "Último inicio de sesión"],
           ["Last sign-in", "New vetter"])
    _reads(_text(client.get("/admin/organisations")), ["Organizaciones compradoras", "pendiente", "Verificar"],
           ["Buyer organisations", "awaiting"])
    _reads(_text(client.get("/admin/outbox")), ["Bandeja de salida de correo", "Pendientes"], ["E-mail outbox"])
    refused = post_form(client, "/admin/users/new", {"name": "Val", "email": "not-an-address", "password": "x" * 20})
    _reads(_text(refused), ["No es una dirección de correo válida.", "Contraseña inicial", "Crear revisor"],
           ["Not a valid e-mail address.", "Initial password"])


def test_open_data_reads_in_spanish_but_its_files_stay_english(clean_app):
    from marketplace.services import open_data

    with clean_app.app_context():  # the job's count, which the page and the files read
        open_data.refresh()
        db.session.commit()
    client = clean_app.test_client()
    text = _text(client.get("/open-data", headers=SPANISH))
    _reads(text, ["Datos abiertos", "Diccionario de datos", "Solo cifras agregadas",
                  "Una cifra que abarca menos de 3 organizaciones distintas", "Solicitudes publicadas"],
           ["Only aggregates", "Data dictionary", "A figure that covers fewer than"])
    for path in ("/open-data/daily.json", "/open-data/datapackage.json", "/open-data/daily.csv"):
        assert client.get(path, headers=SPANISH).data == client.get(path).data, path
    assert "A figure that covers fewer than 3" in client.get("/open-data/daily.json", headers=SPANISH).get_json()[
        "suppression"]


def test_the_api_answers_in_the_token_holder_s_language_else_the_caller_s(clean_app):
    with clean_app.app_context():
        spanish = make_user("supplier", "proveedor@acme.example")
        accounts.set_locale(spanish, "es")
        db.session.commit()
        english = make_user("supplier", "supplier@acme.example")
        spanish_token, english_token = make_api_token(spanish), make_api_token(english)
        db.session.remove()
    client = clean_app.test_client()
    bad_cursor = "/api/v1/leads?cursor=nonsense&limit=0"

    def messages(token, **headers):
        body = client.get(bad_cursor, headers={**bearer(token), **headers}).get_json()
        return {e["field"]: e["message"] for e in body["errors"]}

    assert messages(spanish_token) == {"cursor": "No es un cursor emitido por esta API; use el next_cursor de la "
                                                 "página anterior.",
                                       "limit": "Un número entero de 1 a 200."}
    assert messages(spanish_token, **{"Accept-Language": "en"})["limit"] == "Un número entero de 1 a 200."
    assert messages(english_token)["limit"] == "A whole number from 1 to 200."
    assert messages(english_token, **SPANISH)["limit"] == "Un número entero de 1 a 200."
    forbidden = client.get("/api/v1/queue", headers=bearer(spanish_token)).get_json()
    assert forbidden["detail"] == "El rol de su cuenta no permite usar esta operación."


def test_the_api_docs_page_reads_in_spanish_and_the_document_stays_english(clean_app):
    client = clean_app.test_client()
    text = _text(client.get("/api/v1/docs", headers=SPANISH))
    _reads(text, ["Esquemas", "Parámetros", "Respuestas:", "están en inglés"], ["Schemas", "Parameters", "Answers:"])
    assert client.get("/api/v1/openapi.json", headers=SPANISH).data == client.get("/api/v1/openapi.json").data
    post_form(client, "/language", {"language": "es", "next": "/"}, form_page="/")  # the switch, in this browser
    assert "Esquemas" in _text(client.get("/api/v1/docs", headers={"Accept-Language": "en"}))
