"""Several leads of one supplier decided together (issue 11, item 5) by the lead page's own rule
(domain.four_eyes.lead_decisions, four eyes item 7): the cluster form offers no approval the
vetter may not give (they gave the first of two), no lead they may decide nothing on (their own
domain's; escalated, for an administrator), says why beside it, and the server refuses each such
lead in words."""
import re

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditLog, Lead
from tests.conftest import fetch_token, login, make_lead, make_user


def one_supplier(*fields_list):
    """Leads made with each of ``fields_list`` and resolved to one supplier (one cluster)."""
    ids = [make_lead(**fields).id for fields in fields_list]
    for lead_id in ids:
        db.session.get(Lead, lead_id).cluster_id = ids[0]
    db.session.commit()
    return ids


def checkbox(page, lead_id):
    """The cluster form's box for ``lead_id`` and its label's text, or None."""
    found = re.search(rf'<input[^>]*name="cluster_leads"[^>]*value="{lead_id}">\s*<label[^>]*>([^<]*)</label>', page)
    return found and found.group(1)


def offered_decisions(page):
    select_html = re.search(r'<select[^>]*name="cluster_action"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r'value="([^"]*)"', select_html)


def post(client, lead_id, chosen, action, text=""):
    data = {"csrf_token": fetch_token(client, f"/staff/leads/{lead_id}"), "cluster_leads": [str(i) for i in chosen],
            "cluster_action": action, "cluster_text": text}
    return client.post(f"/staff/leads/{lead_id}/cluster-decision", data=data, follow_redirects=True).get_data(as_text=True)


def test_the_first_approver_is_not_offered_the_second_approval_together(client, clean_app):
    """The given example: Ann gave the first approval of a large lead; the cluster form still offered
    her Approve for it (and the server refused). Now the lead says why beside its box, and an
    approval posted anyway is refused for that lead in words, the others approved."""
    with clean_app.app_context():
        ann = make_user("vetter", "ann@city.example.gov").email
        ids = one_supplier({}, {"contact_name": "James Smith"}, {"quantity": "400000"})
    login(client, ann)
    text = post(client, ids[0], [ids[2]], "approve")
    assert f"Lead #{ids[2]}: first approval recorded" in text
    page = client.get(f"/staff/leads/{ids[0]}").get_data(as_text=True)
    assert checkbox(page, ids[0]) == f"#{ids[0]}"
    assert checkbox(page, ids[2]) == f"#{ids[2]} (Approve: needs a second vetter: you gave the first approval)"
    assert offered_decisions(page) == ["approve", "reject"]  # the other two leads may be approved
    text = post(client, ids[0], ids, "approve")
    assert f"You approved lead #{ids[0]}." in text and f"You approved lead #{ids[1]}." in text
    assert (f"Lead #{ids[2]}: Not approved: needs a second vetter: you gave the first approval.") in text
    with clean_app.app_context():
        assert [db.session.get(Lead, i).status for i in ids] == ["approved", "approved", "under_review"]
        assert db.session.scalar(select(AuditLog.id).where(AuditLog.entity_id == ids[2],
                                                           AuditLog.action == "lead.approve")) is None
    # Alone with a lead she may only reject, the form offers no Approve at all.
    with clean_app.app_context():
        more = one_supplier({"quantity": "400000", "contact_name": "Ana Ruiz"}, {"quantity": "500000"})
    post(client, more[0], more, "approve")  # two first approvals
    page = client.get(f"/staff/leads/{more[0]}").get_data(as_text=True)
    assert offered_decisions(page) == ["reject"]
    assert "needs a second vetter: you gave the first approval" in checkbox(page, more[1])
    # A different vetter gives the second approvals together.
    other = client.application.test_client()
    with clean_app.app_context():
        make_user("vetter", "bob@city.example.gov")
    login(other, "bob@city.example.gov")
    page = other.get(f"/staff/leads/{more[0]}").get_data(as_text=True)
    assert offered_decisions(page) == ["approve", "reject"] and checkbox(page, more[1]) == f"#{more[1]}"
    text = post(other, more[0], more, "approve")
    assert f"You approved lead #{more[0]}." in text and f"You approved lead #{more[1]}." in text


def test_a_lead_the_vetter_may_not_decide_is_not_choosable(client, clean_app):
    """The second example of the kind: a lead from the vetter's own e-mail domain (self-vetting),
    and an escalated lead only an administrator decides, are not offered, with why; posted anyway,
    each is refused in words (the self-vetting refusal recorded, as on the lead page). An
    administrator decides the escalated lead together with the others (its own approval, four eyes
    per lead)."""
    with clean_app.app_context():
        ann = make_user("vetter", "ann@city.example.gov").email
        admin = make_user("admin", "ada@city.example.gov").email
        ids = one_supplier({}, {"contact_name": "James Smith"}, {"email": "sales@city.example.gov"},
                           {"contact_name": "Rosa Diaz"})
        escalated = db.session.get(Lead, ids[3])
        escalated.status = "escalated"
        db.session.commit()
    login(client, ann)
    page = client.get(f"/staff/leads/{ids[0]}").get_data(as_text=True)
    assert checkbox(page, ids[0]) and checkbox(page, ids[1])
    assert checkbox(page, ids[2]) is None and checkbox(page, ids[3]) is None
    listed = re.search(r'id="cluster-not-choosable".*?</ul>', page, re.S).group(0)
    assert (f"#{ids[2]}</a>: you may not decide on this lead: it comes from your own e-mail domain "
            "(example.gov)") in listed
    assert f"#{ids[3]}</a>: escalated: only an administrator decides on it" in listed
    text = post(client, ids[0], ids, "reject", "Not a registered manufacturer")
    assert f"You rejected lead #{ids[0]}." in text and f"You rejected lead #{ids[1]}." in text
    assert (f"Lead #{ids[2]}: You may not decide on this lead: it comes from your own e-mail domain "
            "(example.gov).") in text
    assert f"Lead #{ids[3]}: Not rejected: escalated: only an administrator decides on it." in text
    with clean_app.app_context():
        assert [db.session.get(Lead, i).status for i in ids] == ["rejected", "rejected", "submitted", "escalated"]
        assert db.session.scalar(select(AuditLog.detail).where(AuditLog.entity_id == ids[2],
                                                               AuditLog.action == "lead.decision_refused")).startswith("reject: ")
    # An administrator decides escalated leads: together, an escalated lead takes her approval (its
    # own action, not refused as "approve"). Another supplier's leads, none resembling a rejected one.
    with clean_app.app_context():
        fields = dict(company_name="Supplier 5 Medical", email="sales@supplier5.com", website="supplier5.com",
                      phone="(213) 555-1305")
        others = one_supplier(fields, {**fields, "contact_name": "Person 5"})
        db.session.get(Lead, others[1]).status = "escalated"
        db.session.commit()
    admin_client = client.application.test_client()
    login(admin_client, admin)
    page = admin_client.get(f"/staff/leads/{others[0]}").get_data(as_text=True)
    assert checkbox(page, others[0]) == f"#{others[0]}" and checkbox(page, others[1]) == f"#{others[1]}"
    text = post(admin_client, others[0], others, "approve")
    assert f"You approved lead #{others[0]}." in text and f"You approved lead #{others[1]}." in text
    with clean_app.app_context():
        assert [db.session.get(Lead, i).status for i in others] == ["approved", "approved"]
        assert db.session.scalar(select(AuditLog.action).where(AuditLog.entity_id == others[1],
                                                               AuditLog.action.like("lead.approve%"))) == "lead.approve_escalated"
