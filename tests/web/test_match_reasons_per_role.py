"""The match page and the notifications, as each party reads them (issue 10, item 2: the supplier
read "$0.06 under your maximum", and with it the buyer's private maximum)."""
import re

from marketplace.extensions import db
from marketplace.services import planning
from tests.conftest import approve, login, make_lead, make_request, make_user


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))


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
    assert f"Your offer #{lead_id}: 2,000 N95 respirator proposed to a buyer" in told["supplier"]

    buyer_page = pages["buyer"]
    assert "$0.79 a unit, $0.06 under your maximum" in buyer_page and "3 days of supply left" in buyer_page
    assert "vera.vetter" not in buyer_page and f"vetting score {score}" not in buyer_page
    assert f"Proposed: 2,000 N95 respirator for your request #{request_id}" in told["buyer"]

    staff_page = pages["vetter"]
    # With Redis the lead is only queued for scoring: the reason says it is not scored yet.
    scored = f"vetting score {score} of 100" if score is not None else "vetting score: not scored yet"
    for shown in ("$0.06 under your maximum", scored, "3 days of supply left",
                  "proposed by hand by vera.vetter@city.example"):
        assert shown in staff_page, shown
