from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.lead_status import PROCESSING_PENDING, SUBMITTED
from ..extensions import db
from .base import UTCDateTime, utcnow
from .user import User


class Lead(db.Model):
    """An offer of PPE from a supplier: every column of the CSV format plus who, state and when."""

    __tablename__ = "leads"
    __table_args__ = (Index("ix_leads_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
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

    # The supplier account that owns the lead (None for leads imported by city staff).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Who typed or imported it: used to refuse self-vetting.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(8), default="form")
    status: Mapped[str] = mapped_column(String(16), default=SUBMITTED)
    processing_state: Mapped[str] = mapped_column(String(16), default=PROCESSING_PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow(), onupdate=lambda: utcnow())

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    documents: Mapped[list["LeadDocument"]] = relationship(back_populates="lead", order_by="LeadDocument.id")


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
