"""The eligibility checklist reviewers see, computed from the data (never typed in)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from ..budget import services as budget
from ..catalogue.models import LegalBasis
from ..core.db import utcnow
from ..core.money import eur
from ..organisations.models import OrgKind, SizeClass
from .models import Application

OK, WARN, FAIL = "ok", "warn", "fail"
SME_SIZES = (SizeClass.MICRO, SizeClass.SMALL, SizeClass.MEDIUM)


@dataclass(frozen=True)
class Check:
    """One line of the checklist: what, the verdict (ok / warn / fail) and why."""

    label: str
    status: str
    reason: str


def _kind(app: Application) -> Check:
    org, service = app.organisation, app.service
    if service.is_eligible_kind(org.kind):
        return Check(_("Organisation kind"), OK,
                     _("%(service)s is open to this kind of organisation (%(kind)s).",
                       kind=org.kind.label, service=service.name))
    return Check(_("Organisation kind"), FAIL,
                 _("%(service)s is not open to this kind of organisation (%(kind)s).",
                   kind=org.kind.label, service=service.name))


def _size(app: Application) -> Check:
    org = app.organisation
    size = org.size_class
    if org.kind is OrgKind.SME:
        if size in SME_SIZES:
            return Check(_("Size class"), OK, _("%(size)s: within the SME limits (Recommendation 2003/361).",
                                                size=size.label))
        return Check(_("Size class"), FAIL, _("%(size)s: over the SME limits.", size=size.label))
    if org.kind is OrgKind.SMALL_MIDCAP:
        if size is SizeClass.SMALL_MIDCAP:
            return Check(_("Size class"), OK, _("Small mid-cap (Recommendation (EU) 2025/1099)."))
        return Check(_("Size class"), FAIL, _("%(size)s does not match the small mid-cap kind.",
                                              size=size.label))
    return Check(_("Size class"), OK, _("%(size)s; the SME size limits do not apply to this kind of organisation "
                                        "(%(kind)s).", size=size.label, kind=org.kind.label))


def _county(app: Application) -> Check:
    county = app.organisation.county
    name = current_app.config["COUNTIES"].get(county, county)
    if county in current_app.config["HUB_REGION_COUNTIES"]:
        return Check(_("County"), OK, _("%(county)s is in the hub's region (priority).", county=name))
    return Check(_("County"), WARN, _("%(county)s is outside the hub's region: may be served, without priority.",
                                      county=name))


def _declarations(app: Application) -> Check:
    missing = []
    if not app.decl_sme:
        missing.append(_("SME declaration"))
    if not app.decl_not_in_difficulty:
        missing.append(_("not an undertaking in difficulty"))
    if not app.decl_no_recovery_order:
        missing.append(_("no unpaid recovery order"))
    if not app.decl_outside_aid_complete:
        missing.append(_("de minimis aid from other grantors"))
    if missing:
        return Check(_("Declarations"), FAIL, _("Missing: %(list)s.", list=", ".join(missing)))
    rows = len(app.outside_aid)
    return Check(_("Declarations"), OK, ngettext(
        "All declarations given; %(num)d grant from other grantors declared.",
        "All declarations given; %(num)d grants from other grantors declared.", rows))


def _amount(app: Application) -> Check:
    value = app.service.market_value_cents
    if app.requested_cents <= value:
        return Check(_("Amount"), OK, _("%(req)s requested, market value %(value)s.",
                                        req=eur(app.requested_cents), value=eur(value)))
    return Check(_("Amount"), FAIL, _("%(req)s requested is over the market value %(value)s.",
                                      req=eur(app.requested_cents), value=eur(value)))


def _aid(app: Application) -> Check:
    amount = app.approved_cents or app.requested_cents
    result = budget.aid_check(app, amount, utcnow().date())
    if result.legal_basis is LegalBasis.NO_AID:
        return Check(_("State aid"), OK, _("No state aid for this beneficiary and service."))
    detail = _("%(basis)s: this grant %(aid)s; already granted by the hub %(granted)s; declared from "
               "elsewhere %(declared)s; ceiling %(ceiling)s.", basis=result.legal_basis.label,
               aid=eur(result.aid_cents), granted=eur(result.granted_cents),
               declared=eur(result.declared_cents), ceiling=eur(result.ceiling_cents))
    return Check(_("State aid"), OK if result.fits else FAIL, detail)


def _dma(app: Application) -> Check:
    from ..assessments.eligibility import t0_check

    status, reason = t0_check(app.organisation_id)
    return Check(_("Digital maturity (T0)"), status, reason)


def checklist(app: Application) -> list[Check]:
    """Every check, in reading order."""
    return [_kind(app), _size(app), _county(app), _declarations(app), _amount(app), _aid(app), _dma(app)]
