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
from ..core.errors import DomainError, DomainErrors
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
    """What a visitor types in to register an organisation (or an admin corrects).

    None marks a value the form could not read: `organisation_problems` skips its
    checks (the form says what is wrong), `validate_organisation` refuses it."""

    kind: OrgKind | None
    legal_name: str
    fiscal_code: str | None
    trade_register_no: str | None
    county: str | None
    caen_code: str | None
    headcount: int | None
    turnover: Decimal | None
    balance_sheet: Decimal | None
    #: Of its letters and notices: "ro" or "en"; None leaves the organisation's choice as it is.
    letter_language: str | None = None


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


def _cents(amount: Decimal, field: str) -> int:
    try:
        return to_cents(amount)
    except ValueError as exc:
        raise DomainError(_("Use at most two decimals."), field) from exc


def _attempt(found: list, call, *args):
    """Run one check; a refusal goes into `found` (with its field) and gives None."""
    try:
        return call(*args)
    except DomainError as exc:
        found.append((exc.field, exc.message))
        return None


def organisation_problems(data: OrganisationData, valid_counties,
                          exclude_id: int | None = None) -> tuple[dict, list[tuple[str | None, str]]]:
    """Check every field at once: (normalised column values, every problem as (field, message)).

    Values a form could not read (None) are skipped: the form already said what is wrong.
    `exclude_id` is the organisation being corrected (its own fiscal code is not a clash)."""
    found: list[tuple[str | None, str]] = []
    values: dict = {}
    if data.fiscal_code is not None:
        normalised = _attempt(found, normalise_fiscal_code, data.fiscal_code)
        if normalised is not None:
            values["fiscal_code"], values["vat_registered"] = normalised
            clash = db.session.scalar(sa.select(Organisation.id).where(
                Organisation.fiscal_code == values["fiscal_code"],
                Organisation.id != (exclude_id or 0)))
            if clash:
                found.append(("fiscal_code", _(
                    "An organisation with this fiscal code is already registered. Ask one of its "
                    "users to invite you (on their organisation page), or contact the hub.")))
    trade_no = _attempt(found, normalise_trade_register, data.trade_register_no)
    values["trade_register_no"] = trade_no
    if data.kind in (OrgKind.SME, OrgKind.SMALL_MIDCAP) and trade_no is None and not any(
            f == "trade_register_no" for f, _m in found):
        found.append(("trade_register_no", _("Companies give their trade-register number.")))
    if data.county is not None and data.county not in valid_counties:
        found.append(("county", _("Choose a county.")))
    caen = (data.caen_code or "").strip()
    if data.caen_code is not None and (len(caen) != 4 or not caen.isdigit()):
        found.append(("caen_code", _("A CAEN code has 4 digits.")))
    if data.headcount is not None and data.headcount < 0:
        found.append(("headcount", _("The headcount cannot be negative.")))
    turnover = balance = None
    for name in ("turnover", "balance_sheet"):
        amount = getattr(data, name)
        if amount is None:
            continue
        cents = _attempt(found, _cents, amount, name)
        if cents is not None and cents < 0:
            found.append((name, _("Amounts cannot be negative.")))
        elif name == "turnover":
            turnover = cents
        else:
            balance = cents
    if data.headcount is not None and data.headcount >= 0 and turnover is not None and balance is not None:
        size = classify_size(data.headcount, turnover, balance)
        if data.kind is not None:
            _attempt(found, check_kind_fits_size, data.kind, size)
        values.update(size_class=size, headcount=data.headcount, turnover_cents=turnover,
                      balance_sheet_cents=balance)
    values.update(kind=data.kind, legal_name=(data.legal_name or "").strip(), county=data.county, caen_code=caen)
    if "fiscal_code" in values:
        values["undertaking_group"] = values["fiscal_code"]
    if data.letter_language is not None:
        values["preferred_locale"] = data.letter_language if data.letter_language in ("ro", "en") else "ro"
    return values, found


def validate_organisation(data: OrganisationData, valid_counties, exclude_id: int | None = None) -> dict:
    """Check every field; return the normalised column values or raise `DomainErrors` (all of them)."""
    values, found = organisation_problems(data, valid_counties, exclude_id)
    required = ("kind", "fiscal_code", "county", "caen_code", "headcount", "turnover", "balance_sheet")
    found += [(name, _("This field is required.")) for name in required if getattr(data, name) is None]
    DomainErrors.raise_if(found)
    return values


def registration_problems(data: OrganisationData, *, email: str | None, password: str | None,
                          valid_counties, full_name: str | None = None) -> list[tuple[str | None, str]]:
    """Every problem of a registration at once: the organisation, the e-mail, the password
    (judged with the person's name, e-mail and organisation as known guesses)."""
    _values, found = organisation_problems(data, valid_counties)
    if email and db.session.scalar(sa.select(User.id).where(User.email == normalise_email(email))):
        found.append(("email", _("An account with this e-mail address already exists.")))
    if password:
        problem = password_problem(password, email or "", (full_name, data.legal_name))
        if problem:
            found.append(("password", problem))
    return found


def register_organisation(data: OrganisationData, *, email: str, full_name: str,
                          password: str, valid_counties) -> User:
    """Create an organisation with its first (applicant) user, atomically."""
    DomainErrors.raise_if(registration_problems(data, email=email, password=password,
                                                valid_counties=valid_counties, full_name=full_name))
    values = validate_organisation(data, valid_counties)
    org = Organisation(**values)
    db.session.add(org)
    db.session.flush()
    user = create_user(email, password, full_name, Role.APPLICANT, organisation=org)
    audit.record(user, "organisation.register", "organisation", org.id,
                 {"fiscal_code": org.fiscal_code, "size_class": org.size_class.value})
    return user
