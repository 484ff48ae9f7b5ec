"""Which uploaded documents we accept, decided by their content, never their name."""
from __future__ import annotations

# (media type, extension, magic prefix). Spec sheets and certificates are PDFs; photos are images.
DOCUMENT_TYPES: tuple[tuple[str, str, bytes], ...] = (
    ("application/pdf", "pdf", b"%PDF-"),
    ("image/png", "png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", "jpg", b"\xff\xd8\xff"),
)
SNIFF_BYTES = 16


def sniff_document(head: bytes) -> tuple[str, str] | None:
    """(media type, extension) of a file whose first bytes are ``head``, or None if not accepted."""
    for media_type, extension, magic in DOCUMENT_TYPES:
        if head.startswith(magic):
            return media_type, extension
    return None


def display_name(filename: str | None, max_length: int = 120) -> str:
    """A filename fit to show a person: no path, no control characters, bounded length."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*')
    name = name.strip(" .") or "document"
    return name[-max_length:]
