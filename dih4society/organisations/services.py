"""Organisation rules: fiscal codes, SME size class, registration."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from stdnum.exceptions import ValidationError
from stdnum.ro import cui, onrc

from ..auth.models import Role, User
from ..auth.services import create_user, normalise_email, password_problem
from ..core import audit
from ..core.errors import DomainError
from ..core.money import to_cents
from ..extensions import db
from .models import Organisation, OrgKind, SizeClass

EUR_M = 100_000_000  # one million euros in cents

#: (class, staff strictly below, turnover at most, balance sheet at most), smallest first.
SIZE_THRESHOLDS: tuple[tuple[SizeClass, int, int, int], ...] = (
    (SizeClass.MICRO, 10, 2 * EUR_M, 2 * EUR_M),
    (SizeClass.SMALL, 50, 10 * EUR_M, 10 * EUR_M),
    (SizeClass.MEDIUM, 250, 50 * EUR_M, 43 * EUR_M),
    (SizeClass.SMALL_MIDCAP, 750, 150 * EUR_M, 129 * EUR_M),
)
SME_CLASSES = frozenset({SizeClass.MICRO, SizeClass.SMALL, SizeClass.MEDIUM})


def classify_size(headcount: int, turnover_cents: int, balance_sheet_cents: int) -> SizeClass:
    """Size class per Recommendation 2003/361 (staff AND turnover-or-balance) and 2025/1099."""
    for size, staff_below, turnover_max, balance_max in SIZE_THRESHOLDS:
        if headcount < staff_below and (
            turnover_cents <= turnover_max or balance_sheet_cents <= balance_max
        ):
            return size
    return SizeClass.LARGE


def normalise_fiscal_code(raw: str) -> tuple[str, bool]:
    """Validate a CUI/CIF; return (digits without prefix, whether ``RO`` was given)."""
    text = (raw or "").strip().upper().replace(" ", "")
    vat = text.startswith("RO")
    digits = text[2:] if vat else text
    if not digits:
        raise DomainError(_("Enter the fiscal code (CUI)."), "fiscal_code")
    if not digits.isdigit():
        raise DomainError(_("A fiscal code has only digits, optionally after RO."), "fiscal_code")
    if not 2 <= len(digits) <= 10:
        raise DomainError(_("A fiscal code has 2 to 10 digits."), "fiscal_code")
    try:
        cui.validate(digits)
    except ValidationError as exc:
        raise DomainError(_("The check digit of this fiscal code is wrong."), "fiscal_code") from exc
    return digits, vat


def normalise_trade_register(raw: str | None) -> str | None:
    """Validate an ONRC number such as ``J12/1483/2015``; None when empty."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return onrc.validate(text)
    except ValidationError as exc:
        raise DomainError(
            _("Not a valid trade-register number (for example J12/1483/2015)."),
            "trade_register_no",
        ) from exc


@dataclass
class OrganisationData:
    """What a visitor types in to register an organisation."""

    kind: OrgKind
    legal_name: str
    fiscal_code: str
    trade_register_no: str | None
    county: str
    caen_code: str
    headcount: int
    turnover: Decimal
    balance_sheet: Decimal
    letter_language: str = "ro"  # of its letters and notices: "ro" or "en"


def check_kind_fits_size(kind: OrgKind, size: SizeClass) -> None:
    """Refuse an enterprise kind that its figures contradict, and say what fits."""
    if kind is OrgKind.SME and size not in SME_CLASSES:
        if size is SizeClass.SMALL_MIDCAP:
            raise DomainError(
                _("These figures are over the SME limits (Recommendation 2003/361). "
                  "The organisation qualifies as a small mid-cap: choose that kind."), "kind")
        raise DomainError(
            _("These figures are over the SME and small mid-cap limits: the organisation "
              "is a large enterprise and cannot apply as an SME."), "kind")
    if kind is OrgKind.SMALL_MIDCAP and size is not SizeClass.SMALL_MIDCAP:
        if size in SME_CLASSES:
            raise DomainError(_("These figures make the organisation an SME: choose SME."), "kind")
        raise DomainError(
            _("These figures are over the small mid-cap limits (fewer than 750 staff and "
              "turnover up to EUR 150 m or balance sheet up to EUR 129 m)."), "kind")


def validate_organisation(data: OrganisationData, valid_counties) -> dict:
    """Check every field; return the normalised column values or raise DomainError."""
    fiscal_code, vat = normalise_fiscal_code(data.fiscal_code)
    trade_no = normalise_trade_register(data.trade_register_no)
    if data.kind in (OrgKind.SME, OrgKind.SMALL_MIDCAP) and trade_no is None:
        raise DomainError(_("Companies give their trade-register number."), "trade_register_no")
    if data.county not in valid_counties:
        raise DomainError(_("Choose a county."), "county")
    caen = (data.caen_code or "").strip()
    if len(caen) != 4 or not caen.isdigit():
        raise DomainError(_("A CAEN code has 4 digits."), "caen_code")
    if data.headcount < 0:
        raise DomainError(_("The headcount cannot be negative."), "headcount")
    turnover, balance = to_cents(data.turnover), to_cents(data.balance_sheet)
    if turnover < 0 or balance < 0:
        raise DomainError(_("Amounts cannot be negative."), "turnover")
    size = classify_size(data.headcount, turnover, balance)
    check_kind_fits_size(data.kind, size)
    if db.session.scalar(sa.select(Organisation.id).where(Organisation.fiscal_code == fiscal_code)):
        raise DomainError(
            _("An organisation with this fiscal code is already registered. "
              "Ask its users to invite you, or contact the hub."), "fiscal_code")
    return {
        "kind": data.kind, "legal_name": data.legal_name.strip(), "fiscal_code": fiscal_code,
        "vat_registered": vat, "trade_register_no": trade_no, "county": data.county,
        "caen_code": caen, "headcount": data.headcount, "turnover_cents": turnover,
        "balance_sheet_cents": balance, "size_class": size, "undertaking_group": fiscal_code,
        "preferred_locale": data.letter_language if data.letter_language in ("ro", "en") else "ro",
    }


def register_organisation(data: OrganisationData, *, email: str, full_name: str,
                          password: str, valid_counties) -> User:
    """Create an organisation with its first (applicant) user, atomically."""
    values = validate_organisation(data, valid_counties)
    if db.session.scalar(sa.select(User.id).where(User.email == normalise_email(email))):
        raise DomainError(_("An account with this e-mail address already exists."), "email")
    problem = password_problem(password, email)
    if problem:
        raise DomainError(problem, "password")
    org = Organisation(**values)
    db.session.add(org)
    db.session.flush()
    user = create_user(email, password, full_name, Role.APPLICANT, organisation=org)
    audit.record(user, "organisation.register", "organisation", org.id,
                 {"fiscal_code": org.fiscal_code, "size_class": org.size_class.value})
    return user
