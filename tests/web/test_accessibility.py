"""Accessibility in the markup (issue 13, item 4): the skip link, the error summary that links to
the fields, errors tied to their fields, required fields marked, a refused decision's message by
its text box, and the focus ring's contrast. The browser side (axe-core, keyboard alone) is in
tests/e2e/test_accessibility.py."""
import re
from pathlib import Path

from marketplace.extensions import db
from marketplace.models import Lead
from tests.conftest import VALID_LEAD, fetch_token, login, make_lead, make_user, post_form

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
