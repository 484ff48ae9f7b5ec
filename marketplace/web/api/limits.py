"""The API's rate limits: a fixed window per key, counted in one Redis round trip.

The pages use Flask-Limiter; the API counted with it too until its cost showed (docs/decisions.md,
"The API's speed: to half the bare endpoint"): a hit, then GET and TTL for the X-RateLimit headers,
three round trips and about a tenth of a lead POST's CPU. Here one script increments the window's
counter, starts its expiry on the first hit and answers the count with the seconds left, which is
all the headers need. The limits are the same strings (``API_LIMIT``, ``API_CREATE_LIMIT``, parsed
by ``limits``, Flask-Limiter's own parser) with the same fixed-window meaning: every request counts,
and the one past the limit is refused (429 problem, ``Retry-After``) until the window ends.

Storage: ``RATELIMIT_STORAGE_URI`` as for the pages (Redis in production; ``memory://`` in one
process). If Redis does not answer, the limits are counted in this process's memory for
FALLBACK_SECONDS (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED, as Flask-Limiter does): still limited,
never unlimited, and a sick Redis is not asked again on every request.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

import redis
from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from ...jobs.queue import redis_connection

log = logging.getLogger(__name__)

FALLBACK_SECONDS = 30
MAX_REMEMBERED = 10_000  # refused keys kept in one process (still_refused)
_EXTENSION = "marketplace.api_limits"
# KEYS[1] the window's counter, ARGV[1] the window in seconds -> {count after this hit, seconds left}.
_HIT = """
local count = redis.call('INCR', KEYS[1])
local left = redis.call('TTL', KEYS[1])
if left < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {count, left}
"""
_REDIS_DOWN = (redis.RedisError, OSError)  # any trouble with Redis: counted in memory, never a 500


@dataclass(frozen=True)
class Hit:
    """One counted request: the limit, what is left of it, when its window ends (epoch seconds)."""

    limit: int
    remaining: int
    reset_at: float
    allowed: bool

    def headers(self) -> dict[str, str]:
        headers = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                   "X-RateLimit-Reset": str(math.ceil(self.reset_at))}
        if not self.allowed:
            headers["Retry-After"] = str(max(0, math.ceil(self.reset_at - time.time())))
        return headers


@lru_cache(maxsize=64)
def _item(text: str) -> RateLimitItem:
    """The first limit of a Flask-Limiter limit string ("600 per minute")."""
    return parse(text)


class Limits:
    """The counters of one app: Redis (one script call a hit) or this process's memory."""

    def __init__(self, app: Flask) -> None:
        uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
        self.redis_url = uri if uri.startswith(("redis://", "rediss://", "unix://")) else None
        self.fallback = bool(app.config.get("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True))
        self.memory = FixedWindowRateLimiter(MemoryStorage())
        self.script = None
        self.redis_down_until = 0.0
        self.lock = threading.Lock()
        self.refused: dict[str, Hit] = {}  # keys refused until their window ends (``still_refused``)

    def hit(self, text: str, key: str) -> Hit:
        item = _item(text)
        if self.redis_url and time.monotonic() >= self.redis_down_until:
            try:
                return self._redis_hit(item, key)
            except _REDIS_DOWN as exc:
                if not self.fallback:
                    raise
                log.warning("rate limits counted in memory for %d s: Redis did not answer (%s)",
                            FALLBACK_SECONDS, exc)
                self.redis_down_until = time.monotonic() + FALLBACK_SECONDS
        return self._memory_hit(item, key)

    def _redis_hit(self, item: RateLimitItem, key: str) -> Hit:
        connection = redis_connection(self.redis_url)
        if self.script is None:
            with self.lock:
                self.script = self.script or connection.register_script(_HIT)
        seconds = item.get_expiry()
        count, left = self.script(keys=[_key(item, key)], args=[seconds], client=connection)
        return Hit(item.amount, max(0, item.amount - int(count)), time.time() + int(left), int(count) <= item.amount)

    def _memory_hit(self, item: RateLimitItem, key: str) -> Hit:
        allowed = self.memory.hit(item, key)
        reset, remaining = self.memory.get_window_stats(item, key)
        return Hit(item.amount, remaining, reset, allowed)


def _key(item: RateLimitItem, key: str) -> str:
    """The window's counter: the limit is part of it, so that a changed limit counts afresh."""
    return f"api-limit/{key}/{item.amount}/{item.get_expiry()}"


def _limits() -> Limits:
    app = current_app._get_current_object()
    limits = app.extensions.get(_EXTENSION)
    if limits is None:
        limits = app.extensions[_EXTENSION] = Limits(app)
    return limits


def hit(config_key: str, key: str, *, remember_refusal: bool = False) -> Hit:
    """Count this request under the limit ``current_app.config[config_key]`` for ``key``. With
    ``remember_refusal``, a refusal is also kept in this process until its window ends, so that
    ``still_refused`` answers without asking anyone (neither Redis nor the database)."""
    limits = _limits()
    counted = limits.hit(current_app.config[config_key], key)
    if remember_refusal and not counted.allowed:
        with limits.lock:
            if len(limits.refused) >= MAX_REMEMBERED:  # a flood of addresses: forget the ended windows
                now = time.time()
                limits.refused = {k: h for k, h in limits.refused.items() if h.reset_at > now}
            if len(limits.refused) < MAX_REMEMBERED:
                limits.refused[key] = counted
    return counted


def still_refused(key: str) -> Hit | None:
    """The refusal ``hit(..., remember_refusal=True)`` kept for ``key`` while its window lasts, else
    None. A dictionary lookup: what a refused client costs before anything else is done for it."""
    limits = _limits()
    refused = limits.refused.get(key)
    if refused is None:
        return None
    if refused.reset_at <= time.time():
        limits.refused.pop(key, None)
        return None
    return refused


def reset(app: Flask) -> None:
    """Forget ``app``'s counters kept in memory (tests; Redis's are flushed with their database)."""
    app.extensions.pop(_EXTENSION, None)
