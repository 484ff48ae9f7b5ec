"""E-mail that arrives (issue 11, item 3), sent to a real SMTP server (aiosmtpd on a free loopback
port): Date, Message-ID, From, Reply-To, a text and an HTML part with the same words, links on the
public address; STARTTLS against a plain relay; the production start-up check; the retry of
pending mail on the embedded default."""
from __future__ import annotations

import email
import socket
import time
from datetime import timedelta
from email import policy
from email.utils import parsedate_to_datetime
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller

from marketplace.domain.messages import fact
from marketplace.extensions import db
from marketplace.models import OutboxEmail
from marketplace.models.base import utcnow
from marketplace.services import accounts, notifications
from tests.conftest import REDIS_URL, make_user

SENDER = "City PPE desk <ppe@city.example.gov>"
DESK = "Procurement desk <desk@city.example.gov>"
PUBLIC = "https://ppe.city.example.gov"


class Inbox:
    """aiosmtpd handler keeping what it received."""

    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


@pytest.fixture
def mail_app(app_ctx, smtp_server, monkeypatch):
    controller, inbox = smtp_server
    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port, "MAIL_USE_TLS": None,
                       "MAIL_FROM": SENDER, "MAIL_REPLY_TO": DESK, "PUBLIC_URL": PUBLIC}.items():
        monkeypatch.setitem(app_ctx.config, key, value)
    return inbox


def _parsed(inbox: Inbox) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(raw, policy=policy.default) for _, _, raw in inbox.messages]


def test_a_notification_arrives_with_date_message_id_sender_reply_to_both_parts_and_public_links(mail_app):
    supplier = make_user("supplier", "maria@harbor.example.com")
    notifications.notify([supplier], fact("match_closed", match_id=7, close_reason="no_longer_needed"), "/matches/7")
    db.session.commit()  # without Redis the e-mail is sent right after the commit; with Redis, queued
    notifications.send_pending()

    (message,) = _parsed(mail_app)
    assert mail_app.messages[0][1] == ["maria@harbor.example.com"]
    assert abs(parsedate_to_datetime(message["Date"]) - utcnow()) < timedelta(minutes=1)
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@city.example.gov>")
    assert message["From"] == SENDER and message["Reply-To"] == DESK
    assert message["Subject"].startswith("Match #7 was closed")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"{PUBLIC}/matches/7" in text and "127.0.0.1" not in text
    assert f'<a href="{PUBLIC}/matches/7"' in html
    assert "Match #7 was closed" in html
    row = db.session.execute(db.select(OutboxEmail)).scalar_one()
    assert (row.status, row.transport) == ("sent", "smtp")


def test_an_account_email_arrives_with_its_link_on_the_public_address_and_html_escaped(mail_app):
    """A second kind (account e-mails have their own texts): the reset link is clickable, on the
    public host, and a name with markup is escaped in the HTML part."""
    accounts.request_password_reset(make_user("buyer", "ops@mercy.example.org").email)
    notifications.notify([make_user("admin", "admin@city.example.gov")],
                         fact("join_requested", organisation="<b>Mercy</b>", user_name="A <script>",
                              user_email="a@mercy.example.org"), "/admin/organisations")
    db.session.commit()
    notifications.send_pending()
    by_subject = {m["Subject"]: m for m in _parsed(mail_app)}
    reset = by_subject["Reset your password"]
    link = next(line for line in reset.get_body(("plain",)).get_content().splitlines() if "/reset" in line)
    assert link.startswith(PUBLIC + "/")
    assert f'href="{link}"' in reset.get_body(("html",)).get_content()
    join = next(m for s, m in by_subject.items() if "asks to join" in s)
    html = join.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;Mercy" in html
    # One Message-ID per e-mail.
    assert len({m["Message-ID"] for m in by_subject.values()}) == 2


def test_starttls_forced_on_a_plain_relay_says_what_to_do_and_keeps_the_mail(mail_app, monkeypatch, app_ctx):
    monkeypatch.setitem(app_ctx.config, "MAIL_USE_TLS", True)
    notifications.notify([make_user("supplier")], fact("match_closed", match_id=1, close_reason="other"), "/")
    db.session.commit()
    assert notifications.send_pending() == (0, 1)
    row = db.session.execute(db.select(OutboxEmail)).scalar_one()
    assert row.status == "pending" and row.attempts >= 1 and "MAIL_USE_TLS=0" in row.last_error
    assert mail_app.messages == []
    # Unset ("auto"): no STARTTLS to a relay on this machine, and the same e-mail goes.
    monkeypatch.setitem(app_ctx.config, "MAIL_USE_TLS", None)
    assert notifications.send_pending() == (1, 0)
    assert len(mail_app.messages) == 1


def test_starttls_auto_is_on_for_a_remote_relay_and_off_for_this_machine():
    from marketplace.domain.mail import use_starttls

    assert use_starttls("smtp.city.example.gov", None) is True
    assert use_starttls("localhost", None) is False and use_starttls("127.0.0.1", None) is False
    assert use_starttls("localhost", True) is True and use_starttls("smtp.city.example.gov", False) is False


def _production(**overrides):
    from marketplace.app import create_app

    base = {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@127.0.0.1:1/none",
            "RATELIMIT_STORAGE_URI": "memory://"}
    return create_app("production", **{**base, **overrides})


def test_production_refuses_to_start_without_a_sender_and_public_address(clean_app):
    from marketplace.extensions import limiter

    saved = dict(limiter.__dict__)
    try:
        with pytest.raises(RuntimeError) as refused:
            _production()
        assert "MAIL_FROM" in str(refused.value) and "PUBLIC_URL" in str(refused.value)
        with pytest.raises(RuntimeError, match="PUBLIC_URL"):
            _production(MAIL_FROM=SENDER, PUBLIC_URL="http://ppe.city.example.gov")  # not https
        with pytest.raises(RuntimeError, match="in clear"):
            _production(MAIL_FROM=SENDER, PUBLIC_URL=PUBLIC, MAIL_SERVER="smtp.example.net", MAIL_USERNAME="u",
                        MAIL_USE_TLS=False)
        with pytest.raises(RuntimeError, match="MAIL_REPLY_TO"):
            _production(MAIL_FROM=SENDER, PUBLIC_URL=PUBLIC, MAIL_REPLY_TO="desk at city")
        assert _production(MAIL_FROM=SENDER, PUBLIC_URL=PUBLIC, MAIL_REPLY_TO=DESK).config["PUBLIC_URL"] == PUBLIC
    finally:
        limiter.__dict__.clear()
        limiter.__dict__.update(saved)


@pytest.mark.skipif(bool(REDIS_URL), reason="the embedded default's retry; with Redis the sweeper retries")
def test_embedded_default_retries_pending_mail_after_a_request(mail_app, app_ctx, monkeypatch):
    """The relay was down when the e-mail was queued; a request once the retry's interval has
    passed since the start (after its response) sends it; a request before that, and the next
    requests within the interval after the retry, do not look."""
    from marketplace.web import mail_retry

    port = app_ctx.config["MAIL_PORT"]
    monkeypatch.setitem(app_ctx.config, "MAIL_PORT", _free_port())  # the relay is down
    notifications.notify([make_user("supplier")], fact("match_closed", match_id=3, close_reason="other"), "/")
    db.session.commit()
    row = db.session.execute(db.select(OutboxEmail)).scalar_one()
    assert row.status == "pending" and row.last_error
    row.created_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    monkeypatch.setitem(app_ctx.config, "MAIL_PORT", port)  # and back

    from tests.web.test_csrf_and_headers import fresh_app

    clock = [1000.0]  # the retry's monotonic clock, moved by the test
    monkeypatch.setattr(mail_retry, "time", SimpleNamespace(monotonic=lambda: clock[0]))

    def request(app) -> str:
        """A request whose response goes out; the outbox row's status after it."""
        response = app.test_client().get("/login")
        assert response.status_code == 200
        response.close()  # the response has gone out: a retry runs here, in this thread
        db.session.expire_all()
        return db.session.execute(db.select(OutboxEmail)).scalar_one().status

    settings = {k: app_ctx.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_FROM",
                                                "MAIL_REPLY_TO", "PUBLIC_URL")}
    with fresh_app(app_ctx, MAIL_RETRY_SECONDS=60, **settings) as other:  # the retry hook: create_app
        assert request(other) == "pending"  # the first request after the start does not retry
        clock[0] += 59
        assert request(other) == "pending" and not mail_app.messages  # nor one within the interval
        clock[0] += 1
        assert request(other) == "sent"  # one interval after the start: the retry
        for _ in range(50):
            if mail_app.messages:
                break
            time.sleep(0.05)
        assert len(mail_app.messages) == 1
        # At most once a minute: a request within the interval after that retry does not look again.
        monkeypatch.setattr(mail_retry, "retry_pending_mail", lambda *args: pytest.fail("looked again"))
        clock[0] += 59
        assert request(other) == "sent"
