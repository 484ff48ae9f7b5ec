"""Accounts, roles and organisations."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func

from ..domain.catalog import ORGANISATION_KINDS, ROLES, values
from ..domain.passwords import password_problem
from ..extensions import db
from ..models import Organisation, User
from ..models.base import utcnow
from ..security import hash_password, revoke_all_sessions, verify_password
from . import audit, organisations


class AccountError(ValueError):
    """A request that cannot be carried out; ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class NewAccount:
    email: str
    password: str
    role: str
    name: str | None = None
    organisation_name: str | None = None
    organisation_kind: str | None = None


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        db.select(User).where(func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()


def create_account(new: NewAccount, *, actor_id: int | None = None) -> User:
    """Create a user (and their organisation, if named); flushes, the caller commits. Raises
    AccountError before writing anything.

    A buyer's organisation follows the one organisation-name rule (services.organisations.
    place_buyer): a name that is the same as or close to an existing buyer organisation's makes
    no twin; the account is created without an organisation and with a pending request to join
    it (``organisations.pending_join(user)``). A supplier's organisation is only the company name
    their lead form starts with: it gives no access, so it is created as named."""
    if new.role not in values(ROLES):
        raise AccountError(f"Unknown role {new.role!r}.", "role")
    email = new.email.strip().lower()
    problem = password_problem(new.password, email=email)
    if problem:
        raise AccountError(problem, "password")
    if find_user_by_email(email):
        raise AccountError("An account with this e-mail address already exists.", "email")
    organisation_name = (new.organisation_name or "").strip()
    kind = None
    if organisation_name:
        kind = new.organisation_kind or ("supplier" if new.role == "supplier" else "other")
        if kind not in values(ORGANISATION_KINDS):
            raise AccountError("Unknown kind of organisation.", "organisation_kind")
    organisation = (Organisation(name=organisation_name, kind=kind)
                    if organisation_name and new.role != "buyer" else None)
    if organisation is not None:
        db.session.add(organisation)
    user = User(email=email, name=(new.name or "").strip() or None, role=new.role,
                password_hash=hash_password(new.password), organisation=organisation, active=True)
    db.session.add(user)
    db.session.flush()
    audit.record(actor_id if actor_id is not None else user.id, "user.create", "user", user.id,
                 after={"email": email, "role": new.role,
                        "organisation": organisation.name if organisation else None})
    if organisation_name and new.role == "buyer":
        organisations.place_buyer(user, organisation_name, kind, actor_id=actor_id)
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
        raise AccountError("Your current password is not correct.", "current_password")
    problem = password_problem(new, email=user.email)
    if problem:
        raise AccountError(problem, "new_password")
    user.password_hash = hash_password(new)
    revoke_all_sessions(user.id)  # every other browser signed in as this user is signed out
    audit.record(user.id, "user.password_change", "user", user.id)


def set_active(user: User, active: bool, *, actor_id: int) -> None:
    """Activate or deactivate an account (deactivating signs it out); the caller commits.
    AccountError, before writing, for one's own deactivation."""
    if user.id == actor_id and not active:
        raise AccountError("You cannot deactivate your own account.")
    before = user.active
    user.active = active
    if not active:
        revoke_all_sessions(user.id)
    audit.record(actor_id, "user.activate" if active else "user.deactivate", "user", user.id,
                 before={"active": before}, after={"active": active})


def verify_organisation(organisation: Organisation, *, actor_id: int) -> None:
    """Mark an organisation verified (no-op if it is); the caller commits."""
    if organisation.verified_at is None:
        organisation.verified_at = utcnow()
        organisation.verified_by_id = actor_id
        audit.record(actor_id, "organisation.verify", "organisation", organisation.id,
                     before={"verified": False}, after={"verified": True})


def revoke_organisation(organisation: Organisation, *, actor_id: int) -> None:
    """Withdraw an organisation's verification (no-op if none); the caller commits."""
    if organisation.verified_at is not None:
        organisation.verified_at = None
        organisation.verified_by_id = None
        audit.record(actor_id, "organisation.unverify", "organisation", organisation.id,
                     before={"verified": True}, after={"verified": False})
