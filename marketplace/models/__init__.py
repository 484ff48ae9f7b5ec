"""Typed SQLAlchemy 2 models. The schema is made only by the Alembic migrations in migrations/."""
from .audit import AuditLog
from .lead import DuplicatePair, Lead, LeadBlockKey, LeadDocument, LeadFlag, LeadMessage, LeadNormal
from .user import Organisation, User, UserSession

__all__ = ["AuditLog", "DuplicatePair", "Lead", "LeadBlockKey", "LeadDocument", "LeadFlag", "LeadMessage",
           "LeadNormal", "Organisation", "User", "UserSession"]
