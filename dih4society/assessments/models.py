"""Digital Maturity Assessment (DMA) results, T0 and T1."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import UTCDateTime, utcnow
from ..extensions import db


class Assessment(db.Model):
    """One DMA of an organisation: six dimension scores (0–100) and the average."""

    __tablename__ = "assessments"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "stage"),
        sa.CheckConstraint("stage IN ('T0', 'T1')", name="stage_valid"),
        sa.CheckConstraint("overall BETWEEN 0 AND 100", name="overall_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    stage: Mapped[str] = mapped_column(sa.String(2))
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: {dimension code: 0..100}
    dimension_scores: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    overall: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
