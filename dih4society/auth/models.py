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
    #: The last TOTP time step accepted, so a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    session_version: Mapped[int] = mapped_column(default=1)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")
    partner: Mapped[Partner | None] = relationship()
    passkeys: Mapped[list[Passkey]] = relationship(order_by="Passkey.id", cascade="all, delete-orphan",
                                                   passive_deletes=True)

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

    @property
    def has_second_factor(self) -> bool:
        """TOTP enrolled or at least one passkey."""
        return bool(self.totp_secret) or bool(self.passkeys)

    @property
    def mfa_expected(self) -> bool:
        """Whether STAFF_MFA_REQUIRED applies to this user (admins, managers, partner staff)."""
        return self.is_staff

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class LoginThrottle(db.Model):
    """Failed-login counters per account and per IP, shared by every worker."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Growing delay: no attempt for this key is checked before this time.
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserSession(db.Model):
    """A server-side login session. The cookie holds a random token; the row holds its
    SHA-256, so the session ends when the row is revoked, idle or too old."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: How the user signed in: password, password+totp, password+recovery, passkey.
    method: Mapped[str] = mapped_column(sa.String(20), default="password")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(sa.String(40))

    user: Mapped[User] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class RecoveryCode(db.Model):
    """A single-use recovery code for the second factor, stored as an argon2 hash."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Passkey(db.Model):
    """A WebAuthn credential (passkey); a user may hold several."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: base64url of the credential id, as the browser reports it.
    credential_id: Mapped[str] = mapped_column(sa.String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    name: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
