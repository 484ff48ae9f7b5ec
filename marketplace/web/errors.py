"""One place that turns errors into pages: HTTP errors and unexpected exceptions."""
from __future__ import annotations

import logging

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from ..extensions import db

def register_error_handlers(app: Flask) -> None:
    messages = {
        400: ("Bad request", "The request could not be understood. Please go back and try again."),
        403: ("Not allowed", "Your account may not see or change this."),
        404: ("Not found", "There is nothing here, or you may not see it."),
        405: ("Not allowed", "This page cannot be used that way."),
        413: ("File too large", "The upload is larger than this site accepts."),
        429: ("Too many attempts", "Too many requests from you in a short time. Please wait a minute and try again."),
        500: ("Something went wrong", "The error has been logged. Nothing you submitted was half-saved; please try again."),
    }

    def render_error(code: int, detail: str | None = None):
        title, text = messages.get(code, ("Error", "Something went wrong."))
        return render_template("errors/error.html", code=code, title=title, text=detail or text), code

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.response is not None:  # an error that brings its own page (a rate limit's on_breach)
            return exc.response
        detail = exc.description if exc.code == 400 and "CSRF" in (exc.description or "") else None
        if exc.code == 400 and detail:
            detail = "Your form expired or was sent from another page. Please reload it and try again."
        return render_error(exc.code or 500, detail)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        # Fail closed: roll back whatever the request had started and show a plain page.
        db.session.rollback()
        logging.getLogger("marketplace").exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
