"""A call for applications ("apel IMM"): its window, who may apply, for what, and its money.

Moments are stored in UTC and shown and typed in the hub's time zone (Europe/Bucharest).
The window is half-open: a call is open from `opens_at` (that second included) until
`closes_at` (that second excluded), so "closes at 17:00" means a submission at
17:00:00 is refused.

`committed_cents` and `spent_cents` mirror, per call, the ledger movements of the
call's applications; they move in the same transaction and under the same guard as
the budget account (see `calls.money`), so the cap holds under concurrency.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, enum_type, utcnow
from ..extensions import db

if TYPE_CHECKING:
    from ..catalogue.models import Service


class SelectionMode(enum.Enum):
    """Rolling: decided as they come. Competitive: ranked after the call closes."""

    ROLLING = "rolling"
    COMPETITIVE = "competitive"

    @property
    def label(self) -> str:
        return str(SELECTION_LABELS[self])


SELECTION_LABELS = {
    SelectionMode.ROLLING: _l("Rolling (first come, first served)"),
    SelectionMode.COMPETITIVE: _l("Competitive (ranked after closing)"),
}


class CallPhase(enum.Enum):
    """Where a call stands at a moment."""

    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(PHASE_LABELS[self])


PHASE_LABELS = {
    CallPhase.UPCOMING: _l("Upcoming"),
    CallPhase.OPEN: _l("Open"),
    CallPhase.CLOSED: _l("Closed"),
}

call_services = sa.Table(
    "call_services",
    db.metadata,
    sa.Column("call_id", sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("service_id", sa.ForeignKey("services.id"), primary_key=True),
)


class Call(db.Model):
    """One call for applications."""

    __tablename__ = "calls"
    __table_args__ = (
        sa.CheckConstraint("closes_at > opens_at", name="closes_after_opens"),
        sa.CheckConstraint("eligible_kinds != ''", name="eligible_kinds_nonempty"),
        sa.CheckConstraint("max_per_group >= 1", name="max_per_group_positive"),
        sa.CheckConstraint("committed_cents >= 0", name="committed_nonneg"),
        sa.CheckConstraint("spent_cents >= 0", name="spent_nonneg"),
        sa.CheckConstraint("cap_cents IS NULL OR committed_cents + spent_cents <= cap_cents",
                           name="within_cap"),
        sa.CheckConstraint("min_score BETWEEN 0 AND 100", name="min_score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_en: Mapped[str] = mapped_column(sa.String(200))
    title_ro: Mapped[str] = mapped_column(sa.String(200))
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    description_ro: Mapped[str] = mapped_column(sa.Text, default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: Comma-separated `OrgKind` values.
    eligible_kinds: Mapped[str] = mapped_column(sa.String(100))
    #: Comma-separated county codes; empty means every county.
    eligible_counties: Mapped[str] = mapped_column(sa.String(200), default="")
    cap_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    committed_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    spent_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    max_per_group: Mapped[int] = mapped_column(default=1)
    selection_mode: Mapped[SelectionMode] = mapped_column(enum_type(SelectionMode))
    #: Competitive calls: the weighted review score (0-100) below which nothing is funded.
    min_score: Mapped[int] = mapped_column(default=0)
    #: Results list: published on the public page from this moment; names shown or not.
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    results_show_names: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    services: Mapped[list[Service]] = relationship(secondary=call_services, order_by="Service.code")

    # --- reading the rules ---------------------------------------------------------------

    @property
    def title(self) -> str:
        return self.title_ro if _lang() == "ro" and self.title_ro else self.title_en

    @property
    def description(self) -> str:
        return self.description_ro if _lang() == "ro" and self.description_ro else self.description_en

    @property
    def kind_values(self) -> list[str]:
        return [k for k in self.eligible_kinds.split(",") if k]

    @property
    def county_values(self) -> list[str]:
        return [c for c in (self.eligible_counties or "").split(",") if c]

    def offers(self, service) -> bool:
        return any(s.id == service.id for s in self.services)

    def phase(self, now: datetime | None = None) -> CallPhase:
        now = now or utcnow()
        if now < self.opens_at:
            return CallPhase.UPCOMING
        if now < self.closes_at:
            return CallPhase.OPEN
        return CallPhase.CLOSED

    def is_open(self, now: datetime | None = None) -> bool:
        return self.phase(now) is CallPhase.OPEN

    @property
    def is_competitive(self) -> bool:
        return self.selection_mode is SelectionMode.COMPETITIVE

    @property
    def available_cents(self) -> int | None:
        """What the cap still allows (None: no cap)."""
        if self.cap_cents is None:
            return None
        return self.cap_cents - self.committed_cents - self.spent_cents

    def __repr__(self) -> str:
        return f"<Call {self.id} {self.title_en!r}>"


def _lang() -> str:
    try:
        return str(get_locale() or "en")[:2]
    except Exception:  # outside a request (CLI, reports): English
        return "en"
