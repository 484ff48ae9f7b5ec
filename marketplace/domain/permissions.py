"""Who may see or change which record: the one place for these rules, on plain values."""
from __future__ import annotations

from .catalog import STAFF_ROLES
from .lead_status import supplier_may_edit
from .normalise import is_webmail


def may_view_lead(role: str, user_id: int, lead_owner_id: int | None) -> bool:
    if role in STAFF_ROLES:
        return True
    return role == "supplier" and lead_owner_id is not None and lead_owner_id == user_id


def may_edit_lead(role: str, user_id: int, lead_owner_id: int | None, status: str) -> bool:
    """Suppliers edit their own leads until vetting starts; staff change leads only by deciding."""
    return role == "supplier" and lead_owner_id == user_id and supplier_may_edit(status)


def may_see_supplier_contacts(role: str, organisation_verified: bool) -> bool:
    """Buyers see contact details only once an admin has verified their organisation."""
    if role in STAFF_ROLES:
        return True
    return role == "buyer" and organisation_verified


def self_vetting_reason(*, actor_id: int, actor_email_domain: str | None, lead_owner_id: int | None,
                        lead_created_by_id: int | None, lead_email_domain: str | None) -> str | None:
    """Why this vetter may not decide on this lead, or None. Nobody vets their own offer, nor one
    from their own organisation's e-mail domain (quality bar S3)."""
    if actor_id in (lead_owner_id, lead_created_by_id):
        return "you submitted this lead yourself"
    if (actor_email_domain and lead_email_domain and actor_email_domain == lead_email_domain
            and not is_webmail(actor_email_domain)):
        return f"the lead comes from your own e-mail domain ({lead_email_domain})"
    return None
