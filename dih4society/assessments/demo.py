"""Demo and test assessments: plausible answers, scored by the real scoring code.

`answers_at(questionnaire, maturity, rng)` draws raw answers around a maturity level
(0..1); `record_submitted` stores them as a submitted assessment after
`scoring.score`, exactly like a submission. No score is ever typed in.
"""

from __future__ import annotations

import random
from datetime import datetime

import sqlalchemy as sa

from ..core.db import utcnow
from ..extensions import db
from ..organisations.models import Organisation
from . import questionnaire as qn
from . import scoring
from .models import SUBMITTED, T0, T1, Assessment, Satisfaction


def answers_at(questionnaire: qn.Questionnaire, maturity: float, rng: random.Random) -> dict:
    """A complete set of answers, each option or row about `maturity` likely to be 'high'."""
    answers: dict = {}
    for question in questionnaire.questions:
        if question.kind == qn.MULTI:
            ticked = [c for c in question.option_codes if c != question.negative and rng.random() < maturity]
            answers[question.code] = ticked or [question.negative or qn.NONE_OPTION]
        elif question.kind == qn.LEVEL:
            answers[question.code] = {r: max(0, min(5, round(rng.gauss(maturity * 5, 1))))
                                      for r in question.option_codes}
        else:
            choices = scoring.allowed_row_values(question)  # best first, except levels
            high, mid, low = (choices[0], choices[1], choices[2]) if question.kind != qn.YPN else (
                "yes", "partial", "no")
            answers[question.code] = {r: high if (x := rng.random()) < maturity * 0.7 else
                                      mid if x < maturity * 1.2 else low for r in question.option_codes}
    return answers


def improved(questionnaire: qn.Questionnaire, answers: dict, rng: random.Random, steps: int = 6) -> dict:
    """The same answers with a few of them raised (a T1 after the hub's service)."""
    new = {k: (list(v) if isinstance(v, list) else dict(v)) for k, v in answers.items()}
    for _ in range(steps):
        question = rng.choice(questionnaire.questions)
        value = new[question.code]
        if question.kind == qn.MULTI:
            options = [c for c in question.option_codes if c != question.negative and c not in value]
            if options:
                kept = [c for c in value if c not in (qn.NONE_OPTION, question.negative)]
                new[question.code] = kept + [rng.choice(options)]
        elif question.kind == qn.LEVEL:
            row = rng.choice(question.option_codes)
            value[row] = min(5, int(value[row]) + 2)
        else:
            row = rng.choice(question.option_codes)
            value[row] = "yes" if question.kind == qn.YPN else scoring.allowed_row_values(question)[0]
    return new


def record_submitted(organisation: Organisation, answers: dict, *, stage: str = T0, cycle: int = 1,
                     when: datetime | None = None, actor_id: int | None = None,
                     version: str | None = None) -> Assessment:
    """Store answers as a submitted assessment, scored by `scoring.score` (flushes)."""
    variant = qn.variant_for_kind(organisation.kind)
    questionnaire = qn.get(variant, version or qn.CURRENT_VERSION[variant])
    result = scoring.score(questionnaire, answers)
    when = when or utcnow()
    assessment = Assessment(organisation_id=organisation.id, cycle=cycle, stage=stage, status=SUBMITTED,
                            variant=variant, version=questionnaire.version, answers=answers,
                            dimension_scores={k: float(v) for k, v in result.dimensions.items()},
                            overall=float(result.overall), band=result.band, scoring_rule=result.rule,
                            created_by_id=actor_id, submitted_by_id=actor_id, created_at=when,
                            updated_at=when, submitted_at=when)
    db.session.add(assessment)
    db.session.flush()
    return assessment


def give_t0(organisation: Organisation, maturity: float = 0.4, seed: int = 1) -> Assessment:
    """A submitted T0 for an organisation (tests and demo)."""
    questionnaire = qn.current(qn.variant_for_kind(organisation.kind))
    return record_submitted(organisation, answers_at(questionnaire, maturity, random.Random(seed)))


def seed_base_assessments() -> list[str]:
    """T0 for every demo organisation that has none (idempotent)."""
    orgs = db.session.scalars(sa.select(Organisation).where(~sa.exists().where(
        Assessment.organisation_id == Organisation.id)).order_by(Organisation.id)).all()
    for n, org in enumerate(orgs):
        give_t0(org, maturity=0.25 + 0.15 * (n % 3), seed=n + 7)
    return [f"assessments: {len(orgs)} T0 assessment(s)"] if orgs else []


def seed_follow_ups() -> list[str]:
    """After the demo applications: T1 for organisations with a closed application, and a
    satisfaction answer for most closed applications (idempotent)."""
    from ..applications.models import Application, AppState

    rng = random.Random(11)
    closed = db.session.scalars(sa.select(Application).where(Application.state == AppState.CLOSED)
                                .order_by(Application.id)).all()
    t1s = answered = 0
    for application in closed:
        t0 = db.session.scalar(sa.select(Assessment).where(
            Assessment.organisation_id == application.organisation_id, Assessment.stage == T0,
            Assessment.status == SUBMITTED).order_by(Assessment.cycle.desc()).limit(1))
        has_t1 = t0 is not None and db.session.scalar(sa.select(sa.func.count(Assessment.id)).where(
            Assessment.organisation_id == t0.organisation_id, Assessment.cycle == t0.cycle,
            Assessment.stage == T1))
        if t0 is not None and not has_t1:
            questionnaire = qn.get(t0.variant, t0.version)
            record_submitted(application.organisation, improved(questionnaire, t0.answers, rng),
                             stage=T1, cycle=t0.cycle)
            t1s += 1
        if db.session.scalar(sa.select(Satisfaction.id).where(Satisfaction.application_id == application.id)):
            continue
        db.session.add(Satisfaction(application_id=application.id, organisation_id=application.organisation_id,
                                    service_id=application.service_id, score=rng.choice((7, 8, 8, 9, 10)),
                                    would_recommend=True, comment="Useful and well organised.",
                                    user_id=application.created_by_id))
        answered += 1
    db.session.flush()
    return [f"assessments: {t1s} T1 assessment(s), {answered} satisfaction answer(s)"] if t1s or answered else []
