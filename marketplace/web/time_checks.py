"""Offers go stale on the embedded default too (issue 11 item 11). Without Redis there is no
worker and no sweeper running all the time, so the quote reminders and the overdue-request asks
(services.quotes.ask_due) would wait for `flask sweep` from cron. Here a request, at most every
STALE_CHECK_SECONDS, once its response has gone out, runs them (and a matching run when time alone
took offers or requests out of matching), as web.mail_retry does for pending e-mail. Each ask is
sent once however often this runs. With Redis the sweeper does it."""
from __future__ import annotations

import logging
import time

from flask import Flask, Response

from ..domain.messages import trigger_fact
from ..extensions import db
from ..jobs.queue import enqueue_matching
from ..services.quotes import ask_due, lapsed_since_last_plan

log = logging.getLogger(__name__)
_LAST = "marketplace.time_checks_last"


def register_time_checks(app: Flask) -> None:
    """Install the after-response check on ``app`` (nothing with REDIS_URL or STALE_CHECK_SECONDS=0)."""
    if app.config.get("REDIS_URL") or not app.config.get("STALE_CHECK_SECONDS"):
        return
    app.extensions[_LAST] = None  # never: the first request checks (the monotonic clock may be young)

    @app.after_request
    def _maybe_check(response: Response) -> Response:
        seconds = app.config.get("STALE_CHECK_SECONDS") or 0
        now = time.monotonic()
        last = app.extensions[_LAST]
        if seconds and (last is None or now - last >= seconds):
            app.extensions[_LAST] = now
            response.call_on_close(lambda: run_time_checks(app))
        return response


def run_time_checks(app: Flask) -> bool:
    """Ask who must be asked today and re-plan if time took supply or demand out, in ``app``; True
    when someone was asked. Never raises (it runs after a response): the next check tries again."""
    try:
        with app.app_context():
            asked = ask_due()
            db.session.commit()  # the e-mail is sent after this commit (in this process)
            if lapsed_since_last_plan():
                enqueue_matching(trigger_fact("dates_passed"))
            return bool(asked.suppliers or asked.buyers)
    except Exception:
        log.exception("the quote and needed-by checks failed; the next request tries again")
        return False
