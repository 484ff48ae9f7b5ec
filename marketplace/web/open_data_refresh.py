"""The open-data daily table counted on the embedded default (issue 12 leftover). Without Redis there
is no worker and no sweeper, so nothing would count the table's snapshot (services.open_data)
again. Here a request whose response has gone out counts it when the newest is older than
OPEN_DATA_MAX_AGE (or missing), as jobs.tasks does for the dashboard's figures after a commit: the
request itself never waits for it. Between counts no request even looks: the next look is when
the newest count will be too old. With Redis the sweeper does it; `flask sweep` does it too."""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from flask import Flask, Response

from ..jobs.queue import enqueue_open_data_refresh
from ..services import open_data, settings

log = logging.getLogger(__name__)
_NEXT = "marketplace.open_data_next_check"
_counting = threading.Lock()  # one count at a time per process; the others skip


def register_open_data_refresh(app: Flask) -> None:
    """Install the after-response count on ``app`` (nothing with REDIS_URL, or with
    OPEN_DATA_REFRESH_AFTER_REQUEST off)."""
    if app.config.get("REDIS_URL") or not app.config.get("OPEN_DATA_REFRESH_AFTER_REQUEST"):
        return
    app.extensions[_NEXT] = None  # never looked: the first request looks

    @app.after_request
    def _maybe_count(response: Response) -> Response:
        next_check = app.extensions[_NEXT]
        if next_check is None or time.monotonic() >= next_check:
            # Until this look is done, the next requests do not look again.
            app.extensions[_NEXT] = time.monotonic() + app.config["OPEN_DATA_MAX_AGE"].total_seconds()
            response.call_on_close(lambda: refresh_if_due(app))
        return response


def refresh_if_due(app: Flask) -> bool:
    """Count the daily table in ``app`` if its newest snapshot is missing or older than
    OPEN_DATA_MAX_AGE, and note when to look next; True when it counted. Never raises (it runs
    after a response): a failure is logged and the next look tries again."""
    if not _counting.acquire(blocking=False):
        return False  # another request of this process is counting now
    try:
        with app.app_context():
            wait = open_data.refresh_due_in()
            counted = wait <= timedelta(0) and bool(enqueue_open_data_refresh())
            if counted:
                wait = settings.current().open_data_max_age
            app.extensions[_NEXT] = time.monotonic() + max(wait.total_seconds(), 1.0)
            return counted
    except Exception:
        log.exception("counting the open-data table after a request failed; the next look tries again")
        return False
    finally:
        _counting.release()
