"""Sessions that end (security.load_user with domain.sessions): a session idle too long or past its
absolute lifetime signs the browser out with "Your session ended: please sign in again", once; a
session in use writes its last use at most once a minute."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from marketplace.extensions import db
from marketplace.models import UserSession
from marketplace.models.base import utcnow
from tests.conftest import login, make_user

ENDED = "Your session ended: please sign in again."


def _age(app, *, made_ago: timedelta, seen_ago: timedelta | None = None) -> None:
    """Move every session's sign-in (and last use) back in time."""
    with app.app_context():
        now = utcnow()
        db.session.execute(update(UserSession).values(
            created_at=now - made_ago, last_seen_at=None if seen_ago is None else now - seen_ago))
        db.session.commit()


def _sessions(app) -> list[UserSession]:
    with app.app_context():
        rows = list(db.session.execute(select(UserSession).order_by(UserSession.id)).scalars())
        db.session.expunge_all()
        return rows


@pytest.mark.parametrize("role, email, home, idle", [
    ("buyer", "buyer@stvincent.example", "/buyer/", timedelta(hours=13)),   # idle a night: 12 hours
    ("admin", "admin@city.example", "/admin/organisations", timedelta(hours=3)),  # staff: 2 hours
])
def test_an_idle_session_ends_with_a_clear_message(unlimited, client, role, email, home, idle):
    with unlimited.app_context():
        make_user(role, email)
    login(client, email)
    assert client.get(home).status_code == 200
    _age(unlimited, made_ago=idle + timedelta(minutes=10), seen_ago=idle)
    response = client.get(home, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "/login" in response.request.path and ENDED in page
    [row] = _sessions(unlimited)
    assert row.revoked_at is not None  # ended for good: the cookie opens nothing again
    again = client.get(home, follow_redirects=True)
    assert "/login" in again.request.path and ENDED not in again.get_data(as_text=True)
    login(client, email)  # signing in again works
    assert client.get(home).status_code == 200


def test_staff_idle_limit_is_shorter_than_everyone_elses(unlimited, client):
    with unlimited.app_context():
        make_user("buyer", "buyer@stvincent.example")
    login(client, "buyer@stvincent.example")
    _age(unlimited, made_ago=timedelta(hours=4), seen_ago=timedelta(hours=3))
    assert client.get("/buyer/").status_code == 200  # 3 hours idle: a buyer is still signed in
    [row] = _sessions(unlimited)
    assert row.revoked_at is None and utcnow() - row.last_seen_at < timedelta(minutes=1)  # and the use is noted


@pytest.mark.parametrize("remember, made_ago, ended", [
    (False, timedelta(hours=25), True),    # no "Keep me signed in": a day
    (True, timedelta(hours=25), False),    # kept: 30 days,
    (True, timedelta(days=31), True),      # and no more
])
def test_the_absolute_lifetime_ends_even_a_busy_session(unlimited, client, remember, made_ago, ended):
    with unlimited.app_context():
        make_user("supplier", "sales@harbor.example")
    login(client, "sales@harbor.example", **({"remember": "y"} if remember else {}))
    assert _sessions(unlimited)[0].remembered is remember
    _age(unlimited, made_ago=made_ago, seen_ago=timedelta(minutes=5))
    response = client.get("/leads", follow_redirects=True)
    assert ("/login" in response.request.path and ENDED in response.get_data(as_text=True)) is ended


def test_the_last_use_is_written_at_most_once_a_minute(unlimited, client):
    with unlimited.app_context():
        make_user("supplier", "sales@harbor.example")
    login(client, "sales@harbor.example")
    for _ in range(3):
        assert client.get("/leads").status_code == 200
    assert _sessions(unlimited)[0].last_seen_at is None  # signed in under a minute ago: nothing written
    _age(unlimited, made_ago=timedelta(minutes=5), seen_ago=timedelta(minutes=2))
    client.get("/leads")
    seen = _sessions(unlimited)[0].last_seen_at
    assert utcnow() - seen < timedelta(minutes=1)
    client.get("/leads")
    assert _sessions(unlimited)[0].last_seen_at == seen


def test_the_message_is_in_the_readers_language(unlimited, client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-MX,es;q=0.9"
    with unlimited.app_context():
        make_user("vetter", "vetter@city.example")
    login(client, "vetter@city.example")
    _age(unlimited, made_ago=timedelta(hours=3), seen_ago=timedelta(hours=3))
    response = client.get("/leads", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Su sesión terminó: vuelva a iniciar sesión." in page and ENDED not in page
    assert "Inicie sesión para ver esta página." not in page  # one message, not two


def test_a_page_open_to_everyone_tells_too(unlimited, client):
    with unlimited.app_context():
        make_user("supplier", "sales@harbor.example")
    login(client, "sales@harbor.example")
    _age(unlimited, made_ago=timedelta(hours=25), seen_ago=timedelta(hours=1))
    client.get("/login")  # needs no sign-in: the message waits for the next page
    assert ENDED in client.get("/login").get_data(as_text=True)
