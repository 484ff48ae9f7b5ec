"""Typed SQLAlchemy 2 models. The schema is made only by the Alembic migrations in migrations/."""
from .audit import AuditLog
from .intake import ImportBatch, ImportRow, SubmissionReceipt
from .lead import DuplicatePair, Lead, LeadBlockKey, LeadDocument, LeadFlag, LeadMessage, LeadNormal, MatchModel
from .matching import DemandRequest, Match, MatchPlan, MatchPlanLine, Notification, OutboxEmail
from .summary import SummarySnapshot
from .user import ApiToken, Organisation, OrganisationJoinRequest, User, UserSession

__all__ = ["ApiToken", "AuditLog", "DemandRequest", "DuplicatePair", "ImportBatch", "ImportRow", "Lead", "LeadBlockKey",
           "LeadDocument", "LeadFlag", "LeadMessage", "LeadNormal", "Match", "MatchModel", "MatchPlan", "MatchPlanLine",
           "Notification", "Organisation", "OrganisationJoinRequest", "OutboxEmail", "SubmissionReceipt", "SummarySnapshot",
           "User", "UserSession"]
