"""Digital Maturity Assessment (DMA) results T0 and T1, waivers, reminders, satisfaction."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, utcnow
from ..extensions import db

if TYPE_CHECKING:
    from ..auth.models import User
    from ..organisations.models import Organisation

DRAFT, SUBMITTED = "draft", "submitted"
T0, T1 = "T0", "T1"


class Assessment(db.Model):
    """One DMA of an organisation in one cycle: raw answers, the questionnaire version
    they were given under, and (once submitted) the scores computed from them."""

    __tablename__ = "assessments"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "cycle", "stage"),
        sa.CheckConstraint("stage IN ('T0', 'T1')", name="stage_valid"),
        sa.CheckConstraint("status IN ('draft', 'submitted')", name="status_valid"),
        sa.CheckConstraint("variant IN ('sme', 'pso')", name="variant_valid"),
        sa.CheckConstraint("cycle >= 1", name="cycle_positive"),
        sa.CheckConstraint("status = 'draft' OR (overall IS NOT NULL AND overall BETWEEN 0 AND 100 "
                           "AND band IS NOT NULL AND submitted_at IS NOT NULL)", name="submitted_scored"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    cycle: Mapped[int] = mapped_column(default=1)
    stage: Mapped[str] = mapped_column(sa.String(2))
    status: Mapped[str] = mapped_column(sa.String(10), default=DRAFT)
    variant: Mapped[str] = mapped_column(sa.String(3))
    version: Mapped[str] = mapped_column(sa.String(20))
    #: Raw answers keyed by question code (see questionnaire.py for the shapes).
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: {dimension code: score 0..100 with two decimals}, set on submission.
    dimension_scores: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    overall: Mapped[float | None] = mapped_column(sa.Float)
    band: Mapped[str | None] = mapped_column(sa.String(24))
    scoring_rule: Mapped[str | None] = mapped_column(sa.String(20))
    #: Filled in by partner staff with the customer (assisted interview).
    assisted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    organisation: Mapped[Organisation] = relationship()
    assisted_by: Mapped[User | None] = relationship(foreign_keys=[assisted_by_id])

    @property
    def is_submitted(self) -> bool:
        return self.status == SUBMITTED

    def __repr__(self) -> str:
        return f"<Assessment {self.organisation_id} c{self.cycle} {self.stage} {self.status}>"


class T0Waiver(db.Model):
    """Hub staff let an organisation submit its first application without a T0 (audited)."""

    __tablename__ = "dma_waivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), unique=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    granted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    granted_by: Mapped[User] = relationship()


class T1Reminder(db.Model):
    """A T1 reminder sent to an organisation: at most two per cycle, 30 days apart."""

    __tablename__ = "dma_reminders"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "cycle", "number"),
                      sa.CheckConstraint("number BETWEEN 1 AND 2", name="number_valid"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    cycle: Mapped[int]
    number: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Satisfaction(db.Model):
    """The beneficiary's satisfaction with one closed application, given once."""

    __tablename__ = "satisfaction_responses"
    __table_args__ = (sa.CheckConstraint("score BETWEEN 1 AND 10", name="score_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), unique=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id"), index=True)
    score: Mapped[int]
    would_recommend: Mapped[bool]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
