"""Who may see or change which record: the one place for these rules, on plain values.

Every function takes the facts it decides on (a role, ids, a status, whether an organisation is
verified) and returns a bool or a party name; the services look the records up and call these,
and turn a refusal into ``errors.NotFound`` or ``errors.Forbidden``. Roles are "supplier",
"buyer" or one of ``catalog.STAFF_ROLES``.
"""
from __future__ import annotations

from .catalog import STAFF_ROLES
from .demand import STATUS_OPEN
from .i18n import _
from .lead_status import supplier_may_edit
from .match_status import CONTACT_STATUSES
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


def may_verify_organisation(members_email_confirmed) -> bool:
    """An admin verifies an organisation only once one of its members (an iterable of whether each
    has confirmed their e-mail address) has: the city vouches only for people it can reach."""
    return any(members_email_confirmed)


def join_approval_blocker(person_email_confirmed: bool) -> str | None:
    """Why a request to join an organisation may not be approved now, or None. The rule of
    ``may_verify_organisation`` for one person: a member acts for (and sees the supplier contacts
    of) a verified organisation, so the city and the organisation only admit someone whose
    address was confirmed (someone they can reach)."""
    if person_email_confirmed:
        return None
    return _("This person has not confirmed their e-mail address yet; the request can be approved once they do.")


def self_vetting_reason(*, actor_id: int, actor_email_domain: str | None, lead_owner_id: int | None,
                        lead_created_by_id: int | None, lead_email_domain: str | None) -> str | None:
    """Why this vetter may not decide on this lead, or None. Nobody vets their own offer, nor one
    from their own organisation's e-mail domain (quality bar S3)."""
    if actor_id in (lead_owner_id, lead_created_by_id):
        return _("you submitted this lead yourself")
    if (actor_email_domain and lead_email_domain and actor_email_domain == lead_email_domain
            and not is_webmail(actor_email_domain)):
        return _("it comes from your own e-mail domain ({domain})").format(domain=lead_email_domain)
    return None


# --- demand requests --------------------------------------------------------------------------

def may_post(role: str, organisation_verified: bool | None) -> bool:
    """Only buyers whose organisation an admin has verified post requests. ``organisation_verified``
    is None when the user belongs to no organisation."""
    return role == "buyer" and bool(organisation_verified)


def may_view_request(role: str, organisation_id: int | None, request_organisation_id: int | None) -> bool:
    """Staff see every request; a buyer sees their own organisation's; nobody else sees any."""
    if role in STAFF_ROLES:
        return True
    return role == "buyer" and organisation_id is not None and request_organisation_id == organisation_id


def may_edit_request(role: str, organisation_id: int | None, request_organisation_id: int | None,
                     status: str, organisation_verified: bool | None) -> bool:
    """A buyer edits (or withdraws) their organisation's request while it is open and the
    organisation verified (``buyer_may_act``); staff never do."""
    return (role == "buyer" and organisation_id is not None and request_organisation_id == organisation_id
            and status == STATUS_OPEN and buyer_may_act(organisation_verified))


def buyer_may_act(organisation_verified: bool | None) -> bool:
    """Whether a buyer may change anything for their organisation: post, edit or withdraw a request,
    accept, decline, order, deliver or close a match. Only while the organisation is verified: an
    unverified (self-registered, or revoked) organisation reads its requests and matches and
    changes nothing, so a squatter never accepts a hospital's proposal nor withdraws its request
    (issue 10, item 1). ``organisation_verified`` is None for a buyer without an organisation."""
    return bool(organisation_verified)


# --- matches ----------------------------------------------------------------------------------

def match_party(role: str, user_id: int, organisation_id: int | None, *, buyer_organisation_id: int | None,
                supplier_id: int | None) -> str | None:
    """How a user takes part in a match: their staff role, "buyer" (their organisation posted the
    request), "supplier" (they own the lead), or None (it is none of their business)."""
    if role in STAFF_ROLES:
        return role
    if role == "buyer" and organisation_id is not None and buyer_organisation_id == organisation_id:
        return "buyer"
    if role == "supplier" and supplier_id is not None and supplier_id == user_id:
        return "supplier"
    return None


def may_decide_join(role: str, organisation_id: int | None, organisation_verified: bool | None,
                    join_organisation_id: int) -> bool:
    """Who approves or refuses a request to join an organisation: an admin (city staff), or a
    buyer who belongs to that organisation while it is verified (its own people). A member of an
    unverified organisation does not: they may be the squatter."""
    if role == "admin":
        return True
    return (role == "buyer" and organisation_id is not None and organisation_id == join_organisation_id
            and bool(organisation_verified))


def buyer_sees_contacts(party: str | None, organisation_verified: bool | None, match_status: str) -> bool:
    """Whether the supplier's contact details are shown: staff always; the buyer only once their
    organisation is verified and the match accepted (or further on); nobody else. The details are
    the lead's company, contact, e-mail, phone, website and full address with its country."""
    if party in STAFF_ROLES:
        return True
    return party == "buyer" and bool(organisation_verified) and match_status in CONTACT_STATUSES


def supplier_sees_buyer(match_status: str) -> bool:
    """The supplier learns who to deliver to once the buyer has accepted: the buyer's organisation
    name, its members' e-mail addresses and its facility's delivery details (street address, phone,
    delivery contact and hours; domain.facility). The facility's licence or registry number is
    never shown to a supplier: it is for the admin's check (the admin organisations page)."""
    return match_status in CONTACT_STATUSES


def may_view_import(role: str, user_id: int, uploader_id: int | None) -> bool:
    """An import batch (its progress page and its report of rejected rows): the staff member who
    uploaded it, and admins (who also see imports run from the command line, uploader None)."""
    if role == "admin":
        return True
    return role in STAFF_ROLES and uploader_id is not None and uploader_id == user_id
