"""The JSON API under /api/v1 (issue 12, item 3): bearer-token authentication, problem+json errors,
the JSON body read through the same forms as the pages, cursor pages, and the OpenAPI document.

Authentication is a personal API token only (``Authorization: Bearer ppe_...``, made on the
account page): a session cookie is never read here, so no request can ride on a browser's
session, which is why these routes, and only these, are exempt from CSRF. The token's holder is
the request's user, with that user's role and the same ownership checks as the pages. Texts (a
problem's detail, a field's message) are in the holder's saved language, else ``Accept-Language``.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from flask import Blueprint, current_app, g, request

from ...domain import i18n
from ...domain.api_tokens import bearer_token
from ...domain.api_tokens import refusal as token_refusal
from ...extensions import csrf, db, limiter
from ...services import api_tokens
from ..errors import problem
from ..i18n import refresh_locale
from . import limits

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens only: a browser's cookies authenticate nothing here (see above)

# Routes anyone may read without a token: the OpenAPI document and its page.
PUBLIC_ENDPOINTS = frozenset({"api.openapi_json", "api.docs"})


def _rate_key() -> str:
    """Rate limits count per presented token (a digest, never the secret), else per address."""
    token = bearer_token(request.headers.get("Authorization"))
    if token:
        return "api-token:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return "api-address:" + (request.remote_addr or "")


limiter.exempt(bp)  # the API counts its own limits in one round trip (web.api.limits)


@limiter.request_filter
def _counted_by_the_api() -> bool:
    """Flask-Limiter skips the API's requests at once: exempt as above, it still resolved every
    limit of the app to find none apply (about 0.1 ms of a lead POST's CPU)."""
    return request.blueprint == bp.name


def limited(config_key: str, key: Callable[[], str]):
    """A route's own limit (``current_app.config[config_key]``, counted per ``key()``), which
    replaces the API_LIMIT of ``count_request`` for that route, as a route's limit replaced its
    blueprint's in Flask-Limiter. Put it under ``roles``: a refused role is not counted."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            refused = _count(config_key, key())
            return refused if refused is not None else view(*args, **kwargs)
        wrapped.own_limit = True
        return wrapped
    return decorator


def _count(config_key: str, key: str):
    """Count this request; the 429 problem (with Retry-After) if it is over the limit, else None.
    The X-RateLimit headers are added to the answer by ``rate_limit_headers``."""
    g.api_limit = hit = limits.hit(config_key, key)
    if hit.allowed:
        return None
    db.session.rollback()
    return problem(429)


@bp.before_request
def count_request():
    """API_LIMIT per presented token (per address without one), before the token is even looked
    up; a route with its own limit (``limited``) is counted there instead."""
    if getattr(current_app.view_functions.get(request.endpoint), "own_limit", False):
        return None
    return _count("API_LIMIT", _rate_key())


@bp.after_request
def rate_limit_headers(response):
    hit = g.get("api_limit")
    if hit is not None:
        response.headers.update(hit.headers())
    return response


@bp.before_request
def authenticate():
    """The token's user becomes the request's user (Flask-Login's ``current_user``, so every check
    the pages make applies); without a valid token, 401 with ``WWW-Authenticate: Bearer``."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    # Tokens that open nothing are counted per address (API_AUTH_FAILURE_LIMIT): API_LIMIT counts per
    # presented token, so a made-up token would otherwise start a fresh counter every time. Once
    # over, the address is refused before its tokens are looked up, until the window ends.
    failures = "api-auth-failed:" + (request.remote_addr or "")
    refused = limits.still_refused(failures)
    if refused is not None:
        g.api_limit = refused
        return problem(429)
    presented = bearer_token(request.headers.get("Authorization"))
    user, stamped, refused_because = api_tokens.user_for_token(presented)
    if user is None:
        db.session.rollback()
        if presented:  # no token at all costs no lookup: API_LIMIT counts those per address
            g.api_limit = counted = limits.hit("API_AUTH_FAILURE_LIMIT", failures, remember_refusal=True)
            if not counted.allowed:
                return problem(429)
        # A presented token is told why it opens nothing (revoked, its account deactivated, or not
        # one of ours, which learns nothing more); no token: the standard text, how to send one.
        response = problem(401, token_refusal(refused_because) if presented else None)
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    if stamped:
        db.session.commit()  # last_used_at, written once a minute at most
    g._login_user = user  # Flask-Login reads the user from here: the session cookie is never loaded
    g.api_user = user
    # The answer in the token holder's saved language, else Accept-Language (already chosen before
    # the token was read: chosen again only when the saved one differs, as choosing costs).
    if user.locale and i18n.choose_locale(user.locale) != i18n.current_locale():
        refresh_locale()
    return None


from . import openapi, routes  # noqa: E402,F401  (registers the routes on bp)
