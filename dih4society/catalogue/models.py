"""Hub partners and the service catalogue."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, enum_type, utcnow
from ..core.i18n import bilingual
from ..extensions import db


class Category(enum.Enum):
    """The four EDIH service categories."""

    TEST_BEFORE_INVEST = "test_before_invest"
    SKILLS_TRAINING = "skills_training"
    INVESTMENT_SUPPORT = "investment_support"
    ECOSYSTEM_NETWORKING = "ecosystem_networking"

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS[self])

    @property
    def short_label(self) -> str:
        """One word, where space is short (a phone's drop-down)."""
        return str(CATEGORY_SHORT_LABELS[self])


CATEGORY_SHORT_LABELS = {
    Category.TEST_BEFORE_INVEST: _l("Testing"),
    Category.SKILLS_TRAINING: _l("Skills"),
    Category.INVESTMENT_SUPPORT: _l("Investment"),
    Category.ECOSYSTEM_NETWORKING: _l("Ecosystem"),
}

CATEGORY_LABELS = {
    Category.TEST_BEFORE_INVEST: _l("Test before invest"),
    Category.SKILLS_TRAINING: _l("Skills and training"),
    Category.INVESTMENT_SUPPORT: _l("Support to find investment"),
    Category.ECOSYSTEM_NETWORKING: _l("Innovation ecosystem and networking"),
}


class LegalBasis(enum.Enum):
    """The state-aid legal basis a service is granted under."""

    DE_MINIMIS = "de_minimis"
    GBER_28 = "gber_28"
    NO_AID = "no_aid"

    @property
    def label(self) -> str:
        return str(LEGAL_BASIS_LABELS[self])


LEGAL_BASIS_LABELS = {
    LegalBasis.DE_MINIMIS: _l("De minimis (Regulation (EU) 2023/2831)"),
    LegalBasis.GBER_28: _l("GBER Article 28 (innovation advisory and support services)"),
    LegalBasis.NO_AID: _l("No state aid"),
}


class Partner(db.Model):
    """A consortium member that delivers services."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    #: The official (English) name; `name` reads the reader's language.
    name_en: Mapped[str] = mapped_column("name", sa.String(200), unique=True)
    name_ro: Mapped[str | None] = mapped_column(sa.String(200))
    name = bilingual("name_en", "name_ro", "The partner's name in the reader's language.")
    city: Mapped[str] = mapped_column(sa.String(100), default="")
    is_coordinator: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Partner {self.code}>"


class Service(db.Model):
    """A catalogue service with its market value and aid rules."""

    __tablename__ = "services"
    __table_args__ = (
        sa.CheckConstraint("market_value_cents > 0", name="market_value_positive"),
        sa.CheckConstraint("co_payment_percent BETWEEN 0 AND 99", name="co_payment_range"),
        sa.CheckConstraint("eligible_kinds != ''", name="eligible_kinds_nonempty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name_en: Mapped[str] = mapped_column("name", sa.String(200))
    name_ro: Mapped[str | None] = mapped_column(sa.String(200))
    description_en: Mapped[str] = mapped_column("description", sa.Text, default="")
    description_ro: Mapped[str | None] = mapped_column(sa.Text)
    name = bilingual("name_en", "name_ro", "The service's name in the reader's language.")
    description = bilingual("description_en", "description_ro", "Its description, likewise.")
    category: Mapped[Category] = mapped_column(enum_type(Category), index=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    market_value_cents: Mapped[int] = mapped_column(sa.BigInteger)
    #: The share of the value the beneficiary pays itself (0: it pays nothing).
    co_payment_percent: Mapped[int] = mapped_column(default=0)
    legal_basis: Mapped[LegalBasis] = mapped_column(enum_type(LegalBasis))
    #: Comma-separated `OrgKind` values.
    eligible_kinds: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner] = relationship()

    @property
    def eligible_kind_values(self) -> list[str]:
        return [k for k in self.eligible_kinds.split(",") if k]

    def is_eligible_kind(self, kind) -> bool:
        return getattr(kind, "value", kind) in self.eligible_kind_values

    @property
    def co_payment_cents(self) -> int:
        """What the beneficiary pays for the whole service at its market value."""
        from ..core.money import co_payment_of

        return co_payment_of(self.market_value_cents, self.co_payment_percent)

    @property
    def aid_value_cents(self) -> int:
        """The value received without paying, for the whole service at its market value."""
        return self.market_value_cents - self.co_payment_cents

    def __repr__(self) -> str:
        return f"<Service {self.code}>"
