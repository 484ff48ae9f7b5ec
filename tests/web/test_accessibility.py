"""Accessibility in the markup (issue 13, item 4): the skip link, the error summary that links to
the fields, errors tied to their fields, required fields marked, a refused decision's message by
its text box, and the focus ring's contrast. The browser side (axe-core, keyboard alone) is in
tests/e2e/test_accessibility.py."""
import re
from pathlib import Path

from marketplace.extensions import db
from marketplace.models import Lead
from tests.conftest import VALID_LEAD, approve, fetch_token, login, make_lead, make_request, make_user, post_form

CSS = Path(__file__).resolve().parents[2] / "marketplace" / "static" / "css" / "app.css"


def tag(html: str, attr: str, value: str) -> str:
    """The opening tag of the element whose ``attr`` is ``value``."""
    found = re.search(rf'<[a-z]+\b[^>]*\b{attr}="{re.escape(value)}"[^>]*>', html)
    assert found, f"no element with {attr}={value!r}"
    return found.group(0)


def test_the_skip_link_is_the_first_tab_stop_and_leads_to_main(client, clean_app):
    with clean_app.app_context():
        make_user("vetter", "val@city.example.gov")
    pages = ["/", "/login", "/register/supplier"]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        body = html.split("<body>", 1)[1]
        first = re.search(r"<(a|button|input|select|textarea)\b[^>]*>", body).group(0)
        assert 'class="skip-link"' in first and 'href="#content"' in first, (path, first)
        assert '<main id="content" tabindex="-1">' in html, path
    login(client, "val@city.example.gov")
    html = client.get("/staff/leads").get_data(as_text=True)
    assert re.search(r"<body>\s*<a class=\"skip-link\" href=\"#content\">Skip to content</a>", html)


def test_a_refused_lead_form_has_a_summary_linking_to_each_field(client, clean_app):
    with clean_app.app_context():
        make_user("supplier", "s@example.org")
    login(client, "s@example.org")
    response = post_form(client, "/leads/new", {**VALID_LEAD, "unit_price": "0", "quantity": "lots"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', html, re.S)
    assert summary, "no error summary"
    assert "autofocus" in summary.group(0).split(">", 1)[0] and 'tabindex="-1"' in summary.group(0)
    links = dict(re.findall(r'<a href="#([a-z_]+)">([^<]*)</a>', summary.group(1)))
    assert set(links) == {"unit_price", "quantity"}
    assert links["unit_price"].startswith("Unit price (USD): ")
    for name in ("unit_price", "quantity"):
        control = tag(html, "id", name)
        assert 'aria-invalid="true"' in control
        assert f"{name}-error" in re.search(r'aria-describedby="([^"]*)"', control).group(1).split()
        assert re.search(rf'<p id="{name}-error" class="error">', html)
    assert 'aria-invalid="false"' in tag(html, "id", "pack_size")


def test_a_field_with_two_errors_names_both_with_distinct_ids(clean_app):
    from flask import render_template_string
    from wtforms import Form, StringField

    class One(Form):
        name = StringField("Name")

    with clean_app.test_request_context():
        form = One()
        form.name.errors = ["First.", "Second."]
        html = render_template_string('{% from "_forms.html" import field %}{{ field(form.name) }}', form=form)
    assert 'aria-describedby="name-error name-error-2"' in html
    assert '<p id="name-error" class="error">First.</p>' in html
    assert '<p id="name-error-2" class="error">Second.</p>' in html


def test_fields_shown_as_required_are_marked_required(client, clean_app):
    with clean_app.app_context():
        make_user("supplier", "s@example.org")
    login(client, "s@example.org")
    html = client.get("/leads/new").get_data(as_text=True)
    for name in ("product_category", "supplier_type", "quantity", "unit_price", "company_name", "email"):
        assert 'aria-required="true"' in tag(html, "id", name), name
    for name in ("pack_size", "notes"):
        assert "aria-required" not in tag(html, "id", name), name


def test_reject_without_a_reason_is_told_by_the_reason_box_which_takes_the_focus(client, clean_app):
    with clean_app.app_context():
        make_user("vetter", "val@city.example.gov")
        lead_id = make_lead().id
    login(client, "val@city.example.gov")
    token = fetch_token(client, f"/staff/leads/{lead_id}")
    response = client.post(f"/staff/leads/{lead_id}/decision",
                           data={"csrf_token": token, "action": "reject", "text": "  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    box = tag(html, "id", "text")
    assert box.startswith("<textarea")
    assert 'aria-invalid="true"' in box and 'aria-describedby="text-error"' in box and "autofocus" in box
    assert '<p id="text-error" class="error">Please give a reason.</p>' in html
    assert 'class="flash' not in html  # not a message at the top, away from the box
    with clean_app.app_context():
        assert db.session.get(Lead, lead_id).status == "submitted"
    # The supplier's answer is the same kind: a decision that needs a text (checked in the domain).
    from marketplace.domain.lead_status import TextNeeded, transition
    try:
        transition("answer", "info_requested", "supplier", "")
    except TextNeeded as exc:
        assert exc.needs == "answer"
    else:
        raise AssertionError("an empty answer was accepted")


# --- The focus ring's contrast (WCAG 2.1 1.4.11: 3:1 for a control's focus indicator) ----------

def _luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    if len(hex_colour) == 3:
        hex_colour = "".join(c * 2 for c in hex_colour)
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_matches_the_wcag_formula():
    assert round(contrast("#000", "#fff"), 1) == 21.0
    assert round(contrast("#7fb2e5", "#ffffff"), 1) == 2.2  # the old ring on a card: too faint


def test_the_focus_ring_has_3_to_1_against_every_background_it_sits_on():
    css = CSS.read_text()
    variables = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})", css))
    ring = re.search(r"input:focus[^{]*\{[^}]*outline:\s*\d+px solid (#[0-9a-fA-F]{3,6})", css).group(1)
    topbar_ring = re.search(r"\.topbar a:focus[^{]*\{[^}]*outline-color:\s*(#[0-9a-fA-F]{3,6})", css).group(1)
    topbar_bg = re.search(r"\.topbar \{[^}]*background:\s*var\(--([a-z-]+)\)", css).group(1)
    light = {"page": variables["bg"], "card": variables["card"], "error summary": "#fdecea", "alert": "#fff3da"}
    for where, background in light.items():
        assert contrast(ring, background) >= 3, (where, contrast(ring, background))
    assert contrast(topbar_ring, variables[topbar_bg]) >= 3


def test_an_empty_answer_is_told_by_the_answer_box_which_takes_the_focus(client, clean_app):
    """The second example of the kind: the supplier's answer to a question needs a text too."""
    from marketplace.services import vetting

    with clean_app.app_context():
        supplier = make_user("supplier", "s@example.org")
        vetter = make_user("vetter", "val@city.example.gov")
        lead = make_lead(supplier)
        vetting.decide(lead, vetter, "request_info", "Which NIOSH approval number?")
        db.session.commit()
        lead_id = lead.id
    login(client, "s@example.org")
    for text in ("", "   "):
        token = fetch_token(client, f"/leads/{lead_id}")
        response = client.post(f"/leads/{lead_id}/answer", data={"csrf_token": token, "answer": text})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, text
        box = tag(html, "id", "answer")
        assert 'aria-invalid="true"' in box and 'aria-describedby="answer-error"' in box and "autofocus" in box
        assert re.search(r'<p id="answer-error" class="error">Please [^<]*answer', html), text
    with clean_app.app_context():
        assert db.session.get(Lead, lead_id).status == "info_requested"


# --- Every refused form: the message beside its field, tied to it, and the error summary --------
# Forms outside the create/edit pages (a match's steps, extending a request, naming an
# organisation, a lead page's merge and decision, a supplier's answer and upload, staff's proposal
# by hand) are shown again on a refused submit through the same macros as the offer form.

def refused_beside(html: str, field_id: str, message: str, *, summary_focus: bool = True) -> None:
    """``html`` shows ``message`` beside the control ``field_id`` (its error paragraph, named by
    its aria-describedby, aria-invalid) and an error summary linking to it, which takes the focus
    unless the control does (``summary_focus=False``)."""
    control = tag(html, "id", field_id)
    assert 'aria-invalid="true"' in control, control
    assert f"{field_id}-error" in re.search(r'aria-describedby="([^"]*)"', control).group(1).split(), control
    error = re.search(rf'<p id="{re.escape(field_id)}-error" class="error">([^<]*)</p>', html)
    assert error and message in error.group(1), (field_id, error and error.group(1))
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', html, re.S)
    assert summary, "no error summary"
    assert f'href="#{field_id}"' in summary.group(1) and message in summary.group(1)
    assert ("autofocus" in summary.group(0).split(">", 1)[0]) is summary_focus
    assert ("autofocus" in control) is not summary_focus
    assert html.count('class="error-summary"') == 1  # only the refused form's
    assert 'class="flash' not in html  # not a message at the top, away from the field


def _match_world(app) -> tuple[int, int]:
    """A proposed match (buyer nurse@..., supplier sales@...) and the request's id."""
    from marketplace.services import planning

    with app.app_context():
        buyer = make_user("buyer", "nurse@hospital.example", verified=True)
        supplier = make_user("supplier", "sales@harbor.example")
        vetter = make_user("vetter", "vera.vetter@city.example")
        request = make_request(buyer, max_unit_price="0.85", quantity="3000")
        lead = make_lead(supplier, unit_price="0.79", lead_time_days="7")
        approve(lead, vetter)
        match = planning.propose(request, lead.id, 2000, vetter)
        db.session.commit()
        return match.id, request.id


def _signed_in(app, email):
    client = app.test_client()
    login(client, email)
    return client


def test_a_match_step_refused_for_its_field_is_told_beside_that_field(clean_app):
    from marketplace.models import Match

    match_id, _request_id = _match_world(clean_app)
    buyer = _signed_in(clean_app, "nurse@hospital.example")
    page = f"/matches/{match_id}"
    # Decline without a reason, then close without choosing why: two fields of one kind.
    for data, field_id, message in (({"action": "decline", "reason": "  "}, "reason", "Please give a reason."),
                                    ({"action": "close", "close_reason": ""}, "close_reason",
                                     "Please choose why the match is closed.")):
        response = post_form(buyer, f"{page}/act", data, form_page=page)
        assert response.status_code == 200, data
        refused_beside(response.get_data(as_text=True), field_id, message)
    # The supplier's delivery date, refused by the form's own check, is shown the same way.
    supplier = _signed_in(clean_app, "sales@harbor.example")
    response = post_form(supplier, f"{page}/act", {"action": "confirm_availability", "delivery_on": "soon"},
                         form_page=page)
    refused_beside(response.get_data(as_text=True), "delivery_on", "This is not a date we can read")
    with clean_app.app_context():
        assert db.session.get(Match, match_id).status == "proposed"


def test_extending_a_request_without_a_date_is_told_beside_the_date(clean_app):
    from datetime import timedelta

    from marketplace.models import DemandRequest
    from marketplace.services import demand

    _match_id, request_id = _match_world(clean_app)
    with clean_app.app_context():
        db.session.get(DemandRequest, request_id).needed_by = demand.today() - timedelta(days=1)
        db.session.commit()
    buyer = _signed_in(clean_app, "nurse@hospital.example")
    for typed, message in (("", "required"), ("2020-01-01", "in the past")):
        response = post_form(buyer, f"/buyer/requests/{request_id}/extend", {"needed_by": typed})
        assert response.status_code == 200, typed
        refused_beside(response.get_data(as_text=True), "needed_by", message)


def test_naming_an_organisation_with_a_bad_npi_is_told_beside_the_number(client, clean_app):
    from tests.conftest import FACILITY_FORM

    with clean_app.app_context():
        make_user("buyer", "someone@gmail.com", organisation="")
    login(client, "someone@gmail.com")
    response = post_form(client, "/buyer/organisation", {
        "organisation_name": "Westlake Community Clinic", "organisation_kind": "clinic", **FACILITY_FORM,
        "licence_number": "1234567890"}, form_page="/buyer/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    refused_beside(html, "licence_number", "check digit")
    assert 'value="Westlake Community Clinic"' in html  # what was typed stays
    response = post_form(client, "/buyer/organisation", {"organisation_name": "", "organisation_kind": "clinic",
                                                          **FACILITY_FORM}, form_page="/buyer/")
    refused_beside(response.get_data(as_text=True), "organisation_name", "required")


def test_a_lead_pages_refused_forms_are_told_beside_their_fields(client, clean_app):
    with clean_app.app_context():
        make_user("vetter", "val@city.example.gov")
        lead_id = make_lead().id
    login(client, "val@city.example.gov")
    page = f"/staff/leads/{lead_id}"
    # Reject without a reason: the reason box takes the cursor; the summary says it too.
    response = post_form(client, f"{page}/decision", {"action": "reject", "text": ""}, form_page=page)
    refused_beside(response.get_data(as_text=True), "text", "Please give a reason.", summary_focus=False)
    # A merge without a lead number, with one that does not exist, with the lead itself.
    for typed, message in (("", "Give the number of the lead to merge with."),
                           ("999999", "There is no lead #999999."),
                           (str(lead_id), "the same supplier as itself")):
        response = post_form(client, f"{page}/merge", {"other_lead_id": typed}, form_page=page)
        assert response.status_code == 200, typed
        refused_beside(response.get_data(as_text=True), "other_lead_id", message)


def test_a_suppliers_refused_answer_and_upload_are_told_beside_their_fields(client, clean_app):
    import io

    from marketplace.services import vetting

    with clean_app.app_context():
        supplier = make_user("supplier", "s@example.org")
        lead = make_lead(supplier)
        vetting.decide(lead, make_user("vetter"), "request_info", "Which NIOSH approval number?")
        db.session.commit()
        lead_id = lead.id
    login(client, "s@example.org")
    page = f"/leads/{lead_id}"
    response = post_form(client, f"{page}/answer", {"answer": " "}, form_page=page)
    refused_beside(response.get_data(as_text=True), "answer", "answer", summary_focus=False)
    for upload, message in ((None, "Choose a file to upload."),
                            ((io.BytesIO(b"MZ\x90\x00 not a document"), "tool.exe"), "Only PDF documents")):
        data = {} if upload is None else {"document": upload}
        response = post_form(client, f"{page}/documents", data, form_page=page, content_type="multipart/form-data")
        assert response.status_code == 200, message
        refused_beside(response.get_data(as_text=True), "document", message)


def test_a_proposal_by_hand_refused_for_its_units_is_told_beside_that_candidates_box(clean_app):
    from marketplace.models import Match

    with clean_app.app_context():
        buyer = make_user("buyer", "nurse@hospital.example", verified=True)
        vetter = make_user("vetter", "vera.vetter@city.example")
        request_id = make_request(buyer, max_unit_price="0.85", quantity="3000").id
        lead_ids = []
        for number in (1, 2):
            lead = make_lead(make_user("supplier"), unit_price="0.79", quantity="5000",
                             company_name=f"Harbor Supply {number}", email=f"sales@harbor{number}.example")
            approve(lead, vetter)
            lead_ids.append(lead.id)
    staff = _signed_in(clean_app, "vera.vetter@city.example")
    page = f"/staff/requests/{request_id}"
    html = staff.get(page).get_data(as_text=True)
    for lead_id in lead_ids:  # each row's box, its label and its error ids are its own
        assert f'<label class="visually-hidden" for="quantity-{lead_id}">Units from lead #{lead_id}</label>' in html
    target = lead_ids[1]
    for typed, message in (("many", "whole number"), ("0", "at least 1"), ("4000", "Propose between 1 and 3,000 units.")):
        response = post_form(staff, f"/staff/requests/{request_id}/propose", {"lead_id": target, "quantity": typed},
                             form_page=page)
        assert response.status_code == 200, typed
        html = response.get_data(as_text=True)
        refused_beside(html, f"quantity-{target}", message)
        assert 'aria-invalid="false"' in tag(html, "id", f"quantity-{lead_ids[0]}")
    with clean_app.app_context():
        assert db.session.query(Match).count() == 0
