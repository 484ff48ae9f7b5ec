"""A filter in the reader's language gives each reader their language, also on constants: Jinja's
compiler runs a filter whose arguments are all constants once, when it compiles the template, and
would keep that text for every later reader (the matches list's "Proposed" and "Accepted" tabs
stayed English for Spanish readers once an English page had compiled the template; found by the
Spanish crawl of every page, tests/e2e/test_accessibility.py)."""
from marketplace.domain import i18n
from tests.conftest import login, make_user

CONSTANTS = ("{{ 'accepted'|label('MATCH_STATUSES') }} · {{ 'submitted'|label('LEAD_STATUSES') }} · "
             "{{ 1234.5|money }} · {{ 1500|number }} · {{ 'MX'|country }}")


def test_a_template_compiled_in_english_reads_in_spanish_for_a_spanish_reader(clean_app):
    with clean_app.app_context():
        with i18n.use_locale("en"):
            template = clean_app.jinja_env.from_string(CONSTANTS)  # compiled now, in English
            assert template.render() == "Accepted · Submitted · $1,234.50 · 1,500 · Mexico"
        with i18n.use_locale("es"):
            assert template.render() == "Aceptada · Enviada · 1.234,50\xa0US$ · 1.500 · México"


def test_the_matches_tabs_follow_each_readers_language(clean_app):
    with clean_app.app_context():
        make_user("buyer", "nurse@stvincent.example", verified=True)
    client = clean_app.test_client()
    login(client, "nurse@stvincent.example")
    clean_app.jinja_env.cache.clear()  # compiled by the next page: the English one
    english = client.get("/matches/").get_data(as_text=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    spanish = client.get("/matches/").get_data(as_text=True)
    assert ">Accepted</a>" in english and ">Aceptadas</a>" not in english
    assert ">Accepted</a>" not in spanish and ">Proposed</a>" not in spanish
