"""Who may read or change what, probed route by route (quality bar S1, S2, and S15's
"authorisation errors deny").

The matrix is generated from ``app.url_map``: every rule, every method except HEAD and OPTIONS, for
seven roles, with every integer URL argument filled with the id of a record the probing role must
not touch. ``ACCESS`` below says, explicitly, which (endpoint, method) pairs each role may use on
such records; every other probe must be refused. A route that is not in ``ACCESS`` fails the
coverage test, so a new route cannot slip in without a decision about who may use it.
"""
from __future__ import annotations

import html
import io
import re
from collections import deque
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from marketplace.domain import countries, i18n
from marketplace.domain.leads import LEAD_COLUMNS
from marketplace.domain.messages import fact, trigger_fact
from marketplace.extensions import db
from marketplace.models import DemandRequest, DuplicatePair, Lead, Match, User
from marketplace.services import accounts, demand, documents, notifications, open_data, organisations, planning
from tests.conftest import (
    FACILITY_FORM,
    VALID_LEAD,
    approve,
    bearer,
    city_today,
    fetch_token,
    login,
    make_api_token,
    make_lead,
    make_request,
    make_user,
    valid_demand,
)

ROLES = ("anonymous", "supplier_a", "supplier_b", "buyer_a", "buyer_b", "vetter", "admin")
PUBLIC = frozenset(ROLES)
SIGNED_IN = PUBLIC - {"anonymous"}
SUPPLIERS = frozenset({"supplier_a", "supplier_b"})
BUYERS = frozenset({"buyer_a", "buyer_b"})
STAFF = frozenset({"vetter", "admin"})
ADMIN = frozenset({"admin"})
NOBODY: frozenset[str] = frozenset()

# Which roles may use each route on records that are not their own. Routes without record ids are
# pages of one's own (my leads, the buyer's home, ...) or staff/admin tools. Every route of the
# app must appear here (see test_access_table_covers_every_route).
ACCESS: dict[tuple[str, str], frozenset[str]] = {
    ("main.index", "GET"): PUBLIC,
    ("main.healthz", "GET"): PUBLIC,
    ("auth.login", "GET"): PUBLIC,
    ("auth.login", "POST"): PUBLIC,
    ("auth.logout", "POST"): PUBLIC,
    # The language switch (issue 13): anyone; it changes only the caller's own session and account.
    ("language.choose", "POST"): PUBLIC,
    ("auth.register_supplier", "GET"): PUBLIC,
    ("auth.register_supplier", "POST"): PUBLIC,
    ("auth.register_buyer", "GET"): PUBLIC,
    ("auth.register_buyer", "POST"): PUBLIC,
    # Recovering accounts: the e-mailed link's token is the authority, whoever holds it (the routes
    # take it as ?token=, so the matrix has no argument to fill; test_account_recovery covers them).
    ("auth.forgot_password", "GET"): PUBLIC,
    ("auth.forgot_password", "POST"): PUBLIC,
    ("auth.reset_password", "GET"): PUBLIC,
    ("auth.reset_password", "POST"): PUBLIC,
    ("auth.confirm_email", "GET"): PUBLIC,
    ("auth.confirm_email", "POST"): PUBLIC,
    ("auth.resend_confirmation", "POST"): SIGNED_IN,  # one's own address only
    ("auth.change_password", "GET"): SIGNED_IN,  # one's own password only
    ("auth.change_password", "POST"): SIGNED_IN,
    ("suppliers.my_leads", "GET"): SUPPLIERS,
    ("suppliers.new_lead", "GET"): SUPPLIERS,
    ("suppliers.new_lead", "POST"): SUPPLIERS,
    ("suppliers.edit_lead", "GET"): NOBODY,  # only the owner, and staff change leads only by deciding
    ("suppliers.edit_lead", "POST"): NOBODY,
    ("suppliers.lead_detail", "GET"): STAFF,  # vetters and admins see every lead
    ("suppliers.answer", "POST"): NOBODY,  # only the lead's own supplier answers a question
    ("suppliers.upload_document", "POST"): STAFF,
    ("suppliers.download_document", "GET"): STAFF,
    # A quote's confirmation or withdrawal (issue 11 item 11): the lead's owner, or staff for them
    # (after a call, and for imported leads without an owner).
    ("suppliers.confirm_quote", "GET"): STAFF,
    ("suppliers.confirm_quote", "POST"): STAFF,
    ("suppliers.withdraw_lead", "POST"): STAFF,
    ("buyers.home", "GET"): BUYERS,
    ("vetting.leads_list", "GET"): STAFF,
    ("vetting.lead_page", "GET"): STAFF,
    ("vetting.decide", "POST"): STAFF,  # self-vetting is refused inside (S3), not by role
    ("vetting.decide_pair", "POST"): STAFF,
    ("vetting.split", "POST"): STAFF,
    ("vetting.merge", "POST"): STAFF,
    ("vetting.reprocess", "POST"): STAFF,
    ("vetting.next_lead", "GET"): STAFF,
    ("vetting.claim", "POST"): STAFF,
    ("vetting.decide_cluster", "POST"): STAFF,  # self-vetting is refused inside, per lead
    ("vetting.import_leads", "GET"): STAFF,
    ("vetting.import_leads", "POST"): STAFF,
    ("vetting.lead_template", "GET"): STAFF,
    ("vetting.export_leads", "GET"): STAFF,
    ("admin.users", "GET"): ADMIN,
    ("admin.new_vetter", "GET"): ADMIN,
    ("admin.new_vetter", "POST"): ADMIN,
    ("admin.set_active", "POST"): ADMIN,
    ("admin.organisations", "GET"): ADMIN,
    ("admin.set_verification", "POST"): ADMIN,
    ("admin.outbox", "GET"): ADMIN,
    # Requests to join an organisation: an admin decides any; a buyer only those to their own
    # verified organisation (the matrix aims at other organisations' requests: nobody).
    ("admin.decide_join", "POST"): ADMIN,
    ("buyers.decide_join", "POST"): NOBODY,
    ("buyers.name_organisation", "POST"): BUYERS,  # for oneself only (refused: one already has one)
    # Demand requests: a buyer posts for their own organisation and sees and edits only its
    # requests; staff read every request on their own pages (planning.request_page).
    ("buyers.requests_list", "GET"): BUYERS,  # one's own organisation's requests ("My requests")
    ("buyers.new_request", "GET"): BUYERS,  # for one's own organisation only (verified: see the route)
    ("buyers.new_request", "POST"): BUYERS,
    ("buyers.request_detail", "GET"): NOBODY,  # another organisation's request: 404
    ("buyers.edit_request", "GET"): NOBODY,
    ("buyers.edit_request", "POST"): NOBODY,
    ("buyers.withdraw", "POST"): NOBODY,
    ("buyers.close_rest", "POST"): NOBODY,  # as withdraw: another organisation's request is refused
    ("buyers.extend_request", "GET"): NOBODY,  # an overdue request's new date: its own buyers only
    ("buyers.extend_request", "POST"): NOBODY,
    # Matches: the buyer organisation of the request, the supplier who owns the lead, and staff.
    ("matches.index", "GET"): SIGNED_IN,  # each sees their own matches only
    ("matches.detail", "GET"): STAFF,
    ("matches.act", "POST"): STAFF,  # what staff may do is decided by the lifecycle table
    ("main.notifications_page", "GET"): SIGNED_IN,  # one's own notifications only
    ("main.notifications_read", "POST"): SIGNED_IN,
    ("main.notifications_digest", "POST"): STAFF,  # one's own choice; suppliers and buyers are refused
    ("planning.requests_list", "GET"): STAFF,
    ("planning.demand_template", "GET"): STAFF,
    ("planning.request_page", "GET"): STAFF,
    ("planning.plan_page", "GET"): STAFF,
    ("planning.run", "POST"): STAFF,
    ("planning.release", "POST"): STAFF,
    ("planning.propose", "POST"): STAFF,
    ("planning.export", "GET"): STAFF,
    # CSV imports: the staff member who uploaded the file, and admins (CLI imports: admins only).
    ("imports.batch_page", "GET"): ADMIN,
    ("imports.rejected_report", "GET"): ADMIN,
    # Personal API tokens (issue 12, item 3): one's own only (another's id answers 404).
    ("auth.api_tokens_page", "GET"): SIGNED_IN,
    ("auth.api_tokens_page", "POST"): SIGNED_IN,
    ("auth.revoke_api_token", "POST"): SIGNED_IN,
    # The JSON API: probed with each role's bearer token (API_HEADERS), never a session cookie.
    ("api.openapi_json", "GET"): PUBLIC,
    ("api.docs", "GET"): PUBLIC,
    ("api.me", "GET"): SIGNED_IN,  # oneself
    ("api.list_leads", "GET"): SUPPLIERS,  # one's own leads
    ("api.create_lead", "POST"): SUPPLIERS,
    ("api.get_lead", "GET"): STAFF,
    ("api.update_lead", "PATCH"): NOBODY,  # only the owner, as suppliers.edit_lead
    ("api.lead_messages", "GET"): STAFF,
    ("api.answer", "POST"): NOBODY,  # only the lead's own supplier
    ("api.decide", "POST"): STAFF,  # self-vetting is refused inside, as on the page
    ("api.queue", "GET"): STAFF,
    ("api.plan", "GET"): STAFF,
    # A lead's documents (as suppliers.upload_document / download_document): its owner, and staff.
    ("api.lead_documents", "GET"): STAFF,
    ("api.upload_document", "POST"): STAFF,
    ("api.download_document", "GET"): STAFF,
    ("api.claim", "POST"): STAFF,  # as vetting.claim: staff claim and release their own claims
    ("api.release_claim", "DELETE"): STAFF,
    ("api.release_plan", "POST"): STAFF,  # as planning.release
    ("api.list_requests", "GET"): BUYERS,  # one's own organisation's
    ("api.create_request", "POST"): BUYERS,
    ("api.get_request", "GET"): NOBODY,  # another organisation's request: 404 (staff: their own pages)
    ("api.list_matches", "GET"): SIGNED_IN,  # each sees their own matches only
    ("api.get_match", "GET"): STAFF,
    ("api.act_on_match", "POST"): STAFF,
    # Open data (issue 12): aggregates for everyone, signed in or not; each figure covering fewer
    # than three organisations is suppressed (domain.disclosure; tests/web/test_open_data.py).
    ("open_data.index", "GET"): PUBLIC,
    ("open_data.daily_csv", "GET"): PUBLIC,
    ("open_data.daily_json", "GET"): PUBLIC,
    ("open_data.datapackage", "GET"): PUBLIC,
    # The control tower (issue 12): the staff dashboard, and the public needs board (aggregates
    # only; tests/web/test_dashboard.py and the derived-leak crawl check what it shows).
    ("dashboard.index", "GET"): STAFF,
    ("dashboard.signal", "GET"): PUBLIC,
}

# Integer URL arguments the matrix knows how to fill with somebody else's record.
KNOWN_ARGUMENTS = {"lead_id", "document_id", "user_id", "organisation_id", "pair_id", "request_id", "match_id",
                   "plan_id", "join_id", "batch_id"}

# Marker text of each party; a party's marker may be shown to that party and to city staff only.
MARKERS = {
    "supplier_a": "LEAKMARKER-supplierA",
    "supplier_b": "LEAKMARKER-supplierB",
    "buyer_a": "LEAKMARKER-buyerA",
    "buyer_b": "LEAKMARKER-buyerB",
    "city": "LEAKMARKER-imported",  # a lead or request imported by staff: no supplier or buyer may see it
}
# Supplier B's phone number is a marker too (a phone field cannot hold text).
SUPPLIER_B_PHONE = "(213) 555-0142"
PHONE_MARKERS = ("555-0142", "5550142")

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def routes(app):
    """(rule, method) for every route of the app, except static files, HEAD and OPTIONS."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def snapshot() -> dict[str, list]:
    """Every row of every table, to prove that refused requests changed nothing. (An API call
    stamps its token's last use, by design, whether or not the operation is allowed: that column
    is left out.)"""
    state = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if (table.name, c.name) != ("api_tokens", "last_used_at")]
        rows = db.session.execute(db.select(*columns)).all()
        state[table.name] = sorted((tuple(row) for row in rows), key=repr)
    db.session.remove()
    return state


def upload_listing(app) -> set[str]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def duplicate_pair(lead_id: int, other_id: int) -> int:
    """The id of a possible-duplicate pair of two leads, for vetters to judge (processing may
    have found it already; in the embedded default jobs run at once)."""
    high, low = max(lead_id, other_id), min(lead_id, other_id)
    pair = db.session.execute(db.select(DuplicatePair).where(
        DuplicatePair.lead_id == high, DuplicatePair.other_id == low)).scalar_one_or_none()
    if pair is None:
        pair = DuplicatePair(lead_id=high, other_id=low, probability=0.5, evidence=[])
        db.session.add(pair)
        db.session.commit()
    return pair.id


def _lead_fields(marker: str, **extra) -> dict:
    domain = marker.lower() + ".example"
    return {"company_name": f"{marker} Medical Supply", "contact_name": f"{marker} Contact",
            "email": f"sales@{domain}", "website": f"https://www.{domain}", "notes": f"Ask for {marker}",
            **extra}


def _city_request(actor_id: int) -> DemandRequest:
    """A request the city imported for an organisation of its own (verified by the import)."""
    from marketplace.domain.demand import DEMAND_COLUMNS

    row = {**valid_demand(facility_type="shelter", postal_code="90012"), "external_id": "CITY-REQ-1",
           "organisation": f"{MARKERS['city']} Shelter"}
    csv = ",".join(DEMAND_COLUMNS) + "\n" + ",".join(f'"{row.get(c, "")}"' for c in DEMAND_COLUMNS) + "\n"
    report = demand.import_demand(io.StringIO(csv), actor_id=actor_id)
    assert report.imported == 1, report.rejected
    return db.session.execute(db.select(DemandRequest).where(DemandRequest.external_id == "CITY-REQ-1")).scalar_one()


def _unverified_request(buyer) -> DemandRequest:
    """A request of an organisation that is not verified (it could not post one today, but it may
    have been verified when it did, or staff may have entered it): written as a row directly."""
    request = DemandRequest(organisation_id=buyer.organisation_id, created_by_id=buyer.id, category="n95_respirator",
                            substitutes=[], quantity=20000, max_unit_price=Decimal("1.50"),
                            needed_by=demand.today() + timedelta(days=20), postal_code="90033", days_of_supply=5,
                            facility_type="clinic", source="form")
    db.session.add(request)
    db.session.commit()
    return request


def _proposed(lead, request) -> Match:
    """A proposal as a released plan makes it (status proposed: neither party sees the other yet)."""
    match = Match(demand_id=request.id, lead_id=lead.id, quantity=1000, unit_price=lead.unit_price,
                  distance_km=12.5, reasons=["Proposed for the access tests"], status="proposed")
    db.session.add(match)
    db.session.commit()
    return match


def import_batch(uploader, marker: str = "city") -> int:
    """An import batch uploaded by ``uploader`` (None: the CLI), read: one lead and one rejected
    row whose message carries the city's marker."""
    from marketplace.domain.lead_status import SUBMITTED
    from marketplace.jobs.tasks import run_import
    from marketplace.services import imports

    header = ",".join(LEAD_COLUMNS)
    good = ",".join(f'"{VALID_LEAD.get(c, "")}"' for c in LEAD_COLUMNS)
    bad = ",".join(f'"{({**VALID_LEAD, "unit_price": MARKERS[marker]}).get(c, "")}"' for c in LEAD_COLUMNS)
    data = f"{header}\n{good}\n{bad}\n".replace("Harbor Industrial", f"Harbor {uploader.id if uploader else 0}")
    batch, _ = imports.start(data.encode(), f"{MARKERS[marker]}.csv", uploader=uploader, lead_status=SUBMITTED,
                             enqueue=False)
    batch_id = batch.id
    db.session.commit()
    run_import(batch_id)
    return batch_id


class World:
    """Two suppliers, two buyers, a vetter and an admin, each with records the others must not touch:
    leads, documents, demand requests, matches (proposed, so no party sees the other yet) and
    notifications; and the city's own imported lead and request, and an allocation plan."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            sa = make_user("supplier", "supplier-a@supplier-a.example",
                           organisation=f"{MARKERS['supplier_a']} Org")
            sb = make_user("supplier", "leakmarker-supplierb@supplier-b.example",
                           organisation=f"{MARKERS['supplier_b']} Org")
            ba = make_user("buyer", "buyer-a@hospital-a.example", organisation=f"{MARKERS['buyer_a']} Hospital",
                           verified=True)
            bb = make_user("buyer", "buyer-b@hospital-b.example", organisation=f"{MARKERS['buyer_b']} Clinic",
                           organisation_kind="clinic")
            vetter = make_user("vetter", "vetter@city.example")
            admin = make_user("admin", "admin@city.example")
            # Two people who registered with the buyers' organisation names: each asks to join.
            join_a = organisations.pending_join(make_user(
                "buyer", "joiner-a@mail.example", organisation=f"{MARKERS['buyer_a']} Hospital", joins=True))
            join_b = organisations.pending_join(make_user(
                "buyer", "joiner-b@mail.example", organisation=f"{MARKERS['buyer_b']} Clinic", joins=True))
            lead_a = make_lead(sa, **_lead_fields(MARKERS["supplier_a"]))
            lead_b = make_lead(sb, **_lead_fields(MARKERS["supplier_b"], phone=SUPPLIER_B_PHONE))
            lead_city = make_lead(None, **_lead_fields(MARKERS["city"], external_id="CITY-1"))
            doc_a = documents.save_document(lead_a, io.BytesIO(PDF), f"{MARKERS['supplier_a']}-spec.pdf", actor_id=sa.id)
            doc_b = documents.save_document(lead_b, io.BytesIO(PDF), f"{MARKERS['supplier_b']}-spec.pdf", actor_id=sb.id)
            doc_city = documents.save_document(lead_city, io.BytesIO(PDF), f"{MARKERS['city']}-spec.pdf",
                                               actor_id=vetter.id)
            self.pair_id = duplicate_pair(lead_city.id, lead_b.id)
            for lead in (lead_a, lead_b, lead_city):
                db.session.refresh(lead)
                approve(lead, vetter)
            request_a = make_request(ba)
            request_b = _unverified_request(bb)
            request_city = _city_request(vetter.id)
            match_a = _proposed(lead_a, request_a)
            match_b = _proposed(lead_b, request_b)
            match_city = _proposed(lead_city, request_city)
            # Matching runs are only queued with Redis (and ran in-process before without): run one now.
            plan = planning.run_matching(trigger_fact("command"))
            assert plan.status == "draft" and planning.plan_lines(plan), "the plan should have lines"
            # Each person's own notification (and its e-mail in the outbox) names them.
            for user, marker in ((sa, "supplier_a"), (sb, "supplier_b"), (ba, "buyer_a"), (bb, "buyer_b"),
                                 (vetter, "city"), (admin, "city")):
                # A fact whose one free-text parameter (a person's own words) carries the marker.
                notifications.notify([user], fact("match_status", match_id=match_a.id, demand_id=request_a.id,
                                                  quantity=1, category="other", status="proposed",
                                                  reason=f"A note for {MARKERS[marker]}", close_reason=None),
                                     "/notifications")
            open_data.refresh()  # the public daily table, as its job counts it (pages only read it)
            db.session.commit()
            self.emails = {"supplier_a": sa.email, "supplier_b": sb.email, "buyer_a": ba.email,
                           "buyer_b": bb.email, "vetter": vetter.email, "admin": admin.email}
            self.user_ids = {"supplier_a": sa.id, "supplier_b": sb.id, "buyer_a": ba.id, "buyer_b": bb.id,
                             "vetter": vetter.id, "admin": admin.id}
            self.org_ids = {"supplier_a": sa.organisation_id, "supplier_b": sb.organisation_id,
                            "buyer_a": ba.organisation_id, "buyer_b": bb.organisation_id}
            self.lead_ids = {"supplier_a": lead_a.id, "supplier_b": lead_b.id, "city": lead_city.id}
            self.doc_ids = {"supplier_a": doc_a.id, "supplier_b": doc_b.id, "city": doc_city.id}
            # Requests and matches are keyed by the party who owns them (buyer or supplier).
            self.request_ids = {"buyer_a": request_a.id, "buyer_b": request_b.id, "city": request_city.id}
            self.match_ids = {"a": match_a.id, "b": match_b.id, "city": match_city.id}
            self.plan_id = plan.id
            self.join_ids = {"buyer_a": join_a.id, "buyer_b": join_b.id}
            self.batch_ids = {"vetter": import_batch(vetter), "admin": import_batch(admin), "cli": import_batch(None)}
            # Each role's personal API token: the API is probed with it (a session authenticates nothing there).
            self.api_headers = {role: bearer(make_api_token(user)) for role, user in (
                ("supplier_a", sa), ("supplier_b", sb), ("buyer_a", ba), ("buyer_b", bb), ("vetter", vetter),
                ("admin", admin))}
            db.session.remove()
        self.clients = {}
        for role in ROLES:
            client = app.test_client()
            if role != "anonymous":
                login(client, self.emails[role])
            self.clients[role] = client

    def targets(self, role: str) -> list[dict[str, int]]:
        """Ids of records ``role`` must not touch: another party's, and the city's."""
        other_supplier = "supplier_a" if role == "supplier_b" else "supplier_b"
        other_buyer = "buyer_a" if role == "buyer_b" else "buyer_b"
        other_user = {"supplier_a": "supplier_b", "supplier_b": "supplier_a", "buyer_a": "buyer_b",
                      "buyer_b": "buyer_a", "admin": "vetter"}.get(role, "supplier_b")
        # The other party's match: buyer A and supplier A take part in match A only, B in match B.
        other_match = {"buyer_a": "b", "supplier_a": "b", "buyer_b": "a", "supplier_b": "a"}.get(role, "b")
        return [
            {"lead_id": self.lead_ids[other_supplier], "document_id": self.doc_ids[other_supplier],
             "user_id": self.user_ids[other_user], "organisation_id": self.org_ids[other_buyer],
             "pair_id": self.pair_id, "request_id": self.request_ids[other_buyer],
             "match_id": self.match_ids[other_match], "plan_id": self.plan_id,
             "join_id": self.join_ids[other_buyer],
             "batch_id": self.batch_ids["admin" if role == "vetter" else "vetter"]},
            {"lead_id": self.lead_ids["city"], "document_id": self.doc_ids["city"],
             "user_id": self.user_ids["admin" if role != "admin" else "buyer_b"],
             "organisation_id": self.org_ids[other_supplier], "pair_id": self.pair_id,
             "request_id": self.request_ids["city"], "match_id": self.match_ids["city"], "plan_id": self.plan_id,
             # buyer B's organisation is not verified: its own buyer may not decide who joins it
             "join_id": self.join_ids["buyer_b"], "batch_id": self.batch_ids["cli"]},
        ]

    def all_ids(self) -> dict[str, list[int]]:
        return {"lead_id": list(self.lead_ids.values()), "document_id": list(self.doc_ids.values()),
                "user_id": list(self.user_ids.values()), "organisation_id": list(self.org_ids.values()),
                "pair_id": [self.pair_id], "request_id": list(self.request_ids.values()),
                "match_id": list(self.match_ids.values()), "plan_id": [self.plan_id],
                "join_id": list(self.join_ids.values()), "batch_id": list(self.batch_ids.values())}


def forbidden_markers(role: str) -> list[str]:
    """Marker texts ``role`` must never see (staff may see everything)."""
    if role in STAFF:
        return []
    own = MARKERS.get(role)
    markers = [m for m in MARKERS.values() if m != own]
    if role != "supplier_b":
        markers += list(PHONE_MARKERS)
    return markers


def leaked(response, role: str) -> list[str]:
    text = (response.get_data().decode("utf-8", "replace") + " " + str(response.headers)).lower()
    return [m for m in forbidden_markers(role) if m.lower() in text]


def probe_data(endpoint: str, client) -> dict:
    """A complete, valid submission for each state-changing route, so that nothing but the
    authorisation check stands in its way. Unknown routes get the CSRF token alone."""
    data: dict = {"csrf_token": fetch_token(client)}
    if endpoint in ("suppliers.edit_lead", "suppliers.new_lead"):
        data.update({**VALID_LEAD, "company_name": "HIJACKED by the prober"})
    elif endpoint == "suppliers.upload_document":
        data["document"] = (io.BytesIO(PDF), "hijack.pdf")
    elif endpoint == "vetting.import_leads":
        header = ",".join(LEAD_COLUMNS)
        row = ",".join(f'"{VALID_LEAD.get(c, "")}"' for c in LEAD_COLUMNS)
        data["file"] = (io.BytesIO(f"{header}\n{row}\n".encode()), "leads.csv")
    elif endpoint == "admin.new_vetter":
        data.update({"name": "Sneaky", "email": "sneaky@city.example", "password": "a long sneaky passphrase"})
    elif endpoint == "admin.set_active":
        data["active"] = "0"
    elif endpoint == "admin.set_verification":
        data["verified"] = "1"
    elif endpoint in ("admin.decide_join", "buyers.decide_join"):
        data["decision"] = "approve"
    elif endpoint == "buyers.name_organisation":
        data.update({"organisation_name": "HIJACKED Organisation", "organisation_kind": "hospital", **FACILITY_FORM})
    elif endpoint == "suppliers.confirm_quote":
        data.update({"quantity": "1", "unit_price": "99.00"})
    elif endpoint == "buyers.extend_request":
        data["needed_by"] = (city_today() + timedelta(days=30)).isoformat()
    elif endpoint == "suppliers.answer":
        data["answer"] = "An answer in someone else's name"
    elif endpoint == "vetting.decide":
        data.update({"action": "approve", "text": "approved by the prober"})
    elif endpoint == "vetting.decide_cluster":
        data.update({"cluster_leads": "1", "cluster_action": "approve", "cluster_text": "approved by the prober"})
    elif endpoint == "vetting.decide_pair":
        data["decision"] = "same"
    elif endpoint == "vetting.merge":
        data["other_lead_id"] = "1"
    elif endpoint in ("buyers.new_request", "buyers.edit_request"):
        data.update(valid_demand(quantity="99999"))
    elif endpoint == "planning.propose":
        data.update({"lead_id": "1", "quantity": "1"})
    elif endpoint == "matches.act":
        # Closing a proposal is open to both parties and to staff: only "is it yours?" refuses it.
        data.update({"action": "close", "close_reason": "no_supply", "reason": "closed by the prober"})
    elif endpoint == "auth.change_password":
        data.update({"current_password": "correct horse battery staple",
                     "new_password": "an entirely new passphrase", "confirm": "an entirely new passphrase"})
    return data


def api_probe(world, role: str, url: str, method: str, endpoint: str):
    """An API call as ``role`` with its bearer token (anonymous: none) and a complete, valid JSON
    body for each state-changing operation, so that only the authorisation check refuses it."""
    body = None
    if endpoint == "api.upload_document":  # multipart/form-data, as the page's upload
        return world.clients["anonymous"].open(url, method=method, data={"document": (io.BytesIO(PDF), "hijack.pdf")},
                                               content_type="multipart/form-data",
                                               headers=world.api_headers.get(role, {}))
    if endpoint in ("api.create_lead", "api.update_lead"):
        body = {**{k: v for k, v in VALID_LEAD.items() if k != "external_id"}, "company_name": "HIJACKED by the prober"}
    elif endpoint == "api.answer":
        body = {"answer": "An answer in someone else's name"}
    elif endpoint == "api.decide":
        body = {"action": "approve", "text": "approved by the prober"}
    elif endpoint == "api.create_request":
        body = {**valid_demand(quantity="99999"), "substitutes": []}
    elif endpoint == "api.act_on_match":
        body = {"action": "close", "close_reason": "no_supply", "reason": "closed by the prober"}
    return world.clients["anonymous"].open(url, method=method, json=body, headers=world.api_headers.get(role, {}))


def is_refusal(response, role: str) -> bool:
    if response.status_code in (403, 404):
        return True
    if role == "anonymous":
        if response.status_code == 401:
            return True
        if response.status_code in (302, 303):
            return urlsplit(response.headers.get("Location", "")).path == "/login"
    return False


@pytest.fixture
def world(clean_app):
    return World(clean_app)


# --- S1: coverage of the matrix ---------------------------------------------------------------

def test_access_table_covers_every_route(app):
    """S1: every (endpoint, method) of the URL map has an explicit entry in ACCESS, and every
    integer URL argument is one the matrix can fill with another party's record."""
    in_app = {(rule.endpoint, method) for rule, method in routes(app)}
    assert in_app - ACCESS.keys() == set(), "new routes need an entry in ACCESS (who may use them?)"
    assert ACCESS.keys() - in_app == set(), "ACCESS names routes that no longer exist"
    for rule, _ in routes(app):
        unknown = set(rule.arguments) - KNOWN_ARGUMENTS
        assert not unknown, f"{rule.rule}: the access matrix cannot fill {unknown}"


# --- S1: the matrix ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_every_route_refuses_records_of_others(world, clean_app, role):
    """S1: every route x method, as ``role``, aimed at records owned by others answers 403 or 404
    (anonymous: a redirect to /login), shows no other party's marker text and changes nothing.
    POST probes carry a valid CSRF token from the prober's own session and a complete form, so
    they reach the authorisation check."""
    client = world.clients[role]
    adapter = clean_app.url_map.bind("localhost")
    with clean_app.app_context():
        before = snapshot()
    files_before = upload_listing(clean_app)
    failures, probes = [], 0
    for rule, method in routes(clean_app):
        if role in ACCESS[(rule.endpoint, method)]:
            continue
        for target in world.targets(role):
            url = adapter.build(rule.endpoint, {a: target[a] for a in rule.arguments}, method=method)
            if rule.endpoint.startswith("api."):
                response = api_probe(world, role, url, method, rule.endpoint)
            elif method == "GET":
                response = client.get(url)
            else:
                response = client.open(url, method=method, data=probe_data(rule.endpoint, client))
            probes += 1
            if not is_refusal(response, role):
                failures.append(f"{method} {url} as {role}: {response.status_code}")
            if leaked(response, role):
                failures.append(f"{method} {url} as {role}: shows {leaked(response, role)}")
    assert probes > 0
    assert failures == []
    with clean_app.app_context():
        assert snapshot() == before, "a refused request changed the database"
    assert upload_listing(clean_app) == files_before, "a refused upload left a file behind"


@pytest.mark.parametrize("role", ROLES)
def test_allowed_pages_work_with_the_same_ids(world, clean_app, role):
    """S1 control: the GET routes ACCESS allows answer normally with the very ids the matrix used,
    and owners reach their own records, so the refusals above are not mere 'no such id' answers."""
    client = world.clients[role]
    adapter = clean_app.url_map.bind("localhost")
    failures = []
    for rule, method in routes(clean_app):
        if method != "GET" or role not in ACCESS[(rule.endpoint, method)]:
            continue
        for target in world.targets(role):
            url = adapter.build(rule.endpoint, {a: target[a] for a in rule.arguments})
            response = api_probe(world, role, url, "GET", rule.endpoint) if rule.endpoint.startswith("api.") \
                else client.get(url)
            if response.status_code not in (200, 302):
                failures.append(f"GET {url} as {role}: {response.status_code}")
    if role in SUPPLIERS:
        own_lead, own_doc = world.lead_ids[role], world.doc_ids[role]
        page = client.get(f"/leads/{own_lead}")
        assert page.status_code == 200 and MARKERS[role] in page.get_data(as_text=True)
        # The world's leads are approved (so they can be matched), and an approved lead is locked:
        # its owner is sent back to it and told why (another party's lead stays 404, above).
        locked = client.get(f"/leads/{own_lead}/edit")
        assert locked.status_code == 302 and locked.headers["Location"] == f"/leads/{own_lead}"
        assert client.get(f"/documents/{own_doc}").status_code == 200
    if role in SUPPLIERS:
        own_match = world.match_ids[role[-1]]
        assert client.get(f"/matches/{own_match}").status_code == 200
    if role in BUYERS:
        own_request, own_match = world.request_ids[role], world.match_ids[role[-1]]
        page = client.get(f"/buyer/requests/{own_request}")
        assert page.status_code == 200 and MARKERS[role] in page.get_data(as_text=True)
        # "My requests" lists the organisation's own request (and, by the crawls, no other's).
        assert f'href="/buyer/requests/{own_request}"' in client.get("/buyer/requests").get_data(as_text=True)
        # Buyer B's organisation is not verified: it reads its request, and neither changes nor withdraws it.
        edit = client.get(f"/buyer/requests/{own_request}/edit")
        assert edit.status_code == (200 if role == "buyer_a" else 403)
        if role == "buyer_b":
            assert "must be verified by the city" in edit.get_data(as_text=True)
        page = client.get(f"/matches/{own_match}")
        assert page.status_code == 200 and MARKERS[role] in page.get_data(as_text=True)
        assert f"/matches/{own_match}" in client.get("/matches/").get_data(as_text=True)
    if role != "anonymous":
        own = MARKERS.get(role, MARKERS["city"])
        assert f"A note for {own}" in client.get("/notifications").get_data(as_text=True)
    if role in STAFF:
        page = client.get(f"/leads/{world.lead_ids['supplier_b']}")
        assert MARKERS["supplier_b"] in page.get_data(as_text=True)
        for key in ("buyer_b", "city"):
            page = client.get(f"/staff/requests/{world.request_ids[key]}")
            assert page.status_code == 200 and MARKERS[key] in page.get_data(as_text=True)
        plan = client.get("/staff/matching").get_data(as_text=True)
        assert f"Plan #{world.plan_id}" in plan and MARKERS["buyer_a"] in plan
    assert failures == []


# --- S2: no field leaks -----------------------------------------------------------------------

_HREF = re.compile(r'href="([^"]*)"')


def crawl(app, client, seeds: list[str], limit: int = 300):
    """Breadth-first over every local link reachable from ``seeds``; yields (url, response)."""
    seen: set[str] = set()
    queue = deque(seeds)
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        yield url, response
        links = []
        if response.status_code in (301, 302, 303, 307, 308):
            links.append(response.headers.get("Location", ""))
        if response.mimetype == "text/html":
            links += [html.unescape(h) for h in _HREF.findall(response.get_data(as_text=True))]
        for link in links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.path.startswith("/static/"):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))


def every_get_url(app, ids: dict[str, list[int]]) -> list[str]:
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule, method in routes(app):
        if method != "GET":
            continue
        combos = [{}]
        for argument in rule.arguments:
            combos = [{**c, argument: i} for c in combos for i in ids[argument]]
        urls += [adapter.build(rule.endpoint, combo) for combo in combos]
    return urls


@pytest.mark.parametrize("role", ["anonymous", "supplier_a", "supplier_b", "buyer_a", "buyer_b"])
def test_crawl_never_shows_another_partys_contacts(world, clean_app, role):
    """S2: crawl every GET page (every route with every record id, then every link found) as a
    non-staff role: supplier contacts (name, e-mail, phone, website), organisation names and the
    city's own leads never appear for a role that may not see them. In every language (issue 13): the
    world's accounts chose none, so the browser's (Accept-Language) picks each page's."""
    client = world.clients[role]
    seeds = ["/"] + every_get_url(clean_app, world.all_ids())
    failures = []
    for language in i18n.LANGUAGES:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        pages, in_language = 0, 0
        for url, response in crawl(clean_app, client, seeds):
            pages += 1
            assert response.status_code < 500, f"{url}: {response.status_code}"
            in_language += (response.mimetype == "text/html"
                            and f'<html lang="{language}">' in response.get_data(as_text=True))
            if leaked(response, role):
                failures.append(f"{url} ({response.status_code}, {language}) shows {leaked(response, role)}")
        assert pages >= len(set(seeds)) and in_language >= 5, language
    assert failures == []


# --- S15: an authorisation helper that fails denies -------------------------------------------

def test_failing_view_permission_check_denies(world, clean_app, monkeypatch):
    """S15: if the lead permission check raises, the owner and staff get the plain 500 page, never
    the lead or its document."""
    import marketplace.services.leads as lead_service

    def broken(*args, **kwargs):
        raise RuntimeError("permission backend unavailable")

    monkeypatch.setattr(lead_service, "may_view_lead", broken)
    for role in ("supplier_b", "vetter", "admin"):
        client = world.clients[role]
        for url in (f"/leads/{world.lead_ids['supplier_b']}", f"/documents/{world.doc_ids['supplier_b']}",
                    f"/leads/{world.lead_ids['supplier_b']}/edit"):
            response = client.get(url)
            body = response.get_data().decode("utf-8", "replace")
            assert response.status_code in (403, 500), (role, url, response.status_code)
            assert MARKERS["supplier_b"] not in body and "%PDF" not in body
            assert "Traceback" not in body and "permission backend unavailable" not in body


def test_failing_edit_permission_check_changes_nothing(world, clean_app, monkeypatch):
    """S15: if the edit permission check raises during a POST, the lead is not changed."""
    import marketplace.services.leads as lead_service

    def broken(*args, **kwargs):
        raise RuntimeError("permission backend unavailable")

    monkeypatch.setattr(lead_service, "may_edit_lead", broken)
    client = world.clients["supplier_b"]
    lead_id = world.lead_ids["supplier_b"]
    with clean_app.app_context():
        before = snapshot()
    response = client.post(f"/leads/{lead_id}/edit",
                           data={**VALID_LEAD, "company_name": "Changed", "csrf_token": fetch_token(client)})
    assert response.status_code == 500
    assert "Traceback" not in response.get_data(as_text=True)
    with clean_app.app_context():
        assert snapshot() == before
        assert db.session.get(Lead, lead_id).company_name.startswith(MARKERS["supplier_b"])


# --- S2 (issue 4): contacts and the buyer's name follow the match's status ----------------------

def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return html.unescape(response.get_data(as_text=True))


def _supplier_contacts(lead_id: int) -> list[str]:
    lead = db.session.get(Lead, lead_id)
    # The phone as another party reads it: international, as the lead's country reads it.
    phone = countries.phone_shown(lead.phone, lead.country).text
    values = [lead.company_name, lead.contact_name, lead.email, phone, lead.website]
    assert all(values), values
    return values


def _act(world, role: str, match_id: int, action: str, **fields):
    client = world.clients[role]
    response = client.post(f"/matches/{match_id}/act",
                           data={"action": action, **fields, "csrf_token": fetch_token(client, f"/matches/{match_id}")})
    assert response.status_code == 302, response.status_code


def test_contacts_only_after_acceptance_by_a_verified_buyer(world, clean_app):
    """S2: on the match page, the buyer sees the supplier's company, contact, e-mail, phone and
    website only once the match is accepted AND the buyer's organisation is verified (not before,
    and never while it is unverified); the supplier sees the buyer's organisation only once the
    buyer accepted, on the match page, the match list and the lead page alike."""
    match_a, match_b = world.match_ids["a"], world.match_ids["b"]
    with clean_app.app_context():
        contacts_a = _supplier_contacts(world.lead_ids["supplier_a"])
        contacts_b = _supplier_contacts(world.lead_ids["supplier_b"])
        db.session.remove()
    buyer_a, buyer_b = world.clients["buyer_a"], world.clients["buyer_b"]
    supplier_a, supplier_b = world.clients["supplier_a"], world.clients["supplier_b"]
    supplier_a_pages = [f"/matches/{match_a}", "/matches/", f"/leads/{world.lead_ids['supplier_a']}"]
    supplier_b_pages = [f"/matches/{match_b}", "/matches/", f"/leads/{world.lead_ids['supplier_b']}"]

    # Proposed: neither side sees the other, whether or not the buyer is verified.
    page = _page(buyer_a, f"/matches/{match_a}")
    assert [c for c in contacts_a if c in page] == [] and MARKERS["supplier_a"] not in page
    assert "Accept the match to see" in page
    page = _page(buyer_b, f"/matches/{match_b}")
    assert [c for c in contacts_b if c in page] == [] and not any(p in page for p in PHONE_MARKERS)
    for url in supplier_a_pages:
        assert MARKERS["buyer_a"] not in _page(supplier_a, url), url
    for url in supplier_b_pages:
        assert MARKERS["buyer_b"] not in _page(supplier_b, url), url

    # The verified buyer accepts: the contacts are shown to the buyer, the buyer to the supplier.
    _act(world, "buyer_a", match_a, "accept")
    page = _page(buyer_a, f"/matches/{match_a}")
    assert [c for c in contacts_a if c not in page] == []
    for url in supplier_a_pages:
        assert MARKERS["buyer_a"] in _page(supplier_a, url), url
    # Nobody else gains anything by it.
    assert supplier_b.get(f"/matches/{match_a}").status_code == 404
    assert buyer_b.get(f"/matches/{match_a}").status_code == 404
    assert MARKERS["supplier_a"] not in _page(buyer_b, "/matches/")

    # The unverified buyer cannot accept (issue 10, item 1): 403 saying why, and nothing changes.
    page = _page(buyer_b, f"/matches/{match_b}")
    assert 'value="accept"' not in page and "must be verified by the city" in page
    with clean_app.app_context():
        before = snapshot()
    response = buyer_b.post(f"/matches/{match_b}/act", data={
        "action": "accept", "csrf_token": fetch_token(buyer_b, f"/matches/{match_b}")})
    assert response.status_code == 403 and "must be verified by the city" in response.get_data(as_text=True)
    with clean_app.app_context():
        assert snapshot() == before, "a refused acceptance changed the database"
    for url in supplier_b_pages:
        assert MARKERS["buyer_b"] not in _page(supplier_b, url), url
    for key in ("supplier_b", "buyer_b"):  # a supplier never sees the buyer's contacts either: only the name
        assert [c for c in contacts_a if c in _page(world.clients[key], "/matches/")] == []

    # Verification is what unlocks acceptance and the contacts: granting it lets buyer B accept and
    # see them; revoking buyer A's hides them again.
    admin = world.clients["admin"]
    for key, verified in (("buyer_b", "1"), ("buyer_a", "0")):
        url = f"/admin/organisations/{world.org_ids[key]}/verification"
        response = admin.post(url, data={"verified": verified, "csrf_token": fetch_token(admin, "/admin/organisations")})
        assert response.status_code == 302
    _act(world, "buyer_b", match_b, "accept")
    page = _page(buyer_b, f"/matches/{match_b}")
    assert [c for c in contacts_b if c not in page] == []
    for url in supplier_b_pages:
        assert MARKERS["buyer_b"] in _page(supplier_b, url), url
    page = _page(buyer_a, f"/matches/{match_a}")
    assert [c for c in contacts_a if c in page] == [] and MARKERS["supplier_a"] not in page


def test_proposal_notification_does_not_name_the_buyer_to_the_supplier(world, clean_app):
    """S2: releasing a plan tells the supplier of each proposal about it, in the app and by e-mail,
    without naming the buyer's organisation (the supplier learns it only once the buyer accepts)."""
    vetter = world.clients["vetter"]
    with clean_app.app_context():
        before = set(db.session.execute(db.select(Match.id)).scalars())
        # Buyer B's organisation verified, its request is matched too (an unverified one's is not).
        buyer_b = db.session.get(User, world.user_ids["buyer_b"])
        accounts.verify_organisation(buyer_b.organisation, actor_id=world.user_ids["admin"])
        db.session.commit()
        plan_id = planning.run_matching(trigger_fact("command")).id
        db.session.remove()
    response = vetter.post(f"/staff/matching/{plan_id}/release",
                           data={"csrf_token": fetch_token(vetter, "/staff/matching")})
    assert response.status_code == 302
    with clean_app.app_context():
        proposed = db.session.execute(db.select(Match).where(Match.id.not_in(before))).scalars().all()
        owners = {m.lead.owner.email for m in proposed if m.lead.owner is not None}
        db.session.remove()
    suppliers = [role for role in SUPPLIERS if world.emails[role] in owners]
    assert suppliers, "the plan should propose some supplier's units"
    for role in suppliers:
        response = world.clients[role].get("/notifications")
        assert "proposed to a buyer" in response.get_data(as_text=True)
        assert leaked(response, role) == [], role
