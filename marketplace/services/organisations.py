"""Buyer organisations: which one a new buyer belongs to, and requests to join one (issue 10,
item 1: someone registered with a hospital's name and was handed its requests).

A buyer who names an organisation that already exists (the same or a close name, by the one rule
of domain.organisations, the same as the city's import) does not create a twin: the account is
made without an organisation, with a pending join request. An admin, or a buyer of that
organisation while it is verified (domain.permissions.may_decide_join), approves (the person
joins) or refuses (they stay without one; they may name a clearly different organisation). Each
step is audited and told through services.notifications. Services flush; the caller commits.
"""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select, update

from ..domain import permissions
from ..domain.errors import Conflict, NotFound
from ..domain.facility import IdentifierHolder, shared_identifiers
from ..domain.i18n import _
from ..domain.messages import fact
from ..domain.organisations import JOIN_APPROVED, JOIN_PENDING, JOIN_REFUSED, KnownOrganisation, registration_target
from ..extensions import db
from ..models import Organisation, OrganisationJoinRequest, User
from ..models.base import utcnow
from . import audit, effects
from .notifications import notify, resolve


def known_buyer_organisations() -> list[KnownOrganisation]:
    """Every buyer-side organisation (not suppliers' own), for the one organisation-name rule."""
    return [KnownOrganisation(id_, name, verified_at is not None) for id_, name, verified_at in db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.verified_at).where(Organisation.kind != "supplier"))]


def identifier_twins(organisation_ids=None) -> dict[int, list[IdentifierHolder]]:
    """The organisations (of ``organisation_ids``, or all) whose licence or registry number another
    organisation also holds, each with those others (domain.facility.shared_identifiers: an NPI
    by its digits, whichever kind was chosen). Every organisation with a number is compared, so
    a page of the list still names a twin on another page."""
    holders = [IdentifierHolder(id_, name, verified_at is not None, kind, number)
               for id_, name, verified_at, kind, number in db.session.execute(
                   select(Organisation.id, Organisation.name, Organisation.verified_at, Organisation.licence_kind,
                          Organisation.licence_number).where(Organisation.licence_number.is_not(None)))]
    shared = shared_identifiers(holders)
    if organisation_ids is not None:
        wanted = set(organisation_ids)
        shared = {id_: others for id_, others in shared.items() if id_ in wanted}
    return shared


def place_buyer(user: User, name: str, kind: str, *, actor_id: int | None = None,
                facility: Mapping[str, str | None] | None = None) -> OrganisationJoinRequest | None:
    """Put a buyer without an organisation into the one named ``name``: a new organisation of
    ``kind`` (unverified) when no organisation has that or a close name; otherwise a pending join
    request to the existing one (returned; the admins and the organisation's verified buyers are
    told). Conflict if the user already belongs to one or already waits for an answer. Flushes.
    ``facility``: the new organisation's checked details (domain.facility.parse_facility's
    values), stored on it; a joiner's are not (the organisation has its own, which an admin checked)."""
    if user.organisation_id is not None or pending_join(user) is not None:
        raise Conflict(_("You already belong to an organisation or wait for an answer to join one."))
    name = name.strip()
    existing = registration_target(name, known_buyer_organisations())
    actor_id = user.id if actor_id is None else actor_id
    if existing is None:
        organisation = Organisation(name=name, kind=kind, **dict(facility or {}))
        db.session.add(organisation)
        user.organisation = organisation
        db.session.flush()
        audit.record(actor_id, "organisation.create", "organisation", organisation.id,
                     after={"name": name, "kind": kind, "verified": False, "first_member_id": user.id,
                            **dict(facility or {})})
        announce_if_waiting(user)
        return None
    join = OrganisationJoinRequest(user_id=user.id, organisation_id=existing.id, status=JOIN_PENDING,
                                   name_given=name[:200])
    db.session.add(join)
    db.session.flush()
    audit.record(actor_id, "organisation.join_request", "organisation", existing.id,
                 after={"user_id": user.id, "status": JOIN_PENDING, "name_given": name}, detail=user.email)
    message = fact("join_requested", organisation=existing.name, user_name=user.name or user.email,
                   user_email=user.email)
    admins = db.session.execute(select(User).where(User.role == "admin", User.active.is_(True))).scalars()
    notify(admins, message, "/admin/organisations")
    if existing.verified:
        notify(_buyers_of(existing.id), message, "/buyer/")
    effects.after_commit("send_outbox")
    return join


def announce_if_waiting(user: User) -> bool:
    """Tell the admins that ``user``'s buyer organisation waits to be verified, when ``user`` is
    the first member with a confirmed address of an unverified one (from then on it can be
    verified: accounts.verification_blocker). Called when such an organisation is made for a
    confirmed user and when a member confirms. Returns whether admins were told."""
    organisation = user.organisation
    if user.role != "buyer" or organisation is None or organisation.verified or not user.email_verified:
        return False
    others = db.session.execute(select(User.id).where(
        User.organisation_id == organisation.id, User.id != user.id, User.email_verified_at.is_not(None))
        .limit(1)).first()
    if others is not None:
        return False
    admins = db.session.execute(select(User).where(User.role == "admin", User.active.is_(True))).scalars()
    notify(admins, fact("organisation_waiting", organisation=organisation.name, organisation_id=organisation.id,
                        kind=organisation.kind, user_email=user.email), "/admin/organisations")
    return True


def tell_buyers_of_verification(organisation: Organisation, verified: bool) -> None:
    """Tell the organisation's buyers that the city verified it, or withdrew the verification."""
    notify(_buyers_of(organisation.id), fact("organisation_verified" if verified else "organisation_unverified",
                                             organisation=organisation.name), "/buyer/")


def _buyers_of(organisation_id: int) -> list[User]:
    return list(db.session.execute(select(User).where(
        User.organisation_id == organisation_id, User.role == "buyer", User.active.is_(True))).scalars())


def pending_join(user: User) -> OrganisationJoinRequest | None:
    """The user's join request still waiting for an answer, if any."""
    return db.session.execute(select(OrganisationJoinRequest).where(
        OrganisationJoinRequest.user_id == user.id, OrganisationJoinRequest.status == JOIN_PENDING)
        .order_by(OrganisationJoinRequest.id.desc()).limit(1)).scalar_one_or_none()


def latest_join(user: User) -> OrganisationJoinRequest | None:
    """The user's most recent join request (pending, approved or refused), if any."""
    return db.session.execute(select(OrganisationJoinRequest).where(OrganisationJoinRequest.user_id == user.id)
                              .order_by(OrganisationJoinRequest.id.desc()).limit(1)).scalar_one_or_none()


def joins_to_decide(user: User) -> list[OrganisationJoinRequest]:
    """The pending join requests ``user`` may decide, oldest first: all of them for an admin, their
    own organisation's for a buyer of a verified organisation, none for anyone else."""
    query = (select(OrganisationJoinRequest).where(OrganisationJoinRequest.status == JOIN_PENDING)
             .order_by(OrganisationJoinRequest.id))
    if user.role != "admin":
        organisation = user.organisation
        if organisation is None or not permissions.may_decide_join(user.role, organisation.id, organisation.verified,
                                                                   organisation.id):
            return []
        query = query.where(OrganisationJoinRequest.organisation_id == organisation.id)
    return list(db.session.execute(query).scalars())


def join_for(user: User, join_id: int) -> OrganisationJoinRequest:
    """The join request if ``user`` may decide it (may_decide_join); NotFound otherwise, so that
    ids of other organisations' requests reveal nothing."""
    join = db.session.get(OrganisationJoinRequest, join_id)
    organisation = user.organisation
    if join is None or not permissions.may_decide_join(
            user.role, user.organisation_id, organisation.verified if organisation is not None else None,
            join.organisation_id):
        raise NotFound()
    return join


def join_blocker(join: OrganisationJoinRequest) -> str | None:
    """Why ``join`` may not be approved now (permissions.join_approval_blocker), or None."""
    return permissions.join_approval_blocker(join.user.email_verified)


def join_blockers(joins) -> dict[int, str]:
    """{join id: why it may not be approved now} for those of ``joins`` that may not (the pages
    show the reason instead of Approve)."""
    return {join.id: blocker for join in joins if (blocker := join_blocker(join))}


def decide_join(join: OrganisationJoinRequest, actor: User, *, approve: bool) -> None:
    """Approve (the person joins the organisation) or refuse (they stay without one) a pending
    join request, audited, and the person told. Conflict (before writing) when it may not be
    approved yet (``join_blocker``: the person's address is not confirmed), if it was decided
    meanwhile or the person joined another organisation. Refusing is always possible. Flushes;
    the caller commits."""
    status = JOIN_APPROVED if approve else JOIN_REFUSED
    person = join.user
    if approve and (blocker := join_blocker(join)):
        raise Conflict(blocker)
    if approve and person.organisation_id is not None:
        raise Conflict(_("This person already belongs to an organisation."))
    changed = db.session.execute(update(OrganisationJoinRequest).where(
        OrganisationJoinRequest.id == join.id, OrganisationJoinRequest.status == JOIN_PENDING).values(
        status=status, decided_by_id=actor.id, decided_at=utcnow())).rowcount
    if changed != 1:
        raise Conflict(_("Someone else answered this request a moment ago."))
    if approve:
        person.organisation_id = join.organisation_id
    audit.record(actor.id, "organisation.join_approve" if approve else "organisation.join_refuse", "organisation",
                 join.organisation_id, before={"user_id": person.id, "status": JOIN_PENDING},
                 after={"user_id": person.id, "status": status}, detail=person.email)
    notify([person], fact("join_approved" if approve else "join_refused", organisation=join.organisation.name),
           "/buyer/")
    # "asks to join" is answered, for the admins and buyers told (whoever answered it)
    resolve("join_requested", organisation=join.organisation.name, user_email=person.email)
    effects.after_commit("send_outbox")
    db.session.flush()
    db.session.refresh(join)
