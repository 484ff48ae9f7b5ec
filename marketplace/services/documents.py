"""Documents attached to leads: checked by content and size, stored outside the web root under a
generated name, served only to the lead's owner and to staff."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from ..domain.documents import SNIFF_BYTES, display_name, sniff_document
from ..domain.i18n import _
from ..extensions import db
from ..models import Lead, LeadDocument
from . import audit, settings


class DocumentError(ValueError):
    pass


def upload_dir() -> Path:
    path = settings.current().upload_folder
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_document(lead: Lead, stream, filename: str | None, *, actor_id: int) -> LeadDocument:
    """Store an uploaded file for ``lead`` and flush its row; the caller commits, and calls
    ``discard_file`` if that commit fails. Raises DocumentError with a message for the person who
    uploaded it; on any failure here nothing is kept, neither the file nor the row."""
    limit = settings.current().max_document_bytes
    head = stream.read(SNIFF_BYTES)
    if not head:
        raise DocumentError(_("The file is empty."))
    kind = sniff_document(head)
    if kind is None:
        raise DocumentError(_("Only PDF documents and PNG or JPEG photos are accepted "
                              "(the file's content is none of these)."))
    media_type, extension = kind
    stored_name = f"{secrets.token_hex(16)}.{extension}"
    target = upload_dir() / stored_name
    size = 0
    try:
        with open(target, "xb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > limit:
                    raise DocumentError(_("The file is larger than {size} MB.").format(size=limit // (1024 * 1024)))
                out.write(chunk)
                chunk = stream.read(64 * 1024)
        document = LeadDocument(lead_id=lead.id, stored_name=stored_name,
                                original_name=display_name(filename), media_type=media_type,
                                size=size, uploaded_by_id=actor_id)
        db.session.add(document)
        db.session.flush()
        audit.record(actor_id, "document.upload", "lead", lead.id,
                     after={"document_id": document.id, "name": document.original_name, "size": size})
        return document
    except BaseException:
        db.session.rollback()
        target.unlink(missing_ok=True)
        raise


def discard_file(document: LeadDocument) -> None:
    """Remove a stored file whose row was not saved (the caller's commit failed)."""
    (upload_dir() / document.stored_name).unlink(missing_ok=True)


def document_path(document: LeadDocument) -> str:
    return os.path.join(upload_dir(), document.stored_name)
