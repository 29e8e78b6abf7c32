"""The DMA line of the reviewer's eligibility checklist: the T0 result and its weakest dimensions."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _

from . import results, services
from .models import T0


def t0_check(organisation_id: int) -> tuple[str, str]:
    """(ok / warn / fail, reason) for the organisation's T0."""
    t0 = services.latest_submitted(organisation_id, T0)
    if t0 is not None:
        weakest = ", ".join(f"{name} {score:.1f}" for name, score in results.weakest(t0, str(get_locale() or 'en')))
        return "ok", _("T0 of %(date)s: %(score)s / 100 (%(band)s); weakest: %(weakest)s.",
                       date=t0.submitted_at.date().isoformat(), score=f"{t0.overall:.1f}",
                       band=results.band_label(t0.band, str(get_locale() or 'en')).lower(), weakest=weakest)
    waiver = services.waiver_of(organisation_id)
    if waiver is not None:
        return "warn", _("No T0: waived by %(name)s (%(reason)s).", name=waiver.granted_by.full_name,
                         reason=waiver.reason)
    return "warn", _("No T0 assessment (the organisation applied before the T0 was required).")
