"""Organisations that apply for services, with their SME size class."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, enum_type, utcnow
from ..extensions import db

if TYPE_CHECKING:
    from ..auth.models import User


class OrgKind(enum.Enum):
    """The four kinds of beneficiary an EDIH serves."""

    SME = "sme"
    SMALL_MIDCAP = "small_midcap"
    PUBLIC_INSTITUTION = "public_institution"
    HEALTH_ORG = "health_org"

    @property
    def label(self) -> str:
        return str(ORG_KIND_LABELS[self])


ORG_KIND_LABELS = {
    OrgKind.SME: _l("SME"),
    OrgKind.SMALL_MIDCAP: _l("Small mid-cap"),
    OrgKind.PUBLIC_INSTITUTION: _l("Public institution"),
    OrgKind.HEALTH_ORG: _l("Health-care organisation"),
}


class SizeClass(enum.Enum):
    """Enterprise size per Recommendation 2003/361 (and 2025/1099 for mid-caps)."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    SMALL_MIDCAP = "small_midcap"
    LARGE = "large"

    @property
    def label(self) -> str:
        return str(SIZE_LABELS[self])


SIZE_LABELS = {
    SizeClass.MICRO: _l("Micro enterprise"),
    SizeClass.SMALL: _l("Small enterprise"),
    SizeClass.MEDIUM: _l("Medium-sized enterprise"),
    SizeClass.SMALL_MIDCAP: _l("Small mid-cap"),
    SizeClass.LARGE: _l("Large enterprise"),
}


class Organisation(db.Model):
    """A registered beneficiary. The size class is derived, never typed in."""

    __tablename__ = "organisations"
    __table_args__ = (
        sa.CheckConstraint("headcount >= 0", name="headcount_nonneg"),
        sa.CheckConstraint("turnover_cents >= 0", name="turnover_nonneg"),
        sa.CheckConstraint("balance_sheet_cents >= 0", name="balance_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(enum_type(OrgKind), index=True)
    legal_name: Mapped[str] = mapped_column(sa.String(200))
    #: Normalised CUI: digits only, no ``RO`` prefix.
    fiscal_code: Mapped[str] = mapped_column(sa.String(10), unique=True)
    vat_registered: Mapped[bool] = mapped_column(default=False)
    trade_register_no: Mapped[str | None] = mapped_column(sa.String(40))
    county: Mapped[str] = mapped_column(sa.String(2), index=True)
    caen_code: Mapped[str] = mapped_column(sa.String(4))
    headcount: Mapped[int]
    turnover_cents: Mapped[int] = mapped_column(sa.BigInteger)
    balance_sheet_cents: Mapped[int] = mapped_column(sa.BigInteger)
    size_class: Mapped[SizeClass] = mapped_column(enum_type(SizeClass))
    #: The "single undertaking" for aid ceilings; defaults to the fiscal code.
    undertaking_group: Mapped[str] = mapped_column(sa.String(40), index=True)
    #: The language of the letters and notices it receives (`LETTER_LANGUAGE` when empty).
    preferred_locale: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organisation")

    @property
    def letter_language(self) -> str:
        """Romanian unless the organisation asked for English."""
        return self.preferred_locale if self.preferred_locale in ("ro", "en") else "ro"

    def __repr__(self) -> str:
        return f"<Organisation {self.fiscal_code} {self.legal_name}>"


class Invitation(db.Model):
    """A member's invitation of a colleague by e-mail: a single-use link that expires.

    Only the SHA-256 of the link's random token is stored, so the table alone cannot
    be used to join; accepting sets `accepted_at` with a guarded UPDATE (once only)."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])

    @property
    def pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > utcnow()
