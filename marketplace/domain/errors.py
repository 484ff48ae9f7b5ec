"""The errors the domain and the services raise: a field that cannot be accepted, and a record
that is missing, not the caller's, or changed meanwhile. Plain exceptions: the web layer decides
how each is shown (an HTML page or, for the API, ``application/problem+json``)."""
from __future__ import annotations


class FieldError(ValueError):
    """A value that cannot be accepted; its message is shown beside the field (or on its CSV row)."""


class DomainError(Exception):
    """A use case refused. ``message`` is safe to show to the person who asked (it names nothing
    they may not see); None means "use the standard text for this kind of error"."""

    status = 500  # the HTTP status the web layer answers with; the domain never sends it itself

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.__class__.__name__)
        self.message = message


class NotFound(DomainError):
    """No such record, or one the caller may not see: the two are answered alike, so that ids of
    other parties' records reveal nothing."""

    status = 404


class Forbidden(DomainError):
    """The caller may see the record but not do this to it (e.g. edit a lead once vetting started)."""

    status = 403


class Conflict(DomainError):
    """The record changed meanwhile, or its state does not allow this now; trying again after a
    reload may succeed."""

    status = 409


class ExportInvalid(DomainError):
    """An export refused (issue 12: the OCDS release package): a setting is missing or wrong, or
    what would be written does not validate against its standard; ``problems`` lists each, as
    "path: message". Nothing was written."""

    status = 409

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])
