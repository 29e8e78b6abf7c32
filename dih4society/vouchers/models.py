"""The voucher agreement: its frozen terms, content hash, acceptance, and validity.

The terms are frozen as JSON at final approval; the PDF is rendered from them, and
the content hash is the SHA-256 of their canonical JSON, so the hash the beneficiary
accepts names exactly the text that was shown.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, enum_type, utcnow
from ..extensions import db

if TYPE_CHECKING:
    from ..applications.models import Application


class AcceptanceMethod(enum.Enum):
    ONLINE = "online"
    UPLOAD = "upload"

    @property
    def label(self) -> str:
        return str({AcceptanceMethod.ONLINE: _l("accepted online"),
                    AcceptanceMethod.UPLOAD: _l("signed copy uploaded and checked")}[self])


class VoucherAgreement(db.Model):
    """One approved application's agreement (one row per application)."""

    __tablename__ = "voucher_agreements"
    __table_args__ = (
        sa.CheckConstraint("accepted_at IS NULL OR acceptance_method IS NOT NULL",
                           name="accepted_has_method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), unique=True)
    language: Mapped[str] = mapped_column(sa.String(5), default="en")
    terms: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    valid_until: Mapped[date] = mapped_column(sa.Date, index=True)

    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acceptance_method: Mapped[AcceptanceMethod | None] = mapped_column(enum_type(AcceptanceMethod))
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    accepted_name: Mapped[str | None] = mapped_column(sa.String(200))
    accepted_ip: Mapped[str | None] = mapped_column(sa.String(64))
    accepted_user_agent: Mapped[str | None] = mapped_column(sa.String(500))
    accepted_hash: Mapped[str | None] = mapped_column(sa.String(64))

    #: A signed copy uploaded by the beneficiary, waiting for partner staff to check it.
    signed_stored_name: Mapped[str | None] = mapped_column(sa.String(80))
    signed_uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    checked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    extension_reason: Mapped[str | None] = mapped_column(sa.Text)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship()

    @property
    def accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def awaiting_check(self) -> bool:
        return self.signed_stored_name is not None and self.accepted_at is None
