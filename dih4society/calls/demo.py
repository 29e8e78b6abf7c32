"""Demo calls. `ensure_rolling_call` is part of the base data: an open rolling call that
offers every service to every kind of organisation, so that applying (which always
happens within a call) works out of the box, and the tests' builders attach their
applications to it (`default_call()`)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ..catalogue.models import Service
from ..core.db import utcnow
from ..extensions import db
from ..organisations.models import OrgKind
from .models import Call, SelectionMode

ROLLING_TITLE_EN = "Digital transformation vouchers: continuous call"
ROLLING_TITLE_RO = "Vouchere de transformare digitală: apel continuu"


def default_call() -> Call | None:
    """The base data's open rolling call."""
    return db.session.scalar(sa.select(Call).where(Call.title_en == ROLLING_TITLE_EN))


def ensure_rolling_call(admin) -> Call:
    """The open rolling call of the base data (idempotent): every service, every kind,
    every county, no cap of its own (the budget accounts bound it), two vouchers each."""
    call = default_call()
    if call is not None:
        return call
    now = utcnow().replace(microsecond=0)
    call = Call(title_en=ROLLING_TITLE_EN, title_ro=ROLLING_TITLE_RO,
                description_en="Apply at any time while the call is open; applications are screened, "
                               "reviewed and decided as they come, while the budget lasts.",
                description_ro="Aplicați oricând cât timp apelul este deschis; cererile sunt verificate, "
                               "evaluate și decise pe măsură ce sosesc, în limita bugetului.",
                opens_at=now - timedelta(days=90), closes_at=now + timedelta(days=400),
                eligible_kinds=",".join(sorted(k.value for k in OrgKind)), eligible_counties="",
                cap_cents=None, committed_cents=0, spent_cents=0, max_per_group=50,
                selection_mode=SelectionMode.ROLLING, min_score=0, created_by_id=admin.id)
    call.services = list(db.session.scalars(sa.select(Service).order_by(Service.code)))
    db.session.add(call)
    db.session.flush()
    return call
