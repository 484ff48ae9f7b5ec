"""The lead form's per-request savings (issue 9, item 7) change no output and drop no check:
the cached <select> options are WTForms' own HTML, every field and message is still shown, the
signed-in user is loaded in one query and a revoked or deactivated session still signs out, the
submission limit still answers 429 with its headers. Timings are in bench/request_cost.py."""
import re

import pytest
from flask_babel import LazyString
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from sqlalchemy import event
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from marketplace.extensions import db
from marketplace.models import User
from tests.conftest import VALID_LEAD, post_form
from tests.web.test_leads_pages import signed_in_supplier


def _wtforms_own_html(field, **kwargs) -> str:
    """The field as WTForms' own Select renders it, its labels translated first: given a LazyString
    label, WTForms takes it as markup (its ``__html__``) and leaves "Côte d'Ivoire" unescaped."""
    cached, shared = field.widget, field.choices
    field.widget = Select()
    field.choices = [SelectChoice(c.value, str(c.label)) for c in field._choices_from_input(shared)]
    try:
        return str(field(**kwargs))
    finally:
        field.widget, field.choices = cached, shared


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("posted", [
    None,                                                                    # the default: US
    {"country": "MX", "country_of_origin": "Atlantis <b>"},                  # not a country: offered as typed
    {"country": "", "country_of_origin": "NA", "product_category": "nitrile_gloves"},  # Namibia
    {"country": "Mexico", "country_of_origin": '"><script>x</script>'},      # free text read as MX; escaped
])
def test_cached_options_are_wtforms_own_html_in_each_language(clean_app, posted, language):
    from marketplace.web.suppliers.forms import LeadForm

    with clean_app.test_request_context(method="POST" if posted else "GET", headers={"Accept-Language": language}):
        clean_app.preprocess_request()  # the request's language, as for a page
        form = LeadForm(formdata=MultiDict(posted) if posted else None, meta={"csrf": False})
        for field in (form.country, form.country_of_origin, form.product_category, form.supplier_type):
            attrs = {"aria-invalid": "true", "aria-describedby": "x-error"}
            ours = str(field(**attrs))
            assert ours == _wtforms_own_html(field, **attrs)
            assert ours == str(field(**attrs))  # the second time, from the cache: the same
        assert str(form.country()).count("<option") > 240
        if language == "en":  # CLDR's Spanish name has a typographic apostrophe (Côte d’Ivoire)
            assert "Côte d&#39;Ivoire" in str(form.country())
        html = str(form.product_category())
        assert ("Elija" if language == "es" else "Choose") in html.split("</option>")[0]
        assert ("Guantes de nitrilo" if language == "es" else "Nitrile gloves") in html
        if posted and posted.get("product_category"):
            assert '<option selected value="nitrile_gloves">' in html
    if posted and "<script>" in posted["country_of_origin"]:
        assert "<script>x" not in str(form.country_of_origin)


def test_the_form_shows_every_field_and_its_messages(client, clean_app):
    from marketplace.web.suppliers.forms import LeadForm

    signed_in_supplier(client, clean_app)
    html = client.get("/leads/new").get_data(as_text=True)
    names = set(re.findall(r'\bname="([a-z_]+)"', html))
    with clean_app.test_request_context():
        expected = {name for name in LeadForm(meta={"csrf": False})._fields if name != "confirm_figures"}
    assert expected | {"csrf_token"} <= names
    assert '<option selected value="US">United States</option>' in html
    html = post_form(client, "/leads/new", {**VALID_LEAD, "quantity": "", "country": "Atlantis"},
                     form_page="/leads/new").get_data(as_text=True)
    assert 'id="quantity-error"' in html and 'id="country-error"' in html
    assert '<option selected value="Atlantis">Atlantis (not a country: choose one)</option>' in html


def test_the_signed_in_user_and_organisation_come_in_one_query(client, clean_app):
    signed_in_supplier(client, clean_app)
    client.get("/leads/new")
    with clean_app.app_context():
        engine = db.engine
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        html = client.get("/leads/new").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "Supplier Org" in html  # the organisation's name, filled in for the supplier
    user_queries = [s for s in statements if "FROM user_sessions" in s]
    assert len(user_queries) == 1 and "JOIN users" in user_queries[0] and "organisations" in user_queries[0]
    assert not [s for s in statements if "FROM users" in s and "user_sessions" not in s]
    assert not [s for s in statements if "FROM organisations" in s and "user_sessions" not in s]


def test_a_deactivated_user_is_still_signed_out(client, clean_app):
    user_id = signed_in_supplier(client, clean_app)
    assert client.get("/leads/new").status_code == 200
    with clean_app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert client.get("/leads/new").status_code == 302


def test_the_submission_limit_still_answers_429_with_its_headers(client, clean_app):
    clean_app.config["SUBMIT_LIMIT"] = "2 per hour"
    try:
        signed_in_supplier(client, clean_app)
        responses = [post_form(client, "/leads/new", VALID_LEAD) for _ in range(3)]
    finally:
        clean_app.config["SUBMIT_LIMIT"] = "60 per hour"
    assert [r.status_code for r in responses] == [302, 302, 429]
    assert responses[0].headers["X-RateLimit-Limit"] == "2"
    assert responses[0].headers["X-RateLimit-Remaining"] == "1"
    assert responses[1].headers["X-RateLimit-Remaining"] == "0"
    assert int(responses[1].headers["X-RateLimit-Reset"]) > 0


def _wtforms_original_html_params():
    """WTForms' own html_params, from a fresh copy of its module (the app replaces the one in use)."""
    import importlib.util

    import wtforms.widgets.core

    spec = importlib.util.spec_from_file_location("wtforms_widgets_core_original", wtforms.widgets.core.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.html_params


_NAMES = st.sampled_from(["id", "name", "value", "class_", "for_", "type", "required", "aria_describedby",
                          "aria-invalid", "data_x_y", "data-z", "autofocus", "placeholder", "a<b", 'q"'])
_VALUES = st.one_of(st.booleans(), st.none(), st.integers(), st.text(),
                    st.text().map(Markup), st.text().map(lambda t: LazyString(lambda: t)),
                    st.sampled_from(['"><script>x</script>', "Côte d'Ivoire", "a&b", 'say "hi"']))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_NAMES, _VALUES, max_size=8))
def test_our_html_params_write_what_wtforms_writes(kwargs):
    from marketplace.web.forms import html_params

    ours = html_params(**kwargs)
    assert isinstance(ours, Markup)
    assert str(ours) == str(_wtforms_original_html_params()(**kwargs))


def test_the_app_renders_fields_labels_and_text_areas_through_them(clean_app):
    """Installed where WTForms looks for it: an input, a text area, a label and a select give the
    same HTML with WTForms' own function."""
    import wtforms.widgets
    import wtforms.widgets.core

    from marketplace.web.forms import html_params
    from marketplace.web.suppliers.forms import LeadForm

    assert wtforms.widgets.core.html_params is html_params and wtforms.widgets.html_params is html_params
    posted = MultiDict({"quantity": '12 "000"', "notes": "<b>x</b>", "country": "Atlantis"})
    with clean_app.test_request_context(method="POST"):
        form = LeadForm(formdata=posted, meta={"csrf": False})
        ours = [str(f(**{"aria-invalid": "true"})) for f in (form.quantity, form.notes, form.country)]
        ours.append(str(form.quantity.label))
        original = _wtforms_original_html_params()
        saved = wtforms.widgets.core.html_params, wtforms.widgets.html_params, wtforms.widgets.core.Input.__dict__["html_params"]
        wtforms.widgets.core.html_params = wtforms.widgets.html_params = original
        wtforms.widgets.core.Input.html_params = staticmethod(original)
        try:
            theirs = [str(f(**{"aria-invalid": "true"})) for f in (form.quantity, form.notes, form.country)]
            theirs.append(str(form.quantity.label))
        finally:
            (wtforms.widgets.core.html_params, wtforms.widgets.html_params,
             wtforms.widgets.core.Input.html_params) = saved
    assert ours == theirs
    assert 'value="12 &#34;000&#34;"' in ours[0] and "&lt;b&gt;x&lt;/b&gt;" in ours[1]


_FAR = {"unit_price": "0.0001", "quantity": "1000000000000", "min_order_qty": ""}  # figures to confirm
_TOKEN = "t" * 32


@pytest.mark.parametrize("posted,accepted", [
    ({**VALID_LEAD, "submission_token": _TOKEN}, True),
    (VALID_LEAD, True),                                                                 # no token: a new one
    ({**VALID_LEAD, "submission_token": ""}, True),
    ({**VALID_LEAD, "submission_token": "short"}, False),                               # malformed
    ({**VALID_LEAD, "country": "Mexico", "country_of_origin": " china "}, True),        # free text, named
    ({**VALID_LEAD, "country": "Atlantis"}, False),                                     # names no country
    ({**VALID_LEAD, "country": "NA", "phone": "061 221 234", "country_of_origin": ""}, True),  # Namibia
    ({k: v for k, v in VALID_LEAD.items() if k not in ("country", "notes")}, True),     # absent: the default
    ({**VALID_LEAD, "quantity": "", "unit_price": "0,12"}, False),                      # refused beside fields
    ({**VALID_LEAD, "valid_until": "2020-01-01"}, False),
    ({**VALID_LEAD, **_FAR}, False),                                                    # to confirm
    ({**VALID_LEAD, **_FAR, "confirm_figures": "y"}, False),                            # ticked unasked
    ({**VALID_LEAD, **_FAR, "confirm_figures": "y", "confirmed_figures": "DIGEST"}, True),  # as shown
    ({**VALID_LEAD, **_FAR, "confirm_figures": "false", "confirmed_figures": "DIGEST"}, False),
    ({**VALID_LEAD, **_FAR, "unit_price": "0.0002", "confirm_figures": "y", "confirmed_figures": "DIGEST"}, False),
])
def test_the_view_skips_the_form_only_when_the_form_would_accept_the_post(clean_app, posted, accepted):
    """new_lead stores a POST that accepted_lead_post accepts without building LeadForm: it must
    accept exactly what the form accepts, with the same facts and submission token."""
    from marketplace.services.leads import today
    from marketplace.web.suppliers.forms import LeadForm, accepted_lead_post

    def form_for(data):
        with clean_app.test_request_context(method="POST", data=data):
            form = LeadForm(meta={"csrf": False})
            return form, form.validate()

    if posted.get("confirmed_figures") == "DIGEST":  # the digest the form shows with the warnings
        form, first = form_for({**VALID_LEAD, **_FAR})
        assert not first and form.asks_confirmation
        posted = {**posted, "confirmed_figures": form.confirmed_figures.data}
    form, form_accepts = form_for(posted)
    with clean_app.test_request_context(method="POST", data=posted):
        from flask import request

        ours = accepted_lead_post(request.form, today())
    assert (ours is not None, form_accepts) == (accepted, accepted), form.errors
    if ours is not None:
        token, facts = ours
        assert facts == form.clean
        if posted.get("submission_token"):
            assert token == form.submission_token.data == posted["submission_token"]
        else:
            assert len(token) >= 16


def test_a_lead_post_without_a_csrf_token_is_still_refused(client, clean_app):
    """The form is not built for a good POST, so its own CSRF check does not run: CSRFProtect's
    (before every view) still refuses a POST without the token, or with a wrong one."""
    signed_in_supplier(client, clean_app)
    html = client.get("/leads/new").get_data(as_text=True)
    token = re.search(r'name="submission_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="submission_token"', html)
    fields = {**VALID_LEAD, "submission_token": token.group(1)}
    assert client.post("/leads/new", data=fields).status_code == 400
    assert client.post("/leads/new", data={**fields, "csrf_token": "forged"}).status_code == 400
    with clean_app.app_context():
        from marketplace.models import Lead

        assert db.session.scalar(db.select(db.func.count()).select_from(Lead)) == 0


def test_a_good_lead_post_is_checked_once_by_the_forms_own_checks(client, clean_app, monkeypatch):
    """One place for the lead form's checks: a good POST runs check_lead once and builds no form;
    a refused one is checked by the same function again when the form is built to show why (the
    fast path adds no check of its own); the API's lead runs it once as well."""
    from marketplace.web.suppliers import forms

    calls = {"check_lead": 0, "LeadForm": 0}
    check_lead, form_init = forms.check_lead, forms.LeadForm.__init__

    def counted_check(*args, **kwargs):
        calls["check_lead"] += 1
        return check_lead(*args, **kwargs)

    def counted_init(self, *args, **kwargs):
        calls["LeadForm"] += 1
        form_init(self, *args, **kwargs)

    monkeypatch.setattr(forms, "check_lead", counted_check)
    monkeypatch.setattr(forms.LeadForm, "__init__", counted_init)
    signed_in_supplier(client, clean_app)
    html = client.get("/leads/new").get_data(as_text=True)
    calls.update(check_lead=0, LeadForm=0)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    assert client.post("/leads/new", data={**VALID_LEAD, "csrf_token": token}).status_code == 302
    assert calls == {"check_lead": 1, "LeadForm": 0}
    refused = client.post("/leads/new", data={**VALID_LEAD, "quantity": "", "csrf_token": token})
    assert refused.status_code == 200 and calls == {"check_lead": 3, "LeadForm": 1}
    from marketplace.web.api.support import lead_facts

    calls.update(check_lead=0, LeadForm=0)
    with clean_app.test_request_context():
        assert lead_facts(dict(VALID_LEAD)).company_name
    assert calls == {"check_lead": 1, "LeadForm": 0}
