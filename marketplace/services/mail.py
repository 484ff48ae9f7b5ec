"""Building an e-mail that arrives (issue 11, item 3): standard library ``EmailMessage`` with the
SMTP policy (CRLF line ends, folded headers), Date (UTC), Message-ID, From (MAIL_FROM), Reply-To
(MAIL_REPLY_TO, the city's desk), a plain-text part and an HTML part with the same words
(templates/email/message.html, autoescaped), links to PUBLIC_URL."""
from __future__ import annotations

from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formatdate
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..domain.i18n import current_locale
from ..domain.mail import address_domain, as_header_address, link_segments
from . import settings

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "email"


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def message_id(outbox_id: int, created_at: datetime | None, sender: str) -> str:
    """The Message-ID of outbox row ``outbox_id``: the same on every attempt (a relay or reader that
    got it twice, after a connection lost before our record of success, sees one message), unique
    per row and per installation's clock; on the sender's domain."""
    stamp = created_at.strftime("%Y%m%d%H%M%S%f") if created_at else "0"
    return f"<outbox.{outbox_id}.{stamp}@{address_domain(sender)}>"


def build(*, to: str, subject: str, text: str, url: str, outbox_id: int,
          created_at: datetime | None = None, sent_at: datetime | None = None) -> EmailMessage:
    """The e-mail to send: headers Date (``sent_at`` or now, UTC), Message-ID, From, To, Reply-To
    (when MAIL_REPLY_TO is set), Subject; a multipart/alternative of ``text`` and its HTML twin
    in which every http(s) address (``url``, absolute, among them) is a link; the HTML part names
    the current language (domain.i18n: the recipient's, chosen by the caller). Raises ValueError for an unusable MAIL_FROM (the
    start-up check refuses one first)."""
    config = settings.current()
    message = EmailMessage(policy=policy.SMTP)
    message["Date"] = format_datetime(sent_at) if sent_at else formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id(outbox_id, created_at, config.mail_from)
    message["From"] = as_header_address(config.mail_from)
    message["To"] = to
    if config.mail_reply_to:
        message["Reply-To"] = as_header_address(config.mail_reply_to)
    message["Subject"] = subject
    message.set_content(text)
    html = _templates().get_template("message.html").render(subject=subject, paragraphs=link_segments(text),
                                                            lang=current_locale())
    message.add_alternative(html, subtype="html")
    return message
