"""State aid: the aid an approval means, the rolling-window ceilings, the register.

The aid of a voucher (its gross grant equivalent) is the value the beneficiary
receives without paying: the approved value less the service's co-payment
(DESIGN.md §4; the co-payment is rounded half-up to the cent, the aid is the rest).
It is granted under the service's legal basis to the organisation's *undertaking
group* (linked enterprises count as one), restated at closing to the final cost
covered, and reversed by a cancellation. Before approval, the group's aid under the same basis
over the AID_WINDOW_YEARS before the approval date (this hub's grants that were
not reversed, plus, for de minimis, the aid declared from elsewhere) plus the new
aid must stay within the basis' ceiling (config AID_CEILINGS_CENTS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..catalogue.models import LegalBasis
from ..core import audit
from ..core.db import is_postgres
from ..core.errors import DomainError
from ..core.i18n import page_date
from ..core.money import aid_of, co_payment_of, eur
from ..extensions import db
from ..organisations.models import OrgKind
from .models import AidGrant


class AidCeilingExceeded(DomainError):
    """The beneficiary's state-aid ceiling cannot take the grant."""


@dataclass
class AidCheck:
    """The figures behind an aid decision, shown to the decision-maker."""

    legal_basis: LegalBasis
    aid_cents: int
    granted_cents: int  # this hub, same basis, window
    declared_cents: int  # outside de minimis, window
    ceiling_cents: int | None

    @property
    def total_after_cents(self) -> int:
        return self.granted_cents + self.declared_cents + self.aid_cents

    @property
    def headroom_cents(self) -> int | None:
        """What the ceiling could still take after this grant (negative: over)."""
        if self.ceiling_cents is None:
            return None
        return self.ceiling_cents - self.total_after_cents

    @property
    def fits(self) -> bool:
        return self.ceiling_cents is None or self.total_after_cents <= self.ceiling_cents


def window_start(on: date) -> date:
    """Start of the rolling window of AID_WINDOW_YEARS before `on` (excluded)."""
    years = current_app.config["AID_WINDOW_YEARS"]
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28) + timedelta(days=1)


def ceiling_for(basis: LegalBasis) -> int | None:
    """The configured ceiling of a legal basis in cents (None: no ceiling)."""
    return current_app.config["AID_CEILINGS_CENTS"].get(basis.value)


def receives_aid(application) -> bool:
    """Public bodies acting non-economically, and no-aid services, get no aid record."""
    return (application.service.legal_basis is not LegalBasis.NO_AID
            and application.organisation.kind is not OrgKind.PUBLIC_INSTITUTION)


def aid_check(application, amount_cents: int, on: date) -> AidCheck:
    """Compute the aid of granting `amount_cents` and the group's totals in the window.

    The window is the AID_WINDOW_YEARS before `on` (`on` included, the same date
    years earlier excluded). This hub's grants count unless reversed; for de minimis
    the outside aid declared counts too: this application's statement or the group's
    latest earlier one, whichever is larger."""

    service = application.service
    basis = service.legal_basis if receives_aid(application) else LegalBasis.NO_AID
    if basis is LegalBasis.NO_AID:
        return AidCheck(basis, 0, 0, 0, None)
    aid = aid_of(amount_cents, service.co_payment_percent)
    group = application.organisation.undertaking_group
    start = window_start(on)
    granted = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(AidGrant.aid_cents), 0)).where(
            AidGrant.undertaking_group == group, AidGrant.legal_basis == basis,
            AidGrant.reversed_on.is_(None), AidGrant.granted_on > start,
            AidGrant.granted_on <= on, AidGrant.application_id != application.id))
    declared = 0
    if basis is LegalBasis.DE_MINIMIS:
        declared = max(_declared_on(application.id, start, on),
                       _declared_on(_latest_other_declaration(application, group), start, on))
    return AidCheck(basis, aid, int(granted), int(declared), ceiling_for(basis))


def _declared_on(application_id: int | None, start: date, on: date) -> int:
    """Outside de minimis aid listed on one application, inside the window."""
    from ..applications.models import OutsideAid

    if application_id is None:
        return 0
    return int(db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(OutsideAid.amount_cents), 0)).where(
            OutsideAid.application_id == application_id,
            OutsideAid.granted_on > start, OutsideAid.granted_on <= on)))


def _latest_other_declaration(application, group: str) -> int | None:
    """The group's most recent submitted declaration on another application.

    Each application restates the outside aid of the last years, so the latest
    statement counts (the same rule as the aid register); an application that
    lists nothing cannot make earlier declared aid disappear."""
    from ..applications.models import Application, AppState, OutsideAid

    return db.session.scalar(
        sa.select(sa.func.max(OutsideAid.application_id))
        .join(Application, Application.id == OutsideAid.application_id)
        .where(OutsideAid.undertaking_group == group, Application.state != AppState.DRAFT,
               OutsideAid.application_id != application.id))


def _lock_group(group: str) -> None:
    """Serialise aid decisions for one undertaking group (PostgreSQL advisory lock;
    SQLite writers are already serialised by BEGIN IMMEDIATE)."""
    if is_postgres(db.session):
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:g))"), {"g": group})


def grant_aid(actor, application, amount_cents: int, on: date) -> AidGrant | None:
    """Record the aid of an approval, refusing it over the ceiling (with the figures).

    Sets the application's legal basis and aid amount. No record for no-aid cases.
    Idempotent: a second call for the same application returns the existing grant."""
    _lock_group(application.organisation.undertaking_group)
    existing = db.session.scalar(sa.select(AidGrant).where(AidGrant.application_id == application.id))
    if existing is not None:
        if existing.reversed_on is not None:
            raise DomainError(_("The aid for %(ref)s was reversed on %(day)s; it cannot be granted again.",
                                ref=application.reference or "?", day=page_date(existing.reversed_on)))
        return existing
    check = aid_check(application, amount_cents, on)
    if check.legal_basis is not LegalBasis.NO_AID and not check.fits:
        raise AidCeilingExceeded(
            _("State-aid ceiling exceeded under %(basis)s: granted by the hub %(granted)s, "
              "declared from elsewhere %(declared)s, this grant %(aid)s; total %(total)s "
              "over the ceiling of %(ceiling)s.",
              basis=check.legal_basis.label, granted=eur(check.granted_cents),
              declared=eur(check.declared_cents), aid=eur(check.aid_cents),
              total=eur(check.total_after_cents), ceiling=eur(check.ceiling_cents)))
    application.legal_basis = check.legal_basis
    application.aid_cents = check.aid_cents
    if check.legal_basis is LegalBasis.NO_AID:
        return None
    grant = AidGrant(application_id=application.id, organisation_id=application.organisation_id,
                     undertaking_group=application.organisation.undertaking_group,
                     legal_basis=check.legal_basis, granted_on=on, market_value_cents=amount_cents,
                     co_payment_cents=co_payment_of(amount_cents, application.service.co_payment_percent),
                     approved_aid_cents=check.aid_cents, aid_cents=check.aid_cents)
    db.session.add(grant)
    db.session.flush()
    return grant


def restate_aid(actor, application, final_value_cents: int, on: date) -> AidGrant | None:
    """At closing, restate the aid to the final cost covered (never above the approval's aid).

    The final value is the actual cost of what was delivered; the beneficiary's
    co-payment is restated on it with the percentage frozen at approval, and the aid
    is the rest. The application's figures follow; the change is audited."""
    percent = application.co_payment_percent or 0
    co_payment = co_payment_of(final_value_cents, percent)
    aid = final_value_cents - co_payment
    application.co_payment_cents = co_payment
    grant = db.session.scalar(sa.select(AidGrant).where(AidGrant.application_id == application.id))
    if grant is None or grant.reversed_on is not None:
        if application.aid_cents is not None and application.legal_basis is LegalBasis.NO_AID:
            application.aid_cents = 0
        return grant
    before = {"aid_cents": grant.aid_cents, "co_payment_cents": grant.co_payment_cents,
              "value_cents": grant.market_value_cents}
    grant.final_value_cents = final_value_cents
    grant.co_payment_cents = co_payment
    grant.aid_cents = aid
    grant.restated_on = on
    application.aid_cents = aid
    db.session.flush()
    audit.record(actor, "budget.aid_restated", "aid_grant", grant.id,
                 {"application": application.reference, "before": before,
                  "after": {"aid_cents": aid, "co_payment_cents": co_payment, "value_cents": final_value_cents},
                  "restated_on": on.isoformat()})
    return grant


def reverse_aid(actor, application, on: date) -> AidGrant | None:
    """Mark the application's aid grant reversed (it no longer counts to the ceiling)."""
    grant = db.session.scalar(sa.select(AidGrant).where(AidGrant.application_id == application.id))
    if grant is None or grant.reversed_on is not None:
        return grant
    grant.reversed_on = on
    db.session.flush()
    audit.record(actor, "budget.aid_reversed", "aid_grant", grant.id,
                 {"application": application.reference, "aid_cents": grant.aid_cents,
                  "reversed_on": on.isoformat()})
    return grant


