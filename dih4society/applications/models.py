"""Applications for services, their attachments and declared outside aid."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogue.models import LegalBasis
from ..core.db import UTCDateTime, enum_type, utcnow
from ..extensions import db

if TYPE_CHECKING:
    from ..auth.models import User
    from ..calls.models import Call
    from ..catalogue.models import Service
    from ..organisations.models import Organisation
    from ..reviews.models import Review


class AppState(enum.Enum):
    """Workflow states (DESIGN.md §3); only the workflow module changes them."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    #: Approved once, above the second-approval threshold: waits for an approver of another organisation.
    AWAITING_SECOND = "awaiting_second"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    IN_DELIVERY = "in_delivery"
    DELIVERED = "delivered"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])

    @property
    def badge(self) -> str:
        return STATE_BADGES.get(self, "secondary")


STATE_LABELS = {
    AppState.DRAFT: _l("Draft"),
    AppState.SUBMITTED: _l("Submitted"),
    AppState.IN_REVIEW: _l("In review"),
    AppState.AWAITING_SECOND: _l("Awaiting second approval"),
    AppState.RETURNED: _l("Returned for information"),
    AppState.APPROVED: _l("Approved"),
    AppState.REJECTED: _l("Rejected"),
    AppState.WITHDRAWN: _l("Withdrawn"),
    AppState.IN_DELIVERY: _l("In delivery"),
    AppState.DELIVERED: _l("Delivered"),
    AppState.CLOSED: _l("Closed"),
    AppState.CANCELLED: _l("Cancelled"),
}
STATE_BADGES = {
    AppState.SUBMITTED: "info",
    AppState.IN_REVIEW: "primary",
    AppState.AWAITING_SECOND: "primary",
    AppState.RETURNED: "warning",
    AppState.APPROVED: "success",
    AppState.REJECTED: "danger",
    AppState.IN_DELIVERY: "primary",
    AppState.DELIVERED: "info",
    AppState.CLOSED: "dark",
    AppState.CANCELLED: "danger",
}


class ReferenceCounter(db.Model):
    """Per-year sequence for human-readable references (DIH-2026-000123)."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)


class Application(db.Model):
    """One organisation's request for one service, through the whole workflow."""

    __tablename__ = "applications"
    __table_args__ = (
        sa.CheckConstraint("requested_cents > 0", name="requested_positive"),
        sa.CheckConstraint(
            "approved_cents IS NULL OR (approved_cents > 0 AND approved_cents <= requested_cents)",
            name="approved_within_requested",
        ),
        sa.CheckConstraint(
            "actual_cost_cents IS NULL OR (actual_cost_cents >= 0 "
            "AND actual_cost_cents <= approved_cents)",
            name="actual_within_approved",
        ),
        sa.CheckConstraint("aid_cents IS NULL OR aid_cents >= 0", name="aid_nonneg"),
        sa.CheckConstraint("co_payment_percent IS NULL OR co_payment_percent BETWEEN 0 AND 99",
                           name="co_payment_percent_range"),
        sa.CheckConstraint("co_payment_cents IS NULL OR (co_payment_cents >= 0 "
                           "AND co_payment_cents <= approved_cents)", name="co_payment_within_approved"),
        # Submitted once means a reference for ever; a draft withdrawn unsubmitted has none.
        sa.CheckConstraint(
            "reference IS NOT NULL OR (state IN ('draft', 'withdrawn') AND submitted_at IS NULL)",
            name="reference_once_submitted",
        ),
        sa.CheckConstraint(
            "state NOT IN ('approved', 'in_delivery', 'delivered', 'closed') "
            "OR approved_cents IS NOT NULL",
            name="approved_has_amount",
        ),
        # The queue: keyset pages in (submitted_at, id) order, all states or one.
        sa.Index("ix_applications_state_submitted_id", "state", "submitted_at", "id"),
        sa.Index("ix_applications_submitted_id", "submitted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[AppState] = mapped_column(enum_type(AppState), default=AppState.DRAFT)
    justification: Mapped[str] = mapped_column(sa.Text, default="")
    requested_cents: Mapped[int] = mapped_column(sa.BigInteger)
    approved_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    actual_cost_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: Copied from the service at approval, with the aid amount it means.
    legal_basis: Mapped[LegalBasis | None] = mapped_column(enum_type(LegalBasis))
    #: The service's co-payment percentage, frozen at approval (DESIGN.md §4).
    co_payment_percent: Mapped[int | None] = mapped_column()
    #: What the beneficiary pays: the co-payment on the approved value, restated at closing.
    co_payment_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: The aid (gross grant equivalent): value received without paying; restated at closing.
    aid_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    budget_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("budget_accounts.id"))
    #: The call applied to (issue 12). Nullable only for rows older than calls.
    call_id: Mapped[int | None] = mapped_column(sa.ForeignKey("calls.id"), index=True)

    decl_sme: Mapped[bool] = mapped_column(default=False)
    decl_not_in_difficulty: Mapped[bool] = mapped_column(default=False)
    decl_no_recovery_order: Mapped[bool] = mapped_column(default=False)
    decl_outside_aid_complete: Mapped[bool] = mapped_column(default=False)

    info_question: Mapped[str | None] = mapped_column(sa.Text)
    info_answer: Mapped[str | None] = mapped_column(sa.Text)
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    delivery_notes: Mapped[str | None] = mapped_column(sa.Text)
    delivered_on: Mapped[date | None] = mapped_column(sa.Date)
    closing_note: Mapped[str | None] = mapped_column(sa.Text)
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
    service: Mapped[Service] = relationship()
    call: Mapped[Call | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    outside_aid: Mapped[list[OutsideAid]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="OutsideAid.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="application", order_by="Attachment.id"
    )
    reviews: Mapped[list[Review]] = relationship(back_populates="application")
    approvals: Mapped[list[Approval]] = relationship(back_populates="application", order_by="Approval.stage")

    @property
    def covered_cents(self) -> int | None:
        """What the hub pays for the approved value: the value less the co-payment.

        This is what the budget commits; for beneficiaries that receive aid it is also the aid."""
        if self.approved_cents is None:
            return None
        return self.approved_cents - (self.co_payment_cents or 0)

    def __repr__(self) -> str:
        return f"<Application {self.reference or self.id} {self.state.value}>"


class Approval(db.Model):
    """One approval of an application: the only one, or the first and second of two.

    Unique per (application, stage): two approvers racing for the same stage give one row."""

    __tablename__ = "approvals"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "stage", name="one_per_stage"),
        sa.UniqueConstraint("application_id", "approver_id", name="one_per_approver"),
        sa.CheckConstraint("stage IN (1, 2)", name="stage_range"),
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    stage: Mapped[int]
    approver_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: The organisation the approval counts for: "partner:<id>" or "hub" (the hub management).
    decision_body: Mapped[str] = mapped_column(sa.String(40))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="approvals")
    approver: Mapped[User] = relationship()


class OutsideAid(db.Model):
    """De minimis aid the applicant declares from other grantors (last 3 years)."""

    __tablename__ = "outside_aid"
    __table_args__ = (sa.CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    undertaking_group: Mapped[str] = mapped_column(sa.String(40), index=True)
    grantor: Mapped[str] = mapped_column(sa.String(200))
    granted_on: Mapped[date] = mapped_column(sa.Date)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)

    application: Mapped[Application] = relationship(back_populates="outside_aid")


class Attachment(db.Model):
    """A supporting document, stored outside the web root under a generated name."""

    __tablename__ = "attachments"
    __table_args__ = (sa.CheckConstraint("size_bytes > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    original_name: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(80))
    size_bytes: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="attachments")
