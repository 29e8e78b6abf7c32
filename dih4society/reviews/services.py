"""Scoring on the rubric, conflict-of-interest declarations, and the rubric's set-up.

One review per reviewer per application (a unique constraint backs it). A reviewer
may save a review and come back to it; once completed it is final, and counts for the
four-eyes rule in `applications.workflow`. Declaring a conflict removes the person
from the application: no review, no decision, no delivery step, not in their queue.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from ..applications import workflow
from ..applications.models import Application, AppState
from ..applications.notifications import announce
from ..auth.models import Role
from ..core import audit
from ..core.db import utcnow
from ..core.errors import DomainError
from ..extensions import db
from .models import Recommendation, Review, RubricCriterion

REVIEWER_ROLES = (Role.PARTNER_STAFF, Role.MANAGER)
MAX_SCORE = 5
#: States in which a conflict can still be declared (the application is not finished).
OPEN_STATES = (AppState.SUBMITTED, AppState.IN_REVIEW, AppState.RETURNED, AppState.APPROVED,
               AppState.IN_DELIVERY, AppState.DELIVERED)


def rubric(include_inactive: bool = False) -> list[RubricCriterion]:
    """The criteria in display order."""
    stmt = sa.select(RubricCriterion).order_by(RubricCriterion.position, RubricCriterion.id)
    if not include_inactive:
        stmt = stmt.where(RubricCriterion.active.is_(True))
    return list(db.session.scalars(stmt))


def weighted_total(scores: dict[str, int], criteria: list[RubricCriterion]) -> int | None:
    """Weighted score scaled to 0–100, in hundredths (None until every criterion is scored).

    total = Σ(score × weight) / (5 × Σ weight) × 100, rounded half-up to 0.01 —
    the same formula static/js/workflow.js shows live."""
    if not criteria or any(scores.get(c.code) is None for c in criteria):
        return None
    points = sum(scores[c.code] * c.weight for c in criteria)
    best = MAX_SCORE * sum(c.weight for c in criteria)
    return int((Decimal(points) * 10000 / best).quantize(Decimal(1), ROUND_HALF_UP))


def _who(message: str) -> tuple[str, str]:
    return "who", message


def _state(message: str) -> tuple[str, str]:
    return "state", message


def _raise(refused: tuple[str, str]) -> None:
    kind, message = refused
    raise (workflow.WrongState if kind == "state" else workflow.TransitionRefused)(message)


def refusal_to_review(user, application: Application) -> tuple[str, str] | None:
    """Why `user` may not score this application now, as (kind, message), or None."""
    if user.role not in REVIEWER_ROLES:
        return _who(_("Only partner staff and managers review applications."))
    if workflow.has_conflict(user, application):
        return _who(_("You declared a conflict of interest for this application."))
    if application.state is not AppState.IN_REVIEW:
        return _state(_("Reviews are written while the application is in review (it is %(state)s).",
                        state=application.state.label.lower()))
    review = workflow.own_review(user, application)
    if review is not None and review.completed_at is not None:
        return _state(_("Your review is complete and can no longer be changed."))
    return None


def can_review(user, application: Application) -> bool:
    return refusal_to_review(user, application) is None


def refusal_to_declare(user, application: Application) -> tuple[str, str] | None:
    """Why `user` may not declare a conflict now, as (kind, message), or None."""
    if user.role not in REVIEWER_ROLES:
        return _who(_("Only partner staff and managers declare conflicts of interest."))
    if workflow.has_conflict(user, application):
        return _state(_("You have already declared a conflict of interest for this application."))
    if application.state not in OPEN_STATES:
        return _state(_("The application is %(state)s.", state=application.state.label.lower()))
    return None


def can_declare_conflict(user, application: Application) -> bool:
    return refusal_to_declare(user, application) is None


def save_review(actor, application: Application, scores: dict[str, int | None],
                recommendation: Recommendation | None, comment: str, *, complete: bool) -> Review:
    """Save the actor's review; `complete=True` needs every score and a recommendation."""
    refused = refusal_to_review(actor, application)
    if refused:
        _raise(refused)
    criteria = rubric()
    clean: dict[str, int] = {}
    for criterion in criteria:
        value = scores.get(criterion.code)
        if value is None:
            if complete:
                raise DomainError(_("Score every criterion to complete the review."), criterion.code)
            continue
        if not 0 <= int(value) <= MAX_SCORE:
            raise DomainError(_("Scores go from 0 to 5."), criterion.code)
        clean[criterion.code] = int(value)
    comment = (comment or "").strip()
    if len(comment) > 5000:
        raise DomainError(_("Keep the comment under 5000 characters."), "comment")
    if complete and recommendation is None:
        raise DomainError(_("Choose a recommendation."), "recommendation")
    if complete and not comment:
        raise DomainError(_("Explain your recommendation in a comment."), "comment")
    review = workflow.own_review(actor, application)
    if review is None:
        review = Review(application_id=application.id, reviewer_id=actor.id)
        db.session.add(review)
        application.reviews.append(review)
    review.scores = clean
    review.total_hundredths = weighted_total(clean, criteria)
    review.recommendation = recommendation
    review.comment = comment
    if complete:
        review.completed_at = utcnow()
    db.session.flush()
    audit.record(actor, "review.complete" if complete else "review.save", "application", application.id,
                 {"review_id": review.id, "scores": clean, "total_hundredths": review.total_hundredths,
                  "recommendation": recommendation.value if recommendation else None})
    if complete:
        announce(actor, application, "review_completed")
    return review


def declare_conflict(actor, application: Application, reason: str) -> Review:
    """Record the actor's conflict of interest; any review of theirs stops counting."""
    refused = refusal_to_declare(actor, application)
    if refused:
        _raise(refused)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say briefly what the conflict is."), "reason")
    review = workflow.own_review(actor, application)
    if review is None:
        review = Review(application_id=application.id, reviewer_id=actor.id)
        db.session.add(review)
        application.reviews.append(review)
    review.conflict_declared = True
    review.conflict_reason = reason[:2000]
    db.session.flush()
    audit.record(actor, "review.conflict", "application", application.id,
                 {"review_id": review.id, "reason": review.conflict_reason})
    return review


def save_criterion(actor, criterion: RubricCriterion | None, *, code: str, label: str, weight: int,
                   position: int, active: bool, label_ro: str | None = None) -> RubricCriterion:
    """Add or change a rubric criterion (admins). Completed reviews keep their totals.

    `label` is the English text; `label_ro` the Romanian one (empty: the English is shown)."""
    code = code.strip().lower()
    if not code or not all(ch.isalnum() or ch == "_" for ch in code):
        raise DomainError(_("Use lower-case letters, digits and underscores."), "code")
    if not 1 <= weight <= 10:
        raise DomainError(_("Weights go from 1 to 10."), "weight")
    clash = db.session.scalar(sa.select(RubricCriterion.id).where(RubricCriterion.code == code))
    if clash is not None and (criterion is None or clash != criterion.id):
        raise DomainError(_("Another criterion has this code."), "code")
    before = None
    if criterion is None:
        criterion = RubricCriterion()
        db.session.add(criterion)
    else:
        before = {"code": criterion.code, "label": criterion.label_en, "label_ro": criterion.label_ro,
                  "weight": criterion.weight, "position": criterion.position, "active": criterion.active}
    criterion.code, criterion.label_en, criterion.weight = code, label.strip(), weight
    criterion.label_ro = (label_ro or "").strip() or None
    criterion.position, criterion.active = position, active
    db.session.flush()
    audit.record(actor, "rubric.save", "rubric_criterion", criterion.id,
                 {"before": before, "after": {"code": code, "label": criterion.label_en,
                                              "label_ro": criterion.label_ro, "weight": weight,
                                              "position": position, "active": active}})
    return criterion
