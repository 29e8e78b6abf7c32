"""Catalogue rules: creating and editing services."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..core import audit
from ..core.errors import DomainError
from ..core.money import to_cents
from ..extensions import db
from .models import Category, LegalBasis, Partner, Service


def save_service(service: Service | None, *, actor, code: str, name: str, description: str,
                 category: str, partner_id: int, market_value, co_payment_percent: int,
                 legal_basis: str, eligible_kinds: list[str], active: bool,
                 name_ro: str | None = None, description_ro: str | None = None) -> Service:
    """Create (service=None) or update a service; audited with before/after values.

    `name` and `description` are the English texts; the Romanian ones may stay empty
    (readers of Romanian then see the English)."""
    clash = db.session.scalar(sa.select(Service.id).where(Service.code == code))
    if clash and (service is None or clash != service.id):
        raise DomainError(_("Another service has this code."), "code")
    if db.session.get(Partner, partner_id) is None:
        raise DomainError(_("Choose a partner."), "partner_id")
    if not eligible_kinds:
        raise DomainError(_("Choose at least one kind."), "eligible_kinds")
    if not 0 <= co_payment_percent <= 99:
        raise DomainError(_("The co-payment is between 0 and 99 %."), "co_payment_percent")
    cents = to_cents(market_value)
    if cents <= 0:
        raise DomainError(_("The market value must be positive."), "market_value")
    values = dict(code=code, name_en=name.strip(), description_en=description or "",
                  name_ro=(name_ro or "").strip() or None, description_ro=(description_ro or "").strip() or None,
                  category=Category(category), partner_id=partner_id, market_value_cents=cents,
                  co_payment_percent=co_payment_percent, legal_basis=LegalBasis(legal_basis),
                  eligible_kinds=",".join(sorted(set(eligible_kinds))), active=active)
    before = None
    if service is None:
        service = Service(**values)
        db.session.add(service)
        verb = "service.create"
    else:
        before = {k: _plain(getattr(service, k)) for k in values}
        for key, value in values.items():
            setattr(service, key, value)
        verb = "service.update"
    db.session.flush()
    audit.record(actor, verb, "service", service.id,
                 {"before": before, "after": {k: _plain(v) for k, v in values.items()}})
    return service


def _plain(value):
    return getattr(value, "value", value)
