"""Users, roles and the login throttle counters."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, enum_type, utcnow
from ..extensions import db

if TYPE_CHECKING:
    from ..catalogue.models import Partner
    from ..organisations.models import Organisation


class Role(enum.Enum):
    """What a user is; each role sees its own navigation."""

    APPLICANT = "applicant"
    PARTNER_STAFF = "partner_staff"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.APPLICANT: _l("Applicant"),
    Role.PARTNER_STAFF: _l("Partner staff"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Administrator"),
}


class User(UserMixin, db.Model):
    """A person who logs in; applicants belong to an organisation, staff to a partner."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "role != 'applicant' OR organisation_id IS NOT NULL", name="applicant_has_org"
        ),
        sa.CheckConstraint(
            "role != 'partner_staff' OR partner_id IS NOT NULL", name="staff_has_partner"
        ),
        sa.CheckConstraint("session_version >= 1", name="session_version_positive"),
        # The approver right is a partner-staff right (managers decide by their role).
        sa.CheckConstraint("NOT is_approver OR role = 'partner_staff'", name="approver_is_partner_staff"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    partner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partners.id", ondelete="RESTRICT"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    #: Partner staff with the approver right decide applications (DESIGN.md §1, §3).
    is_approver: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    session_version: Mapped[int] = mapped_column(default=1)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")
    partner: Mapped[Partner | None] = relationship()

    # Flask-Login: the id in the session carries the session version, so bumping
    # the version (log out everywhere, password change, deactivation) ends sessions.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def is_decider(self) -> bool:
        """May decide applications at all: managers, and partner staff holding the approver right."""
        return self.role is Role.MANAGER or (self.role is Role.PARTNER_STAFF and self.is_approver)

    @property
    def decision_body(self) -> str:
        """The organisation an approval counts for: one partner, or the hub management."""
        if self.role is Role.PARTNER_STAFF and self.partner_id is not None:
            return f"partner:{self.partner_id}"
        return "hub"

    @property
    def is_staff(self) -> bool:
        """Hub people (partner staff, managers, admins), as opposed to applicants."""
        return self.role in (Role.PARTNER_STAFF, Role.MANAGER, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class LoginThrottle(db.Model):
    """Failed-login counters per account and per IP, shared by every worker."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
