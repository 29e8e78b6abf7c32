"""Application operations: drafts, and every workflow step with its inputs and money.

Each function takes explicit arguments (the actor, the application, plain values),
checks the state machine *before* it validates inputs (so a refused person learns
nothing about the data), raises `DomainError` (with the field) or a workflow refusal,
and flushes, never commits: the route commits once, so state, ledger, aid record,
audit event and notifications are stored together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..assessments import satisfaction as dma_satisfaction
from ..assessments import services as dma
from ..budget import services as budget
from ..calls import services as calls
from ..catalogue.models import Service
from ..core import audit
from ..core.db import utcnow
from ..core.errors import DomainError, DomainErrors
from ..core.i18n import page_date
from ..core.money import eur
from ..extensions import db
from ..vouchers import services as vouchers
from . import workflow
from .models import Application, Approval, AppState, OutsideAid, ReferenceCounter
from .notifications import announce

MAX_TEXT = 5000


@dataclass
class AidRow:
    """One row of de minimis aid declared from another grantor."""

    grantor: str
    granted_on: date
    amount_cents: int


@dataclass
class ApplicationData:
    """What the applicant fills in: justification, amount and declarations."""

    justification: str
    requested_cents: int
    decl_sme: bool = False
    decl_not_in_difficulty: bool = False
    decl_no_recovery_order: bool = False
    decl_outside_aid_complete: bool = False
    outside_aid: list[AidRow] = field(default_factory=list)


DECLARATIONS = ("decl_sme", "decl_not_in_difficulty", "decl_no_recovery_order", "decl_outside_aid_complete")


def load_for_update(application_id: int) -> Application | None:
    """Load an application for a state change, locking its row (PostgreSQL) and
    refreshing whatever the session already held, so the checks see the latest state."""
    return db.session.execute(
        sa.select(Application).where(Application.id == application_id)
        .with_for_update(of=Application)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def next_reference(year: int) -> str:
    """The next `DIH-<year>-<seq>` reference, from one atomic upsert of the year's counter.

    INSERT … ON CONFLICT DO UPDATE … RETURNING increments and reads in one statement,
    so two concurrent submits can never get the same number (PostgreSQL locks the
    counter row until commit; SQLite writers are serialised by BEGIN IMMEDIATE)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only the two supported databases
        raise RuntimeError(f"unsupported database: {dialect}")
    table = ReferenceCounter.__table__
    stmt = (insert(table).values(year=year, last_value=1)
            .on_conflict_do_update(index_elements=[table.c.year],
                                   set_={"last_value": table.c.last_value + 1})
            .returning(table.c.last_value))
    value = db.session.execute(stmt).scalar_one()
    counter = db.session.identity_map.get(db.session.identity_key(ReferenceCounter, (year,)))
    if counter is not None:
        db.session.expire(counter)
    return f"DIH-{year}-{value:06d}"


# --- drafts ---------------------------------------------------------------------------------

def _check_service(application_or_service: Service, organisation) -> None:
    service = application_or_service
    if not service.active:
        raise DomainError(_("This service is no longer offered."))
    if not service.is_eligible_kind(organisation.kind):
        raise DomainError(_("%(service)s is not open to this kind of organisation (%(kind)s).",
                            kind=organisation.kind.label, service=service.name))


def problems(service: Service, data: ApplicationData, *, organisation=None,
             submit_now: bool = False) -> list[tuple[str, str]]:
    """Every problem of `data` at once, as (field, message): the form shows them all in
    one round-trip. With `submit_now`, also what a submission needs. Values a form
    could not read (None) are skipped: the form has already said what is wrong."""
    found: list[tuple[str, str]] = []
    requested = data.requested_cents
    if requested is not None and not 0 < requested <= service.market_value_cents:
        found.append(("requested", _("Request between €0.01 and the service's market value, %(value)s.",
                                     value=eur(service.market_value_cents))))
    if len(data.justification or "") > MAX_TEXT:
        found.append(("justification", _("Keep the justification under %(n)s characters.", n=MAX_TEXT)))
    today = utcnow().date()
    oldest = today - timedelta(days=3 * 366)
    for row in data.outside_aid:
        if not (row.grantor or "").strip():
            found.append(("outside_aid", _("Name the grantor of each aid row.")))
        if row.amount_cents is not None and row.amount_cents <= 0:
            found.append(("outside_aid", _("Aid amounts are positive.")))
        if row.granted_on is not None and row.granted_on > today:
            found.append(("outside_aid", _("Aid cannot be granted in the future (%(date)s).",
                                           date=page_date(row.granted_on))))
        if row.granted_on is not None and row.granted_on < oldest:
            found.append(("outside_aid", _("Declare only aid of the last three years (%(date)s is older).",
                                           date=page_date(row.granted_on))))
    if submit_now:
        found += _completeness(data.justification, [(name, getattr(data, name)) for name in DECLARATIONS])
    return found


def _completeness(justification: str | None, declarations: list[tuple[str, bool]]) -> list[tuple[str, str]]:
    """What a submission needs beyond valid values: a real justification, every declaration."""
    found = []
    if len((justification or "").strip()) < 20:
        found.append(("justification", _("Explain in a few sentences why your organisation needs this service.")))
    for name, given in declarations:
        if not given:
            found.append((name, _("Every declaration is needed to submit.")))
    return found


def _validate(service: Service, data: ApplicationData, submit_now: bool = False) -> None:
    DomainErrors.raise_if(problems(service, data, submit_now=submit_now))


def _apply_data(application: Application, data: ApplicationData) -> None:
    application.justification = data.justification.strip()
    application.requested_cents = data.requested_cents
    for name in DECLARATIONS:
        setattr(application, name, bool(getattr(data, name)))
    application.outside_aid = [
        OutsideAid(undertaking_group=application.organisation.undertaking_group,
                   grantor=row.grantor.strip()[:200], granted_on=row.granted_on,
                   amount_cents=row.amount_cents)
        for row in data.outside_aid
    ]


def _snapshot(application: Application) -> dict:
    return {
        "requested_cents": application.requested_cents,
        "justification_chars": len(application.justification or ""),
        **{name: getattr(application, name) for name in DECLARATIONS},
        "outside_aid": [[r.grantor, r.granted_on.isoformat(), r.amount_cents] for r in application.outside_aid],
    }


def create_draft(actor, service: Service, data: ApplicationData, *, submit_now: bool = False,
                 call=None) -> Application:
    """A new draft of the actor's organisation for `service` within `call` (submitted at once if asked).

    Without a call, the open call that offers the service to the organisation is used
    (the one closing first); with none, the draft is refused."""
    organisation = actor.organisation
    if organisation is None:
        raise DomainError(_("Only users of a registered organisation can apply."))
    _check_service(service, organisation)
    call = calls.check_draft(call, service, organisation)
    _validate(service, data, submit_now)
    application = Application(organisation=organisation, service=service, created_by_id=actor.id,
                              state=AppState.DRAFT, requested_cents=data.requested_cents, call=call)
    db.session.add(application)
    _apply_data(application, data)
    db.session.flush()
    audit.record(actor, "application.create", "application", application.id,
                 {"service": service.code, **_snapshot(application)})
    if submit_now:
        submit(actor, application)
    return application


def update_application(actor, application: Application, data: ApplicationData, *,
                       submit_now: bool = False) -> None:
    """Change a draft (or a returned application) of the actor's organisation."""
    if not workflow.is_member(actor, application):
        raise workflow.TransitionRefused(_("Only the applicant organisation's users can do this."))
    if not workflow.can_edit(actor, application):
        raise workflow.WrongState(_("This application is %(state)s: it can no longer be changed.",
                                    state=application.state.label.lower()))
    _validate(application.service, data, submit_now)
    before = _snapshot(application)
    _apply_data(application, data)
    db.session.flush()
    audit.record(actor, "application.update", "application", application.id,
                 {"before": before, "after": _snapshot(application)})
    if submit_now:
        submit(actor, application)


def _check_complete(application: Application) -> None:
    """What a submission needs, every missing piece with the field to point at."""
    _check_service(application.service, application.organisation)
    found = _completeness(application.justification,
                          [(name, getattr(application, name)) for name in DECLARATIONS])
    if application.requested_cents > application.service.market_value_cents:
        found.append(("requested", _("Request at most the service's market value, %(value)s.",
                                     value=eur(application.service.market_value_cents))))
    DomainErrors.raise_if(found)


# --- workflow steps -------------------------------------------------------------------------

def submit(actor, application: Application) -> None:
    """draft → submitted: give it its reference and tell the hub."""
    workflow.check(actor, application, "submit")
    _check_complete(application)
    dma.require_t0(application)  # a first application needs a T0 assessment (or a waiver)
    calls.check_submission(application)  # the call's window, services, eligibility, quota
    now = utcnow()
    if application.reference is None:
        application.reference = next_reference(now.year)
    workflow.fire(actor, application, "submit", {"reference": application.reference})
    db.session.flush()
    announce(actor, application, "submit")


def withdraw(actor, application: Application) -> None:
    """draft | submitted → withdrawn."""
    before = application.state
    workflow.fire(actor, application, "withdraw")
    db.session.flush()
    announce(actor, application, "withdraw", before=before)


def start_review(actor, application: Application) -> None:
    """submitted → in_review."""
    workflow.fire(actor, application, "start_review")
    db.session.flush()
    announce(actor, application, "start_review")


def _required_text(value: str | None, field_name: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(message, field_name)
    if len(text) > MAX_TEXT:
        raise DomainError(_("Keep it under %(n)s characters.", n=MAX_TEXT), field_name)
    return text


def return_for_info(actor, application: Application, question: str) -> None:
    """in_review → returned, with the question the applicant must answer."""
    workflow.check(actor, application, "return_for_info")
    application.info_question = _required_text(question, "question", _("Ask the applicant a question."))
    application.info_answer = None
    workflow.fire(actor, application, "return_for_info", {"question": application.info_question})
    db.session.flush()
    announce(actor, application, "return_for_info")


def resubmit(actor, application: Application, answer: str) -> None:
    """returned → submitted, with the applicant's answer."""
    workflow.check(actor, application, "resubmit")
    application.info_answer = _required_text(answer, "answer", _("Answer the hub's question."))
    _check_complete(application)
    workflow.fire(actor, application, "resubmit", {"answer": application.info_answer})
    db.session.flush()
    announce(actor, application, "resubmit")


def second_approval_threshold_cents() -> int:
    """Approvals of more than this need a second approval (APPROVAL_SECOND_ABOVE_EUR)."""
    return int(current_app.config["APPROVAL_SECOND_ABOVE_EUR"]) * 100


def needs_second_approval(actor, application: Application, amount_cents: int) -> bool:
    """Two approvals from two organisations: above the threshold, or when the delivering
    partner's own approver approves (allowed only with a second approval from outside)."""
    return (amount_cents > second_approval_threshold_cents()
            or workflow.is_delivering_partner_member(actor, application))


def _record_approval(actor, application: Application, stage: int, amount_cents: int) -> Approval:
    approval = Approval(application=application, stage=stage, approver_id=actor.id,
                        decision_body=actor.decision_body, amount_cents=amount_cents)
    db.session.add(approval)
    db.session.flush()
    return approval


def approve(actor, application: Application, amount_cents: int, on: date | None = None, *,
            expected_stage: int | None = None) -> str:
    """Approve: the only approval, the first of two, or the second of two.

    Returns the transition taken: "approve_first" (in_review → awaiting_second, nothing
    committed yet) or "approve" (→ approved: the aid, ceiling-checked, and the budget
    commitment, in this transaction, or nothing). The second approver confirms the
    first approval's amount. The budget service raises InsufficientFunds /
    AidCeilingExceeded with the figures; the caller rolls back and shows the message.

    `expected_stage` is the stage the approver's page showed (1: first or only, 2: second);
    when another approval came in meanwhile, the step is refused as a stale page, so a
    click meant as a first approval never becomes a second one unseen."""
    workflow.check(actor, application, "approve")
    stage_now = 2 if application.state is AppState.AWAITING_SECOND else 1
    if expected_stage is not None and expected_stage != stage_now:
        raise workflow.WrongState(_("Another approval was given meanwhile: the application is now %(state)s. "
                                    "Read it again before you decide.", state=application.state.label.lower()))
    if application.state is AppState.AWAITING_SECOND:
        first = workflow.first_approval(application)
        amount_cents = first.amount_cents
        stage = 2
    else:
        if not 0 < amount_cents <= application.requested_cents:
            raise DomainError(_("Approve between €0.01 and the requested %(amount)s.",
                                amount=eur(application.requested_cents)), "amount")
        stage = 1
        if needs_second_approval(actor, application, amount_cents):
            workflow.check(actor, application, "approve_first")
            _record_approval(actor, application, 1, amount_cents)
            workflow.fire(actor, application, "approve_first", {
                "amount_cents": amount_cents, "decision_body": actor.decision_body,
                "threshold_cents": second_approval_threshold_cents()})
            db.session.flush()
            announce(actor, application, "approve_first")
            return "approve_first"
    on = on or utcnow().date()
    _record_approval(actor, application, stage, amount_cents)
    application.approved_cents = amount_cents
    application.decided_by_id = actor.id
    application.decision_reason = None
    budget.on_approve(actor, application, amount_cents, on)
    vouchers.on_final_approval(actor, application, on)  # the voucher agreement (issue 12)
    workflow.fire(actor, application, "approve", {
        "approved_cents": amount_cents, "stage": stage, "decision_body": actor.decision_body,
        "legal_basis": application.legal_basis.value, "co_payment_cents": application.co_payment_cents,
        "aid_cents": application.aid_cents, "budget_account_id": application.budget_account_id})
    db.session.flush()
    announce(actor, application, "approve")
    return "approve"


def record_refused_decision(actor, application_id: int, step: str, message: str) -> None:
    """Audit a decision the rules refused (budget, aid ceiling...), after the rollback,
    so every refusal is in the audit trail and on the application's timeline."""
    audit.record(actor, "application.decision_refused", "application", application_id,
                 {"step": step, "message": message})


def reject(actor, application: Application, reason: str) -> None:
    """in_review → rejected, with the reason the applicant will read."""
    workflow.check(actor, application, "reject")
    application.decision_reason = _required_text(reason, "reason", _("Give the reason for the rejection."))
    application.decided_by_id = actor.id
    workflow.fire(actor, application, "reject", {"reason": application.decision_reason})
    db.session.flush()
    announce(actor, application, "reject")


def start_delivery(actor, application: Application) -> None:
    """approved → in_delivery (staff of the delivering partner)."""
    workflow.fire(actor, application, "start_delivery")
    db.session.flush()
    announce(actor, application, "start_delivery")


def record_delivery(actor, application: Application, delivered_on: date, notes: str,
                    actual_cost_cents: int) -> None:
    """in_delivery → delivered: what was delivered, when, at what real cost."""
    workflow.check(actor, application, "record_delivery")
    notes = _required_text(notes, "notes", _("Describe what was delivered."))
    if delivered_on is None or delivered_on > utcnow().date():
        raise DomainError(_("The delivery date cannot be in the future."), "delivered_on")
    # Not before the approval (a day's slack for the time zone of the person typing it).
    approved = application.decided_at
    if approved is not None and delivered_on < approved.date() - timedelta(days=1):
        raise DomainError(_("The delivery date cannot be before the approval (%(date)s).",
                            date=page_date(approved)), "delivered_on")
    if not 0 <= actual_cost_cents <= application.approved_cents:
        raise DomainError(_("The actual cost is between €0 and the approved %(amount)s.",
                            amount=eur(application.approved_cents)), "actual_cost")
    application.delivered_on = delivered_on
    application.delivery_notes = notes
    application.actual_cost_cents = actual_cost_cents
    workflow.fire(actor, application, "record_delivery", {
        "delivered_on": delivered_on.isoformat(), "actual_cost_cents": actual_cost_cents})
    db.session.flush()
    announce(actor, application, "record_delivery")


def confirm(actor, application: Application, note: str = "") -> None:
    """delivered → closed: the actual cost is spent, the rest of the commitment released.

    The applicant confirms; a manager may confirm instead, and then must say why."""
    workflow.check(actor, application, "confirm")
    note = (note or "").strip()
    if not workflow.is_member(actor, application) and not note:
        raise DomainError(_("Say why you confirm on the applicant's behalf."), "note")
    if len(note) > MAX_TEXT:
        raise DomainError(_("Keep it under %(n)s characters.", n=MAX_TEXT), "note")
    application.closing_note = note or None
    committed = budget.committed_cents(application)
    aid_before = application.aid_cents
    budget.close_application_money(actor, application)
    covered = (application.actual_cost_cents or 0) - (application.co_payment_cents or 0)
    workflow.fire(actor, application, "confirm", {
        "note": note, "actual_cost_cents": application.actual_cost_cents,
        "spent_cents": covered, "released_cents": committed - covered,
        "co_payment_cents": application.co_payment_cents,
        "aid_before_cents": aid_before, "aid_cents": application.aid_cents})
    db.session.flush()
    announce(actor, application, "confirm")
    dma_satisfaction.ask(application)  # the beneficiary is asked for its satisfaction


def cancel(actor, application: Application, reason: str) -> None:
    """approved | in_delivery → cancelled: the commitment released, the aid grant reversed."""
    workflow.check(actor, application, "cancel")
    application.cancel_reason = _required_text(reason, "reason", _("Give the reason for the cancellation."))
    released = budget.committed_cents(application)
    budget.cancel_application_money(actor, application)
    workflow.fire(actor, application, "cancel", {
        "reason": application.cancel_reason, "released_cents": released})
    db.session.flush()
    announce(actor, application, "cancel")
