"""The OpenAPI 3.1 document of the API, generated from the code with apispec (marshmallow-code's
generator, the one flask-smorest builds on): every route of the ``api`` blueprint, its path
parameters from the URL rule, and what its ``@operation`` says (summary, body, response, paging,
idempotency). The schemas of the bodies come from the same field lists the forms and the CSV
format use (domain.leads.LEAD_COLUMNS, domain.demand.DEMAND_COLUMNS), so the document cannot list
a field the API does not take. Served at /api/v1/openapi.json and as a plain page at /api/v1/docs
(no script, no CDN: within the site's Content-Security-Policy)."""
from __future__ import annotations

from apispec import APISpec
from flask import current_app, jsonify, render_template
from werkzeug.routing import IntegerConverter

from ...domain.lead_status import ACTIONS
from ...domain.leads import LEAD_COLUMNS
from ...domain.match_status import CLOSE_REASONS, MATCH_ACTIONS, MATCH_STATUSES
from ...domain.text import MESSAGE_MAX_LENGTH, REASON_MAX_LENGTH
from . import bp
from .support import BURN_RATE_INPUT, LEAD_INPUT, REQUEST_INPUT

PROBLEM_STATUSES = {401: "No API token, or one that is not valid, revoked, or of a deactivated account (the detail says which)", 403: "The token's role or the record's owner does not allow this",
                    404: "No such record, or not one the token's holder may see",
                    409: "The record's state does not allow this now", 422: "Fields that cannot be accepted",
                    429: "Too many requests with this token"}
# Statuses only some operations answer (operation(problems=...)).
OTHER_PROBLEMS = {413: "The body is larger than MAX_CONTENT_LENGTH"}
# What an uploaded document may be (domain.documents.sniff_document judges the content, not the name).
DOCUMENT_MEDIA = ("application/pdf", "image/png", "image/jpeg")
QUERY_TEXT = {"status": "Filter by status (as on the page)", "category": "Product category", "q": "Search text",
              "supplier_type": "Supplier type", "flag": "A risk flag's code", "processing": "pending or failed",
              "sort": "Order (as on the queue page)", "claim": "mine or unclaimed", "waiting": "answered or second"}


def operation(summary: str, *, tags: list[str], response: str, status: int = 200, body: str | None = None,
              paged: bool = False, idempotent: bool = False, query: tuple[str, ...] = (), public: bool = False,
              body_media: str = "application/json", response_media: tuple[str, ...] = ("application/json",),
              problems: tuple[int, ...] = ()):
    """Describe a view for the OpenAPI document (nothing else: the view checks what it takes).
    ``body`` and ``response`` name schemas (_schemas) sent as ``body_media`` and answered as each
    of ``response_media``; ``problems`` are statuses this operation answers beyond PROBLEM_STATUSES
    (413 for an upload)."""
    def decorator(view):
        view.openapi = dict(summary=summary, tags=tags, response=response, status=status, body=body, paged=paged,
                            idempotent=idempotent, query=query, public=public, body_media=body_media,
                            response_media=response_media, problems=problems)
        return view
    return decorator


def _text_or_number(description: str | None = None) -> dict:
    schema: dict = {"type": ["string", "number", "null"]}
    if description:
        schema["description"] = description
    return schema


def _schemas() -> dict:
    problem = {"type": "object", "required": ["type", "title", "status", "detail"], "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "required": ["field", "message"], "properties": {
            "field": {"type": "string", "description": "the body field or parameter; empty for the whole body"},
            "message": {"type": "string"}}}},
        "confirmed_figures": {"type": "string", "description": "send it back with confirm_figures: true"},
        "first_resource": {"type": "string", "description": (
            "an Idempotency-Key already used for a different request: the path of what that request created")}}}
    confirm = {"confirm_figures": {"type": ["boolean", "null"]}, "confirmed_figures": {"type": ["string", "null"]}}
    lead_input = {"type": "object", "additionalProperties": False, "description": (
        "The lead form's fields, checked by the same rules (text as a person types it, or numbers). "
        "Required: company_name, email, product_category, quantity, unit_price."),
        "properties": {**{name: _text_or_number() for name in LEAD_INPUT if name not in confirm}, **confirm}}
    request_input = {"type": "object", "additionalProperties": False, "description": (
        "The request form's fields, checked by the same rules; substitutes is a list of categories."),
        "properties": {**{name: _text_or_number() for name in REQUEST_INPUT
                          if name not in confirm and name != "substitutes"},
                       "substitutes": {"type": ["array", "null"], "items": {"type": "string"}}, **confirm}}
    text = {"type": "string"}
    when = {"type": "string", "format": "date-time"}
    lead = {"type": "object", "required": ["id", "status"], "properties": {
        "id": {"type": "integer"}, "marketplace_ref": text, "status": text, "processing_state": text,
        "created_at": when, "updated_at": when, **{name: text for name in LEAD_COLUMNS},
        "risk_score": {"type": ["integer", "null"], "description": "staff only"},
        "claimed_by_id": {"type": ["integer", "null"], "description": (
            "staff only: the staff member whose claim on the lead is live (LEAD_CLAIM_TTL), else null")},
        "claimed_until": {"type": ["string", "null"], "format": "date-time",
                          "description": "staff only: when that claim lapses (UTC)"},
        "cluster_id": {"type": ["integer", "null"]}, "owner_id": {"type": ["integer", "null"]}, "source": text,
        "signals": {"type": "array", "items": {"type": "object"}, "description": "staff only"},
        "duplicates": {"type": "array", "items": {"type": "object"}, "description": "staff only"}}}
    demand_request = {"type": "object", "required": ["id", "status"], "properties": {
        "id": {"type": "integer"}, "status": text, "status_text": text, "created_at": when,
        **{name: text for name in REQUEST_INPUT if name not in ("substitutes", *confirm, *BURN_RATE_INPUT)},
        "days_of_supply_today": {"type": "integer", "description": "whole days until the stock runs out, as of today (domain.stock)"},
        "substitutes": {"type": "array", "items": text}}}
    match = {"type": "object", "required": ["id", "status"], "properties": {
        "id": {"type": "integer"}, "status": {"type": "string", "enum": list(dict(MATCH_STATUSES))},
        "category": text, "quantity": {"type": "integer"}, "unit_price": text,
        "distance_km": {"type": ["number", "null"]}, "created_at": when,
        "delivery_on": {"type": ["string", "null"], "format": "date",
                        "description": "the day the supplier expects to deliver, once given"},
        "actions": {"type": "array", "items": text}, "request_id": {"type": "integer"}, "lead_id": {"type": "integer"},
        "supplier": {"type": "object", "description": "the supplier's contact: shown to the buyer (and staff) once the match is accepted"},
        "buyer_organisation": {"type": "string", "description": "the buyer's organisation: shown to the supplier (and staff) once the buyer accepted"}}}

    def paged(item: str) -> dict:
        return {"type": "object", "required": ["items", "next_cursor"], "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
            "next_cursor": {"type": ["string", "null"], "description": "pass as ?cursor= for the next page"}}}

    return {
        "Problem": problem, "LeadInput": lead_input, "LeadPatch": lead_input, "Lead": lead, "LeadPage": paged("Lead"),
        "RequestInput": request_input, "Request": demand_request, "RequestPage": paged("Request"),
        "Match": match, "MatchPage": paged("Match"),
        "Me": {"type": "object", "required": ["id", "role"], "properties": {
            "id": {"type": "integer"}, "email": text, "name": {"type": ["string", "null"]}, "role": text,
            "organisation": {"type": ["object", "null"]}}},
        "Message": {"type": "object", "properties": {"id": {"type": "integer"}, "kind": text, "text": text,
                                                      "created_at": when}},
        "MessageList": {"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}}}},
        "Answer": {"type": "object", "additionalProperties": False, "required": ["answer"],
                   "properties": {"answer": {"type": "string", "maxLength": MESSAGE_MAX_LENGTH}}},
        "Decision": {"type": "object", "additionalProperties": False, "required": ["action"], "properties": {
            "action": {"type": "string", "enum": [name for name in ACTIONS if name != "answer"]},
            "text": {"type": ["string", "null"], "maxLength": MESSAGE_MAX_LENGTH,
                     "description": "the reason, question or note the action needs"}}},
        "MatchAction": {"type": "object", "additionalProperties": False, "required": ["action"], "properties": {
            "action": {"type": "string", "enum": list(MATCH_ACTIONS)},
            "reason": {"type": ["string", "null"], "maxLength": REASON_MAX_LENGTH, "description": "why the buyer declines"},
            "close_reason": {"type": ["string", "null"], "enum": [*dict(CLOSE_REASONS), None]},
            "delivery_on": {"type": ["string", "null"], "maxLength": 40, "description": (
                "the expected delivery date, from today (2027-01-21 or 21 Jan 2027): optional with "
                "confirm_availability and mark_ordered, required with set_delivery_date")}}},
        "Plan": {"type": "object", "required": ["plan", "items", "next_cursor"], "properties": {
            "plan": {"type": "object"}, "items": {"type": "array", "items": {"type": "object"}},
            "next_cursor": {"type": ["string", "null"]}}},
        "PlanRelease": {"type": "object", "required": ["plan", "proposals"], "properties": {
            "plan": {"type": "object", "description": "the plan, now released"},
            "proposals": {"type": "integer", "description": (
                "proposals sent to buyers: each line checked again against the supply and need left now")}}},
        "DocumentUpload": {"type": "object", "required": ["document"], "additionalProperties": False,
                           "properties": {"document": {"type": "string", "format": "binary", "description": (
                               "a PDF, PNG or JPEG file (judged by its content, not its name), no larger than "
                               "MAX_DOCUMENT_BYTES")}}},
        "Document": {"type": "object", "required": ["id", "lead_id", "name", "media_type", "size"], "properties": {
            "id": {"type": "integer"}, "lead_id": {"type": "integer"},
            "name": {"type": "string", "description": "the file's name as sent, made safe to show"},
            "media_type": {"type": "string", "enum": list(DOCUMENT_MEDIA)},
            "size": {"type": "integer", "description": "bytes"}, "created_at": when,
            "uploaded_by_id": {"type": ["integer", "null"], "description": "staff only"}}},
        "DocumentList": {"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Document"}}}},
        "File": {"type": "string", "format": "binary"},
    }


def _problem_response(text: str) -> dict:
    return {"description": text,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def build_spec(app) -> dict:
    """The OpenAPI 3.1 document of every ``api`` route that carries an ``@operation``."""
    spec = APISpec(title="Emergency PPE marketplace API", version="1", openapi_version="3.1.0",
                   info={"description": "Personal API tokens are made on the account page (Account -> API tokens) "
                                        "and sent as Authorization: Bearer <token>. Errors are RFC 9457 problem "
                                        "documents; lists are read page by page with next_cursor."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in _schemas().items():
        spec.components.schema(name, schema)
    max_page = app.config["API_PAGE_MAX"]
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "openapi", None)
        if meta is None:
            continue
        path = rule.rule
        parameters = []
        for argument in rule.arguments:
            converter = rule._converters[argument]
            path = path.replace(f"<int:{argument}>", "{" + argument + "}").replace(f"<{argument}>", "{" + argument + "}")
            schema = ({"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
                      if isinstance(converter, IntegerConverter) else {"type": "string"})
            parameters.append({"name": argument, "in": "path", "required": True, "schema": schema})
        if meta["paged"]:
            parameters += [{"name": "cursor", "in": "query", "schema": {"type": "string"},
                            "description": "next_cursor of the previous page"},
                           {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                         "maximum": max_page}}]
        parameters += [{"name": name, "in": "query", "schema": {"type": "string"}, "description": QUERY_TEXT.get(name, "")}
                       for name in meta["query"]]
        if meta["idempotent"]:
            parameters.append({"name": "Idempotency-Key", "in": "header", "schema": {
                "type": "string", "pattern": "^[A-Za-z0-9_-]{16,64}$"},
                "description": "the same key again with the same request (method, path and body) answers the "
                               "first result and stores nothing; with a different request, 422 naming the "
                               "first_resource"})
        content = {media: {"schema": {"$ref": f"#/components/schemas/{meta['response']}"}}
                   for media in meta["response_media"]}
        responses = {str(meta["status"]): {"description": "OK" if meta["status"] == 200 else "Created",
                                           "content": content}}
        if meta["idempotent"]:
            responses["200"] = {"description": "A retry with the same Idempotency-Key: the first result",
                                "content": content}
        if not meta["public"]:
            responses.update({str(code): _problem_response(text) for code, text in PROBLEM_STATUSES.items()})
            responses.update({str(code): _problem_response(OTHER_PROBLEMS[code]) for code in meta["problems"]})
        operation_object = {"operationId": rule.endpoint.removeprefix("api."), "summary": meta["summary"],
                            "description": (view.__doc__ or "").strip(), "tags": meta["tags"],
                            "parameters": parameters, "responses": responses}
        if meta["public"]:
            operation_object["security"] = []
        if meta["body"]:
            operation_object["requestBody"] = {"required": True, "content": {meta["body_media"]: {"schema": {
                "$ref": f"#/components/schemas/{meta['body']}"}}}}
        method = next(m for m in rule.methods if m not in ("HEAD", "OPTIONS")).lower()
        spec.path(path=path, operations={method: operation_object})
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    return document


def document() -> dict:
    """The document, built once per app."""
    app = current_app._get_current_object()
    cached = app.extensions.get("openapi_document")
    if cached is None:
        cached = app.extensions["openapi_document"] = build_spec(app)
    return cached


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())


@bp.get("/docs")
def docs():
    """The document as a plain page: every operation with its parameters, body and answers."""
    return render_template("api/docs.html", spec=document())
