"""The match page and the notifications, as each party reads them (issue 10, item 2: the supplier
read "$0.06 under your maximum", and with it the buyer's private maximum). Staff read the buyer's
maximum and deadline in the third person: only the buyer whose request it is reads "your"."""
import html
import re

from marketplace.domain.messages import trigger_fact
from marketplace.extensions import db
from marketplace.services import planning
from tests.conftest import approve, login, make_lead, make_request, make_user
from tests.domain.test_messages import SECOND_PERSON


def _text(response) -> str:
    assert response.status_code == 200
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_each_party_reads_the_reasons_it_may(clean_app):
    with clean_app.app_context():
        buyer = make_user("buyer", "nurse@hospital.example", verified=True)
        supplier = make_user("supplier", "sales@harbor.example")
        vetter = make_user("vetter", "vera.vetter@city.example")
        request = make_request(buyer, max_unit_price="0.85", days_of_supply="3", quantity="3000")
        lead = make_lead(supplier, unit_price="0.79")
        approve(lead, vetter)
        match_id = planning.propose(request, lead.id, 2000, vetter).id
        db.session.commit()  # the caller commits the use case
        score, lead_id, request_id = lead.risk_score, lead.id, request.id

    clients = {}
    for role, email in (("supplier", "sales@harbor.example"), ("buyer", "nurse@hospital.example"),
                        ("vetter", "vera.vetter@city.example")):
        clients[role] = clean_app.test_client()
        login(clients[role], email)
    pages = {role: _text(c.get(f"/matches/{match_id}")) for role, c in clients.items()}
    told = {role: _text(c.get("/notifications")) for role, c in clients.items() if role != "vetter"}

    supplier_page = pages["supplier"]
    assert "$0.79 a unit" in supplier_page and "proposed by city staff" in supplier_page
    for private in ("0.85", "0.06", "under your maximum", "vetting score", f"{score} of 100", "days of supply",
                    "urgency", "vera.vetter"):
        assert private not in supplier_page, private
        assert private not in told["supplier"], private
    assert re.findall(r"\d+(?:\.\d+)?\s*%", supplier_page) == []
    assert f"Your offer #{lead_id}: 2,000 N95 respirators proposed to a buyer" in told["supplier"]

    buyer_page = pages["buyer"]
    assert "$0.79 a unit, $0.06 under your maximum" in buyer_page and "3 days of supply left" in buyer_page
    assert "vera.vetter" not in buyer_page and f"vetting score {score}" not in buyer_page
    assert f"Proposed: 2,000 N95 respirators for your request #{request_id}" in told["buyer"]

    staff_page = pages["vetter"]
    # With Redis the lead is only queued for scoring: the reason says it is not scored yet.
    scored = f"vetting score {score} of 100" if score is not None else "vetting score: not scored yet"
    for shown in ("$0.79 a unit, $0.06 under the buyer's maximum", scored, "3 days of supply left",
                  "proposed by hand by vera.vetter@city.example"):
        assert shown in staff_page, shown
    assert "your maximum" not in staff_page and "your needed-by date" not in staff_page
    assert "before your needed-by date" in buyer_page and "before the needed-by date" in staff_page


def _reasons(page: str) -> list[str]:
    """The items of the page's lists of reasons (a plan line's, a near miss's), as read."""
    lists = re.findall(r'<ul class="reasons">(.*?)</ul>', page, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split())
            for found in lists for item in re.findall(r"<li>(.*?)</li>", found, re.S)]


def test_staff_read_the_plan_and_its_near_misses_of_the_buyer_not_as_the_buyer(clean_app):
    """The second example: the plan page's lines and near misses (allocation.unfit_reason) say
    "the buyer's maximum" and "the deadline" to staff, in English and in Spanish."""
    with clean_app.app_context():
        buyer = make_user("buyer", "nurse@hospital.example", verified=True)
        vetter = make_user("vetter", "vera.vetter@city.example")
        supplier = make_user("supplier", "sales@harbor.example")
        make_request(buyer, quantity="1000", days_of_supply="2", max_unit_price="1.49")  # urgent, left short
        make_request(buyer, category="nitrile_gloves", quantity="2000", max_unit_price="0.20", days_of_supply="30")
        approve(make_lead(supplier, unit_price="1.50", quantity="5000"), vetter)  # a cent over: a near miss
        approve(make_lead(supplier, product_category="nitrile_gloves", product_description="Nitrile exam gloves",
                          unit_price="0.14", quantity="5000", lead_time_days="7"), vetter)
        planning.run_matching(trigger_fact("command"))  # with Redis the approvals only queue it
        db.session.commit()

    english = clean_app.test_client()
    login(english, "vera.vetter@city.example")
    reasons = _reasons(english.get("/staff/matching").get_data(as_text=True))
    assert "$0.14 a unit, $0.06 under the buyer's maximum" in reasons
    assert "ready in 7 days, 13 days before the needed-by date" in reasons
    assert any(r.endswith("$1.50 a unit is above the buyer's maximum of $1.49") for r in reasons), reasons
    assert [r for r in reasons if SECOND_PERSON["en"].search(r)] == []

    spanish = clean_app.test_client()
    spanish.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    login(spanish, "vera.vetter@city.example")
    reasons = _reasons(spanish.get("/staff/matching").get_data(as_text=True))
    assert any("por debajo del máximo del comprador" in r for r in reasons), reasons
    assert any("13 días antes de la fecha en que se necesita" in r for r in reasons), reasons
    assert any("por unidad supera el máximo del comprador" in r for r in reasons), reasons
    assert [r for r in reasons if SECOND_PERSON["es"].search(r)] == []
