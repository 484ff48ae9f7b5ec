"""The edge of a one-time submission (issue 10, item 10; services.submissions): answer a retried
POST with its first result, and commit a new record together with its receipt.

Nothing after the commit may fail the request: the record's id and the page to send its sender
to are taken before the commit (reading ``lead.id`` afterwards is a query, which failed during a
PostgreSQL restart and made the client retry), and after it only the flash message (the cookie)
and the redirect are written.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from ..extensions import db
from ..services import submissions

ALREADY_RECEIVED = ("Already received: this form was sent before, and what it sent is saved once. "
                    "Here it is.")


def _answer(receipt: submissions.Receipt) -> Response:
    flash(ALREADY_RECEIVED, "info")
    return redirect(receipt.location)


def already_received(token: str | None) -> Response | None:
    """The redirect to the first result if this user's submission with ``token`` was stored."""
    receipt = submissions.earlier(current_user.id, token)
    return _answer(receipt) if receipt else None


def commit_once(token: str, kind: str, object_id: int, location: str, message: str,
                category: str = "success", on_rollback: Callable[[], object] | None = None) -> Response:
    """Record the receipt (``kind``, the new record's ``object_id``, the ``location`` path to send
    its sender to) in the current transaction, commit, flash ``message`` and redirect. If the
    token was used before or meanwhile (a retry not looked up with ``already_received``, or a
    concurrent POST), this attempt is rolled back whole and answered with the first one's result. ``on_rollback`` undoes what is not in the database (a stored
    file) whenever this attempt is not committed; errors other than the token's are re-raised."""
    user_id = current_user.id  # read before anything can fail
    try:
        submissions.record(user_id, token, kind, object_id, location)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if on_rollback:
            on_rollback()
        receipt = submissions.earlier(user_id, token)
        if receipt is None:
            raise  # another constraint: a real error
        return _answer(receipt)
    except BaseException:
        db.session.rollback()
        if on_rollback:
            on_rollback()
        raise
    flash(message, category)
    return redirect(location)
