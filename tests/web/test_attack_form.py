"""Adversarial checks of the lead form's fast path (web.suppliers.forms.accepted_lead_post): any
POST it accepts, LeadForm must accept with the same facts and token (table and property tests),
and what only CSRFProtect checks now (the form is not built) must still hold."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from marketplace.extensions import db
from tests.conftest import VALID_LEAD, fetch_token
from tests.web.test_leads_pages import signed_in_supplier

_TRICKS = [
    "", " ", "\u00a0", "\u200b", "\u202e", "\u2066x\u2069", "\x00", "\t", "\r\n", "ＵＳ", "１２", "0,79",
    "x" * 301, "x" * 5001, "+1", "１", "e\u0301", "ﬁ", "1e3", "NaN", "-0", "0x10", "١٢٣",
]
_FIELDS = [*VALID_LEAD, "valid_until", "submission_token", "confirm_figures", "confirmed_figures"]


def _both(app, posted: MultiDict):
    from flask import request

    from marketplace.services.leads import today
    from marketplace.web.suppliers.forms import LeadForm, accepted_lead_post

    with app.test_request_context(method="POST", data=posted):
        form = LeadForm(meta={"csrf": False})
        form_accepts = form.validate()
        ours = accepted_lead_post(request.form, today())
    return form, form_accepts, ours


def _check(app, posted: MultiDict) -> None:
    form, form_accepts, ours = _both(app, posted)
    # The same decision both ways (the fast path runs the form's own checks: check_lead,
    # submission_token_of), on the data read the same way.
    assert (ours is not None) == form_accepts, (posted, form.errors, form.form_errors)
    if ours is not None:
        assert ours[1] == form.clean
        if posted.get("submission_token"):
            assert ours[0] == form.submission_token.data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.sampled_from(_FIELDS),
                                  st.one_of(st.sampled_from(_TRICKS), st.text(max_size=12)),
                                  st.sampled_from(["set", "drop", "dup_first", "dup_second", "pad"])),
                        max_size=4))
def test_the_fast_path_accepts_nothing_the_form_refuses(clean_app, changes):
    items = {k: [v] for k, v in VALID_LEAD.items()}
    for name, value, how in changes:
        base = items.get(name, [""])[0] or ""
        if how == "set":
            items[name] = [value]
        elif how == "drop":
            items.pop(name, None)
        elif how == "dup_first":
            items[name] = [value, base]
        elif how == "dup_second":
            items[name] = [base, value]
        else:
            items[name] = [value + base + value]
    _check(clean_app, MultiDict([(k, v) for k, values in items.items() for v in values]))


@pytest.mark.parametrize("change", [
    {"company_name": "Harbor\u202e Industrial"},   # a bidi control
    {"email": "MGARCIA@HARBORINDUSTRIAL.COM "},
    {"country": " us "}, {"country": "usa"}, {"country": "ＵＳ"}, {"country_of_origin": "People's Republic of China"},
    {"quantity": "５０００"}, {"unit_price": "0.79\u200b"}, {"notes": "x" * 20000}, {"company_name": "x" * 400},
    {"submission_token": "a" * 65}, {"submission_token": "a" * 15}, {"submission_token": "ａ" * 20},
    {"confirm_figures": "False"}, {"confirm_figures": "0"}, {"valid_until": "31/12/2099"},
])
def test_table_of_tricks(clean_app, change):
    _check(clean_app, MultiDict({**VALID_LEAD, **change}))


def test_a_forged_or_missing_csrf_token_is_refused_with_every_other_field_good(client, clean_app):
    """The form is not built for a good POST: CSRFProtect alone refuses a missing, forged or other
    session's token (a token only in the X-CSRFToken header is accepted by both paths: Flask-WTF's
    form skips its own check once CSRFProtect has passed the request)."""
    signed_in_supplier(client, clean_app)
    other = clean_app.test_client()
    signed_in_supplier(other, clean_app, email="other@example.org")
    theirs = fetch_token(other, "/leads/new")
    for data in ({}, {"csrf_token": ""}, {"csrf_token": "forged"}, {"csrf_token": theirs}):
        assert client.post("/leads/new", data={**VALID_LEAD, **data}).status_code == 400, data
    with clean_app.app_context():
        from marketplace.models import Lead

        assert db.session.scalar(db.select(db.func.count()).select_from(Lead)) == 0
