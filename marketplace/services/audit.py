"""The append-only audit log. ``record`` adds a row to the caller's transaction; it never
commits on its own, so the change and its audit row are saved together or not at all."""
from __future__ import annotations

from decimal import Decimal

from flask import has_request_context, request

from ..extensions import db
from ..models import AuditLog


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def snapshot(obj, fields) -> dict:
    return {name: _plain(getattr(obj, name)) for name in fields}


def record(actor_id: int | None, action: str, entity_type: str, entity_id: int | None, *,
           before: dict | None = None, after: dict | None = None, detail: str | None = None) -> AuditLog:
    row = AuditLog(
        actor_id=actor_id, action=action, entity_type=entity_type, entity_id=entity_id,
        before={k: _plain(v) for k, v in before.items()} if before else None,
        after={k: _plain(v) for k, v in after.items()} if after else None,
        detail=detail,
        remote_addr=request.remote_addr if has_request_context() else None,
    )
    db.session.add(row)
    return row


def history(entity_type: str, entity_id: int) -> list[AuditLog]:
    return list(db.session.execute(
        db.select(AuditLog).where(AuditLog.entity_type == entity_type, AuditLog.entity_id == entity_id)
        .order_by(AuditLog.at, AuditLog.id)
    ).scalars())
