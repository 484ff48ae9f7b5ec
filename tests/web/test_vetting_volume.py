"""The vetter's pages at volume (issue 11, items 4-7): save and next through a filtered queue, a
queue that comes back from the browser, claims, four eyes, and a supplier cluster decided together."""
import re
from urllib.parse import quote

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditLog, Lead
from marketplace.services import processing
from tests.conftest import fetch_token, login, make_lead, make_user
from tests.web.test_accessibility import refused_beside


def distinct_lead(n, **fields):
    return make_lead(company_name=f"Supplier {n} Medical", email=f"sales@supplier{n}.com", website=f"supplier{n}.com",
                     phone=f"(213) 555-{1300 + n}", contact_name=f"Person {n}", **fields)


def vetters(app):
    with app.app_context():
        ann, bob = make_user("vetter", "ann@city.example.gov"), make_user("vetter", "bob@city.example.gov")
        return ann.email, bob.email


def decide(client, lead_id, action, text="", queue=None, then_next=True):
    data = {"csrf_token": fetch_token(client, f"/staff/leads/{lead_id}"), "action": action, "text": text}
    if queue is not None:
        data["queue"] = queue
    if then_next:
        data["then_next"] = "y"
    return client.post(f"/staff/leads/{lead_id}/decision", data=data)


def test_save_and_next_through_a_filtered_queue(client, clean_app):
    ann, _ = vetters(clean_app)
    with clean_app.app_context():
        gowns = [distinct_lead(n, product_category="isolation_gown", certification="AAMI PB70 level 3",
                               unit_price="1.20").id for n in range(3)]
        distinct_lead(9)  # an N95 lead: not in the gowns' queue
    login(client, ann)
    queue_page = client.get("/staff/leads?category=isolation_gown&sort=oldest").get_data(as_text=True)
    queue = "/staff/leads?category=isolation_gown&sort=oldest"
    # The queue's links carry the queue to each lead page.
    assert f'href="/staff/leads/{gowns[0]}?queue=/staff/leads?category%3Disolation_gown%26sort%3Doldest"' in queue_page
    page = client.get(f"/staff/leads/{gowns[0]}?queue={quote(queue, safe='')}").get_data(as_text=True)
    assert 'name="queue" type="hidden" value="/staff/leads?category=isolation_gown&amp;sort=oldest"' in page
    assert "<kbd>A</kbd> approve" in page and 'data-key="a"' in page and 'id="next-lead"' in page
    response = decide(client, gowns[0], "approve", queue=queue)
    assert response.status_code == 302
    assert response.location.startswith(f"/staff/leads/{gowns[1]}?queue=")
    response = decide(client, gowns[1], "reject", "No gown standard", queue=queue)
    assert response.location.startswith(f"/staff/leads/{gowns[2]}?queue=")
    # The skip link goes on without deciding; at the end of the queue, back to the queue.
    assert client.get(f"/staff/leads/{gowns[1]}/next?queue={quote(queue)}").location.startswith(f"/staff/leads/{gowns[2]}")
    response = decide(client, gowns[2], "approve", queue=queue)
    assert response.location == queue
    assert "That was the last lead of this queue." in client.get(queue).get_data(as_text=True)
    # Without "then next", the page stays on the lead (keeping the queue).
    with clean_app.app_context():
        other = distinct_lead(4, product_category="isolation_gown", certification="AAMI PB70 level 3", unit_price="1.20").id
    response = decide(client, other, "start_review", queue=queue, then_next=False)
    assert response.location.startswith(f"/staff/leads/{other}?queue=")


def test_a_queue_from_the_browser_must_be_our_queue(client, clean_app):
    """The queue comes back in a hidden field and a query string: anything but a local link to the
    vetting queue is ignored (domain.redirects.safe_next, then the queue's own path)."""
    ann, _ = vetters(clean_app)
    with clean_app.app_context():
        first, second = distinct_lead(1).id, distinct_lead(2).id
    login(client, ann)
    for hostile in ("//evil.example/staff/leads", "https://evil.example/staff/leads", "/\\evil.example/staff/leads",
                    "/%2F%2Fevil.example", "/admin/users", "javascript:alert(1)", "/staff/leads\r\nX: y"):
        response = decide(client, first, "start_review", queue=hostile)
        assert response.location == f"/staff/leads/{first}", hostile
        assert client.get(f"/staff/leads/{second}/next?queue={quote(hostile)}").location == "/staff/leads"
        page = client.get(f"/staff/leads/{second}?queue={quote(hostile)}").get_data(as_text=True)
        assert "evil" not in page and 'id="next-lead"' not in page
        with clean_app.app_context():
            db.session.execute(Lead.__table__.update().where(Lead.id == first).values(status="submitted"))
            db.session.commit()


def test_claims_are_shown_and_refused_with_who_and_when(client, clean_app):
    ann, bob = vetters(clean_app)
    with clean_app.app_context():
        lead = distinct_lead(1).id
    login(client, ann)
    token = fetch_token(client, f"/staff/leads/{lead}")
    client.post(f"/staff/leads/{lead}/claim", data={"csrf_token": token})
    assert "You claimed this lead" in client.get(f"/staff/leads/{lead}").get_data(as_text=True)
    other = client.application.test_client()
    login(other, bob)
    assert "ann@city.example.gov" in other.get("/staff/leads").get_data(as_text=True)
    assert "Claimed by ann@city.example.gov" in other.get(f"/staff/leads/{lead}").get_data(as_text=True)
    response = other.post(f"/staff/leads/{lead}/claim", data={"csrf_token": fetch_token(other, f"/staff/leads/{lead}")},
                          follow_redirects=True)
    text = response.get_data(as_text=True)
    # On the city's clock (Los Angeles), its zone named: "at 4:05 PM PDT; ... until 4:35 PM PDT".
    assert re.search(r"ann@city\.example\.gov\) claimed lead #\d+ at \d{1,2}:\d\d\u202f[AP]M P[SD]T; "
                     r"the claim lasts until \d{1,2}:\d\d\u202f[AP]M P[SD]T\.", text)
    assert "UTC" not in text
    mine = other.get("/staff/leads?claim=mine").get_data(as_text=True)
    assert "No leads match." in mine
    assert f'/staff/leads/{lead}?' in client.get("/staff/leads?claim=mine").get_data(as_text=True)
    assert "No leads match." in client.get("/staff/leads?claim=unclaimed").get_data(as_text=True)
    decide(client, lead, "start_review")
    with clean_app.app_context():
        assert db.session.get(Lead, lead).claimed_by_id is None


def approve_button(page):
    return re.search(r'<button[^>]*value="approve(_escalated)?"[^>]*>([^<]*)</button>', page)


def test_four_eyes_in_the_pages(client, clean_app):
    ann, bob = vetters(clean_app)
    with clean_app.app_context():
        lead = distinct_lead(1, quantity="500000").id  # $395,000
    login(client, ann)
    assert "Approving takes two vetters: its value $395,000.00 is above $100,000" in client.get(
        f"/staff/leads/{lead}").get_data(as_text=True)
    text = client.post(f"/staff/leads/{lead}/decision", follow_redirects=True, data={
        "csrf_token": fetch_token(client, f"/staff/leads/{lead}"), "action": "approve"}).get_data(as_text=True)
    assert "recorded as the first of two" in text
    # The first approver reads what they did and what comes next, with no Approve button nor key.
    assert re.search(r"<strong>You approved it</strong> \([^)]+\); a second reviewer must approve: its value "
                     r"\$395,000\.00 is above \$100,000\.", text)
    assert approve_button(text) is None and "<kbd>A</kbd>" not in text and 'data-key="a"' not in text
    assert 'id="four-eyes"' not in text and "Awaiting second approval</strong>" not in text
    assert "<kbd>R</kbd> reject, <kbd>I</kbd> ask the supplier" in text  # what they still may do
    assert "Awaiting second approval" in client.get("/staff/leads?waiting=second").get_data(as_text=True)
    # Sent anyway (an old page), the approval is still refused by the service.
    text = client.post(f"/staff/leads/{lead}/decision", follow_redirects=True, data={
        "csrf_token": fetch_token(client, f"/staff/leads/{lead}"), "action": "approve"}).get_data(as_text=True)
    assert "a different vetter must give the second" in text
    other = client.application.test_client()
    login(other, bob)
    # Another vetter reads that theirs is the second approval, on the button too.
    page = other.get(f"/staff/leads/{lead}").get_data(as_text=True)
    assert re.search(r"<strong>Second approval\.</strong> ann@city\.example\.gov approved it \([^)]+\); its value "
                     r"\$395,000\.00 is above \$100,000\. Your approval is the second: it approves the lead\.", page)
    assert approve_button(page).group(2) == "Approve (second approval)" and "<kbd>A</kbd> approve" in page
    text = other.post(f"/staff/leads/{lead}/decision", follow_redirects=True, data={
        "csrf_token": fetch_token(other, f"/staff/leads/{lead}"), "action": "approve"}).get_data(as_text=True)
    assert "You approved lead #" in text
    # The history shows both approvals and who gave them, the stored values in words.
    assert "First approval by ann@city.example.gov; a second vetter must approve" in text
    assert "Approved by you" in text  # bob reads his own approval
    assert "status: approved; first approval by: ann@city.example.gov" in text
    assert "status: under review; awaiting: second approval; why: its value $395,000.00 is above $100,000" in text
    history = text[text.index('<ol class="history">'):]
    history = history[:history.index("</ol>")]
    assert "&#34;" not in history and "{" not in history  # no JSON


def test_a_decided_lead_offers_no_approval_in_spanish(client, clean_app):
    """The walk's example: an approved lead of $6,125,000 read in Spanish said "Aprobarla requiere
    dos revisores" and listed the A key without an Approve button. A decided lead has no four-eyes
    notice, and the keys listed are those of its buttons; a rejected lead none at all."""
    with clean_app.app_context():
        admin = make_user("admin", "boss@city.example.gov", locale="es").email
        vetter = make_user("vetter", "val@city.example.gov", locale="es").email
        approved = distinct_lead(1, quantity="2450000", unit_price="2.50").id  # $6,125,000
        rejected = distinct_lead(2, quantity="2450000", unit_price="2.50").id
        for lead_id, status in ((approved, "approved"), (rejected, "rejected")):
            db.session.execute(Lead.__table__.update().where(Lead.id == lead_id).values(status=status))
        db.session.commit()
    login(client, admin)
    page = client.get(f"/staff/leads/{approved}").get_data(as_text=True)
    assert "Aprobarla requiere dos revisores" not in page and 'id="four-eyes"' not in page
    assert approve_button(page) is None and "<kbd>A</kbd>" not in page and 'data-key="a"' not in page
    assert "<kbd>R</kbd> rechazar." in page  # its buttons: Reject (R) and Reopen (no key)
    assert "Rechazar necesita un motivo; Reabrir necesita una nota." in page
    assert "Preguntar al proveedor»" not in page  # no help for a decision it does not offer
    page = client.get(f"/staff/leads/{rejected}").get_data(as_text=True)
    assert 'id="shortcuts"' not in page and approve_button(page) is None
    assert 'value="reject"' not in page and 'value="reopen"' in page
    other = client.application.test_client()
    login(other, vetter)
    page = other.get(f"/staff/leads/{rejected}").get_data(as_text=True)
    assert 'id="decision-form"' not in page and 'id="shortcuts"' not in page
    assert "No tiene ninguna decisión disponible para una oferta en estado «rechazada»." in page


def test_a_supplier_cluster_decided_together(client, clean_app):
    """Two leads the duplicate search resolves to one supplier, and a third with a large value:
    each gets its own audit row; the large one only a first approval (four eyes per lead)."""
    ann, _ = vetters(clean_app)
    with clean_app.app_context():
        ids = [make_lead().id, make_lead(contact_name="James Smith").id, make_lead(quantity="400000").id]
        for lead_id in ids:
            processing.process_lead(lead_id)
        clusters = {db.session.get(Lead, i).cluster_id for i in ids}
        assert len(clusters) == 1 and None not in clusters, "the three leads are one supplier"
        outsider = distinct_lead(7).id
    login(client, ann)
    page = client.get(f"/staff/leads/{ids[0]}").get_data(as_text=True)
    assert 'id="cluster-decision"' in page and all(f'value="{i}"' in page for i in ids)
    data = {"csrf_token": fetch_token(client, f"/staff/leads/{ids[0]}"), "cluster_leads": [str(i) for i in ids],
            "cluster_action": "approve", "cluster_text": ""}
    text = client.post(f"/staff/leads/{ids[0]}/cluster-decision", data=data, follow_redirects=True).get_data(as_text=True)
    assert f"You approved lead #{ids[0]}." in text and f"Lead #{ids[2]}: first approval recorded" in text
    with clean_app.app_context():
        statuses = [db.session.get(Lead, i).status for i in ids]
        assert statuses == ["approved", "approved", "under_review"]
        rows = db.session.execute(select(AuditLog.entity_id, AuditLog.action).where(AuditLog.entity_id.in_(ids), AuditLog.action.in_(
            ["lead.approve", "lead.first_approval"]))).all()
        assert sorted(rows) == sorted([(ids[0], "lead.approve"), (ids[1], "lead.approve"), (ids[2], "lead.first_approval")])
    # A lead outside the cluster cannot be slipped in; a rejection needs a reason.
    # Refused choices are told beside the leads' boxes, with the error summary (issue 13, item 4).
    for chosen in ([str(outsider)], []):
        data.update(csrf_token=fetch_token(client, f"/staff/leads/{ids[2]}"), cluster_leads=chosen)
        refused = client.post(f"/staff/leads/{ids[2]}/cluster-decision", data=data)
        assert refused.status_code == 200, chosen
        refused_beside(refused.get_data(as_text=True), "cluster_leads", "Choose the leads of this supplier")
    data.update(cluster_leads=[str(ids[2])], cluster_action="reject")
    text = client.post(f"/staff/leads/{ids[2]}/cluster-decision", data=data, follow_redirects=True).get_data(as_text=True)
    assert "Please give a reason to reject." in text
    # By the reason box, tied to it, the cursor in it; the lead chosen stays chosen (issue 13, item 4).
    assert '<p id="cluster_text-error" class="error">Please give a reason to reject.</p>' in text
    box = re.search(r'<textarea[^>]*id="cluster_text"[^>]*>', text).group(0)
    assert 'aria-describedby="cluster_text-error"' in box and "autofocus" in box
    assert re.search(rf'<input checked id="cluster_leads-\d" name="cluster_leads" type="checkbox" value="{ids[2]}">', text)
    with clean_app.app_context():
        assert db.session.get(Lead, outsider).status == "submitted"
        assert db.session.get(Lead, ids[2]).status == "under_review"
