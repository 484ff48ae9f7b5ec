from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.catalog import STAFF_ROLES
from ..extensions import db
from .base import UTCDateTime, utcnow


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    # Verified by an admin: a buyer's organisation must be verified before it sees supplier contacts.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column()  # a user id; the audit log has the rest
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
    # A buyer facility's delivery details and licence (issue 11, item 8; domain.facility): given at
    # registration, checked by an admin, shown to a supplier only once a buyer accepted a match
    # (permissions.supplier_sees_buyer). None: not given (older and supplier organisations).
    street: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(40))
    licence_kind: Mapped[str | None] = mapped_column(String(16))  # facility.LICENCE_NPI / LICENCE_STATE
    licence_number: Mapped[str | None] = mapped_column(String(50))
    delivery_hours: Mapped[str | None] = mapped_column(String(200))
    delivery_contact: Mapped[str | None] = mapped_column(String(120))

    members: Mapped[list[User]] = relationship(back_populates="organisation", foreign_keys="User.organisation_id")

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the owner followed the confirmation link e-mailed at registration (issue 10, item 14);
    # None until then. Accounts made by staff, the CLI and the demo seed, and every account that
    # predates the rule (migration 0010), count as confirmed.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Staff's choice (issue 11, item 1): one e-mail a day of the day's notifications (`flask notify
    # digest`) instead of one each; digest_through: notifications up to then went in a digest.
    mail_digest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    digest_through: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The language the person chose (issue 13: "en" or "es", domain.i18n.LANGUAGES); None: the
    # browser's Accept-Language decides on pages, English in e-mails until they choose.
    locale: Mapped[str | None] = mapped_column(String(8))

    organisation: Mapped[Organisation | None] = relationship(back_populates="members", foreign_keys=[organisation_id])

    # Set by the user loader: the server-side session this request runs in (see services.sessions).
    session_token = None  # str | None; a plain attribute, not a column

    def get_id(self) -> str:  # Flask-Login stores this in the session and the remember cookie.
        if not self.session_token:
            raise RuntimeError("log in through services.sessions.start_session")
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


class OrganisationJoinRequest(db.Model):
    """A person who registered with the name of an existing organisation asks to join it (issue 10,
    item 1): an admin or a member of that (verified) organisation approves or refuses. ``status``
    is pending, approved or refused (domain.organisations.JOIN_STATUSES)."""

    __tablename__ = "organisation_join_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    name_given: Mapped[str] = mapped_column(String(200))  # the organisation name the person typed
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class UserSession(db.Model):
    """One signed-in browser. Logging out revokes it, so a copied cookie stops working at once."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the browser last used it (written at most once a minute; None: not since it was made),
    # and whether the person chose "Keep me signed in": domain.sessions decides when it ends.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    remembered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    user: Mapped[User] = relationship()


class ApiToken(db.Model):
    """A personal API token (issue 12, item 3): the holder's role is its scope. Only the SHA-256 of
    the secret is stored (domain.api_tokens); ``prefix`` is its first characters, shown on the
    account page so that the holder can tell tokens apart."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
