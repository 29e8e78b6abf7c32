"""The application state machine (DESIGN.md §3): the one place that changes `Application.state`.

`TRANSITIONS` is the table: for each named transition, the states it leaves, the state
it reaches, the roles that may take it, the rule that decides *which* people of those
roles may (their own organisation, the delivering partner, the four-eyes principle),
and the timestamp it stamps. `refusal()` answers "may this person take this step now,
and if not, why"; `can()` and the `can_<verb>` helpers wrap it for routes and
templates, so a button is shown exactly when its endpoint would accept the request.
`fire()` re-checks, moves the state and writes the audit event in the caller's
transaction; the services around it add inputs, money and notifications.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth.models import Role
from ..core import audit
from ..core.db import utcnow
from ..core.errors import DomainError, PermissionDenied
from .models import Application, AppState

S = AppState


class TransitionRefused(PermissionDenied):
    """This person may not take this step on this application."""


class WrongState(DomainError):
    """The step is not allowed from the application's current state."""


# --- who is who, relative to one application --------------------------------------------

def is_member(user, application: Application) -> bool:
    """A user of the applicant organisation."""
    return (user.role is Role.APPLICANT and user.organisation_id is not None
            and user.organisation_id == application.organisation_id)


def is_delivering_staff(user, application: Application) -> bool:
    """Staff of the partner that delivers the service (a structural conflict for decisions)."""
    return (user.role is Role.PARTNER_STAFF and user.partner_id is not None
            and user.partner_id == application.service.partner_id)


def is_delivering_partner_member(user, application: Application) -> bool:
    """Anyone attached to the delivering partner, whatever the role: a structural conflict."""
    return user.partner_id is not None and user.partner_id == application.service.partner_id


def own_review(user, application: Application):
    """The user's review row of this application (scores or conflict declaration), if any."""
    for review in application.reviews:
        if review.reviewer_id == user.id:
            return review
    return None


def has_conflict(user, application: Application) -> bool:
    """The user declared a conflict of interest: they are out of this application."""
    review = own_review(user, application)
    return review is not None and review.conflict_declared


def completed_reviews(application: Application) -> list:
    """Completed reviews that count (conflict declarations do not)."""
    return [r for r in application.reviews if r.completed_at is not None and not r.conflict_declared]


def can_view(user, application: Application) -> bool:
    """The applicant organisation sees its own (drafts too); hub people see submitted ones."""
    if is_member(user, application):
        return True
    return user.is_staff and application.state is not S.DRAFT


# --- the rules behind "who", beyond the role --------------------------------------------

Rule = Callable[[Any, Application], str | None]


def _applicant_rule(user, application: Application) -> str | None:
    if not is_member(user, application):
        return _("Only the applicant organisation's users can do this.")
    return None


def _reviewer_rule(user, application: Application) -> str | None:
    if has_conflict(user, application):
        return _("You declared a conflict of interest for this application.")
    return None


def first_approval(application: Application):
    """The first of two approvals, when one has been given."""
    for approval in application.approvals:
        if approval.stage == 1:
            return approval
    return None


def own_partner_with_second() -> bool:
    """The hub lets a partner's approvers approve its own services, with a second approval
    from outside that partner (DESIGN.md §3); off by default."""
    return bool(current_app.config.get("OWN_PARTNER_APPROVAL_WITH_SECOND"))


def _decider_base(user, application: Application) -> str | None:
    """Four eyes, common to every decision: the right, no conflict, not a reviewer, a review done."""
    if not user.is_decider:
        return _("Only managers and partner staff with the approver right decide applications.")
    if has_conflict(user, application):
        return _("You declared a conflict of interest for this application.")
    if own_review(user, application) is not None:
        return _("You reviewed this application; someone who did not review it must decide (four eyes).")
    if not completed_reviews(application):
        return _("At least one completed review is needed before a decision.")
    return None


def _second_rule(user, application: Application) -> str | None:
    """Who may give the second approval: another person of another organisation."""
    first = first_approval(application)
    if first is None:  # pragma: no cover - the state guarantees a first approval
        return _("There is no first approval to confirm.")
    if first.approver_id == user.id:
        return _("You gave the first approval; the second must come from another organisation.")
    if first.decision_body == user.decision_body:
        return _("The second approval must come from another organisation than the first.")
    if is_delivering_partner_member(user, application) and not own_partner_with_second():
        return _("People of the delivering partner cannot decide on its services.")
    return None


def _decider_rule(user, application: Application) -> str | None:
    """Four eyes for deciding: a manager or a partner approver who neither reviewed it nor
    has a conflict, after a completed review; never the only approval of one's own
    partner's service. At the second approval, another organisation than the first."""
    reason = _decider_base(user, application)
    if reason:
        return reason
    if application.state is S.AWAITING_SECOND:
        return _second_rule(user, application)
    if is_delivering_partner_member(user, application) and not own_partner_with_second():
        return _("People of the delivering partner cannot decide on its services.")
    return None


def _return_rule(user, application: Application) -> str | None:
    """Returning for information: a decider, never of the delivering partner."""
    reason = _decider_base(user, application)
    if reason:
        return reason
    if is_delivering_partner_member(user, application):
        return _("People of the delivering partner cannot decide on its services.")
    return None


def _reject_rule(user, application: Application) -> str | None:
    """Either approver may reject: at the second stage, the first approver too."""
    if application.state is S.AWAITING_SECOND:
        first = first_approval(application)
        if first is not None and first.approver_id == user.id and user.is_decider:
            return None
    return _decider_rule(user, application)


def _delivery_rule(user, application: Application) -> str | None:
    if not is_delivering_staff(user, application):
        return _("Only staff of %(partner)s, the delivering partner, can do this.",
                 partner=application.service.partner.name)
    if has_conflict(user, application):
        return _("You declared a conflict of interest for this application.")
    return None


def _start_delivery_rule(user, application: Application) -> str | None:
    """The delivering partner's staff, once the beneficiary accepted the voucher agreement (issue 12)."""
    reason = _delivery_rule(user, application)
    if reason:
        return reason
    import sqlalchemy as sa

    from ..extensions import db
    from ..vouchers.models import VoucherAgreement

    accepted = db.session.scalar(sa.select(VoucherAgreement.accepted_at).where(
        VoucherAgreement.application_id == application.id))
    if accepted is None:
        return _("The beneficiary has not accepted the voucher agreement yet; delivery starts after acceptance.")
    return None


def _confirm_rule(user, application: Application) -> str | None:
    if user.role is Role.APPLICANT:
        return _applicant_rule(user, application)
    return _reviewer_rule(user, application)


def _manager_rule(user, application: Application) -> str | None:
    return _reviewer_rule(user, application)


# --- the table ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Transition:
    """One allowed step: from which states, to which, by whom, and what it needs."""

    name: str
    label: Any  # lazy string
    sources: frozenset[AppState]
    target: AppState
    roles: frozenset[Role]
    rule: Rule
    needs: str = ""  # what the step asks for, for people reading the table
    stamp: str | None = None  # timestamp column set when the step is taken


APPLICANT = frozenset({Role.APPLICANT})
REVIEWERS = frozenset({Role.PARTNER_STAFF, Role.MANAGER})
#: Managers, and partner staff with the approver right (the rule checks the right).
DECIDERS = frozenset({Role.PARTNER_STAFF, Role.MANAGER})
MANAGERS = frozenset({Role.MANAGER})
STAFF = frozenset({Role.PARTNER_STAFF})

TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("submit", _l("Submit"), frozenset({S.DRAFT}), S.SUBMITTED, APPLICANT, _applicant_rule,
               "justification, amount within the market value, all declarations", "submitted_at"),
    Transition("withdraw", _l("Withdraw"), frozenset({S.DRAFT, S.SUBMITTED}), S.WITHDRAWN, APPLICANT,
               _applicant_rule),
    Transition("start_review", _l("Start review"), frozenset({S.SUBMITTED}), S.IN_REVIEW, REVIEWERS,
               _reviewer_rule, stamp="review_started_at"),
    Transition("return_for_info", _l("Return for information"), frozenset({S.IN_REVIEW}), S.RETURNED,
               DECIDERS, _return_rule, "a question for the applicant"),
    Transition("resubmit", _l("Answer and resubmit"), frozenset({S.RETURNED}), S.SUBMITTED, APPLICANT,
               _applicant_rule, "an answer to the question"),
    # Above APPROVAL_SECOND_ABOVE_EUR (or for the delivering partner's own approver, where
    # the hub allows it) the first approval leads to awaiting_second, and the money is
    # committed at the second; otherwise the one approval is final.
    Transition("approve_first", _l("First approval"), frozenset({S.IN_REVIEW}), S.AWAITING_SECOND,
               DECIDERS, _decider_rule, "an amount above the second-approval threshold", "first_approved_at"),
    Transition("approve", _l("Approve"), frozenset({S.IN_REVIEW, S.AWAITING_SECOND}), S.APPROVED, DECIDERS,
               _decider_rule, "an amount up to the requested one; budget and aid ceiling must take it",
               "decided_at"),
    Transition("reject", _l("Reject"), frozenset({S.IN_REVIEW, S.AWAITING_SECOND}), S.REJECTED, DECIDERS,
               _reject_rule, "a reason", "decided_at"),
    Transition("start_delivery", _l("Start delivery"), frozenset({S.APPROVED}), S.IN_DELIVERY, STAFF,
               _start_delivery_rule, "the beneficiary's acceptance of the voucher agreement",
               "delivery_started_at"),
    Transition("record_delivery", _l("Record delivery"), frozenset({S.IN_DELIVERY}), S.DELIVERED, STAFF,
               _delivery_rule, "what was delivered, when, and the actual cost (up to the approved amount)",
               "delivered_at"),
    Transition("confirm", _l("Confirm delivery"), frozenset({S.DELIVERED}), S.CLOSED,
               APPLICANT | MANAGERS, _confirm_rule, "a note when a manager confirms", "closed_at"),
    Transition("cancel", _l("Cancel"), frozenset({S.APPROVED, S.IN_DELIVERY}), S.CANCELLED, MANAGERS,
               _manager_rule, "a reason", "cancelled_at"),
)}


def refusal(user, application: Application, name: str) -> tuple[str, str] | None:
    """Why `user` may not take transition `name` now: (kind, message), or None if allowed.

    kind is "state" (not from this state: a stale page or a double click) or "who"."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        return "state", _("There is no such step.")
    if user is None or not getattr(user, "is_authenticated", False):
        return "who", _("Please log in.")
    if application.state not in transition.sources:
        return "state", _("This application is %(state)s: “%(step)s” is not possible now.",
                          state=application.state.label.lower(), step=transition.label)
    if user.role not in transition.roles:
        return "who", _("Your role cannot “%(step)s” applications.", step=transition.label)
    reason = transition.rule(user, application)
    if reason:
        return "who", reason
    return None


def can(user, application: Application, name: str) -> bool:
    """True when `user` may take transition `name` on `application` right now."""
    return refusal(user, application, name) is None


def available(user, application: Application) -> list[Transition]:
    """The steps this user may take now, in table order (for the action bar)."""
    return [t for t in TRANSITIONS.values() if can(user, application, t.name)]


def can_submit(user, application: Application) -> bool:
    return can(user, application, "submit")


def can_withdraw(user, application: Application) -> bool:
    return can(user, application, "withdraw")


def can_start_review(user, application: Application) -> bool:
    return can(user, application, "start_review")


def can_return_for_info(user, application: Application) -> bool:
    return can(user, application, "return_for_info")


def can_resubmit(user, application: Application) -> bool:
    return can(user, application, "resubmit")


def can_approve(user, application: Application) -> bool:
    return can(user, application, "approve")


def can_reject(user, application: Application) -> bool:
    return can(user, application, "reject")


def can_start_delivery(user, application: Application) -> bool:
    return can(user, application, "start_delivery")


def can_record_delivery(user, application: Application) -> bool:
    return can(user, application, "record_delivery")


def can_confirm(user, application: Application) -> bool:
    return can(user, application, "confirm")


def can_cancel(user, application: Application) -> bool:
    return can(user, application, "cancel")


def can_edit(user, application: Application) -> bool:
    """Applicant users change the content while it is a draft or returned for information."""
    return is_member(user, application) and application.state in (S.DRAFT, S.RETURNED)


# --- taking a step ---------------------------------------------------------------------------

def check(user, application: Application, name: str) -> Transition:
    """Return the transition if allowed, else raise WrongState / TransitionRefused."""
    refused = refusal(user, application, name)
    if refused is not None:
        kind, message = refused
        raise (WrongState if kind == "state" else TransitionRefused)(message)
    return TRANSITIONS[name]


def fire(actor, application: Application, name: str, data: dict[str, Any] | None = None) -> Transition:
    """Move `application` along transition `name` and audit it (flushes nothing, commits nothing).

    The caller has already set the inputs the step needs; this re-checks the table,
    sets the state and the milestone timestamp, and adds the audit event to the same
    transaction, so all of it is stored together or not at all."""
    transition = check(actor, application, name)
    before = application.state
    application.state = transition.target
    if transition.stamp:
        setattr(application, transition.stamp, utcnow())
    audit.record(actor, f"application.{name}", "application", application.id,
                 {"from": before.value, "to": transition.target.value, **(data or {})})
    return transition


def expire(application: Application, data: dict[str, Any] | None = None) -> None:
    """approved | in_delivery → cancelled by the system when the voucher's validity ran out
    (issue 12, `flask vouchers expire`): no person takes this step, so it is outside the table."""
    if application.state not in (S.APPROVED, S.IN_DELIVERY):
        raise WrongState(_("This application is %(state)s: it cannot expire.",
                           state=application.state.label.lower()))
    before = application.state
    application.state = S.CANCELLED
    application.cancelled_at = utcnow()
    audit.record(None, "application.expire", "application", application.id,
                 {"from": before.value, "to": S.CANCELLED.value, **(data or {})})
