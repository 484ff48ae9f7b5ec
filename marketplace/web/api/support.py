"""What every API route shares: the role check, the JSON body read into a form's fields (the forms
hold the pages' validation: one rule, one place; a lead's body is checked by the lead form's own
functions without building the form, ``lead_facts``), idempotency keys, cursor pages and problem
answers."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import wraps

from flask import current_app, g, jsonify, request
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.wrappers import Response

from ...domain.cursors import decode_cursor, encode_cursor, page_limit
from ...domain.demand import DEMAND_COLUMNS
from ...domain.errors import FieldError, Forbidden
from ...domain.i18n import _
from ...domain.idempotency import canonical_json, canonical_multipart
from ...domain.idempotency import request_fingerprint as fingerprint_of
from ...domain.leads import LEAD_COLUMNS, LeadFacts
from ...domain.stock import STOCK_COLUMNS
from ...services.leads import today
from ..errors import problem
from ..suppliers.forms import check_posted_lead

# What a client may send to make a lead or a request: the form's fields (the CSV columns a person
# types; the city's external_id and the organisation are not theirs), and the confirmation of
# figures far outside the reference (web.forms.ConfirmFigures).
CONFIRM_FIELDS = ("confirm_figures", "confirmed_figures")
LEAD_INPUT = tuple(c for c in LEAD_COLUMNS if c != "external_id") + CONFIRM_FIELDS
# The request form's stock fields: the count (domain.stock.STOCK_COLUMNS) and the CDC burn-rate way
# (an earlier count, its date and the units received since; web.buyers.forms.DemandForm).
BURN_RATE_INPUT = ("first_count", "first_counted_on", "received_between")
REQUEST_INPUT = (tuple(c for c in DEMAND_COLUMNS if c not in ("external_id", "organisation")) + ("specification",)
                 + STOCK_COLUMNS + BURN_RATE_INPUT
                 + CONFIRM_FIELDS)
# The same shape as the pages' submission tokens (web.forms.OneTimeSubmission): one namespace.
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


class ApiFieldErrors(Exception):
    """A body the form refused: ``errors`` is [(field, message)]; ``members`` extra problem
    members (the digest to confirm figures with)."""

    def __init__(self, errors: list[tuple[str, str]], detail: str | None = None, **members) -> None:
        super().__init__(detail or "field errors")
        self.errors, self.detail, self.members = errors, detail, members


def field_problem(exc: ApiFieldErrors) -> Response:
    return problem(422, exc.detail, errors=[{"field": f, "message": m} for f, m in exc.errors], **exc.members)


def roles(*allowed: str):
    """Only holders of these roles (the token's user's role); anyone else: 403 problem."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if g.api_user.role not in allowed:
                raise Forbidden(_("Your account's role may not use this operation."))
            return view(*args, **kwargs)
        return wrapped
    return decorator


def json_body(allowed: Iterable[str]) -> dict:
    """The request's JSON object; ApiFieldErrors for a body that is not an object or names a field
    not in ``allowed`` (a typo would otherwise be silently dropped)."""
    if not request.is_json:
        raise ApiFieldErrors([("", _("Send the body as JSON with Content-Type: application/json."))],
                             _("The body must be a JSON object."))
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiFieldErrors([("", _("The body must be a JSON object."))], _("The body must be a JSON object."))
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ApiFieldErrors([(name, _("Not a field of this operation.")) for name in unknown])
    return body


def uploaded_file(field: str) -> FileStorage:
    """The file sent in ``field`` of a ``multipart/form-data`` body (as a browser sends the page's
    upload form). ApiFieldErrors for another kind of body, a part other than ``field`` (a typo
    would otherwise be silently dropped), or no file in ``field``."""
    if request.mimetype != "multipart/form-data":
        raise ApiFieldErrors([("", _("Send the file as multipart/form-data, in the field {field}.").format(
            field=field))], _("The body must be multipart/form-data."))
    unknown = sorted((set(request.form) | set(request.files)) - {field})
    if unknown:
        raise ApiFieldErrors([(name, _("Not a field of this operation.")) for name in unknown])
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        raise ApiFieldErrors([(field, _("Choose a file to upload."))])
    return upload


def as_formdata(body: dict) -> MultiDict:
    """A JSON object as the form data a browser would post: numbers as their text, true as "y",
    false and null as absent, a list of texts as repeated values. Objects and nested lists are
    refused per field (ApiFieldErrors)."""
    data: MultiDict = MultiDict()
    errors = []
    for name, value in body.items():
        if value is None or value is False:
            continue
        if value is True:
            data.add(name, "y")
        elif isinstance(value, str):
            data.add(name, value)
        elif isinstance(value, int | float):
            # A float as the decimal it was written as (1e-07 -> 0.0000001), never rounded to 6 places.
            data.add(name, format(Decimal(repr(value)), "f") if isinstance(value, float) else str(value))
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            for item in value:
                data.add(name, item)
        else:
            errors.append((name, _("A text, a number, true or false (a list of texts where the field takes "
                                   "several).")))
    if errors:
        raise ApiFieldErrors(errors)
    return data


def validated(form, *, confirm_fields: bool = False):
    """``form`` after validation, or ApiFieldErrors with each field's messages. A form that asks
    to confirm figures far outside the reference (web.forms.ConfirmFigures) answers 422 with the
    warnings by field and ``confirmed_figures``: send the same body again with ``confirm_figures``
    true and that digest to save the figures as they are."""
    if form.validate():
        return form
    errors = [(name, message) for name, messages in form.errors.items() if name for message in messages
              if name not in ("submission_token", "confirmed_figures")]
    if getattr(form, "asks_confirmation", False):
        raise figures_to_confirm(errors, form.confirmed_figures.data)
    general = [m for m in form.form_errors if m]
    raise ApiFieldErrors(errors + [("", m) for m in general])


def figures_to_confirm(warnings: list[tuple[str, str]], digest: str) -> ApiFieldErrors:
    """The 422 that asks to confirm figures far outside the reference: the warnings by field and
    ``confirmed_figures``, the digest to send back with ``confirm_figures`` true."""
    return ApiFieldErrors(warnings, _("Please check the figures listed. If they are right, send the same body "
                                      "again with confirm_figures: true and confirmed_figures: the digest given "
                                      "here."), confirmed_figures=digest)


def lead_facts(body: dict) -> LeadFacts:
    """A lead's fields sent as JSON (LEAD_INPUT) checked as the lead form checks them, without
    building the form: the form's own checks (web.suppliers.forms.check_posted_lead: the fields
    read as the form reads the same body posted (as_formdata), domain.leads.parse_lead's checks and
    the form's rule for confirming figures, web.forms.ConfirmFigures).
    Returns the clean facts; ApiFieldErrors with every refused field's message (in LEAD_INPUT's
    order), or asking to confirm the figures (``validated``)."""
    check = check_posted_lead(as_formdata(body), today())
    if check.errors:
        raise ApiFieldErrors([(name, check.errors[name]) for name in LEAD_INPUT if name in check.errors]
                             + [("", message) for name, message in check.errors.items() if name not in LEAD_INPUT])
    if check.to_confirm is not None:
        raise figures_to_confirm(list(check.warnings.items()), check.to_confirm)
    return check.clean


def idempotency_key() -> str | None:
    """The ``Idempotency-Key`` header (16 to 64 letters, digits, - and _), None if absent; a
    malformed one is refused (ApiFieldErrors)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiFieldErrors([("Idempotency-Key", _("16 to 64 letters, digits, '-' or '_' (e.g. a random UUID "
                                                    "without braces)."))])
    return key


def request_fingerprint() -> str:
    """This request's fingerprint (domain.idempotency): method, path and canonical body (JSON
    re-serialised with sorted keys; a multipart upload by its fields and its files' names and
    content digests; anything else as sent). Computed once per request (kept in the request's
    environ, not ``g``: a test's app context outlives its requests)."""
    cached = request.environ.get(_FINGERPRINT)
    if cached is None:
        request.environ[_FINGERPRINT] = cached = fingerprint_of(request.method, request.path, _canonical_body())
    return cached


_FINGERPRINT = "marketplace.api_fingerprint"


def _canonical_body() -> bytes:
    if request.mimetype == "multipart/form-data":
        return canonical_multipart(request.form.items(multi=True),
                                   ((name, upload.filename or "", _file_digest(upload))
                                    for name, upload in request.files.items(multi=True)))
    parsed = request.get_json(silent=True) if request.is_json else None
    return request.get_data(cache=True) if parsed is None else canonical_json(parsed)  # not JSON: as sent


def _file_digest(upload: FileStorage) -> str:
    """The hex SHA-256 of an uploaded file, read whole in chunks; the stream is left where it was
    (the file may be read before or after its fingerprint is taken)."""
    digest, stream = hashlib.sha256(), upload.stream
    position = stream.tell()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(65536), b""):
        digest.update(chunk)
    stream.seek(position)
    return digest.hexdigest()


def page_size() -> int:
    """The ``?limit=`` argument (API_PAGE_SIZE when absent, at most API_PAGE_MAX)."""
    try:
        return page_limit(request.args.get("limit"), default=current_app.config["API_PAGE_SIZE"],
                          maximum=current_app.config["API_PAGE_MAX"])
    except FieldError as exc:
        raise ApiFieldErrors([("limit", str(exc))]) from None


def cursor_args() -> tuple[int | None, int]:
    """(the id after which the page starts, the page size) from ``?cursor=`` and ``?limit=``."""
    errors = []
    try:
        after = decode_cursor(request.args.get("cursor"))
    except FieldError as exc:
        errors.append(("cursor", str(exc)))
        after = None
    try:
        limit = page_limit(request.args.get("limit"), default=current_app.config["API_PAGE_SIZE"],
                           maximum=current_app.config["API_PAGE_MAX"])
    except FieldError as exc:
        errors.append(("limit", str(exc)))
        limit = 0
    if errors:
        raise ApiFieldErrors(errors)
    return after, limit


def page(items: list, limit: int, show: Callable, next_cursor: str | None = None) -> Response:
    """A page of a list: ``{"items": [...], "next_cursor": ...}``. ``items`` holds up to ``limit``
    + 1 records (one more tells that there is a next page) unless ``next_cursor`` is given."""
    if next_cursor is None and len(items) > limit:
        items = items[:limit]
        next_cursor = encode_cursor(items[-1].id)
    return jsonify({"items": [show(item) for item in items], "next_cursor": next_cursor})


def plain(value):
    """A stored value as JSON: money and other decimals as text (no float rounding), dates ISO."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
