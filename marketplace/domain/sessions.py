"""When a signed-in session ends by itself ("sessions that end"): after a while without use (idle)
and, used or not, some time after signing in (absolute). Pure rules on plain values; security.
load_user applies them on every signed-in request.

Decisions (docs/decisions.md, 2026-12-01): idle 12 hours for buyers and suppliers (a working day
away from the desk), 2 hours for city staff (they vet offers and verify organisations: a walked-away
staff browser is the bigger risk); absolute 24 hours, or 30 days when the person chose "Keep me
signed in" (which lengthens only the absolute lifetime, never the idle one). The last use is written
at most once per ``touch interval`` (a minute), not on every request.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .catalog import STAFF_ROLES


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    idle_staff: timedelta
    absolute: timedelta
    absolute_remembered: timedelta
    touch_interval: timedelta = timedelta(minutes=1)


def session_expired(limits: SessionLimits, *, now: datetime, created_at: datetime, last_seen_at: datetime | None,
                    role: str, remembered: bool) -> bool:
    """Whether a session made at ``created_at`` and last used at ``last_seen_at`` (None: not since it
    was made) has ended by itself at ``now``: idle for longer than the role's idle limit, or older
    than the absolute lifetime (longer when ``remembered``)."""
    last_seen = last_seen_at or created_at
    idle = limits.idle_staff if role in STAFF_ROLES else limits.idle
    absolute = limits.absolute_remembered if remembered else limits.absolute
    return now - last_seen > idle or now - created_at > absolute


def needs_touch(limits: SessionLimits, *, now: datetime, created_at: datetime, last_seen_at: datetime | None) -> bool:
    """Whether the session's last use should be written now: at most once per touch interval."""
    return now - (last_seen_at or created_at) >= limits.touch_interval
