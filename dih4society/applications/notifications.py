"""Who hears about each step of an application, and what they are told.

One function per audience; `announce()` maps a transition to its audiences and its
message. Everything goes through `core.notify.notify` (in-app + e-mail outbox) in the
caller's transaction. The person who took the step is not notified of it, and people
who declared a conflict of interest are left out.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth.models import Role, User
from ..core.money import eur
from ..core.notify import notify
from ..extensions import db
from .models import Application


def applicant_users(application: Application) -> list[User]:
    """Active users of the applicant organisation."""
    return list(db.session.scalars(sa.select(User).where(
        User.organisation_id == application.organisation_id, User.active.is_(True))))


def delivering_staff(application: Application) -> list[User]:
    """Active staff of the partner that delivers the service."""
    return list(db.session.scalars(sa.select(User).where(
        User.role == Role.PARTNER_STAFF, User.partner_id == application.service.partner_id,
        User.active.is_(True))))


def managers() -> list[User]:
    """Active managers."""
    return list(db.session.scalars(sa.select(User).where(
        User.role == Role.MANAGER, User.active.is_(True))))


def second_approvers(application: Application, first_body: str) -> list[User]:
    """Who may give the second approval: managers and partner approvers of another
    organisation than the first approval's (the workflow rule decides per person)."""
    from . import workflow

    people = managers() + list(db.session.scalars(sa.select(User).where(
        User.role == Role.PARTNER_STAFF, User.is_approver.is_(True), User.active.is_(True))))
    return [u for u in people if u.decision_body != first_body and workflow.can_approve(u, application)]


def reviewers(application: Application) -> list[User]:
    """People who reviewed the application (not those who declared a conflict)."""
    return [r.reviewer for r in application.reviews if not r.conflict_declared]


def _send(actor, application: Application, audiences: list[list[User]], message) -> None:
    """`message` is a function rendering the text: called per recipient, in their language."""
    excluded = {getattr(actor, "id", None)}
    excluded |= {r.reviewer_id for r in application.reviews if r.conflict_declared}
    people = [u for group in audiences for u in group if u.id not in excluded]
    notify(people, message, application_id=application.id)


def announce(actor, application: Application, step: str, before=None) -> None:
    """Notify the people concerned by `step` (a transition name or "review_completed")."""
    a = application
    org = application.organisation.legal_name

    # Rendered per recipient (see `notify`): the draft label and the service name follow
    # the reader's language, so they are looked up inside the message functions.
    def ref() -> str:
        return a.reference or _("Draft #%(id)s", id=a.id)

    def service() -> str:
        return a.service.name

    if step == "submit":
        _send(actor, a, [applicant_users(a), managers(), delivering_staff(a)],
              lambda: _("%(ref)s submitted: %(service)s for %(org)s.", ref=ref(), service=service(), org=org))
    elif step == "withdraw":
        audiences = [applicant_users(a)]
        if before is not None and before.value != "draft":
            audiences += [managers(), delivering_staff(a)]
        _send(actor, a, audiences, lambda: _("%(ref)s (%(service)s) was withdrawn by the applicant.",
                                     ref=ref(), service=service()))
    elif step == "start_review":
        _send(actor, a, [applicant_users(a)],
              lambda: _("%(ref)s: the hub has started reviewing your application for %(service)s.",
                ref=ref(), service=service()))
    elif step == "return_for_info":
        _send(actor, a, [applicant_users(a)],
              lambda: _("%(ref)s: the hub asks for more information: %(question)s",
                ref=ref(), question=a.info_question or ""))
    elif step == "resubmit":
        _send(actor, a, [managers(), delivering_staff(a), reviewers(a)],
              lambda: _("%(ref)s: %(org)s answered and resubmitted.", ref=ref(), org=org))
    elif step == "approve":
        _send(actor, a, [applicant_users(a), delivering_staff(a)],
              lambda: _("%(ref)s approved: %(service)s for %(org)s, %(amount)s.",
                ref=ref(), service=service(), org=org, amount=eur(a.approved_cents)))
    elif step == "approve_first":
        first = a.approvals[0] if a.approvals else None
        _send(actor, a, [second_approvers(a, first.decision_body if first else "")],
              lambda: _("%(ref)s needs a second approval: %(service)s for %(org)s, %(amount)s.",
                ref=ref(), service=service(), org=org,
                amount=eur(first.amount_cents if first else a.requested_cents)))
    elif step == "reject":
        _send(actor, a, [applicant_users(a)],
              lambda: _("%(ref)s was not approved. Reason: %(reason)s", ref=ref(), reason=a.decision_reason or ""))
    elif step == "start_delivery":
        _send(actor, a, [applicant_users(a), managers()],
              lambda: _("%(ref)s: delivery of %(service)s has started.", ref=ref(), service=service()))
    elif step == "record_delivery":
        _send(actor, a, [applicant_users(a), managers()],
              lambda: _("%(ref)s: %(service)s was delivered. Please confirm the delivery.",
                ref=ref(), service=service()))
    elif step == "confirm":
        _send(actor, a, [applicant_users(a), delivering_staff(a), managers()],
              lambda: _("%(ref)s is closed: delivery confirmed, actual cost %(cost)s.",
                ref=ref(), cost=eur(a.actual_cost_cents)))
    elif step == "cancel":
        _send(actor, a, [applicant_users(a), delivering_staff(a), managers()],
              lambda: _("%(ref)s was cancelled. Reason: %(reason)s", ref=ref(), reason=a.cancel_reason or ""))
    elif step == "review_completed":
        _send(actor, a, [managers()],
              lambda: _("%(ref)s: a review is complete; the application can be decided.", ref=ref()))
