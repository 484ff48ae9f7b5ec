"""Lead statuses (the vetting decision) and processing states (the background pipeline)."""
from __future__ import annotations

SUBMITTED = "submitted"
UNDER_REVIEW = "under_review"
INFO_REQUESTED = "info_requested"
ESCALATED = "escalated"
APPROVED = "approved"
REJECTED = "rejected"

LEAD_STATUSES: tuple[tuple[str, str], ...] = (
    (SUBMITTED, "Submitted"),
    (UNDER_REVIEW, "Under review"),
    (INFO_REQUESTED, "Information requested"),
    (ESCALATED, "Escalated"),
    (APPROVED, "Approved"),
    (REJECTED, "Rejected"),
)

# A supplier may edit a lead until vetting starts (and again when a vetter asks for information).
SUPPLIER_EDITABLE = frozenset({SUBMITTED, INFO_REQUESTED})

PROCESSING_PENDING = "pending"
PROCESSING_DONE = "done"
PROCESSING_FAILED = "failed"


def supplier_may_edit(status: str) -> bool:
    return status in SUPPLIER_EDITABLE
