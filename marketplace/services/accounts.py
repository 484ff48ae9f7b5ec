"""Accounts, roles and organisations; registration, password reset and e-mail confirmation.

Self-registration (``register``) answers the same whether or not the address already has an
account (issue 10, item 3): a new account is e-mailed a confirmation link, the owner of an
existing one is told that someone tried to register with their address. "Forgot your password?"
(``request_password_reset``) likewise does the same work for every address and e-mails a link
only to an account's owner. The links hold signed, time-limited tokens (domain.account_tokens):
a reset link works once and dies with any password change; a confirmation link confirms the
address it was sent to. All e-mail goes through the outbox (services.notifications), sent after
the caller's commit.
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy import func

from ..domain import messages
from ..domain.account_tokens import (
    DEACTIVATED,
    EMAIL_CONFIRM,
    INVALID,
    PASSWORD_RESET,
    USED,
    TokenRefused,
    bound,
    make_token,
    read_token,
)
from ..domain.catalog import ORGANISATION_KINDS, ROLES, values
from ..domain.errors import Conflict
from ..domain.facility import parse_facility
from ..domain.i18n import _, choose_locale, current_locale
from ..domain.passwords import password_problem, personal_names
from ..domain.permissions import may_verify_organisation
from ..extensions import db
from ..models import Organisation, OutboxEmail, User
from ..models.base import utcnow
from ..security import hash_password, revoke_all_sessions, verify_password
from . import audit, effects, matches, notifications, organisations, settings
from .leads import release_held_leads

# Where the e-mailed links lead (the web layer serves these paths).
RESET_PATH = "/password/reset?token="
CONFIRM_PATH = "/account/confirm?token="
SIGN_IN_PATH = "/login"
# A reset token for an address without an account is made like a real one, bound to this value:
# the same work either way, and nothing is sent.
_NO_ACCOUNT = secrets.token_urlsafe(32)


class AccountError(ValueError):
    """A request that cannot be carried out; ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
        self.errors: dict[str, str] = {field or "": message}


class FacilityInvalid(AccountError):
    """A buyer facility's details with bad fields: ``errors`` is {field: message} for every one
    (domain.facility.parse_facility)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(_("Please check the facility's details."))
        self.errors = dict(errors)


@dataclass
class NewAccount:
    email: str
    password: str
    role: str
    name: str | None = None
    organisation_name: str | None = None
    organisation_kind: str | None = None
    # A buyer facility's details as typed (domain.facility.FACILITY_FIELDS; issue 11, item 8):
    # the public buyer form always gives them (required there); staff, the CLI and seeds may not.
    facility: Mapping[str, str | None] | None = None
    # The language the person reads pages and e-mails in (domain.i18n.LANGUAGES: "en", "es"); None:
    # not chosen (pages follow the browser, e-mails are in English). ``register`` gives the one
    # the person registered in.
    locale: str | None = None


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        db.select(User).where(func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()


def _checked_email(new: NewAccount) -> str:
    """The normalised e-mail of ``new`` once its role and password are acceptable (AccountError)."""
    if new.role not in values(ROLES):
        raise AccountError(_("Unknown role {role}.").format(role=repr(new.role)), "role")
    email = new.email.strip().lower()
    facility = new.facility or {}
    problem = password_problem(new.password, email=email, names=personal_names(
        new.name, new.organisation_name, facility.get("street"), facility.get("city")))
    if problem:
        raise AccountError(problem, "password")
    _facility(new)
    return email


def _facility(new: NewAccount) -> dict[str, str | None] | None:
    """``new.facility`` checked (FacilityInvalid with every bad field), or None when not given."""
    if new.facility is None:
        return None
    values, errors = parse_facility(new.facility)
    if errors:
        raise FacilityInvalid(errors)
    return values


def create_account(new: NewAccount, *, actor_id: int | None = None, email_verified: bool = True) -> User:
    """Create a user (and their organisation, if named); flushes, the caller commits. Raises
    AccountError before writing anything (an address that has an account is refused: this is
    for staff, the CLI and seeds, who may know it; the public registers through ``register``).
    ``email_verified``: accounts made by staff or the CLI count as confirmed; ``register`` makes
    them unconfirmed.

    A buyer's organisation follows the one organisation-name rule (services.organisations.
    place_buyer): a name that is the same as or close to an existing buyer organisation's makes
    no twin; the account is created without an organisation and with a pending request to join
    it (``organisations.pending_join(user)``). A supplier's organisation is only the company name
    their lead form starts with: it gives no access, so it is created as named."""
    email = _checked_email(new)
    if find_user_by_email(email):
        raise AccountError(_("An account with this e-mail address already exists."), "email")
    organisation_name = (new.organisation_name or "").strip()
    kind = None
    if organisation_name:
        kind = new.organisation_kind or ("supplier" if new.role == "supplier" else "other")
        if kind not in values(ORGANISATION_KINDS):
            raise AccountError(_("Unknown kind of organisation."), "organisation_kind")
    organisation = (Organisation(name=organisation_name, kind=kind)
                    if organisation_name and new.role != "buyer" else None)
    if organisation is not None:
        db.session.add(organisation)
    user = User(email=email, name=(new.name or "").strip() or None, role=new.role,
                password_hash=hash_password(new.password), organisation=organisation, active=True,
                email_verified_at=utcnow() if email_verified else None,
                locale=choose_locale(new.locale) if new.locale else None)
    db.session.add(user)
    db.session.flush()
    audit.record(actor_id if actor_id is not None else user.id, "user.create", "user", user.id,
                 after={"email": email, "role": new.role,
                        "organisation": organisation.name if organisation else None})
    if organisation_name and new.role == "buyer":
        organisations.place_buyer(user, organisation_name, kind, actor_id=actor_id, facility=_facility(new))
    return user


def register(new: NewAccount) -> User | None:
    """Self-registration from the public forms, with one answer whether or not the address has an
    account: returns the new, unconfirmed user (e-mailed a confirmation link), or None when the
    address already had an account (its owner is e-mailed that someone tried, with a link to sign
    in; nothing else changes). Both paths check the password and compute an argon2 hash, so the
    time does not tell them apart either. AccountError (role, password) before writing anything.
    The new account keeps the language it registered in (``new.locale``, else the current one:
    domain.i18n.current_locale), so that its e-mails, the confirmation first, are in it.
    Flushes; the caller commits (the e-mail is sent after the commit)."""
    email = _checked_email(new)
    existing = find_user_by_email(email)
    if existing is not None:
        hash_password(new.password)  # the work a new account costs, thrown away
        _queue_email(existing, "registration_attempt", SIGN_IN_PATH)
        audit.record(None, "user.register_existing", "user", existing.id,
                     detail="someone tried to register with this account's address; the owner was e-mailed")
        db.session.flush()
        return None
    user = create_account(replace(new, locale=new.locale or current_locale()), email_verified=False)
    send_confirmation(user)
    return user


def _queue_email(user: User, code: str, link: str, **params) -> None:
    """An account e-mail (messages.ACCOUNT_EMAILS) to ``user`` through the outbox, sent after the commit."""
    db.session.add(OutboxEmail(to_address=user.email, message=messages.fact(code, **params), role=user.role,
                               link=link))
    effects.after_commit("send_outbox")


def send_confirmation(user: User) -> bool:
    """E-mail ``user`` a link that confirms their address (EMAIL_CONFIRM_MAX_AGE); False (nothing
    sent) when it is confirmed already. Flushes; the caller commits."""
    if user.email_verified:
        return False
    config = settings.current()
    token = make_token(config.secret_key, EMAIL_CONFIRM, user.id, user.email)
    _queue_email(user, "email_confirm", CONFIRM_PATH + token, days=max(1, config.email_confirm_seconds // 86400))
    db.session.flush()
    return True


def confirm_token_user(token: str) -> User:
    """The user a confirmation link is for, while it works. TokenRefused: EXPIRED, or INVALID
    (tampered, another purpose, no such user, or made for another address)."""
    config = settings.current()
    claim = read_token(config.secret_key, EMAIL_CONFIRM, token, config.email_confirm_seconds)
    user = db.session.get(User, claim.user_id)
    if user is None or not bound(config.secret_key, EMAIL_CONFIRM, claim, user.email):
        raise TokenRefused(INVALID)
    return user


def confirm_email(token: str) -> tuple[User, bool]:
    """Confirm the address a confirmation link was sent to: (the user, whether this confirmed it;
    False when it was confirmed already, as after a second click). The user's held leads go to
    the vetting queue. Raises TokenRefused (EXPIRED, INVALID) before writing. Flushes; the
    caller commits."""
    user = confirm_token_user(token)
    if user.email_verified:
        return user, False
    _mark_confirmed(user, actor_id=user.id)
    return user, True


def _mark_confirmed(user: User, *, actor_id: int | None) -> None:
    user.email_verified_at = utcnow()
    audit.record(actor_id, "user.email_confirm", "user", user.id, before={"email_verified": False},
                 after={"email_verified": True})
    release_held_leads(user, actor_id=actor_id)
    organisations.announce_if_waiting(user)


def request_password_reset(email: str) -> None:
    """"Forgot your password?": e-mail the active account with this address a reset link
    (PASSWORD_RESET_MAX_AGE). Does the same work, and answers the same (nothing), for an address
    without an account. Flushes; the caller commits."""
    config = settings.current()
    user = find_user_by_email(email or "")
    user = user if user is not None and user.active else None
    token = make_token(config.secret_key, PASSWORD_RESET, user.id if user else 0,
                       user.password_hash if user else _NO_ACCOUNT)
    if user is not None:
        _queue_email(user, "password_reset", RESET_PATH + token,
                     minutes=max(1, config.password_reset_seconds // 60))
    else:
        effects.after_commit("send_outbox")  # the same after-commit work as for an account
    # Audited either way (the same write; staff can see addresses being probed): the row names
    # the account, or no one (the address asked about is not kept).
    audit.record(None, "user.password_reset_request", "user", user.id if user else None,
                 detail=None if user else "no active account with the address asked about")
    db.session.flush()


def reset_token_user(token: str) -> User:
    """The active user a reset link is for, while the link works. TokenRefused: EXPIRED, INVALID
    (tampered, another purpose, no such user), USED (the password changed since the link was made:
    by this link or otherwise) or DEACTIVATED (a link that would work, for an account the city
    deactivated since: only a holder of the signed, unexpired, unused link learns it)."""
    config = settings.current()
    claim = read_token(config.secret_key, PASSWORD_RESET, token, config.password_reset_seconds)
    user = db.session.get(User, claim.user_id)
    if user is None:
        raise TokenRefused(INVALID)
    if not bound(config.secret_key, PASSWORD_RESET, claim, user.password_hash):
        raise TokenRefused(USED)
    if not user.active:
        raise TokenRefused(DEACTIVATED)
    return user


def _password_problem_for(user: User, password: str) -> str | None:
    """domain.passwords.password_problem for an existing ``user``: their e-mail, name, organisation
    and its address (a joiner waiting for approval: the organisation they asked to join)."""
    organisation = user.organisation
    if organisation is None:
        join = organisations.pending_join(user)
        organisation = join.organisation if join is not None else None
    return password_problem(password, email=user.email, names=personal_names(
        user.name, *((organisation.name, organisation.street, organisation.city) if organisation else ())))


def reset_password(token: str, new: str) -> User:
    """Set a new password from a reset link: the link dies (it was bound to the old password's
    hash), every session of the user ends, the change is audited, and an unconfirmed address
    counts as confirmed (the link came to it). TokenRefused as ``reset_token_user``; AccountError
    (field "password") for a weak password. Both before writing. Flushes; the caller commits."""
    user = reset_token_user(token)
    problem = _password_problem_for(user, new)
    if problem:
        raise AccountError(problem, "password")
    user.password_hash = hash_password(new)
    revoke_all_sessions(user.id)
    audit.record(user.id, "user.password_reset", "user", user.id)
    if not user.email_verified:
        _mark_confirmed(user, actor_id=user.id)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None. Takes the same time either way."""
    user = find_user_by_email(email or "")
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.active:
        return None
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password and sign out the user's other sessions; the caller commits. Raises
    AccountError (before writing) when the current password is wrong or the new one too weak."""
    if not verify_password(user.password_hash, current):
        raise AccountError(_("Your current password is not correct."), "current_password")
    problem = _password_problem_for(user, new)
    if problem:
        raise AccountError(problem, "new_password")
    user.password_hash = hash_password(new)
    revoke_all_sessions(user.id)  # every other browser signed in as this user is signed out
    audit.record(user.id, "user.password_change", "user", user.id)


def set_active(user: User, active: bool, *, actor_id: int) -> tuple[int, list[int]]:
    """Activate or deactivate an account (deactivating signs it out); the caller commits.
    AccountError, before writing, for one's own deactivation. Deactivating a supplier, or the last
    active buyer of an organisation, withdraws their proposals not yet accepted and tells staff of
    the matches in progress to follow up (matches.close_for_deactivation): returns (proposals
    withdrawn, ids of matches to follow up); (0, []) when nothing changed or on activation."""
    if user.id == actor_id and not active:
        raise AccountError(_("You cannot deactivate your own account."))
    before = user.active
    if before == active:
        return 0, []
    user.active = active
    if not active:
        revoke_all_sessions(user.id)
    audit.record(actor_id, "user.activate" if active else "user.deactivate", "user", user.id,
                 before={"active": before}, after={"active": active})
    if active:
        return 0, []
    db.session.flush()  # the account counts as inactive in the queries that follow
    return matches.close_for_deactivation(user, db.session.get(User, actor_id))


def verification_blocker(organisation: Organisation) -> str | None:
    """Why an admin may not verify ``organisation`` now, or None: no member has confirmed their
    e-mail address (the city would vouch for people it cannot reach)."""
    if may_verify_organisation([m.email_verified for m in organisation.members]):
        return None
    return _("No member of this organisation has confirmed their e-mail address yet; it can be "
             "verified once one has.")


def verify_organisation(organisation: Organisation, *, actor_id: int, shared_confirmed: bool = False) -> None:
    """Mark an organisation verified (no-op if it is); the caller commits. Conflict (before
    writing) while no member has confirmed their e-mail address (``verification_blocker``), and
    while another organisation holds the same licence or registry number
    (``organisations.identifier_twins``: a squatted NPI) unless the admin confirmed they checked
    it (``shared_confirmed``); the audit then names the others."""
    if organisation.verified_at is None:
        blocker = verification_blocker(organisation)
        if blocker:
            raise Conflict(blocker)
        others = organisations.identifier_twins([organisation.id]).get(organisation.id, [])
        if others and not shared_confirmed:
            raise Conflict(shared_identifier_warning(organisation, others))
        organisation.verified_at = utcnow()
        organisation.verified_by_id = actor_id
        after = {"verified": True}
        if others:
            after["shared_identifier_with"] = [{"id": o.id, "name": o.name, "verified": o.verified} for o in others]
        audit.record(actor_id, "organisation.verify", "organisation", organisation.id,
                     before={"verified": False}, after=after)
        organisations.tell_buyers_of_verification(organisation, True)
        # "waits to be verified" is done, for every admin told (whoever verified it)
        notifications.resolve("organisation_waiting", organisation_id=organisation.id)


def shared_identifier_warning(organisation: Organisation, others) -> str:
    """The admin's warning that ``organisation``'s licence or registry number is also held by
    ``others`` (domain.facility.IdentifierHolder, verified first), naming each and whether verified."""
    names = "; ".join((_("{name} (verified)") if o.verified else _("{name} (not verified)")).format(name=o.name)
                      for o in others)
    return _("Its licence or registry number {number} is also given by: {names}. Check with the registry and "
             "by phone which organisation it belongs to before verifying this one.").format(
        number=organisation.licence_number, names=names)


def revoke_organisation(organisation: Organisation, *, actor_id: int) -> None:
    """Withdraw an organisation's verification (no-op if none); the caller commits."""
    if organisation.verified_at is not None:
        organisation.verified_at = None
        organisation.verified_by_id = None
        audit.record(actor_id, "organisation.unverify", "organisation", organisation.id,
                     before={"verified": True}, after={"verified": False})
        organisations.tell_buyers_of_verification(organisation, False)
        matches.tell_suppliers_of_unverified(organisation.id, organisation.name, db.session.get(User, actor_id))


def set_locale(user: User, locale: str) -> str:
    """Save the language ``user`` chose (domain.i18n.choose_locale: "en" or "es"); flushes, the
    caller commits. Returns the language saved. Pages and e-mails to them are in it from now on."""
    user.locale = choose_locale(locale)
    db.session.flush()
    return user.locale
