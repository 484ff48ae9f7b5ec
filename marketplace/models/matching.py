"""Demand requests, allocation plans, matches, and the notifications they cause (issue 4)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.demand import STATUS_OPEN
from ..domain.match_status import PROPOSED
from ..extensions import db
from .base import UTCDateTime, utcnow
from .lead import Lead
from .user import Organisation


class DemandRequest(db.Model):
    """What a buyer's organisation needs: a category (and the substitutes it accepts), how many,
    at what price at most, by when, where, and how urgently: its stock facts (domain.stock)."""

    __tablename__ = "demand_requests"
    __table_args__ = (Index("ix_demand_requests_status_needed_by", "status", "needed_by"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    category: Mapped[str] = mapped_column(String(32))
    substitutes: Mapped[list] = mapped_column(JSON, default=list)
    quantity: Mapped[int] = mapped_column(BigInteger)
    max_unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    needed_by: Mapped[date] = mapped_column(Date)
    # The needed_by date for which the buyer was asked whether to extend the overdue request
    # (domain.quotes.extension_due): asked once per date.
    overdue_asked_for: Mapped[date | None] = mapped_column(Date)
    postal_code: Mapped[str] = mapped_column(String(10))
    # Days of supply on ``stock_counted_on`` (stated, or floor(stock_on_hand / avg_daily_use)); the
    # days left on a later day are domain.stock.days_left (services.demand.days_of_supply_now), never
    # this column. Private to the buyer's organisation and staff, like the stock facts below.
    days_of_supply: Mapped[int] = mapped_column(Integer)
    stock_on_hand: Mapped[int | None] = mapped_column(BigInteger)       # units counted on stock_counted_on
    stock_counted_on: Mapped[date | None] = mapped_column(Date)        # None: rows from before 0018 (created_at)
    avg_daily_use: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))  # units a day (CDC burn rate)
    facility_type: Mapped[str] = mapped_column(String(24))
    # What exactly to deliver (size, model, standard), free text; not private: suppliers see it on a
    # proposal. For category "other" the allocation matches by it (allocation.specification_fits).
    specification: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=STATUS_OPEN)
    source: Mapped[str] = mapped_column(String(8), default="form")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())

    organisation: Mapped[Organisation] = relationship()


class MatchPlan(db.Model):
    """One run of the allocation over all open requests and available supply. The newest plan is
    a draft until staff release it as proposals; a newer run supersedes an unreleased draft.
    Statuses: draft, released, superseded, failed."""

    __tablename__ = "match_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    # Why it was computed: a fact of domain.messages.TRIGGERS (migration 0026; a sentence stored
    # before is a legacy fact).
    trigger: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
    needs_count: Mapped[int] = mapped_column(Integer, default=0)
    offers_count: Mapped[int] = mapped_column(Integer, default=0)
    demand_units: Mapped[int] = mapped_column(BigInteger, default=0)
    units: Mapped[int] = mapped_column(BigInteger, default=0)
    weighted_units: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    solve_ms: Mapped[int] = mapped_column(Integer, default=0)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A run that failed is kept (status "failed") with its error, so staff see it on the plan page.
    error: Mapped[str | None] = mapped_column(Text)

    lines: Mapped[list[MatchPlanLine]] = relationship(back_populates="plan", order_by="MatchPlanLine.id")


class MatchPlanLine(db.Model):
    """One line of a plan: so many units of this lead for this request, and why."""

    __tablename__ = "match_plan_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("match_plans.id"), index=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demand_requests.id"), index=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    distance_km: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list] = mapped_column(JSON, default=list)

    plan: Mapped[MatchPlan] = relationship(back_populates="lines")
    demand: Mapped[DemandRequest] = relationship()
    lead: Mapped[Lead] = relationship()


class Match(db.Model):
    """Units of one approved lead proposed to one demand request, through the lifecycle in
    domain.match_status. Its units are held from proposal until it is declined or closed."""

    __tablename__ = "matches"
    __table_args__ = (
        Index("ix_matches_lead_status", "lead_id", "status"),
        Index("ix_matches_demand_status", "demand_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demand_requests.id"))
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("match_plans.id"))
    quantity: Mapped[int] = mapped_column(BigInteger)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    distance_km: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=PROPOSED)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    close_reason: Mapped[str | None] = mapped_column(String(32))
    # The day the supplier expects to deliver, as the supplier confirmed it (or the buyer recorded
    # it when ordering); None until given. The shortfall projection's arrival day when set.
    delivery_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())

    demand: Mapped[DemandRequest] = relationship()
    lead: Mapped[Lead] = relationship()


class Notification(db.Model):
    """A message shown in the app to one user (the e-mail copy goes through the outbox). The message
    is a fact, {"code", "params"}, worded for the user's role when shown (domain.messages)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    message: Mapped[dict] = mapped_column(JSON)
    link: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxEmail(db.Model):
    """An e-mail to send. Written in the same transaction as the change it reports and sent later
    by a job, so a mail outage delays mail but loses none. The message is a fact ({"code",
    "params"}), worded for ``role`` (the recipient's) when it is sent; ``subject`` and ``body`` keep
    what was sent (rows written before facts have only those)."""

    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    message: Mapped[dict | None] = mapped_column(JSON)
    role: Mapped[str | None] = mapped_column(String(16))   # the recipient's role: supplier, buyer, vetter, admin
    link: Mapped[str | None] = mapped_column(String(255))  # the path to open, e.g. /matches/7
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: utcnow())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    transport: Mapped[str | None] = mapped_column(String(8))  # smtp | log: how it was sent
