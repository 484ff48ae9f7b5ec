"""One place that turns errors into answers: the domain's refusals (NotFound, Forbidden, Conflict),
HTTP errors and unexpected exceptions.

Each is answered as the HTML error page, or as ``application/problem+json`` (RFC 9457: type,
title, status, detail) for paths under ``/api/`` and for clients whose Accept header prefers JSON
to HTML. Both carry the same status and the same safe text; neither carries a traceback. Both are
in the reader's language (issue 13): the page's title and text, and the problem's title (the
status phrase, which RFC 9457 lets a server localise for the client's Accept-Language) and detail.
"""
from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from ..domain.errors import DomainError
from ..domain.i18n import N_, _
from ..extensions import db

PROBLEM_JSON = "application/problem+json"

# The page title and the standard text per status; a domain error's own message replaces the text.
# Marked only: translated when shown (``messages_for``).
MESSAGES = {
    400: (N_("Bad request"), N_("The request could not be understood. Please go back and try again.")),
    403: (N_("Not allowed"), N_("Your account may not see or change this.")),
    404: (N_("Not found"), N_("There is nothing here, or you may not see it.")),
    405: (N_("Not allowed"), N_("This page cannot be used that way.")),
    401: (N_("Sign in"), N_("An API token is needed: send it as Authorization: Bearer <token>.")),
    409: (N_("Changed meanwhile"), N_("This was changed in the meantime. Please reload the page and try again.")),
    413: (N_("File too large"), N_("The upload is larger than this site accepts.")),
    415: (N_("Unsupported media type"), N_("Send the body as JSON (Content-Type: application/json).")),
    422: (N_("Cannot be accepted"), N_("Some fields cannot be accepted; each is listed with its message.")),
    429: (N_("Too many attempts"), N_("Too many requests from you in a short time. Please wait a minute and try again.")),
    500: (N_("Something went wrong"),
          N_("The error has been logged. Nothing you submitted was half-saved; please try again.")),
}
OTHER = (N_("Error"), N_("Something went wrong."))
CSRF_TEXT = N_("Your form expired or was sent from another page. Please reload it and try again.")
# The HTTP status phrases (werkzeug's HTTP_STATUS_CODES, the problem's title) of the statuses this
# site answers with, marked for the catalogue; any other status keeps werkzeug's English phrase.
STATUS_PHRASES = {
    400: N_("Bad Request"), 401: N_("Unauthorized"), 403: N_("Forbidden"), 404: N_("Not Found"),
    405: N_("Method Not Allowed"), 409: N_("Conflict"), 410: N_("Gone"), 413: N_("Request Entity Too Large"),
    415: N_("Unsupported Media Type"), 422: N_("Unprocessable Entity"), 429: N_("Too Many Requests"),
    500: N_("Internal Server Error"), 503: N_("Service Unavailable"),
}


def messages_for(status: int) -> tuple[str, str]:
    """(page title, standard text) of an error with this HTTP status, in the current language."""
    title, text = MESSAGES.get(status, OTHER)
    return _(title), _(text)


def status_phrase(status: int) -> str:
    """The HTTP status phrase ("Not Found") in the current language ("No encontrado")."""
    phrase = STATUS_PHRASES.get(status)
    return _(phrase) if phrase else HTTP_STATUS_CODES.get(status, "Unknown Error")


def wants_json() -> bool:
    """Answer in JSON: the API's paths, or a client that prefers JSON to HTML (Accept)."""
    if request.path == "/api" or request.path.startswith("/api/"):
        return True
    accept = request.accept_mimetypes
    best = accept.best_match(("text/html", "application/json", PROBLEM_JSON))
    return best in ("application/json", PROBLEM_JSON) and accept[best] > accept["text/html"]


def problem(status: int, detail: str | None = None, **members) -> Response:
    """An RFC 9457 problem document. ``type`` is about:blank, so ``title`` is the HTTP status
    phrase (in the reader's language); ``detail`` is the text the HTML page would show. ``members``
    are extension members (the API's ``errors``: [{"field", "message"}] for a 422)."""
    body = {"type": "about:blank", "title": status_phrase(status), "status": status,
            "detail": detail or messages_for(status)[1], **members}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


def render_error(status: int, detail: str | None = None):
    """The answer for an error with this status, as a page or as problem+json (see wants_json).

    A 500 may mean the database is gone (a PostgreSQL restart): its page is rendered ``plain``,
    reading nothing from the database (no signed-in menu, no notification count: the user, and
    everything loaded in the failed transaction, would be read again). Any other error page that
    fails to render for the same reason falls back to the plain one."""
    if wants_json():
        return problem(status, detail)
    title, text = messages_for(status)
    context = dict(code=status, title=title, text=detail or text)
    if status >= 500:
        return _plain_page(context), status
    try:
        return render_template("errors/error.html", **context), status
    except Exception:
        logging.getLogger("marketplace").exception("error page %s fell back to the plain page", status)
        _rollback_quietly()
        return _plain_page(context), status


def _plain_page(context: dict) -> str:
    """The error page without the database. Flask-Login's template context loads the signed-in
    user (a query) unless this request already did: if it did not, the page is rendered for an
    anonymous visitor (the plain page shows no user data either way)."""
    if "_login_user" not in g:
        g._login_user = current_app.login_manager.anonymous_user()
    return render_template("errors/error.html", plain=True, **context)


def _rollback_quietly() -> None:
    """Roll back the request's transaction; with the database gone, that may fail too."""
    try:
        db.session.rollback()
    except Exception:
        logging.getLogger("marketplace").warning("rollback after an error failed", exc_info=True)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return render_error(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.response is not None:  # an error that brings its own page (a rate limit's on_breach)
            return exc.response
        csrf = exc.code == 400 and "CSRF" in (exc.description or "")
        answer = render_error(exc.code or 500, _(CSRF_TEXT) if csrf else None)
        # The headers the error brings (Allow on a 405, as RFC 9110 requires; Retry-After...), on
        # the page and on the problem document alike; the body's own type stays ours.
        brought = [(name, value) for name, value in exc.get_headers() if name.lower() != "content-type"]
        if not brought:
            return answer
        response = current_app.make_response(answer)
        response.headers.extend(brought)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        # Fail closed: roll back whatever the request had started and show a plain page.
        _rollback_quietly()
        logging.getLogger("marketplace").exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
