from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.dates import city_today, city_zone
from ..domain.lead_status import OPEN_STATUSES, PROCESSING_PENDING, SUBMITTED
from ..domain.leads import new_marketplace_ref
from ..domain.quotes import default_valid_until
from ..extensions import db
from .base import UTCDateTime, utcnow
from .user import User


def _default_valid_until() -> date:
    """A new lead's quote validity when the code that made it gave none: quotes.default_valid_until
    of the city's today (CITY_TIMEZONE). The services set it themselves; this keeps every lead dated."""
    zone = city_zone(current_app.config.get("CITY_TIMEZONE") if has_app_context() else None)
    return default_valid_until(city_today(utcnow(), zone))


OPEN_STATUS_SQL = "status IN (" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"


class Lead(db.Model):
    """An offer of PPE from a supplier: every column of the CSV format plus who, state and when."""

    __tablename__ = "leads"
    __table_args__ = (
        Index("ix_leads_status_created", "status", "created_at"),
        # The vetting queue (services.vetting.SORTS), read page by page with keyset pagination:
        # for each of its orders an index in that order, so that a page at any depth is one range
        # of an index; partial ones for the leads awaiting a decision (a few percent of them), full
        # ones for all leads, and riskiest first per status. "Best first" (the score descending,
        # then oldest) is declared below the class. Figures: bench/queue_scale.py.
        Index("ix_leads_queue", "status", "queue_score", "created_at", "id"),
        Index("ix_leads_open_queue", "queue_score", "created_at", "id",
              postgresql_where=text(OPEN_STATUS_SQL), sqlite_where=text(OPEN_STATUS_SQL)),
        # Oldest and newest first. On PostgreSQL it also holds the product and the supplier type,
        # so that counting the open queue with those filters reads no table rows.
        Index("ix_leads_open_created", "created_at", "id",
              postgresql_where=text(OPEN_STATUS_SQL), sqlite_where=text(OPEN_STATUS_SQL),
              postgresql_include=["product_category", "supplier_type"]),
        Index("ix_leads_score", "queue_score", "created_at", "id"),
        Index("ix_leads_created", "created_at", "id"),
        # The newest decision: the sweeper asks whether supply changed after the newest plan.
        Index("ix_leads_decided_at", "decided_at"),
        # The sweeper's quote reminders and matching's lapsed offers (domain.quotes).
        Index("ix_leads_status_valid_until", "status", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The marketplace's own reference (domain.leads.MARKETPLACE_REF): given at creation, exported,
    # and matched by the import, so that an export re-imports as "unchanged".
    marketplace_ref: Mapped[str] = mapped_column(String(36), unique=True, default=new_marketplace_ref)
    company_name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(255))
    street: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(100))
    supplier_type: Mapped[str] = mapped_column(String(16))
    product_category: Mapped[str] = mapped_column(String(32), index=True)
    product_description: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[int] = mapped_column(BigInteger)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    min_order_qty: Mapped[int | None] = mapped_column(BigInteger)
    lead_time_days: Mapped[int | None] = mapped_column(Integer)
    certification: Mapped[str | None] = mapped_column(String(200))
    payment_terms: Mapped[str | None] = mapped_column(String(300))
    country_of_origin: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    # Units per pack as quoted (1: single units). quantity, unit_price and min_order_qty are always
    # per unit; pack_price is the price of one pack as typed (None when pack_size is 1), so that an
    # export gives back what the supplier typed (domain.leads.per_unit and lead_to_row).
    pack_size: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    pack_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    # The quote (price and stock) holds through this day of the city's calendar (domain.quotes):
    # after it the lead leaves matching until the supplier confirms. validity_reminded_for is the
    # valid_until the supplier was last asked about (one reminder per validity period).
    valid_until: Mapped[date] = mapped_column(Date, default=_default_valid_until)
    validity_reminded_for: Mapped[date | None] = mapped_column(Date)

    # The supplier account that owns the lead (None for leads imported by city staff).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Who typed or imported it: used to refuse self-vetting.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(8), default="form")
    status: Mapped[str] = mapped_column(String(16), default=SUBMITTED)
    processing_state: Mapped[str] = mapped_column(String(16), default=PROCESSING_PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
    # When the supplier's data last changed (set by services.leads on edits, not by processing):
    # a lead pending since before the sweeper's cutoff is processed again.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())

    # Written by the processing job (jobs.tasks.process_lead).
    processing_attempts: Mapped[int] = mapped_column(Integer, default=0)
    processing_error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Leads resolved to one supplier share a cluster id: the smallest lead id in the cluster.
    cluster_id: Mapped[int | None] = mapped_column(Integer, index=True)
    risk_score: Mapped[int | None] = mapped_column(Integer)
    # The queue's sort key: risk_score, or -1 while the lead is not scored yet (never NULL, so
    # that the queue's indexes give the order directly).
    queue_score: Mapped[int] = mapped_column(Integer, default=-1, server_default="-1")
    risk_signals: Mapped[list | None] = mapped_column(JSON)
    reference_version: Mapped[str | None] = mapped_column(String(32))
    # The last vetting decision.
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # A vetter's claim ("I am on it"), live until claimed_at + LEAD_CLAIM_TTL; deciding releases it.
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Four eyes (domain.four_eyes): the first of the two approvals a large or stop-signal lead
    # needs; None when there is none pending. Cleared by any decision but start_review/escalate.
    first_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    first_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    first_approved_by: Mapped[User | None] = relationship(foreign_keys=[first_approved_by_id])
    documents: Mapped[list[LeadDocument]] = relationship(back_populates="lead", order_by="LeadDocument.id")


# Best score first, then oldest: the score descending and the rest ascending, which an index on
# ascending columns cannot give (read backwards, it is newest first within a score). On PostgreSQL
# they hold the product and supplier type too: a filter that skips most of the queue (brokers, who
# all score below the clean leads) skips index entries, not table rows.
Index("ix_leads_open_best", Lead.queue_score.desc(), Lead.created_at, Lead.id,
      postgresql_where=text(OPEN_STATUS_SQL), sqlite_where=text(OPEN_STATUS_SQL),
      postgresql_include=["product_category", "supplier_type"])
Index("ix_leads_best", Lead.queue_score.desc(), Lead.created_at, Lead.id,
      postgresql_include=["product_category", "supplier_type"])
# The company-name search (lower(company_name) LIKE '%term%') on PostgreSQL: a trigram index
# finds the few matching names among a million without reading them all. PostgreSQL only
# (migration 0004); SQLite reads the names.
Index("ix_leads_company_name_trgm", func.lower(Lead.company_name).label("company_name_lower"),
      postgresql_using="gin", postgresql_ops={"company_name_lower": "gin_trgm_ops"})


class LeadDocument(db.Model):
    """A spec sheet, certificate or photo. Stored outside the web root under a generated name."""

    __tablename__ = "lead_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(120))
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())

    lead: Mapped[Lead] = relationship(back_populates="documents")


class LeadNormal(db.Model):
    """A lead's identity fields normalised once (domain.normalise), as the duplicate search uses them."""

    __tablename__ = "lead_normals"

    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    email_domain: Mapped[str | None] = mapped_column(String(255))
    website_domain: Mapped[str | None] = mapped_column(String(255))
    webmail: Mapped[bool] = mapped_column(Boolean, default=False)
    domains: Mapped[str | None] = mapped_column(String(520))
    contact: Mapped[str | None] = mapped_column(String(120))
    street: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(100))


class LeadBlockKey(db.Model):
    """Cheap keys (phone, e-mail, domain, name, ...): only leads sharing a key are compared."""

    __tablename__ = "lead_block_keys"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), primary_key=True, index=True)


class DuplicatePair(db.Model):
    """Two leads that may be the same supplier, with the evidence. ``decision`` is a vetter's
    'same' or 'different', which overrides the score and is kept when the leads are processed again."""

    __tablename__ = "duplicate_pairs"
    __table_args__ = (UniqueConstraint("lead_id", "other_id", name="uq_duplicate_pairs_lead_other"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)   # the larger id
    other_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)  # the smaller id
    probability: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list | None] = mapped_column(JSON)
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The MatchModel whose weights scored the pair (None: the hand-set weights in the code).
    model_version: Mapped[int | None] = mapped_column(Integer)


class MatchModel(db.Model):
    """One fit of the lead-match weights (domain.linkage_model), newest first in use. A row with
    ``fitted`` False records a refit that found too few candidate pairs (hand-set weights kept)."""

    __tablename__ = "match_models"

    id: Mapped[int] = mapped_column(primary_key=True)  # the version shown to vetters
    fitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
    trigger: Mapped[str] = mapped_column(String(120))
    fitted: Mapped[bool] = mapped_column(Boolean)
    n_leads: Mapped[int] = mapped_column(Integer)       # leads the pairs were drawn from
    max_lead_id: Mapped[int] = mapped_column(Integer)   # the newest lead seen: refits follow new leads
    n_pairs: Mapped[int] = mapped_column(Integer)       # candidate pairs found
    match_share: Mapped[float | None] = mapped_column(Float)
    iterations: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(300))
    # linkage_model.spec_to_json and frequencies_to_json
    parameters: Mapped[dict] = mapped_column(JSON)
    term_frequencies: Mapped[dict | None] = mapped_column(JSON)


class LeadFlag(db.Model):
    """The codes of the signals that count against a lead, so the queue can filter by them."""

    __tablename__ = "lead_flags"
    # The leads with a flag, read from the index alone (the queue's flag filter).
    __table_args__ = (Index("ix_lead_flags_flag_lead", "flag", "lead_id"),)

    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), primary_key=True)
    flag: Mapped[str] = mapped_column(String(32), primary_key=True)


class LeadMessage(db.Model):
    """A vetter's question to the supplier, and the supplier's answer."""

    __tablename__ = "lead_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))  # question | answer
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
