"""Satisfaction after delivery: asked when an application closes, answered once.

`ask` is called by `applications.services.confirm` in the closing transaction (an
in-app notification and an e-mail through the outbox); `answer` stores the one reply.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..applications.models import Application, AppState
from ..auth.models import Role, User
from ..core import audit
from ..core.errors import DomainError, PermissionDenied
from ..core.notify import notify
from ..extensions import db
from .models import Satisfaction

MAX_COMMENT = 2000


def response_of(application_id: int) -> Satisfaction | None:
    return db.session.scalar(sa.select(Satisfaction).where(Satisfaction.application_id == application_id))


def can_answer(user, application: Application) -> bool:
    """The beneficiary's own users, once the application is closed."""
    return bool(user.is_authenticated and user.role is Role.APPLICANT
                and user.organisation_id == application.organisation_id
                and application.state is AppState.CLOSED)


def ask(application: Application) -> None:
    """Ask the beneficiary's users for their satisfaction (in-app and by e-mail)."""
    users = db.session.scalars(sa.select(User).where(User.organisation_id == application.organisation_id,
                                                     User.active.is_(True))).all()
    ref = application.reference or ""
    # Rendered per recipient, in their language (the service name too).
    notify(users, lambda: _("%(ref)s is closed. How satisfied are you with %(service)s? Two questions, one "
                            "minute: open the application to answer.", ref=ref, service=application.service.name),
           application_id=application.id,
           email_subject=lambda: _("%(ref)s: how satisfied are you with the service?", ref=ref))


def answer(actor, application: Application, score: int | None, would_recommend: bool | None,
           comment: str | None) -> Satisfaction:
    """Store the one satisfaction answer of a closed application (refused if given already)."""
    if not can_answer(actor, application):
        raise PermissionDenied(_("Only the beneficiary can rate a closed application."))
    if response_of(application.id) is not None:
        raise DomainError(_("Thank you: your organisation has already rated this service."))
    if score is None or not 1 <= score <= 10:
        raise DomainError(_("Choose a score from 1 to 10."), "score")
    if would_recommend is None:
        raise DomainError(_("Say whether you would recommend the service."), "would_recommend")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise DomainError(_("Keep the comment under %(n)s characters.", n=MAX_COMMENT), "comment")
    response = Satisfaction(application_id=application.id, organisation_id=application.organisation_id,
                            service_id=application.service_id, score=score, would_recommend=would_recommend,
                            comment=comment or None, user_id=actor.id)
    db.session.add(response)
    db.session.flush()
    audit.record(actor, "satisfaction.answer", "application", application.id,
                 {"score": score, "would_recommend": would_recommend})
    return response
