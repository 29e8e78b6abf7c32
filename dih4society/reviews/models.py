"""Scoring rubric and reviews (one per reviewer per application)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, enum_type, utcnow
from ..core.i18n import bilingual
from ..extensions import db

if TYPE_CHECKING:
    from ..applications.models import Application
    from ..auth.models import User


class Recommendation(enum.Enum):
    """What a reviewer recommends."""

    APPROVE = "approve"
    REJECT = "reject"
    MORE_INFO = "more_info"

    @property
    def label(self) -> str:
        return str(RECOMMENDATION_LABELS[self])


RECOMMENDATION_LABELS = {
    Recommendation.APPROVE: _l("Approve"),
    Recommendation.REJECT: _l("Reject"),
    Recommendation.MORE_INFO: _l("Ask for more information"),
}


class RubricCriterion(db.Model):
    """A configurable scoring criterion (0–5), with its weight."""

    __tablename__ = "rubric_criteria"
    __table_args__ = (sa.CheckConstraint("weight > 0", name="weight_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    label_en: Mapped[str] = mapped_column("label", sa.String(200))
    label_ro: Mapped[str | None] = mapped_column(sa.String(200))
    label = bilingual("label_en", "label_ro", "The criterion in the reader's language.")
    weight: Mapped[int] = mapped_column(default=1)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class Review(db.Model):
    """A reviewer's scores, recommendation, or conflict-of-interest declaration."""

    __tablename__ = "reviews"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "reviewer_id"),
        sa.CheckConstraint(
            "conflict_declared OR completed_at IS NULL OR recommendation IS NOT NULL",
            name="completed_has_recommendation",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: {criterion code: 0..5}
    scores: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: Weighted total scaled to 0..100, two decimals kept as hundredths.
    total_hundredths: Mapped[int | None]
    recommendation: Mapped[Recommendation | None] = mapped_column(enum_type(Recommendation))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    conflict_declared: Mapped[bool] = mapped_column(default=False)
    conflict_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship(back_populates="reviews")
    reviewer: Mapped[User] = relationship()
