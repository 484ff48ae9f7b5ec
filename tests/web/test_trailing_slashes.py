"""Every page answers with and without a trailing slash (web/slashes.py): ``/open-data/`` is sent on
to ``/open-data``, a route written with its slash (``/matches/``) is reached without it, and
nothing else changes: a path that is no page still answers 404, a POST is never redirected, and
the redirect never leaves the site."""
from __future__ import annotations

import pytest

from tests.conftest import fetch_token, login, make_user


@pytest.mark.parametrize("path, canonical", [
    ("/open-data/", "/open-data"),
    ("/signal/", "/signal"),
    ("/dashboard/", "/dashboard"),
    ("/login/", "/login"),
    ("/open-data/daily.csv/", "/open-data/daily.csv"),
    ("/api/v1/openapi.json/", "/api/v1/openapi.json"),
])
def test_a_page_with_a_trailing_slash_is_sent_on_to_the_page(client, path, canonical):
    for method in ("GET", "HEAD"):
        response = client.open(path, method=method)
        assert response.status_code == 308, (method, path)
        assert response.headers["Location"] == canonical


def test_the_redirect_reaches_the_page_and_keeps_the_query(client):
    response = client.get("/open-data/?from=2026-11-01&q=caf%C3%A9&q=two", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/open-data"
    assert response.request.args.getlist("q") == ["café", "two"]
    assert client.get("/signal/", follow_redirects=True).status_code == 200


def test_a_page_with_an_id_and_a_signed_in_reader(clean_app, client):
    with clean_app.app_context():
        make_user("vetter", "val@city.example")
    login(client, "val@city.example")
    assert client.get("/dashboard/", follow_redirects=True).status_code == 200
    response = client.get("/staff/leads/7/")
    assert response.status_code == 308 and response.headers["Location"] == "/staff/leads/7"


def test_a_route_written_with_its_slash_answers_without_it(client):
    response = client.get("/matches")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/matches/")


@pytest.mark.parametrize("path", ["/no-such-page/", "/no-such-page", "/open-data/nothing/", "/leads/abc/",
                                  "/logout/",  # a route, but for POST only: a GET of it is no page
                                  "/staff/leads/99999999999/"])  # larger than any record id
def test_a_path_that_is_no_page_still_answers_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Location" not in response.headers


def test_a_post_is_never_redirected(clean_app, client):
    data = {"csrf_token": fetch_token(client), "email": "x@example.org", "password": "whatever it is"}
    for path in ("/login/", "/password/forgot/"):
        response = client.post(path, data=data)
        assert response.status_code == 404, path
        assert "Location" not in response.headers


@pytest.mark.parametrize("path_info, location", [
    ("//open-data/", "/open-data"),  # never "//open-data": a browser reads that as a host
    ("///open-data/", "/open-data"),
    ("//evil.example/", None),
    ("/\\evil.example/", None),
    ("//evil.example/open-data/", None),
])
def test_the_redirect_stays_on_the_site(client, path_info, location):
    """A path a browser could read as another host is sent on to a path of this site (one
    leading slash), or is no page at all (404)."""
    response = client.get("/", environ_overrides={"PATH_INFO": path_info})
    assert response.headers.get("Location") == location
    assert response.status_code == (308 if location else 404)
