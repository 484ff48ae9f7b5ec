"""E-mail retried on the embedded default (issue 11, item 3). Without Redis there is no worker and
no sweeper, so mail left pending (the relay was down) would wait for the next e-mail or a restart.
Here a request, at most every MAIL_RETRY_SECONDS (the first one that interval after the app
starts), once its response has gone out, sends the mail pending longer than that
(jobs.queue.enqueue_outbox, which runs in this process without Redis). With Redis the sweeper does it. `flask sweep` does it too, with or without Redis."""
from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import Flask, Response

from ..jobs.queue import enqueue_outbox
from ..services.notifications import outbox_waiting

log = logging.getLogger(__name__)
_LAST = "marketplace.mail_retry_last"


def register_mail_retry(app: Flask) -> None:
    """Install the after-response retry on ``app`` (nothing with REDIS_URL or MAIL_RETRY_SECONDS=0)."""
    if app.config.get("REDIS_URL") or not app.config.get("MAIL_RETRY_SECONDS"):
        return
    # The first retry comes one interval after the start, as each later one after the last (a
    # clock that starts at 0 would retry on the first request, or not for a minute after the
    # machine booted: the monotonic clock counts from an unspecified point).
    app.extensions[_LAST] = time.monotonic()

    @app.after_request
    def _maybe_retry(response: Response) -> Response:
        seconds = app.config.get("MAIL_RETRY_SECONDS") or 0
        now = time.monotonic()
        if seconds and now - app.extensions[_LAST] >= seconds:
            app.extensions[_LAST] = now
            response.call_on_close(lambda: retry_pending_mail(app, timedelta(seconds=seconds)))
        return response


def retry_pending_mail(app: Flask, older_than: timedelta) -> bool:
    """Send the e-mail pending longer than ``older_than``, in ``app``; True when there was some.
    Never raises (it runs after a response): a failure stays in the outbox with its error."""
    try:
        with app.app_context():
            return outbox_waiting(older_than) and enqueue_outbox()
    except Exception:
        log.exception("retrying pending e-mail failed; it stays in the outbox")
        return False
