"""Typed SQLAlchemy 2 models. The schema is made only by the Alembic migrations in migrations/."""
from .audit import AuditLog
from .lead import Lead, LeadDocument
from .user import Organisation, User, UserSession

__all__ = ["AuditLog", "Lead", "LeadDocument", "Organisation", "User", "UserSession"]
