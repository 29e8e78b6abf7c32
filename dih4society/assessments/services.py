"""DMA operations: start, save a draft, submit (scores computed here), waive T0, T0 gate.

Services take explicit arguments, raise `DomainError` with a message a user can read,
and flush, never commit. Scores are only ever computed from the stored raw answers by
`scoring.score`; nothing a client posts is taken as a score.

Cycles: an organisation's first assessment is cycle 1, stage T0. Once the T0 is
submitted and one of its applications has closed, the next assessment is the T1 of the
same cycle. After a T1 the next assessment starts a new cycle with a new T0; earlier
results are kept as they were.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth.models import Role
from ..core import audit
from ..core.db import utcnow
from ..core.errors import DomainError, PermissionDenied
from ..extensions import db
from ..organisations.models import Organisation
from . import questionnaire as qn
from . import scoring
from .models import DRAFT, SUBMITTED, T0, T1, Assessment, T0Waiver

MAX_REASON = 2000


# --- permissions -------------------------------------------------------------------------------

def is_member(user, organisation_id: int) -> bool:
    return bool(user.is_authenticated and user.role is Role.APPLICANT
                and user.organisation_id == organisation_id)


def can_view(user, assessment: Assessment) -> bool:
    """The organisation's own users and hub staff (eligibility screening, assisted interviews)."""
    return is_member(user, assessment.organisation_id) or bool(user.is_authenticated and user.is_staff)


def can_edit(user, assessment: Assessment) -> bool:
    """A draft, by its organisation's users or by the staff member who assists."""
    if assessment.status != DRAFT:
        return False
    return is_member(user, assessment.organisation_id) or (
        assessment.assisted_by_id is not None and user.id == assessment.assisted_by_id)


def can_assist(user) -> bool:
    """Partner staff and managers may fill in a DMA with the customer."""
    return bool(user.is_authenticated and user.role in (Role.PARTNER_STAFF, Role.MANAGER))


def can_waive(user) -> bool:
    """Hub staff (partner staff, managers) may waive the T0 with a reason."""
    return can_assist(user)


# --- reading -----------------------------------------------------------------------------------

def history(organisation_id: int) -> list[Assessment]:
    """Every assessment of the organisation, oldest cycle first, T0 before T1."""
    return list(db.session.scalars(sa.select(Assessment).where(Assessment.organisation_id == organisation_id)
                                   .order_by(Assessment.cycle, Assessment.stage)))


def draft_of(organisation_id: int) -> Assessment | None:
    return db.session.scalar(sa.select(Assessment).where(Assessment.organisation_id == organisation_id,
                                                         Assessment.status == DRAFT))


def latest_submitted(organisation_id: int, stage: str | None = None) -> Assessment | None:
    stmt = sa.select(Assessment).where(Assessment.organisation_id == organisation_id,
                                       Assessment.status == SUBMITTED)
    if stage:
        stmt = stmt.where(Assessment.stage == stage)
    return db.session.scalar(stmt.order_by(Assessment.cycle.desc(), Assessment.stage.desc()).limit(1))


def pair_of(assessment: Assessment) -> tuple[Assessment | None, Assessment | None]:
    """The submitted T0 and T1 of the assessment's cycle."""
    rows = db.session.scalars(sa.select(Assessment).where(
        Assessment.organisation_id == assessment.organisation_id, Assessment.cycle == assessment.cycle,
        Assessment.status == SUBMITTED)).all()
    by_stage = {a.stage: a for a in rows}
    return by_stage.get(T0), by_stage.get(T1)


def waiver_of(organisation_id: int) -> T0Waiver | None:
    return db.session.scalar(sa.select(T0Waiver).where(T0Waiver.organisation_id == organisation_id))


def has_closed_application_since(organisation_id: int, since) -> bool:
    from ..applications.models import Application, AppState

    return bool(db.session.scalar(sa.select(sa.func.count(Application.id)).where(
        Application.organisation_id == organisation_id, Application.state == AppState.CLOSED,
        Application.closed_at >= since)))


def next_stage(organisation_id: int) -> tuple[int, str]:
    """(cycle, stage) of the organisation's next assessment, or DomainError why none is due."""
    last = latest_submitted(organisation_id)
    if last is None:
        return 1, T0
    if last.stage == T1:
        return last.cycle + 1, T0
    if not has_closed_application_since(organisation_id, last.submitted_at):
        raise DomainError(_("The T0 assessment is done. The follow-up (T1) opens once a service the "
                            "organisation applied for has been delivered and closed."))
    return last.cycle, T1


# --- changes -----------------------------------------------------------------------------------

def start(actor, organisation: Organisation, *, assisted: bool = False) -> Assessment:
    """The organisation's open draft, or a new one for its next stage (safe to repeat)."""
    if assisted:
        if not can_assist(actor):
            raise PermissionDenied(_("Only partner staff and managers can run an assisted assessment."))
    elif not is_member(actor, organisation.id):
        raise PermissionDenied(_("Only the organisation's users can start its assessment."))
    existing = draft_of(organisation.id)
    if existing is not None:
        if assisted and existing.assisted_by_id is None:
            existing.assisted_by_id = actor.id
            audit.record(actor, "dma.assist", "assessment", existing.id, {})
        return existing
    cycle, stage = next_stage(organisation.id)
    variant = qn.variant_for_kind(organisation.kind)
    assessment = Assessment(organisation_id=organisation.id, cycle=cycle, stage=stage, status=DRAFT,
                            variant=variant, version=qn.CURRENT_VERSION[variant], answers={},
                            dimension_scores={}, created_by_id=actor.id,
                            assisted_by_id=actor.id if assisted else None)
    try:
        with db.session.begin_nested():  # two sittings opened at once: the second finds the first
            db.session.add(assessment)
            db.session.flush()
    except sa.exc.IntegrityError:
        existing = draft_of(organisation.id)
        if existing is None:
            raise DomainError(_("This assessment was just submitted; reload the page.")) from None
        return existing
    audit.record(actor, "dma.start", "assessment", assessment.id,
                 {"organisation_id": organisation.id, "cycle": cycle, "stage": stage, "variant": variant,
                  "version": assessment.version, "assisted": assisted})
    return assessment


def _check_editable(actor, assessment: Assessment) -> None:
    if assessment.status != DRAFT:
        raise DomainError(_("This assessment was submitted: it can no longer be changed."))
    if not can_edit(actor, assessment):
        raise PermissionDenied(_("You cannot change this assessment."))


def save(actor, assessment: Assessment, answers: dict, *, variant: str | None = None,
         version: str | None = None) -> None:
    """Replace the draft's answers after checking every one of them (nothing stored if one is bad).

    `variant` / `version`, when given (the form sends what it was built from), must be
    the draft's: answers to another questionnaire are refused."""
    _check_editable(actor, assessment)
    if (variant and variant != assessment.variant) or (version and version != assessment.version):
        raise DomainError(_("These answers belong to another questionnaire (%(variant)s %(version)s); "
                            "reload the page.", variant=(variant or "").upper(), version=version or ""))
    questionnaire = qn.get(assessment.variant, assessment.version)
    try:
        scoring.validate(questionnaire, answers)
    except scoring.AnswerError as exc:
        raise DomainError(_("Answers refused: %(detail)s.", detail=str(exc))) from exc
    assessment.answers = dict(answers)
    assessment.updated_at = utcnow()
    db.session.flush()


def progress(assessment: Assessment) -> tuple[int, int]:
    """(answered questions, all questions)."""
    questionnaire = qn.get(assessment.variant, assessment.version)
    total = len(questionnaire.questions)
    return total - len(scoring.missing(questionnaire, assessment.answers or {})), total


def submit(actor, assessment: Assessment) -> scoring.Result:
    """Score the stored answers and make the assessment read-only. Every question is needed."""
    _check_editable(actor, assessment)
    questionnaire = qn.get(assessment.variant, assessment.version)
    gaps = scoring.missing(questionnaire, assessment.answers or {})
    if gaps:
        raise DomainError(_("Answer every question before submitting; still open: %(list)s.",
                            list=", ".join(gaps)))
    result = scoring.score(questionnaire, assessment.answers)
    now = utcnow()
    assessment.dimension_scores = {code: float(value) for code, value in result.dimensions.items()}
    assessment.overall = float(result.overall)
    assessment.band = result.band
    assessment.scoring_rule = result.rule
    assessment.status = SUBMITTED
    assessment.submitted_at = now
    assessment.submitted_by_id = actor.id
    db.session.flush()
    audit.record(actor, "dma.submit", "assessment", assessment.id, {
        "stage": assessment.stage, "cycle": assessment.cycle, "overall": str(result.overall),
        "band": result.band, "assisted_by_id": assessment.assisted_by_id})
    return result


def waive_t0(actor, organisation: Organisation, reason: str) -> T0Waiver:
    """Let the organisation submit its first application without a T0 (once; audited)."""
    if not can_waive(actor):
        raise PermissionDenied(_("Only hub staff can waive the T0 assessment."))
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise DomainError(_("Give the reason for waiving the T0 assessment."), "reason")
    if len(reason) > MAX_REASON:
        raise DomainError(_("Keep the reason under %(n)s characters.", n=MAX_REASON), "reason")
    existing = waiver_of(organisation.id)
    if existing is not None:
        return existing
    waiver = T0Waiver(organisation_id=organisation.id, reason=reason, granted_by_id=actor.id)
    db.session.add(waiver)
    db.session.flush()
    audit.record(actor, "dma.waive_t0", "organisation", organisation.id, {"reason": reason})
    return waiver


# --- the T0 gate -------------------------------------------------------------------------------

def t0_missing(organisation_id: int, application_id: int | None = None) -> bool:
    """True when the organisation may not submit a first application yet: no submitted T0,
    no waiver, and no earlier application submitted."""
    from ..applications.models import Application

    if latest_submitted(organisation_id, T0) is not None or waiver_of(organisation_id) is not None:
        return False
    earlier = db.session.scalar(sa.select(sa.func.count(Application.id)).where(
        Application.organisation_id == organisation_id, Application.submitted_at.is_not(None),
        Application.id != (application_id or 0)))
    return not earlier


def require_t0(application) -> None:
    """Called by applications.services.submit: refuse a first submission without a T0."""
    if t0_missing(application.organisation_id, application.id):
        raise DomainError(_("Before your first application, take the digital maturity self-assessment "
                            "(T0): it takes about 15 minutes and can be saved and finished later."), "dma")
