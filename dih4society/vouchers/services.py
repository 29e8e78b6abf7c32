"""Voucher agreements and validity: generated at final approval, accepted online or by a
signed upload checked by the delivering partner's staff, extended once, expired by cron.

Functions flush, never commit, and raise `DomainError` with a readable message. The
terms are frozen at generation; their SHA-256 (over canonical JSON) is the content
hash printed on the PDF and recorded with the acceptance.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..applications import workflow
from ..applications.models import Application, AppState
from ..auth.models import Role
from ..core import audit
from ..core.db import utcnow
from ..core.errors import DomainError, PermissionDenied
from ..core.i18n import page_date, pick
from ..core.money import eur_plain
from ..extensions import db
from .models import AcceptanceMethod, VoucherAgreement

REMINDER_DAYS = 30
MAX_SIGNED_BYTES = 10 * 1024 * 1024


def valid_months() -> int:
    return int(current_app.config.get("VOUCHER_VALID_MONTHS", 12))


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def content_hash(terms: dict) -> str:
    canonical = json.dumps(terms, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def language_of(application: Application) -> str:
    """The beneficiary's language: the applicant user's choice, else the hub's default."""
    langs = current_app.config["LANGUAGES"]
    locale = getattr(application.created_by, "locale", None)
    return locale if locale in langs else current_app.config["BABEL_DEFAULT_LOCALE"]


def terms_for(application: Application, valid_until: date, language: str) -> dict:
    """The agreement's terms as plain text in the beneficiary's language (frozen at generation)."""
    service = application.service
    org = application.organisation
    approved = application.approved_cents or 0
    market = service.market_value_cents
    # What the beneficiary pays (DESIGN.md §4): the co-payment frozen at approval; the aid
    # is the value it receives without paying (approved value less the co-payment).
    co_payment = application.co_payment_cents or 0
    with force_locale(language):
        basis = application.legal_basis.label if application.legal_basis is not None else ""
    return {
        "reference": application.reference, "language": language,
        "hub": current_app.config["HUB_FULL_NAME"],
        # Names in the agreement's language, whatever the language of the request (issue 10).
        "partner": pick(service.partner.name_en, service.partner.name_ro, language),
        "beneficiary": org.legal_name, "fiscal_code": org.fiscal_code, "county": org.county,
        "service_code": service.code, "service": pick(service.name_en, service.name_ro, language),
        "call": application.call.title_ro if (application.call and language == "ro") else
        (application.call.title_en if application.call else None),
        "market_value": f"EUR {eur_plain(market)}", "co_payment": f"EUR {eur_plain(co_payment)}" + (
            f" ({application.co_payment_percent} %)" if application.co_payment_percent else ""),
        "approved": f"EUR {eur_plain(approved)}", "aid": f"EUR {eur_plain(application.aid_cents or 0)}",
        "legal_basis": basis,
        "approved_on": (application.decided_at or utcnow()).date().strftime("%d.%m.%Y"),
        "valid_until": valid_until.strftime("%d.%m.%Y"),
    }


def agreement_of(application: Application) -> VoucherAgreement | None:
    return db.session.scalar(sa.select(VoucherAgreement).where(VoucherAgreement.application_id == application.id))


def on_final_approval(actor, application: Application, on: date | None = None) -> VoucherAgreement:
    """Generate the agreement of a just-approved voucher (idempotent)."""
    existing = agreement_of(application)
    if existing is not None:
        return existing
    on = on or utcnow().date()
    valid_until = add_months(on, valid_months())
    language = language_of(application)
    terms = terms_for(application, valid_until, language)
    agreement = VoucherAgreement(application_id=application.id, language=language, terms=terms,
                                 content_hash=content_hash(terms), valid_until=valid_until)
    db.session.add(agreement)
    db.session.flush()
    audit.record(actor, "agreement.generate", "application", application.id,
                 {"hash": agreement.content_hash, "valid_until": valid_until.isoformat()})
    return agreement


HOLDING = (AppState.APPROVED, AppState.IN_DELIVERY, AppState.DELIVERED, AppState.CLOSED)


def ensure_agreement(actor, application: Application) -> VoucherAgreement | None:
    """The agreement, generated now for a voucher approved before agreements existed."""
    if application.state not in HOLDING:
        return agreement_of(application)
    return agreement_of(application) or on_final_approval(
        actor, application, (application.decided_at or utcnow()).date())


# --- acceptance -------------------------------------------------------------------------------

def can_accept(user, application: Application) -> bool:
    return workflow.is_member(user, application) and application.state is AppState.APPROVED


def accept_online(actor, agreement: VoucherAgreement, full_name: str, confirmed: bool, shown_hash: str,
                  ip: str | None, user_agent: str | None) -> bool:
    """Accept by typing one's full name and confirming. Returns False when it was already
    accepted (a second click books nothing)."""
    application = agreement.application
    if not workflow.is_member(actor, application):
        raise PermissionDenied(_("Only the beneficiary's users can accept its agreement."))
    if agreement.accepted:
        return False
    if application.state is not AppState.APPROVED:
        raise DomainError(_("This voucher is %(state)s: its agreement can no longer be accepted.",
                            state=application.state.label.lower()))
    name = " ".join((full_name or "").split())
    if len(name) < 3 or len(name) > 200:
        raise DomainError(_("Type your full name to sign."), "full_name")
    if not confirmed:
        raise DomainError(_("Tick the box to confirm that you accept the agreement."), "confirm")
    if shown_hash != agreement.content_hash:
        raise DomainError(_("The agreement changed since you opened it; read it again and accept."), "confirm")
    agreement.accepted_at = utcnow()
    agreement.acceptance_method = AcceptanceMethod.ONLINE
    agreement.accepted_by_id = actor.id
    agreement.accepted_name = name
    agreement.accepted_ip = (ip or "")[:64] or None
    agreement.accepted_user_agent = (user_agent or "")[:500] or None
    agreement.accepted_hash = agreement.content_hash
    db.session.flush()
    audit.record(actor, "agreement.accept", "application", application.id,
                 {"method": "online", "name": name, "hash": agreement.content_hash,
                  "user_agent": agreement.accepted_user_agent})
    _tell(actor, application, lambda: _("%(ref)s: the voucher agreement was accepted; delivery can start.",
                                        ref=application.reference))
    return True


def upload_dir():
    from ..applications.attachments import upload_dir as base

    return base()


def upload_signed(actor, agreement: VoucherAgreement, stream: BinaryIO) -> None:
    """The beneficiary uploads the signed PDF; partner staff check it next."""
    application = agreement.application
    if not workflow.is_member(actor, application):
        raise PermissionDenied(_("Only the beneficiary's users can upload its signed agreement."))
    if agreement.accepted:
        raise DomainError(_("The agreement is already accepted."), "file")
    if application.state is not AppState.APPROVED:
        raise DomainError(_("This voucher is %(state)s: its agreement can no longer be accepted.",
                            state=application.state.label.lower()), "file")
    data = stream.read(MAX_SIGNED_BYTES + 1)
    if not data.startswith(b"%PDF-"):
        raise DomainError(_("Upload the signed agreement as a PDF file."), "file")
    if len(data) > MAX_SIGNED_BYTES:
        raise DomainError(_("The file is larger than 10 MB."), "file")
    stored = f"agreement-{uuid.uuid4().hex}.pdf"
    target = upload_dir() / stored
    with open(target, "xb") as fh:
        fh.write(data)
    os.chmod(target, 0o600)
    db.session.info.setdefault("new_files", []).append(target)
    agreement.signed_stored_name = stored
    agreement.signed_uploaded_at = utcnow()
    agreement.signed_uploaded_by_id = actor.id
    db.session.flush()
    audit.record(actor, "agreement.upload_signed", "application", application.id,
                 {"hash": agreement.content_hash, "size": len(data)})
    from ..applications.notifications import delivering_staff

    _notify(delivering_staff(application), application,
            lambda: _("%(ref)s: the beneficiary uploaded the signed agreement; please check it.",
                      ref=application.reference))


def can_check(user, application: Application) -> bool:
    return workflow.is_delivering_staff(user, application) and not workflow.has_conflict(user, application)


def check_signed(actor, agreement: VoucherAgreement) -> bool:
    """Partner staff of the delivering partner confirm the uploaded signed copy. Returns
    False when the agreement was already accepted."""
    application = agreement.application
    if not can_check(actor, application):
        raise PermissionDenied(_("Only staff of the delivering partner can check the signed agreement."))
    if agreement.accepted:
        return False
    if agreement.signed_stored_name is None:
        raise DomainError(_("No signed agreement has been uploaded."))
    agreement.accepted_at = utcnow()
    agreement.acceptance_method = AcceptanceMethod.UPLOAD
    agreement.accepted_by_id = agreement.signed_uploaded_by_id
    agreement.checked_by_id = actor.id
    agreement.accepted_hash = agreement.content_hash
    db.session.flush()
    audit.record(actor, "agreement.accept", "application", application.id,
                 {"method": "upload", "checked_by": actor.id, "hash": agreement.content_hash})
    _tell(actor, application, lambda: _("%(ref)s: the signed agreement was checked; delivery can start.",
                                        ref=application.reference))
    return True


def _notify(users, application: Application, message) -> None:
    """`message` is a function calling gettext: rendered per recipient, in their language."""
    from ..core.notify import notify

    notify(users, message, application_id=application.id)


def _tell(actor, application: Application, message) -> None:
    from ..applications.notifications import applicant_users, delivering_staff

    people = [u for u in applicant_users(application) + delivering_staff(application)
              if u.id != getattr(actor, "id", None)]
    _notify(people, application, message)


# --- validity --------------------------------------------------------------------------------

def can_extend(user, agreement: VoucherAgreement) -> bool:
    return (user.role is Role.MANAGER and agreement.extended_at is None
            and agreement.application.state in (AppState.APPROVED, AppState.IN_DELIVERY))


def extend(actor, agreement: VoucherAgreement, reason: str) -> None:
    """A manager extends one voucher's validity once, by VOUCHER_EXTENSION_MONTHS (3), with a
    reason (audited)."""
    if actor.role is not Role.MANAGER:
        raise PermissionDenied(_("Only managers extend vouchers."))
    if agreement.extended_at is not None:
        raise DomainError(_("This voucher was already extended once (on %(day)s).",
                            day=agreement.extended_at.date().isoformat()), "reason")
    if agreement.application.state not in (AppState.APPROVED, AppState.IN_DELIVERY):
        raise DomainError(_("Only a voucher not yet delivered can be extended."), "reason")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the voucher is extended."), "reason")
    before = agreement.valid_until
    agreement.valid_until = add_months(before, int(current_app.config.get("VOUCHER_EXTENSION_MONTHS", 3)))
    agreement.extended_at = utcnow()
    agreement.extended_by_id = actor.id
    agreement.extension_reason = reason[:5000]
    agreement.reminder_sent_at = None
    db.session.flush()
    audit.record(actor, "agreement.extend", "application", agreement.application_id,
                 {"before": before.isoformat(), "after": agreement.valid_until.isoformat(), "reason": reason})
    _tell(actor, agreement.application, lambda: _("%(ref)s: the voucher's validity is extended to %(day)s.",
                                                  ref=agreement.application.reference,
                                                  day=page_date(agreement.valid_until)))



@dataclass
class ExpiryRun:
    expired: list[str]
    reminded: list[str]


def _open_vouchers():
    return (sa.select(VoucherAgreement).join(Application, Application.id == VoucherAgreement.application_id)
            .where(Application.state.in_([AppState.APPROVED, AppState.IN_DELIVERY])))


def expire(now: datetime | None = None) -> ExpiryRun:
    """Cancel the vouchers past their validity that were never delivered (release the
    commitment, reverse the aid, notify), and remind those expiring within 30 days.
    Idempotent: a voucher is expired once and reminded once."""
    from ..applications.notifications import applicant_users, delivering_staff
    from ..budget import services as budget

    today = (now or utcnow()).date()
    run = ExpiryRun([], [])
    for agreement in db.session.scalars(_open_vouchers().where(VoucherAgreement.valid_until < today)
                                        .order_by(VoucherAgreement.id)).all():
        application = agreement.application
        application.cancel_reason = _("The voucher expired on %(day)s without delivery.",
                                      day=agreement.valid_until.strftime("%d.%m.%Y"))
        budget.cancel_application_money(None, application, today)
        workflow.expire(application, {"valid_until": agreement.valid_until.isoformat(),
                                      "released_cents": application.approved_cents})
        agreement.expired_at = utcnow()
        db.session.flush()
        _notify(applicant_users(application) + delivering_staff(application), application,
                lambda ref=application.reference, day=agreement.valid_until: _(
                    "%(ref)s expired on %(day)s without delivery and is cancelled; its commitment "
                    "is released and its aid reversed.", ref=ref, day=page_date(day)))
        run.expired.append(application.reference)
    horizon = today + timedelta(days=REMINDER_DAYS)
    for agreement in db.session.scalars(_open_vouchers().where(
            VoucherAgreement.valid_until >= today, VoucherAgreement.valid_until <= horizon,
            VoucherAgreement.reminder_sent_at.is_(None)).order_by(VoucherAgreement.id)).all():
        application = agreement.application
        agreement.reminder_sent_at = utcnow()
        _notify(applicant_users(application) + delivering_staff(application), application,
                lambda ref=application.reference, day=agreement.valid_until: _(
                    "%(ref)s must be delivered by %(day)s, or the voucher expires.", ref=ref, day=page_date(day)))
        audit.record(None, "agreement.reminder", "application", application.id,
                     {"valid_until": agreement.valid_until.isoformat()})
        run.reminded.append(application.reference)
    db.session.flush()
    return run
