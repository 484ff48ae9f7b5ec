"""The API's operations. Each reuses the pages' service calls and forms (one rule, one place) and
shows each party what its page shows it, as JSON (web.api.views)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from flask import g, jsonify, request, url_for
from sqlalchemy.exc import IntegrityError

from ...domain.errors import Conflict, FieldError, Forbidden, NotFound
from ...domain.i18n import _
from ...domain.idempotency import same_request
from ...domain.lead_status import TextRefused, TransitionError
from ...domain.leads import lead_to_row
from ...domain.match_status import MatchTransitionError
from ...extensions import db
from ...models import DemandRequest, Lead, LeadDocument, Match, MatchPlan, MatchPlanLine
from ...services import demand, documents, leads, matches, pages, planning, submissions, vetting
from ..buyers.forms import DemandForm
from ..errors import problem
from ..forms import new_submission_token
from ..matches.forms import MatchActionForm
from ..suppliers.forms import AnswerForm
from ..suppliers.routes import document_file
from ..vetting.forms import DecisionForm
from ..vetting.routes import queue_filter
from . import bp, limited, views
from .openapi import DOCUMENT_MEDIA, operation
from .support import (
    LEAD_INPUT,
    REQUEST_INPUT,
    ApiFieldErrors,
    as_formdata,
    cursor_args,
    field_problem,
    idempotency_key,
    json_body,
    lead_facts,
    page,
    page_size,
    request_fingerprint,
    roles,
    uploaded_file,
    validated,
)

NO_CSRF = {"csrf": False}  # bearer tokens only (see web.api): the forms check fields, not a CSRF token


@bp.errorhandler(ApiFieldErrors)
def _field_errors(exc: ApiFieldErrors):
    db.session.rollback()
    return field_problem(exc)


@bp.errorhandler(FieldError)
def _field_error(exc: FieldError):
    db.session.rollback()
    return field_problem(ApiFieldErrors([("", str(exc))]))


@bp.errorhandler(TextRefused)
def _text_refused(exc: TextRefused):
    """A decision's text missing or over its limit: 422, the problem of the body's field "text"
    (the page shows it by the text box), not a state conflict."""
    db.session.rollback()
    return field_problem(ApiFieldErrors([("text", str(exc))]))


@bp.errorhandler(TransitionError)
@bp.errorhandler(MatchTransitionError)
@bp.errorhandler(demand.DemandError)
@bp.errorhandler(planning.ProposalError)
def _state_refused(exc: ValueError):
    """The record's state does not allow this now (the lifecycle tables): 409 with the reason. A
    match step refused for one of the body's fields (a missing reason or close reason, a delivery
    date: MatchTransitionError.field) is that field's problem: 422."""
    db.session.rollback()
    field = getattr(exc, "field", None)
    if field:
        return field_problem(ApiFieldErrors([(field, str(exc))]))
    return problem(409, str(exc))


@bp.errorhandler(vetting.DecisionRefused)
def _decision_refused(exc: ValueError):
    """Self-vetting, or a second approval by the first approver: 403 with the reason."""
    db.session.rollback()
    return problem(403, str(exc))


def _created(body: dict, location: str, replayed: bool = False):
    response = jsonify(body)
    response.status_code = 200 if replayed else 201
    response.headers["Location"] = location
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _replay(key: str | None, kind: str):
    """The first result of an earlier request with this Idempotency-Key, or None. The one place a
    key's receipt is checked: a key sent before with a different request (another body, another
    path: domain.idempotency) is refused with 422 naming what the first one created; a key of a
    receipt without a fingerprint (written before they were kept) used for another kind of record
    is refused with 409."""
    receipt = submissions.earlier(g.api_user.id, key)
    if receipt is None:
        return None
    if not same_request(receipt.fingerprint, request_fingerprint()):
        detail = _("This Idempotency-Key was already used for a different request, which created {location}. "
                   "Send this request with a new key.").format(location=receipt.location)
        raise ApiFieldErrors([("Idempotency-Key", detail)], detail, first_resource=receipt.location)
    if receipt.kind != kind:
        raise Conflict(_("This Idempotency-Key was used for another kind of record; use a new key."))
    return receipt


def _commit_created(key: str | None, kind: str, object_id: int, location: str,
                    on_rollback: Callable[[], object] | None = None) -> bool:
    """Commit a new record with its receipt (services.submissions, as web.once does for the
    pages). Returns False when a concurrent request with the same key won: this attempt is rolled
    back whole and the caller answers with the first result. ``on_rollback`` undoes what is not
    in the database (a stored file) whenever this attempt is not committed. The receipt keeps the
    request's fingerprint (domain.idempotency): the key's later uses are checked by ``_replay``."""
    try:
        if key:
            submissions.insert(g.api_user.id, key, kind, object_id, location, request_fingerprint())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if on_rollback:
            on_rollback()
        if key and submissions.earlier(g.api_user.id, key) is not None:
            return False
        raise
    except BaseException:
        db.session.rollback()
        if on_rollback:
            on_rollback()
        raise
    return True


# --- Who am I -------------------------------------------------------------------------------

@bp.get("/me")
@operation("The token's holder", tags=["account"], response="Me")
def me():
    """The account the token belongs to: its role decides what the token may do."""
    return jsonify(views.me(g.api_user))


# --- Leads: suppliers -------------------------------------------------------------------------

@bp.get("/leads")
@roles("supplier")
@operation("The supplier's own leads, newest first", tags=["suppliers"], response="LeadPage", paged=True)
def list_leads():
    after, limit = cursor_args()
    rows = pages.after_id(db.select(Lead).where(Lead.owner_id == g.api_user.id), Lead.id, after, limit)
    return page(rows, limit, lambda lead: views.lead(lead, g.api_user))


@bp.post("/leads")
@roles("supplier")
@limited("API_CREATE_LIMIT", key=lambda: f"api-create:{g.api_user.id}")
@operation("Offer supplies (a new lead)", tags=["suppliers"], body="LeadInput", response="Lead", status=201,
           idempotent=True)
def create_lead():
    """The lead form's fields as JSON, checked by the same rules (domain.leads.parse_lead). With an
    ``Idempotency-Key``, a retry answers the first result (200, ``Idempotent-Replayed``) and stores
    nothing. The key is not looked up first: the receipt's unique key refuses it as the receipt is
    inserted (this attempt is then rolled back whole), and a body refused with a key is answered
    with the first result if there is one, so a retry is answered as before, one read fewer. The
    lead, its audit row and the receipt are Core INSERTs (services.leads.insert_lead)."""
    key = idempotency_key()
    try:
        clean = lead_facts(json_body(LEAD_INPUT))
    except ApiFieldErrors:
        if (receipt := _replay(key, "lead")) is not None:
            return _replayed_lead(receipt)
        raise
    lead = leads.insert_lead(clean, owner=g.api_user, actor_id=g.api_user.id, source="api")
    lead_id = lead.id
    location = url_for("api.get_lead", lead_id=lead_id)
    shown = views.lead(lead, g.api_user)
    if not _commit_created(key, "lead", lead_id, location):
        return _replayed_lead(_replay(key, "lead"))  # 409 if the key was used for another kind
    return _created(shown, location)


def _replayed_lead(receipt: submissions.Receipt):
    return _created(views.lead(leads.lead_for(g.api_user, receipt.object_id), g.api_user), receipt.location,
                    replayed=True)


def _with_token(data, key: str | None):
    """The form's one-time token: the Idempotency-Key, or a fresh one (no idempotency asked)."""
    data["submission_token"] = key or new_submission_token()
    return data


@bp.get("/leads/<int:lead_id>")
@roles("supplier", "vetter", "admin")
@operation("One lead (staff: with its signals and duplicates)", tags=["suppliers", "staff"], response="Lead")
def get_lead(lead_id: int):
    lead = leads.lead_for(g.api_user, lead_id)
    return jsonify(views.lead(lead, g.api_user, full=True))


@bp.patch("/leads/<int:lead_id>")
@roles("supplier")
@operation("Change one's own lead while it may be changed", tags=["suppliers"], body="LeadPatch", response="Lead")
def update_lead(lead_id: int):
    """The fields sent replace the lead's; the others stay. Checked as the edit form checks them.
    Once review has started (or the offer is decided), 409 saying why and what to do instead."""
    lead = leads.lead_for(g.api_user, lead_id, edit=True)
    body = json_body(LEAD_INPUT)
    current = lead_to_row(leads.lead_values(lead))
    merged = {name: current.get(name, "") for name in LEAD_INPUT if name in current}
    merged.update(body)
    clean = replace(lead_facts(merged), external_id=lead.external_id)  # suppliers do not set the city's ids
    leads.update_lead(lead, clean, actor_id=g.api_user.id)
    shown = views.lead(lead, g.api_user, full=True)
    db.session.commit()
    return jsonify(shown)


@bp.get("/leads/<int:lead_id>/messages")
@roles("supplier", "vetter", "admin")
@operation("The city's questions about a lead and the supplier's answers", tags=["suppliers", "staff"],
           response="MessageList")
def lead_messages(lead_id: int):
    lead = leads.lead_for(g.api_user, lead_id)
    return jsonify({"items": [views.message(m, g.api_user) for m in vetting.messages(lead)]})


@bp.post("/leads/<int:lead_id>/answer")
@roles("supplier")
@operation("Answer the city's question about one's own lead", tags=["suppliers"], body="Answer", response="Lead")
def answer(lead_id: int):
    lead = leads.lead_for(g.api_user, lead_id)
    form = validated(AnswerForm(formdata=as_formdata(json_body(("answer",))), meta=NO_CSRF))
    vetting.decide(lead, g.api_user, "answer", form.answer.data)
    shown = views.lead(lead, g.api_user, full=True)
    db.session.commit()
    return jsonify(shown)


# --- Documents: suppliers (their own leads) and staff -----------------------------------------

@bp.get("/leads/<int:lead_id>/documents")
@roles("supplier", "vetter", "admin")
@operation("The documents attached to a lead, oldest first", tags=["suppliers", "staff"], response="DocumentList")
def lead_documents(lead_id: int):
    """The lead page's list of documents (its owner's lead, or any lead for staff)."""
    lead = leads.lead_for(g.api_user, lead_id)
    return jsonify({"items": [views.document(d, g.api_user) for d in lead.documents]})


@bp.post("/leads/<int:lead_id>/documents")
@roles("supplier", "vetter", "admin")
@limited("API_CREATE_LIMIT", key=lambda: f"api-create:{g.api_user.id}")
@operation("Attach a document (certificate, test report, spec sheet, photo) to a lead", tags=["suppliers", "staff"],
           body="DocumentUpload", body_media="multipart/form-data", response="Document", status=201,
           idempotent=True, problems=(413,))
def upload_document(lead_id: int):
    """The lead page's upload, checked by the same service (services.documents): a PDF, PNG or
    JPEG judged by its content (never its name), no larger than MAX_DOCUMENT_BYTES (a body above
    MAX_CONTENT_LENGTH: 413); a refused file leaves nothing behind. Sent as multipart/form-data
    in the field ``document``. With an ``Idempotency-Key``, a retry answers the first result (200,
    ``Idempotent-Replayed``) and stores nothing."""
    lead = leads.lead_for(g.api_user, lead_id)
    key = idempotency_key()
    if (receipt := _replay(key, "document")) is not None:
        return _shown_document(receipt.object_id, receipt.location, replayed=True)
    upload = uploaded_file("document")
    try:
        document = documents.save_document(lead, upload.stream, upload.filename, actor_id=g.api_user.id)
    except documents.DocumentError as exc:  # nothing was kept
        raise ApiFieldErrors([("document", str(exc))], str(exc)) from None
    document_id = document.id
    location = url_for("api.download_document", document_id=document_id)
    if not _commit_created(key, "document", document_id, location,
                           on_rollback=lambda: documents.discard_file(document)):  # no row, no file
        receipt = _replay(key, "document")
        return _shown_document(receipt.object_id, receipt.location, replayed=True)
    return _shown_document(document_id, location)


def _shown_document(document_id: int, location: str, replayed: bool = False):
    document = _document_for(document_id)
    return _created(views.document(document, g.api_user), location, replayed)


def _document_for(document_id: int) -> LeadDocument:
    """A document of a lead the token's holder may see; NotFound otherwise."""
    document = db.session.get(LeadDocument, document_id)
    if document is None:
        raise NotFound()
    leads.lead_for(g.api_user, document.lead_id)  # NotFound unless the holder may see the lead
    return document


@bp.get("/documents/<int:document_id>")
@roles("supplier", "vetter", "admin")
@operation("Download a document", tags=["suppliers", "staff"], response="File", response_media=DOCUMENT_MEDIA)
def download_document(document_id: int):
    """The file as the lead page serves it: an attachment of its media type, never cached."""
    return document_file(_document_for(document_id))


# --- Staff: the queue, decisions, claims, the plan ----------------------------------------------

@bp.get("/queue")
@roles("vetter", "admin")
@operation("The vetting queue, ranked as on the queue page", tags=["staff"], response="LeadPage", paged=True,
           query=("status", "category", "supplier_type", "flag", "processing", "q", "sort", "claim", "waiting"))
def queue():
    """Filters as on the queue page (anything else is no filter); ``cursor`` is the queue's own."""
    limit = page_size()
    rows, next_cursor, _total = vetting.queue_page(queue_filter(request.args), after=request.args.get("cursor") or None,
                                                   per_page=limit)
    return page(rows, limit, lambda lead: views.lead(lead, g.api_user), next_cursor=next_cursor)


@bp.post("/leads/<int:lead_id>/decision")
@roles("vetter", "admin")
@operation("Decide on a lead (approve, reject, ask the supplier, escalate, ...)", tags=["staff"], body="Decision",
           response="Lead")
def decide(lead_id: int):
    """The lead page's decision: the same lifecycle table, self-vetting and four-eyes rules."""
    lead = leads.lead_for(g.api_user, lead_id)
    form = validated(DecisionForm(formdata=as_formdata(json_body(("action", "text"))), meta=NO_CSRF))
    vetting.decide(lead, g.api_user, form.action.data, form.text.data)
    shown = views.lead(lead, g.api_user, full=True)
    db.session.commit()
    return jsonify(shown)


@bp.post("/leads/<int:lead_id>/claim")
@roles("vetter", "admin")
@operation("Claim a lead (\"I am on it\") for LEAD_CLAIM_TTL, or renew one's own claim", tags=["staff"],
           response="Lead")
def claim(lead_id: int):
    """As the queue page's Claim: the lead answers with ``claimed_by_id`` and ``claimed_until``.
    409 naming who holds it and until when if another staff member's claim is live, or if the
    lead is decided."""
    lead = leads.lead_for(g.api_user, lead_id)
    try:
        vetting.claim(lead, g.api_user)
    except Conflict:
        db.session.rollback()
        raise
    shown = views.lead(lead, g.api_user, full=True)
    db.session.commit()
    return jsonify(shown)


@bp.delete("/leads/<int:lead_id>/claim")
@roles("vetter", "admin")
@operation("Release one's own claim on a lead", tags=["staff"], response="Lead")
def release_claim(lead_id: int):
    """As the lead page's Release: another staff member's claim stays (nothing changes)."""
    lead = leads.lead_for(g.api_user, lead_id)
    vetting.release_claim(lead, g.api_user)
    shown = views.lead(lead, g.api_user, full=True)
    db.session.commit()
    return jsonify(shown)


@bp.get("/plan")
@roles("vetter", "admin")
@operation("The latest allocation plan and its lines", tags=["staff"], response="Plan", paged=True)
def plan():
    after, limit = cursor_args()
    latest = planning.latest_plan()
    if latest is None:
        raise NotFound(_("No plan has been made yet."))
    lines = pages.after_id(db.select(MatchPlanLine).where(MatchPlanLine.plan_id == latest.id), MatchPlanLine.id,
                           after, limit, descending=False)
    body = page(lines, limit, views.plan_line).get_json()
    return jsonify({"plan": views.plan(latest), **body})


@bp.post("/plans/<int:plan_id>/release")
@roles("vetter", "admin")
@operation("Release the newest allocation plan as proposals to buyers", tags=["staff"], response="PlanRelease")
def release_plan(plan_id: int):
    """As the plan page's Release (the ``plan.id`` of GET /plan): each line is checked again
    against the supply and need left now and cut down if it must be, and the buyers are told.
    409 if the plan is no longer a draft (released, or replaced by a newer one)."""
    found = db.session.get(MatchPlan, plan_id)
    if found is None:
        raise NotFound()
    made = planning.release_plan(found, g.api_user).total
    shown = {"plan": views.plan(found), "proposals": made}
    db.session.commit()
    return jsonify(shown)


# --- Buyers: requests and matches -------------------------------------------------------------

@bp.get("/requests")
@roles("buyer")
@operation("The requests of one's organisation, newest first", tags=["buyers"], response="RequestPage", paged=True)
def list_requests():
    after, limit = cursor_args()
    organisation_id = g.api_user.organisation_id or -1
    rows = pages.after_id(db.select(DemandRequest).where(DemandRequest.organisation_id == organisation_id),
                          DemandRequest.id, after, limit)
    states = demand.request_states(rows)
    return page(rows, limit, lambda r: views.demand_request(r, states[r.id]))


@bp.post("/requests")
@roles("buyer")
@limited("API_CREATE_LIMIT", key=lambda: f"api-create:{g.api_user.id}")
@operation("Post a request (verified organisations only)", tags=["buyers"], body="RequestInput", response="Request",
           status=201, idempotent=True)
def create_request():
    """The request form's fields as JSON, checked by the same rules (domain.demand.parse_demand)."""
    if not demand.may_post(g.api_user):
        raise Forbidden(demand.refusal(g.api_user))
    key = idempotency_key()
    if (receipt := _replay(key, "request")) is not None:
        return _shown_request(receipt.object_id, receipt.location, replayed=True)
    body = json_body(REQUEST_INPUT)
    form = validated(DemandForm(formdata=_with_token(as_formdata(body), key), meta=NO_CSRF, today=demand.today()))
    created = demand.create_request(form.clean, buyer=g.api_user)
    request_id = created.id
    location = url_for("api.get_request", request_id=request_id)
    if not _commit_created(key, "request", request_id, location):
        receipt = _replay(key, "request")
        return _shown_request(receipt.object_id, receipt.location, replayed=True)
    return _shown_request(request_id, location)


def _shown_request(request_id: int, location: str, replayed: bool = False):
    found = demand.request_for(g.api_user, request_id)
    return _created(views.demand_request(found, demand.request_states([found])[found.id]), location, replayed)


@bp.get("/requests/<int:request_id>")
@roles("buyer")
@operation("One request of one's organisation", tags=["buyers"], response="Request")
def get_request(request_id: int):
    found = demand.request_for(g.api_user, request_id)
    return jsonify(views.demand_request(found, demand.request_states([found])[found.id]))


@bp.get("/matches")
@roles("supplier", "buyer", "vetter", "admin")
@operation("The matches one is party to (staff: all), newest first", tags=["buyers", "suppliers", "staff"],
           response="MatchPage", paged=True, query=("status",))
def list_matches():
    after, limit = cursor_args()
    user = g.api_user
    scope = {"buyer": {"organisation_id": user.organisation_id or -1},
             "supplier": {"lead_owner_id": user.id}}.get(user.role, {})
    status = request.args.get("status")
    query = matches.matches_query(status=status if status in views.MATCH_STATUS_FILTERS else None, **scope)
    rows = pages.after_id(query, Match.id, after, limit)
    return page(rows, limit, lambda m: views.match(m, user, matches.match_party(user, m)))


@bp.get("/matches/<int:match_id>")
@roles("supplier", "buyer", "vetter", "admin")
@operation("One match, as its party sees it", tags=["buyers", "suppliers", "staff"], response="Match")
def get_match(match_id: int):
    found, party = matches.match_for(g.api_user, match_id)
    return jsonify(views.match(found, g.api_user, party))


@bp.post("/matches/<int:match_id>/actions")
@roles("supplier", "buyer", "vetter", "admin")
@operation("Take a step of a match (buyers: accept, decline; ...)", tags=["buyers", "suppliers", "staff"],
           body="MatchAction", response="Match")
def act_on_match(match_id: int):
    """The match page's step: the same lifecycle table (domain.match_status) for each party."""
    found, party = matches.match_for(g.api_user, match_id)
    form = validated(MatchActionForm(formdata=as_formdata(json_body(("action", "reason", "close_reason",
                                                                     "delivery_on"))),
                                     meta=NO_CSRF, party=party, today=demand.today()))
    matches.act_on_match(found, g.api_user, form.action.data or "", reason=form.reason.data,
                         close_reason=form.close_reason.data or None, delivery_on=form.delivery_day)
    shown = views.match(found, g.api_user, party)
    db.session.commit()
    return jsonify(shown)
