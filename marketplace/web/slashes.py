"""Every page answers with and without a trailing slash: ``/open-data/`` is sent on to ``/open-data``.

Werkzeug already sends ``/matches`` on to ``/matches/`` (a route written with its slash); this is
the other direction, for every route written without one. Only a GET or HEAD that no route
matched is sent on (308, the status werkzeug uses for its own), and only when the address without
the slash is a route that answers that method: any other path still answers 404, and a POST is
never redirected (its form would be sent again to another address). The new address is built by
the router (``url_for``), on this site, with the query kept.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, current_app, redirect, request, url_for
from werkzeug.exceptions import HTTPException, NotFound

from ..domain.redirects import without_trailing_slash


def canonical_url() -> str | None:
    """The address of the page this request meant, when it missed a route only by its trailing
    slash; None otherwise."""
    if request.method not in ("GET", "HEAD") or not isinstance(request.routing_exception, NotFound):
        return None
    path = without_trailing_slash(request.path)
    if path is None:
        return None
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, values = adapter.match(path, method=request.method)
    except HTTPException:  # no such page, another method only, or a redirect of its own
        return None
    url = url_for(endpoint, **values)
    query = urlencode(list(request.args.items(multi=True)))
    return f"{url}?{query}" if query else url


def register_trailing_slashes(app: Flask) -> None:
    @app.before_request
    def _without_trailing_slash():
        url = canonical_url()
        return redirect(url, code=308) if url else None
