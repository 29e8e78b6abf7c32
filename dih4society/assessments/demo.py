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


def _scale_orgs():
    """Ids of the `--scale` organisations (their users have @scale.example addresses)."""
    from ..auth.models import User

    return sa.select(User.organisation_id).where(User.email.like("%@scale.example"),
                                                 User.organisation_id.is_not(None))


def seed_base_assessments() -> list[str]:
    """T0 for every demo organisation (not the --scale ones) that has none (idempotent)."""
    orgs = db.session.scalars(sa.select(Organisation).where(
        ~sa.exists().where(Assessment.organisation_id == Organisation.id),
        Organisation.id.not_in(_scale_orgs())).order_by(Organisation.id)).all()
    for n, org in enumerate(orgs):
        give_t0(org, maturity=0.25 + 0.15 * (n % 3), seed=n + 7)
    return [f"assessments: {len(orgs)} T0 assessment(s)"] if orgs else []


def seed_follow_ups() -> list[str]:
    """After the demo applications: T1 for organisations with a closed application, and a
    satisfaction answer for most closed applications (idempotent)."""
    from ..applications.models import Application, AppState

    rng = random.Random(11)
    closed = db.session.scalars(sa.select(Application).where(
        Application.state == AppState.CLOSED, Application.organisation_id.not_in(_scale_orgs()))
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


def seed_scale_assessments(seed_value: int = 2026) -> str:
    """For the `--scale` organisations (bulk data for benchmarks): a T0 for most of them,
    dated before their first application; a T1 for most of those with a closed application;
    satisfaction for most closed applications. Scored by the real scoring code; written in
    bulk; organisations that already have an assessment are skipped (idempotent)."""
    from datetime import timedelta

    from ..applications.models import Application, AppState
    from ..auth.models import User

    have = set(db.session.scalars(sa.select(Assessment.organisation_id).distinct()))
    ap = Application
    rows = db.session.execute(
        sa.select(Organisation.id, Organisation.kind, sa.func.min(ap.created_at), sa.func.min(ap.closed_at))
        .join(User, User.organisation_id == Organisation.id).join(ap, ap.organisation_id == Organisation.id)
        .where(User.email.like("%@scale.example")).group_by(Organisation.id, Organisation.kind)).all()
    now = utcnow()
    assessments, answers_done = [], 0
    for org_id, kind, first_app, first_closed in rows:
        rng = random.Random(f"{seed_value}:org:{org_id}")  # the same decisions on every run
        if org_id in have or rng.random() >= 0.85:
            continue
        variant = qn.variant_for_kind(kind)
        questionnaire = qn.current(variant)
        maturity = rng.uniform(0.15, 0.7)
        t0_answers = answers_at(questionnaire, maturity, rng)
        when = _aware(first_app) - timedelta(days=rng.randint(1, 20))
        assessments.append(_row(org_id, variant, questionnaire, t0_answers, T0, when))
        if first_closed is not None and rng.random() < 0.7:
            closed = _aware(first_closed)
            t1_when = min(closed + timedelta(days=rng.randint(1, 120)), now)
            t1_answers = improved(questionnaire, t0_answers, rng, steps=rng.randint(2, 10))
            assessments.append(_row(org_id, variant, questionnaire, t1_answers, T1, max(t1_when, when)))
    for i in range(0, len(assessments), 2000):
        db.session.execute(sa.insert(Assessment), assessments[i:i + 2000])
    answered = set(db.session.scalars(sa.select(Satisfaction.application_id)))
    closed_apps = db.session.execute(
        sa.select(ap.id, ap.organisation_id, ap.service_id, ap.created_by_id, ap.closed_at)
        .join(User, User.id == ap.created_by_id)
        .where(ap.state == AppState.CLOSED, User.email.like("%@scale.example"))).all()
    responses = []
    for app_id, org_id, service_id, user_id, closed_at in closed_apps:
        rng = random.Random(f"{seed_value}:app:{app_id}")
        if app_id in answered or rng.random() >= 0.7:
            continue
        score = max(1, min(10, round(rng.gauss(8.2, 1.4))))
        responses.append(dict(application_id=app_id, organisation_id=org_id, service_id=service_id, score=score,
                              would_recommend=score >= 7, comment=None, user_id=user_id,
                              created_at=min(_aware(closed_at) + timedelta(days=rng.randint(0, 14)), now)))
        answers_done += 1
    for i in range(0, len(responses), 2000):
        db.session.execute(sa.insert(Satisfaction), responses[i:i + 2000])
    db.session.commit()
    t1s = sum(1 for a in assessments if a["stage"] == T1)
    return f"scale: {len(assessments) - t1s} T0 and {t1s} T1 assessments, {answers_done} satisfaction answers"


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _row(org_id: int, variant: str, questionnaire: qn.Questionnaire, answers: dict, stage: str,
         when: datetime) -> dict:
    result = scoring.score(questionnaire, answers)
    return dict(organisation_id=org_id, cycle=1, stage=stage, status=SUBMITTED, variant=variant,
                version=questionnaire.version, answers=answers,
                dimension_scores={k: float(v) for k, v in result.dimensions.items()},
                overall=float(result.overall), band=result.band, scoring_rule=result.rule,
                created_at=when, updated_at=when, submitted_at=when)
