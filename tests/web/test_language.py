"""The reader's language (issue 13): account, then the switch, then Accept-Language, then English."""
from tests.conftest import fetch_token, login, make_user


def _lang(response) -> str:
    html = response.get_data(as_text=True)
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_accept_language_chooses_spanish_and_anything_else_reads_english(client):
    assert _lang(client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})) == "es"
    assert _lang(client.get("/", headers={"Accept-Language": "fr-FR,de;q=0.8"})) == "en"
    assert _lang(client.get("/")) == "en"


def test_the_switch_keeps_the_choice_for_the_browser_and_returns_to_the_page(client):
    token = fetch_token(client, "/signal")
    response = client.post("/language", data={"csrf_token": token, "language": "es", "next": "/signal"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/signal")
    # The switch wins over the browser's Accept-Language.
    assert _lang(client.get("/", headers={"Accept-Language": "en"})) == "es"


def test_the_switch_refuses_another_site_and_needs_its_csrf_token(client):
    token = fetch_token(client, "/signal")
    response = client.post("/language", data={"csrf_token": token, "language": "es", "next": "//evil.example/"})
    assert response.headers["Location"].endswith("/") and "evil" not in response.headers["Location"]
    assert client.post("/language", data={"language": "es"}).status_code == 400


def test_an_account_keeps_its_language_in_every_browser(clean_app, client):
    with clean_app.app_context():
        user = make_user("supplier", "lang@example.com")
        user_id = user.id
    login(client, "lang@example.com")
    client.post("/language", data={"csrf_token": fetch_token(client, "/leads"), "language": "es-ES"})
    from marketplace.extensions import db
    from marketplace.models import User
    with clean_app.app_context():
        assert db.session.get(User, user_id).locale == "es"
    other = clean_app.test_client()  # another browser, which asks for English
    login(other, "lang@example.com")
    assert _lang(other.get("/leads", headers={"Accept-Language": "en"})) == "es"
