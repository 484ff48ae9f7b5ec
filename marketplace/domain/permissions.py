"""Who may see or change which record: the one place for these rules, on plain values."""
from __future__ import annotations

from .lead_status import supplier_may_edit


def may_view_lead(role: str, user_id: int, lead_owner_id: int | None) -> bool:
    if role in ("vetter", "admin"):
        return True
    return role == "supplier" and lead_owner_id is not None and lead_owner_id == user_id


def may_edit_lead(role: str, user_id: int, lead_owner_id: int | None, status: str) -> bool:
    """Suppliers edit their own leads until vetting starts; staff change leads only by deciding."""
    return role == "supplier" and lead_owner_id == user_id and supplier_may_edit(status)


def may_see_supplier_contacts(role: str, organisation_verified: bool) -> bool:
    """Buyers see contact details only once an admin has verified their organisation."""
    if role in ("vetter", "admin"):
        return True
    return role == "buyer" and organisation_verified
