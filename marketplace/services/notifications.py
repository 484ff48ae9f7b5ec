"""Notifications in the app and by e-mail through an outbox (issue 4).

``notify`` adds the in-app notification and the e-mail to the caller's transaction, so they are
saved together with the change they report, or not at all. After the commit the caller queues
the sender (jobs.queue.enqueue_outbox); the sender marks each e-mail sent only after the SMTP
server took it, so a mail outage delays e-mail but loses none, and the sweeper retries.
"""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import func, select, update

from ..domain import messages
from ..domain.catalog import STAFF_ROLES
from ..domain.dates import city_today
from ..domain.errors import Forbidden
from ..domain.i18n import _, use_locale
from ..domain.mail import starttls_hint
from ..extensions import db
from ..models import Notification, OutboxEmail, User
from ..models.base import id_in, utcnow
from . import audit, effects, mail, settings

log = logging.getLogger(__name__)

# After this many failed attempts an e-mail is marked failed (admins see it with its error).
MAX_SEND_ATTEMPTS = 8
SEND_BATCH = 200


def notify(users: Iterable[User | None], message: dict, link: str | None, *, exclude: User | None = None) -> int:
    """Tell each active user (but ``exclude``, who caused it; None entries are skipped) in the app
    and by e-mail: the Notification and the OutboxEmail join the caller's transaction, and the
    sender runs after its commit (effects "send_outbox"). ``message`` is a fact
    (domain.messages.fact): each reader sees it worded for their role, the e-mail is worded when it
    is sent. ``link`` is the path where the reader acts. Returns how many were told."""
    count = 0
    emailed = False
    seen: set[int] = set()
    for user in users:
        if user is None or not user.active or user.id in seen or (exclude is not None and user.id == exclude.id):
            continue
        seen.add(user.id)
        db.session.add(Notification(user_id=user.id, message=message, link=link))
        if not takes_digest(user):
            db.session.add(OutboxEmail(to_address=user.email, message=message, role=user.role, link=link))
            emailed = True
        count += 1
    if emailed:
        effects.after_commit("send_outbox")
    return count


def takes_digest(user: User) -> bool:
    """Whether ``user`` gets one e-mail a day of their notifications instead of one each (staff
    only: suppliers and buyers must act on each at once)."""
    return bool(user.mail_digest) and user.role in STAFF_ROLES


def set_digest(user: User, on: bool) -> None:
    """Staff's choice of the daily digest; audited. Forbidden for suppliers and buyers. Flushes.
    Turning it on counts from now: notifications before were e-mailed one by one already."""
    if user.role not in STAFF_ROLES:
        raise Forbidden(_("Only city staff can choose a daily digest."))
    if bool(user.mail_digest) != on:
        audit.record(user.id, "user.mail_digest", "user", user.id, before={"mail_digest": bool(user.mail_digest)},
                     after={"mail_digest": on})
        user.mail_digest = on
        if on:
            user.digest_through = utcnow()
        db.session.flush()


def send_digests(now: datetime | None = None) -> int:
    """`flask notify digest` (daily): one e-mail to each active staff member who chose the digest,
    listing their notifications since the last digest (up to ``now``), each worded for them when
    sent; nobody is e-mailed without news. A second run sends nothing again (digest_through moves
    in the same transaction). Returns how many digests were queued; flushes, the caller commits."""
    now = now or utcnow()
    users = db.session.execute(select(User).where(User.mail_digest.is_(True), User.active.is_(True),
                                                  User.role.in_(STAFF_ROLES)).order_by(User.id)).scalars().all()
    queued = 0
    for user in users:
        since = user.digest_through or (now - timedelta(days=1))
        ids = list(db.session.execute(select(Notification.id).where(
            Notification.user_id == user.id, Notification.created_at > since, Notification.created_at <= now)
            .order_by(Notification.id)).scalars())
        user.digest_through = now
        if not ids:
            continue
        db.session.add(OutboxEmail(to_address=user.email, role=user.role, link="/notifications",
                                   message=messages.fact(messages.DIGEST, day=city_today(now, settings.current().city_zone).isoformat(),
                                                         notification_ids=ids)))
        queued += 1
    db.session.flush()
    if queued:
        effects.after_commit("send_outbox")
    return queued


def unread_count(user: User) -> int:
    return db.session.execute(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))).scalar_one()


def recent(user: User, limit: int = 50) -> list[Notification]:
    return list(db.session.execute(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id.desc()).limit(limit)).scalars())


def mark_all_read(user: User) -> None:
    """Mark every unread notification of ``user`` read; the caller commits."""
    db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                       .values(read_at=utcnow()))


def resolve(code: str, **subject) -> int:
    """Mark read, for every recipient, the unread "act on this" notifications ``code`` about
    ``subject`` (its params named by domain.messages.TO_ACT_ON[code]): called where the thing is
    done, whoever does it. Joins the caller's transaction; returns how many were marked."""
    keys = messages.TO_ACT_ON[code]
    if set(subject) != set(keys):
        raise ValueError(f"{code} is resolved by {keys}, not {sorted(subject)}")
    where = [Notification.read_at.is_(None), Notification.message["code"].as_string() == code]
    for key, value in subject.items():
        param = Notification.message["params"][key]
        where.append(param.as_integer() == value if isinstance(value, int) else param.as_string() == str(value))
    return db.session.execute(update(Notification).where(*where).values(read_at=utcnow())
                              .execution_options(synchronize_session=False)).rowcount


def outbox_waiting(older_than: timedelta) -> bool:
    """E-mail pending longer than ``older_than``: its send job was lost or the server was down."""
    return db.session.execute(select(OutboxEmail.id).where(
        OutboxEmail.status == "pending", OutboxEmail.created_at < utcnow() - older_than).limit(1)).first() is not None


def _url(email: OutboxEmail) -> str:
    """The absolute address of the e-mail's link, on the public address (PUBLIC_URL)."""
    return settings.current().public_url + (email.link or "/")


def _recipient_locales(emails: Iterable[OutboxEmail]) -> dict[str, str | None]:
    """The language each address's account chose (users.locale; None: not chosen, or no account
    by that address any more), in one query for a batch."""
    addresses = {email.to_address for email in emails}
    if not addresses:
        return {}
    rows = db.session.execute(select(User.email, User.locale).where(User.email.in_(addresses)))
    return {address: locale for address, locale in rows}


def _word(email: OutboxEmail) -> None:
    """Word a fact-holding e-mail for its recipient's role in the current language (the caller
    chooses the recipient's: ``use_locale``); kept in subject and body: what was sent. A digest
    lists its notifications, each worded for the recipient, with its link."""
    if email.message is None:
        return
    if email.message.get("code") == messages.DIGEST:
        params = email.message.get("params") or {}
        ids = params.get("notification_ids") or []
        rows = db.session.execute(select(Notification).where(id_in(Notification.id, ids))
                                  .order_by(Notification.id)).scalars() if ids else []
        base = settings.current().public_url
        items = [(messages.render_notification(n.message, email.role or ""), base + (n.link or "/")) for n in rows]
        email.subject, email.body = messages.render_digest(items, params.get("day", ""), _url(email))
        return
    email.subject, email.body = messages.render_email(email.message, email.role, _url(email))


def _message(email: OutboxEmail) -> EmailMessage:
    return mail.build(to=email.to_address, subject=email.subject or "", text=email.body or "", url=_url(email),
                      outbox_id=email.id, created_at=email.created_at)


def _open_smtp() -> smtplib.SMTP:
    config = settings.current()
    server = smtplib.SMTP(config.mail_server, config.mail_port, timeout=20)
    if config.mail_use_tls:
        try:
            server.starttls()
        except smtplib.SMTPNotSupportedError as exc:
            server.close()
            raise smtplib.SMTPNotSupportedError(starttls_hint(config.mail_server)) from exc
    if config.mail_username:
        server.login(config.mail_username, config.mail_password)
    return server


def send_pending() -> tuple[int, int]:
    """Send pending e-mail, oldest first. Returns (sent, failed attempts). Rows are claimed with
    FOR UPDATE SKIP LOCKED on PostgreSQL, so two senders never send the same e-mail."""
    sent = failed = 0
    smtp: smtplib.SMTP | None = None
    use_smtp = settings.current().mail_server is not None
    try:
        while True:
            batch = list(db.session.execute(
                select(OutboxEmail).where(OutboxEmail.status == "pending").order_by(OutboxEmail.id)
                .limit(SEND_BATCH).with_for_update(skip_locked=True)).scalars())
            if not batch:
                break
            locales = _recipient_locales(batch)
            for email in batch:
                email.attempts += 1
                # Worded when sent, in the recipient's language (English when they chose none),
                # whether a request or a job sends it.
                with use_locale(locales.get(email.to_address)):
                    _word(email)
                    message = _message(email) if use_smtp else None
                try:
                    if message is not None:
                        smtp = smtp or _open_smtp()
                        smtp.send_message(message)
                    else:
                        log.info("e-mail (no MAIL_SERVER configured) to %s: %s\n%s",
                                 email.to_address, email.subject, email.body)
                    email.status, email.sent_at, email.transport = "sent", utcnow(), "smtp" if use_smtp else "log"
                    email.last_error = None
                    sent += 1
                except (OSError, smtplib.SMTPException) as exc:
                    email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    log.warning("e-mail %s not sent (attempt %d): %s", email.id, email.attempts, email.last_error)
                    if email.attempts >= MAX_SEND_ATTEMPTS:
                        email.status = "failed"
                    failed += 1
                    smtp = None
                    db.session.commit()
                    return sent, failed  # the server is in trouble: the sweeper tries again later
            db.session.commit()
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return sent, failed


def outbox_page(status: str | None, limit: int = 200) -> list[OutboxEmail]:
    query = select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxEmail.status == status)
    return list(db.session.execute(query).scalars())


def outbox_counts() -> dict[str, int]:
    return dict(db.session.execute(select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)).all())
