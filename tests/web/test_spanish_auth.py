"""Accounts, the start page, the menu and the error pages in Spanish (issue 13, items 1 and 3): a
browser that asks for Spanish reads them in Spanish, with no English sentence left, and a refused
form says what is wrong beside the field in Spanish. A new account keeps the language it registered
in, so that its e-mails are in it."""
import html
import re

import pytest
from werkzeug.http import HTTP_STATUS_CODES

from marketplace.extensions import db
from marketplace.models import User
from marketplace.web.errors import STATUS_PHRASES
from tests.conftest import DEFAULT_PASSWORD, FACILITY_FORM, fetch_token, login, make_user, outbox_link, post_form

SUPPLIER = {"name": "María García", "email": "maria@proveedor.example", "organisation_name": "Distribuidora Harbor",
            "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD}
BUYER = {"name": "Dra. Chen", "email": "chen@clinica.example", "organisation_name": "Clínica Comunitaria Eastside",
         "organisation_kind": "clinic", "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD, **FACILITY_FORM}


def _spanish(client):
    """Every request of ``client`` asks for Spanish, as a browser set to Spanish does."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-MX,es;q=0.9,en;q=0.5"
    return client


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _assert_spanish(text: str, spanish: tuple[str, ...], english: tuple[str, ...]) -> None:
    for words in spanish:
        assert words in text, words
    for words in english:
        assert words not in text, words


def test_the_start_page_and_the_menu_read_in_spanish(client, clean_app):
    response = _spanish(client).get("/")
    _assert_spanish(_text(response), (
        "Compras de emergencia de EPP", "¿Tiene suministros para ofrecer?", "¿Necesita suministros?",
        "Ofrecer suministros", "Solicitar suministros", "Iniciar sesión", "Qué se necesita", "Ir al contenido",
        "las cifras diarias son datos abiertos", "a cargo de la ciudad"), (
        "Emergency PPE procurement", "Have supplies to offer?", "Need supplies?", "Offer supplies", "Sign in",
        "What is needed", "Skip to content", "open data", "run by the city"))
    page = response.get_data(as_text=True)
    assert '<html lang="es">' in page
    # The language switch is named for screen readers, in the page's language.
    assert 'aria-label="Idioma"' in page and 'aria-label="Principal"' in page
    english = clean_app.test_client().get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'aria-label="Language"' in english and "Emergency PPE procurement" in english


def test_signing_in_reads_in_spanish_and_a_refused_sign_in_says_why_in_spanish(client, clean_app):
    with clean_app.app_context():
        make_user("supplier", "ana@proveedor.example", email_verified=False)
    client = _spanish(client)
    # Flask-Login's message, through its localize_callback.
    asked = _text(client.get("/account/password", follow_redirects=True))
    assert "Inicie sesión para ver esta página." in asked and "Please sign in" not in asked
    refused = _text(post_form(client, "/login", {"email": "ana@proveedor.example", "password": "not the password"}))
    _assert_spanish(refused, ("Correo o contraseña incorrectos, o la cuenta está desactivada.", "Correo electrónico",
                              "Contraseña", "Mantener la sesión iniciada en este dispositivo", "¿Olvidó su contraseña?",
                              "Regístrese como proveedor"),
                    ("Wrong e-mail or password", "Keep me signed in", "Forgot your password?", "Register as a supplier"))
    # WTForms' own message beside the field, translated by Flask-WTF; the summary above the form.
    empty = _text(post_form(client, "/login", {"email": "", "password": ""}))
    _assert_spanish(empty, ("Este campo es obligatorio.", "Corrija los campos marcados abajo."),
                    ("This field is required.", "Please correct the fields"))
    login(client, "ana@proveedor.example")
    home = client.get("/leads")
    _assert_spanish(_text(home), ("Mis ofertas", "Propuestas", "Notificaciones", "Cerrar sesión",
                                  "Confirme su correo electrónico: abra el enlace que enviamos a ana@proveedor.example.",
                                  "Sus ofertas pasarán a revisión cuando lo haga.", "Enviar el enlace de nuevo"),
                    ("Notifications", "Sign out", "Please confirm your e-mail address", "Send the link again"))
    assert 'title="Cambiar contraseña"' in home.get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": fetch_token(client, "/leads")}, follow_redirects=True)
    assert "Ha cerrado sesión." in _text(response) and "You are signed out." not in _text(response)


@pytest.mark.parametrize("changes, spanish, english", [
    ({"password": "short", "confirm": "short"},
     "Use al menos 10 caracteres (unas cuantas palabras hacen una buena contraseña).", "Use at least"),
    ({"confirm": "something else entirely"}, "Las contraseñas no coinciden.", "The passwords differ."),
    ({"email": "not-an-email"}, "No es una dirección de correo válida.", "Not a valid e-mail address."),
    # zxcvbn words its feedback in English only: our catalogue holds its sentences.
    ({"password": "passwordpassword", "confirm": "passwordpassword"},
     'Las repeticiones como "abcabcabc" son apenas más difíciles de adivinar que "abc".', "Repeats like"),
])
def test_a_refused_registration_says_why_beside_the_field_in_spanish(unlimited, client, changes, spanish, english):
    response = post_form(_spanish(client), "/register/supplier", {**SUPPLIER, **changes})
    text = _text(response)
    assert response.status_code == 200 and spanish in text and english not in text
    _assert_spanish(text, ("Registrarse como proveedor", "Su nombre", "Repita la contraseña", "Crear cuenta",
                           "Al menos 10 caracteres. Unas cuantas palabras al azar funcionan bien."),
                    ("Register as a supplier", "Your name", "Create account", "A few random words"))


def test_the_buyer_form_and_its_facility_checks_read_in_spanish(unlimited, client):
    client = _spanish(client)
    form = client.get("/register/buyer")
    _assert_spanish(_text(form), (
        "Registre su organización", "Su centro", "Calle y número", "Código postal", "Teléfono del centro",
        "Licencia o registro", "Elija…", "NPI (Identificador Nacional de Proveedor)", "Licencia estatal del centro",
        "Horario de entrega (opcional)", "Con código de área, por ejemplo (213) 555-0134."), (
        "Register your organisation", "Your facility", "Street address", "ZIP code", "Choose…",
        "State facility licence", "Delivery hours"))
    refused = _text(post_form(client, "/register/buyer", {**BUYER, "licence_number": "1234567890", "postal_code": ""}))
    _assert_spanish(refused, ("NPI no válido: su último dígito (el dígito de control) no coincide; revise el número.",
                              "Este campo es obligatorio."),
                    ("Not a valid NPI", "This field is required."))
    refused = _text(post_form(client, "/register/buyer", {**BUYER, "licence_kind": ""}))
    assert "Elija NPI o licencia estatal del centro." in refused and "Choose NPI" not in refused


def test_a_new_account_keeps_the_language_it_registered_in(unlimited):
    spanish = _spanish(unlimited.test_client())
    checked = _text(post_form(spanish, "/register/supplier", SUPPLIER))
    assert "Revise su correo" in checked and "Enviamos un mensaje a maria@proveedor.example" in checked
    post_form(spanish, "/register/buyer", BUYER)
    english = unlimited.test_client()
    english.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-US,en;q=0.9"
    post_form(english, "/register/buyer", {**BUYER, "email": "sam@shelter.example",
                                           "organisation_name": "Westlake Family Shelter"})
    # Someone registering in Spanish with an address that has an account changes nothing of it.
    post_form(_spanish(unlimited.test_client()), "/register/supplier", {**SUPPLIER, "email": "sam@shelter.example"})
    with unlimited.app_context():
        locales = dict(db.session.execute(db.select(User.email, User.locale)).all())
    assert locales == {"maria@proveedor.example": "es", "chen@clinica.example": "es", "sam@shelter.example": "en"}


def test_error_pages_and_api_problems_read_in_spanish(client, clean_app):
    client = _spanish(client)
    page = client.get("/no-such-page")
    _assert_spanish(_text(page), ("No encontrado", "Aquí no hay nada, o no tiene permiso para verlo.",
                                  "Volver a la página de inicio"),
                    ("Not found", "There is nothing here", "Back to the start page"))
    assert page.status_code == 404
    problem = client.get("/api/v1/me")
    assert problem.status_code == 401 and problem.get_json() == {
        "type": "about:blank", "title": "No autorizado", "status": 401,
        "detail": "Envíe un token de API como Authorization: Bearer <token>."}
    problem = client.get("/api/v1/no-such-thing").get_json()
    assert (problem["title"], problem["detail"]) == ("No encontrado", "Aquí no hay nada, o no tiene permiso para verlo.")


def test_the_problem_titles_in_english_are_the_http_status_phrases(client):
    assert {status: HTTP_STATUS_CODES[status] for status in STATUS_PHRASES} == STATUS_PHRASES
    assert client.get("/api/v1/me").get_json()["title"] == "Unauthorized"


def test_refused_links_read_in_spanish_and_name_the_button_as_it_reads(client, clean_app):
    client = _spanish(client)
    reset = client.get("/password/reset?token=cut-short")
    _assert_spanish(_text(reset), ("Este enlace no funciona", "Puede que se haya cortado al copiarlo del correo.",
                                   "Envíenme un enlace nuevo"),
                    ("This link does not work", "E-mail me a new link"))
    confirm = client.get("/account/confirm?token=cut-short")
    assert confirm.status_code == 400
    assert 'Inicie sesión y elija "Enviar el enlace de nuevo" para recibir uno nuevo.' in _text(confirm)
    forgot = _text(post_form(client, "/password/forgot", {"email": "nadie@example.org"}))
    _assert_spanish(forgot, ("Revise su correo", "El enlace funciona una sola vez, durante 60 minutos.",
                             "vuelva a pedirlo"), ("Check your e-mail", "The link works once", "ask again"))


def test_api_tokens_and_password_pages_read_in_spanish(client, clean_app):
    with clean_app.app_context():
        make_user("buyer", "compras@hospital.example")
    client = _spanish(client)
    login(client, "compras@hospital.example")
    password = _text(client.get("/account/password"))
    _assert_spanish(password, ("Cambie su contraseña", "Contraseña actual", "Repita la contraseña nueva",
                               "cree o revoque sus tokens de API"),
                    ("Change your password", "Current password", "make or revoke"))
    refused = _text(post_form(client, "/account/password", {
        "current_password": "not my password", "new_password": "a b", "confirm": "a b"}))
    assert "Su contraseña actual no es correcta." in refused and "not correct" not in refused
    made = _text(post_form(client, "/account/api-tokens", {"name": ""}))
    _assert_spanish(made, ("Sus tokens de API", "Su nuevo token “Token de API”.", "Cópielo ahora",
                           "Tokens activos", "nunca", "Revocar"),
                    ("Your API tokens", "Copy it now", "Tokens that work", "never"))
    with clean_app.app_context():
        from marketplace.models import ApiToken
        token_id = db.session.execute(db.select(ApiToken.id)).scalar_one()
    revoked = client.post("/account/api-tokens/revoke", data={
        "token_id": token_id, "csrf_token": fetch_token(client, "/account/api-tokens")}, follow_redirects=True)
    assert "El token “Token de API” está revocado: ya no funciona." in _text(revoked)


def test_a_join_request_is_decided_in_spanish(unlimited, client):
    with unlimited.app_context():
        make_user("buyer", "jefa@stvincent.example", organisation="St. Vincent Medical Center", verified=True)
    post_form(client, "/register/buyer", {**BUYER, "email": "alguien@gmail.com",
                                          "organisation_name": "Saint Vincent Medical Center"})
    member = _spanish(unlimited.test_client())
    login(member, "jefa@stvincent.example")
    home = member.get("/buyer/")
    # Not confirmed yet: the reason, in Spanish, instead of Approve (an Approve posted anyway is refused).
    _assert_spanish(_text(home), ("Persona", "Pide unirse a", "Nombre que escribió", "Rechazar",
                                  "correo sin confirmar", "la solicitud podrá aprobarse cuando lo haga"),
                    ("Asks to join", "Name they typed", "Refuse", "e-mail not confirmed", "can be approved"))
    join_id = int(re.search(r'action="/buyer/joins/(\d+)"', home.get_data(as_text=True)).group(1))
    refused = member.post(f"/buyer/joins/{join_id}", data={"decision": "approve",
                                                            "csrf_token": fetch_token(member, "/buyer/")},
                          follow_redirects=True)
    assert "Esta persona aún no ha confirmado su dirección de correo" in _text(refused)
    with unlimited.app_context():
        link = outbox_link("alguien@gmail.com", "email_confirm")
    post_form(unlimited.test_client(), link, {}, form_page=link)
    home = member.get("/buyer/")
    _assert_spanish(_text(home), ("Aprobar", "Rechazar"), ("Approve", "Refuse"))
    response = member.post(f"/buyer/joins/{join_id}", data={"decision": "approve",
                                                             "csrf_token": fetch_token(member, "/buyer/")},
                           follow_redirects=True)
    assert "alguien@gmail.com se unió a St. Vincent Medical Center." in _text(response)
