"""The append-only audit log. ``record`` adds a row to the caller's transaction; it never
commits on its own, so the change and its audit row are saved together or not at all.

Each row carries the client's address when the change comes from a web request: the web edge
binds it for the request (``bind_client_address``; see ``marketplace.service_context``); jobs and
CLI commands have none.
"""
from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ..domain.history import Entry, describe, details
from ..domain.messages import reader_role
from ..extensions import db
from ..models import AuditLog, User
from ..models.base import id_in, utcnow

_client_address: ContextVar[str | None] = ContextVar("audit_client_address", default=None)


def bind_client_address(address: str | None) -> Token:
    """The address of the client on whose request the following changes are made (the web edge
    calls this per request); undo with ``unbind_client_address``."""
    return _client_address.set(address)


def unbind_client_address(token: Token) -> None:
    _client_address.reset(token)


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _values(actor_id: int | None, action: str, entity_type: str, entity_id: int | None,
            before: dict | None, after: dict | None, detail: str | None) -> dict:
    return dict(actor_id=actor_id, action=action, entity_type=entity_type, entity_id=entity_id,
                before={k: _plain(v) for k, v in before.items()} if before else None,
                after={k: _plain(v) for k, v in after.items()} if after else None,
                detail=detail, remote_addr=_client_address.get())


def record(actor_id: int | None, action: str, entity_type: str, entity_id: int | None, *,
           before: dict | None = None, after: dict | None = None, detail: str | None = None) -> AuditLog:
    row = AuditLog(**_values(actor_id, action, entity_type, entity_id, before, after, detail))
    db.session.add(row)
    return row


def insert(actor_id: int | None, action: str, entity_type: str, entity_id: int | None, *,
           before: dict | None = None, after: dict | None = None, detail: str | None = None) -> None:
    """``record`` as one Core INSERT sent now, in the current transaction (no ORM object: for a
    path whose other writes are Core statements too, services.leads.insert_lead)."""
    values = _values(actor_id, action, entity_type, entity_id, before, after, detail)
    values["at"] = utcnow()
    db.session.execute(_INSERT, values)


_INSERT = AuditLog.__table__.insert()


@dataclass(frozen=True)
class HistoryLine:
    """One event of a history as its reader sees it: when, in words, and (staff only) the values
    it stored, field by field in words (domain.history.details; "" if none)."""

    at: datetime
    text: str
    details: str = ""


def _people(rows: list[AuditLog]) -> set[int]:
    """The users a history names: its actors and the people its values refer to by id
    ("first_approved_by")."""
    ids = {row.actor_id for row in rows if row.actor_id}
    for row in rows:
        ids |= {value for name, value in (row.after or {}).items()
                if name.endswith(("_by", "user_id", "member_id")) and isinstance(value, int)
                and not isinstance(value, bool)}
    return ids


def history_for(entity_type: str, entity_id: int, reader: User) -> list[HistoryLine]:
    """The history of a record in words for ``reader`` (domain.history: what their role may read,
    oldest first); events they may not see are left out. Staff also read the stored values."""
    rows = history(entity_type, entity_id)
    people = _people(rows)
    users = {user.id: user for user in db.session.execute(
        db.select(User).where(id_in(User.id, people))).scalars()} if people else {}
    emails = {user_id: user.email for user_id, user in users.items()}
    role = reader_role(reader.role)
    lines = []
    for row in rows:
        actor = users.get(row.actor_id) if row.actor_id else None
        entry = Entry(action=row.action, before=row.before, after=row.after, detail=row.detail,
                      actor_role=actor.role if actor else None, actor_email=actor.email if actor else None,
                      by_reader=actor is not None and actor.id == reader.id,
                      by_colleague=(actor is not None and actor.organisation_id is not None
                                    and actor.organisation_id == reader.organisation_id))
        text = describe(entry, role)
        if text is not None:
            lines.append(HistoryLine(at=row.at, text=text, details=details(entry, role, emails)))
    return lines


def history(entity_type: str, entity_id: int) -> list[AuditLog]:
    return list(db.session.execute(
        db.select(AuditLog).where(AuditLog.entity_type == entity_type, AuditLog.entity_id == entity_id)
        .order_by(AuditLog.at, AuditLog.id)
    ).scalars())
