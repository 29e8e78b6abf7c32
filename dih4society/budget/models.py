"""Budget accounts, the insert-only ledger, and state-aid grants."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogue.models import Category, LegalBasis
from ..core.db import UTCDateTime, enum_type, utcnow
from ..extensions import db

if TYPE_CHECKING:
    from ..catalogue.models import Partner


class BudgetSettings(db.Model):
    """The envelope and its funding split (one row)."""

    __tablename__ = "budget_settings"
    __table_args__ = (
        sa.CheckConstraint("envelope_cents >= 0", name="envelope_nonneg"),
        sa.CheckConstraint("eu_share_percent BETWEEN 0 AND 100", name="eu_share_range"),
        sa.CheckConstraint("id = 1", name="single_row"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    envelope_cents: Mapped[int] = mapped_column(sa.BigInteger)
    eu_share_percent: Mapped[int] = mapped_column(default=50)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class BudgetAccount(db.Model):
    """One envelope cell (partner × category), or the unallocated reserve.

    The cached balances change only together with the ledger entries that explain
    them, in the same transaction; the CHECK constraints make overspending
    unstorable even if a guard were forgotten.
    """

    __tablename__ = "budget_accounts"
    __table_args__ = (
        sa.UniqueConstraint("partner_id", "category"),
        # One unallocated reserve, even if two first set-ups race.
        sa.Index("uq_budget_accounts_one_reserve", "is_reserve", unique=True,
                 sqlite_where=sa.text("is_reserve"), postgresql_where=sa.text("is_reserve")),
        sa.CheckConstraint("allocated_cents >= 0", name="allocated_nonneg"),
        sa.CheckConstraint("committed_cents >= 0", name="committed_nonneg"),
        sa.CheckConstraint("spent_cents >= 0", name="spent_nonneg"),
        sa.CheckConstraint(
            "allocated_cents - committed_cents - spent_cents >= 0", name="available_nonneg"
        ),
        sa.CheckConstraint(
            "(is_reserve AND partner_id IS NULL AND category IS NULL) OR "
            "(NOT is_reserve AND partner_id IS NOT NULL AND category IS NOT NULL)",
            name="reserve_or_cell",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    is_reserve: Mapped[bool] = mapped_column(default=False)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    category: Mapped[Category | None] = mapped_column(enum_type(Category))
    allocated_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    committed_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    spent_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    partner: Mapped[Partner | None] = relationship()

    @property
    def available_cents(self) -> int:
        return self.allocated_cents - self.committed_cents - self.spent_cents

    @property
    def label(self) -> str:
        """The name in the reader's language (the stored `name` is the creator's)."""
        return account_label(self.name, self.is_reserve, self.partner.code if self.partner else None,
                             self.category)


def account_label(name: str, is_reserve: bool, partner_code: str | None, category: Category | None) -> str:
    """An account's name in the reader's language: the reserve, or "PARTNER · category"."""
    if is_reserve:
        return str(_l("Unallocated reserve"))
    if partner_code and category is not None:
        return f"{partner_code} · {category.label}"
    return name


def account_label_column() -> sa.ColumnElement:
    """`account_label` in SQL, for selects that join `Partner` (outer) to the account; built
    when the statement is, so the category names are those of the current language."""
    from ..catalogue.models import Partner

    cases = [(BudgetAccount.category == c, Partner.code + " · " + str(c.label)) for c in Category]
    return sa.case((BudgetAccount.is_reserve.is_(True), str(_l("Unallocated reserve"))), *cases,
                   else_=BudgetAccount.name).label("account_name")


class LedgerKind(enum.Enum):
    """Ledger movements; each changes one cached balance of one account."""

    ALLOCATE = "allocate"  # allocated += amount (negative to move money out)
    COMMIT = "commit"  # committed += amount
    RELEASE = "release"  # committed -= amount
    SPEND = "spend"  # committed -= amount, spent += amount

    @property
    def label(self) -> str:
        return str(LEDGER_LABELS[self])


LEDGER_LABELS = {
    LedgerKind.ALLOCATE: _l("Allocation"),
    LedgerKind.COMMIT: _l("Commitment"),
    LedgerKind.RELEASE: _l("Release"),
    LedgerKind.SPEND: _l("Spending"),
}


class LedgerEntry(db.Model):
    """An insert-only money movement (UPDATE/DELETE refused by database triggers)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.CheckConstraint("kind = 'allocate' OR amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint("amount_cents != 0", name="amount_nonzero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("budget_accounts.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("applications.id"), index=True
    )
    kind: Mapped[LedgerKind] = mapped_column(enum_type(LedgerKind))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    idempotency_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    account: Mapped[BudgetAccount] = relationship()


class AidGrant(db.Model):
    """State aid granted by this hub, per undertaking group, counted from approval.

    The aid is the value received without paying (market value less co-payment). It is
    granted at approval on the approved value and restated at closing to the final
    cost covered (`aid_cents` is always the figure that counts; `approved_aid_cents`
    keeps the approval's figure); a cancellation reverses it (`reversed_on`)."""

    __tablename__ = "aid_grants"
    __table_args__ = (
        sa.CheckConstraint("aid_cents >= 0", name="aid_nonneg"),
        sa.CheckConstraint("market_value_cents > 0", name="market_value_positive"),
        sa.CheckConstraint("co_payment_cents >= 0", name="co_payment_nonneg"),
        sa.CheckConstraint("aid_cents <= approved_aid_cents", name="restated_not_above_approved"),
        sa.CheckConstraint("final_value_cents IS NULL OR final_value_cents >= 0", name="final_value_nonneg"),
        sa.Index("ix_aid_grants_group_basis_date", "undertaking_group", "legal_basis", "granted_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id"), unique=True
    )
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    undertaking_group: Mapped[str] = mapped_column(sa.String(40))
    legal_basis: Mapped[LegalBasis] = mapped_column(enum_type(LegalBasis))
    granted_on: Mapped[date] = mapped_column(sa.Date)
    #: The market value of what was approved (the voucher's value).
    market_value_cents: Mapped[int] = mapped_column(sa.BigInteger)
    #: What the beneficiary pays: at approval, then restated with the final value.
    co_payment_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    #: The aid at approval, never changed afterwards.
    approved_aid_cents: Mapped[int] = mapped_column(sa.BigInteger)
    #: The aid that counts: the approval's figure, restated at closing.
    aid_cents: Mapped[int] = mapped_column(sa.BigInteger)
    #: The final cost covered, set at closing (None while the service is not closed).
    final_value_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    restated_on: Mapped[date | None] = mapped_column(sa.Date)
    reversed_on: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- permissions ------------------------------------------------------------------------

def can_view_budget(user) -> bool:
    """The dashboard and the ledger: managers, admins and partner staff (these see the
    hub's totals and their own partner's accounts and ledger lines only)."""
    from ..auth.models import Role

    return getattr(user, "role", None) in (Role.MANAGER, Role.ADMIN, Role.PARTNER_STAFF)


def can_view_partner_budget(user, partner_id: int) -> bool:
    """One partner's budget page and report: managers and admins for every partner,
    partner staff for their own."""
    from ..auth.models import Role

    role = getattr(user, "role", None)
    if role in (Role.MANAGER, Role.ADMIN):
        return True
    return role is Role.PARTNER_STAFF and user.partner_id == partner_id


def can_see_beneficiaries_of_all_partners(user) -> bool:
    """Managers and admins see every beneficiary by name; partner staff only those of
    their own partner's services, unless the hub sets ``PARTNERS_SEE_ALL``."""
    from flask import current_app

    from ..auth.models import Role

    role = getattr(user, "role", None)
    if role in (Role.MANAGER, Role.ADMIN):
        return True
    return role is Role.PARTNER_STAFF and bool(current_app.config.get("PARTNERS_SEE_ALL"))


def can_set_up_budget(user) -> bool:
    """Envelope, accounts and transfers: admins."""
    from ..auth.models import Role

    return getattr(user, "role", None) is Role.ADMIN


def can_view_aid_of(user, organisation) -> bool:
    """An organisation's aid record: managers and admins, and the organisation's own members."""
    from ..auth.models import Role

    role = getattr(user, "role", None)
    if role in (Role.MANAGER, Role.ADMIN):
        return True
    return role is Role.APPLICANT and organisation is not None and user.organisation_id == organisation.id
