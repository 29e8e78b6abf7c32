"""DMA services: drafts, submission, cycles, the T0 gate, waivers, T1 reminders, satisfaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from applications.builders import build, data
from factories import make_org, make_user

from dih4society.applications import services as apps
from dih4society.applications.models import AppState
from dih4society.assessments import questionnaire as qn
from dih4society.assessments import reminders, satisfaction, scoring, services
from dih4society.assessments.models import Assessment, Satisfaction, T0Waiver, T1Reminder
from dih4society.auth.models import Role
from dih4society.core.errors import DomainError, PermissionDenied
from dih4society.core.models import AuditEvent, Notification, OutboxEmail
from dih4society.extensions import db
from dih4society.organisations.models import OrgKind

from .conftest import full_answers


def fresh_applicant(kind: OrgKind = OrgKind.SME):
    """An applicant of an organisation with no assessment at all."""
    return make_user(Role.APPLICANT, org=make_org(kind, t0=False))


def test_a_draft_over_several_sittings_then_submit_scores_from_the_stored_answers(cast):
    user = fresh_applicant()
    draft = services.start(user, user.organisation)
    assert (draft.cycle, draft.stage, draft.variant, draft.version) == (1, "T0", "sme", "2024.1")
    assert services.start(user, user.organisation).id == draft.id  # safe to repeat
    answers = full_answers()
    first_half = {k: v for k, v in answers.items() if k in ("S1", "S2", "S3", "S4", "S5")}
    services.save(user, draft, first_half)
    assert services.progress(draft) == (5, 11)
    with pytest.raises(DomainError, match="S6"):
        services.submit(user, draft)
    assert draft.status == "draft" and draft.overall is None
    services.save(user, draft, answers)
    assert services.progress(draft) == (11, 11)
    result = services.submit(user, draft)
    expected = scoring.score(qn.current("sme"), answers)
    assert result == expected
    assert draft.overall == float(expected.overall) and draft.band == expected.band
    assert draft.dimension_scores == {k: float(v) for k, v in expected.dimensions.items()}
    assert draft.answers == answers and draft.scoring_rule == scoring.RULE_VERSION
    # Read-only after submission.
    with pytest.raises(DomainError, match="submitted"):
        services.save(user, draft, answers)
    with pytest.raises(DomainError):
        services.submit(user, draft)
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.verb == "dma.submit",
                                                         AuditEvent.object_id == draft.id))


def test_public_institutions_take_the_public_sector_variant(cast):
    user = fresh_applicant(OrgKind.PUBLIC_INSTITUTION)
    assert services.start(user, user.organisation).variant == "pso"
    health = fresh_applicant(OrgKind.HEALTH_ORG)
    assert services.start(health, health.organisation).variant == "sme"


@pytest.mark.parametrize("bad", [
    {"S2": ["made-up"]},
    {"S4": {"twins": "7"}},
    {"P1": ["needs"]},  # a question of the other variant
    {"S7": ["nodigital", "policy"]},  # the negative option excludes the others
])
def test_bad_answers_are_refused_and_nothing_is_stored(cast, bad):
    user = fresh_applicant()
    draft = services.start(user, user.organisation)
    services.save(user, draft, {"S3": ["website"]})
    with pytest.raises(DomainError, match="refused"):
        services.save(user, draft, bad)
    assert draft.answers == {"S3": ["website"]}


def test_answers_for_another_version_are_refused(cast):
    user = fresh_applicant()
    draft = services.start(user, user.organisation)
    with pytest.raises(DomainError, match="another questionnaire"):
        services.save(user, draft, {"S3": ["website"]}, variant="sme", version="2019.0")
    with pytest.raises(DomainError, match="another questionnaire"):
        services.save(user, draft, {}, variant="pso", version="2024.1")


def test_only_members_or_the_assisting_staff_may_answer(cast):
    user = fresh_applicant()
    draft = services.start(user, user.organisation)
    for outsider in (cast.other_applicant, cast.deliverer, cast.manager):
        with pytest.raises(PermissionDenied):
            services.save(outsider, draft, {})
    with pytest.raises(PermissionDenied):
        services.start(cast.other_applicant, user.organisation)


def test_assisted_interview_is_recorded(cast):
    user = fresh_applicant()
    draft = services.start(cast.deliverer, user.organisation, assisted=True)
    assert draft.assisted_by_id == cast.deliverer.id
    services.save(cast.deliverer, draft, full_answers())
    services.submit(cast.deliverer, draft)
    assert draft.submitted_by_id == cast.deliverer.id
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.verb == "dma.submit",
                                                          AuditEvent.object_id == draft.id))
    assert event.data["assisted_by_id"] == cast.deliverer.id
    with pytest.raises(PermissionDenied):
        services.start(user, user.organisation, assisted=True)  # applicants do not assist


def _submitted_t0(user):
    draft = services.start(user, user.organisation)
    services.save(user, draft, full_answers())
    services.submit(user, draft)
    return draft


def test_first_submit_needs_a_t0_or_a_waiver(cast):
    user = fresh_applicant()
    application = apps.create_draft(user, cast.service, data())
    with pytest.raises(DomainError, match="T0"):
        apps.submit(user, application)
    assert application.state is AppState.DRAFT and application.reference is None
    _submitted_t0(user)
    apps.submit(user, application)
    assert application.state is AppState.SUBMITTED


def test_staff_waive_the_t0_with_a_reason_which_is_audited(cast):
    user = fresh_applicant()
    with pytest.raises(PermissionDenied):
        services.waive_t0(user, user.organisation, "I would rather not do it now.")
    with pytest.raises(DomainError, match="reason"):
        services.waive_t0(cast.manager, user.organisation, " ")
    services.waive_t0(cast.manager, user.organisation, "Assessed by phone during the incident.")
    services.waive_t0(cast.manager, user.organisation, "A second time changes nothing.")
    assert db.session.scalar(sa.select(sa.func.count(T0Waiver.id))) == 1
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.verb == "dma.waive_t0",
                                                         AuditEvent.object_id == user.organisation_id))
    application = apps.create_draft(user, cast.service, data(), submit_now=True)
    assert application.state is AppState.SUBMITTED


def test_t1_opens_after_a_closed_application_and_a_new_cycle_after_t1(cast):
    user = make_user(Role.APPLICANT, org=make_org(OrgKind.SME, t0=False))
    t0 = _submitted_t0(user)
    with pytest.raises(DomainError, match="T1"):
        services.start(user, user.organisation)
    build(cast, AppState.CLOSED, applicant=user)
    t1 = services.start(user, user.organisation)
    assert (t1.cycle, t1.stage) == (1, "T1")
    services.save(user, t1, full_answers(maturity=0.8))
    services.submit(user, t1)
    assert services.pair_of(t1) == (t0, t1)
    again = services.start(user, user.organisation)
    assert (again.cycle, again.stage) == (2, "T0")
    assert {(a.cycle, a.stage) for a in services.history(user.organisation_id)} == {(1, "T0"), (1, "T1"), (2, "T0")}


def test_one_t0_and_one_t1_per_cycle_in_the_database(cast):
    org = make_org(OrgKind.SME)  # has a T0 (cycle 1)
    duplicate = Assessment(organisation_id=org.id, cycle=1, stage="T0", variant="sme", version="2024.1",
                           answers={}, dimension_scores={})
    db.session.add(duplicate)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


# --- T1 reminders ---------------------------------------------------------------------------

def test_t1_reminder_after_the_configured_months_idempotent_again_after_30_days_at_most_twice(cast):
    user = make_user(Role.APPLICANT, org=make_org(OrgKind.SME, t0=False))
    _submitted_t0(user)
    application = build(cast, AppState.CLOSED, applicant=user)
    closed = application.closed_at
    org_id = user.organisation_id

    def mails():
        return db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(
            OutboxEmail.recipient == user.email, OutboxEmail.subject.contains("T1")))

    assert reminders.send_due(closed + timedelta(days=300)) == 0  # not yet 12 months
    at = reminders.add_months(closed, 12)
    assert reminders.send_due(at) == 1
    assert reminders.send_due(at + timedelta(hours=1)) == 0  # idempotent
    assert reminders.send_due(at + timedelta(days=29)) == 0
    assert reminders.send_due(at + timedelta(days=30)) == 1
    assert reminders.send_due(at + timedelta(days=90)) == 0  # at most twice
    assert db.session.scalar(sa.select(sa.func.count(T1Reminder.id)).where(T1Reminder.organisation_id == org_id)) == 2
    assert mails() == 2
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.message.contains("(T1)"))) == 2


def test_no_reminder_once_the_t1_is_submitted_and_the_interval_is_configurable(cast, app):
    app.config["DMA_T1_AFTER_MONTHS"] = 3
    user = make_user(Role.APPLICANT, org=make_org(OrgKind.SME, t0=False))
    _submitted_t0(user)
    application = build(cast, AppState.CLOSED, applicant=user)
    assert reminders.send_due(reminders.add_months(application.closed_at, 3)) == 1
    t1 = services.start(user, user.organisation)
    services.save(user, t1, full_answers())
    services.submit(user, t1)
    assert reminders.send_due(reminders.add_months(application.closed_at, 5)) == 0


# --- satisfaction ------------------------------------------------------------------------------

def test_closing_asks_for_satisfaction_answered_once(cast):
    application = build(cast, AppState.CLOSED)
    assert db.session.scalar(sa.select(Notification).where(
        Notification.user_id == cast.applicant.id, Notification.application_id == application.id,
        Notification.message.contains("How satisfied")))
    for bad in ((0, True), (11, True), (None, True), (8, None)):
        with pytest.raises(DomainError):
            satisfaction.answer(cast.applicant, application, *bad, "")
    with pytest.raises(PermissionDenied):
        satisfaction.answer(cast.manager, application, 9, True, "")
    with pytest.raises(PermissionDenied):
        satisfaction.answer(cast.other_applicant, application, 9, True, "")
    satisfaction.answer(cast.applicant, application, 9, True, "Very useful trials.")
    with pytest.raises(DomainError, match="already"):
        satisfaction.answer(cast.colleague, application, 3, False, "")
    row = db.session.scalar(sa.select(Satisfaction).where(Satisfaction.application_id == application.id))
    assert (row.score, row.would_recommend, row.comment) == (9, True, "Very useful trials.")


def test_satisfaction_only_after_closing(cast):
    application = build(cast, AppState.DELIVERED)
    with pytest.raises(PermissionDenied):
        satisfaction.answer(cast.applicant, application, 9, True, "")
    assert satisfaction.response_of(application.id) is None


def test_a_second_draft_for_the_same_stage_is_never_stored(cast):
    user = fresh_applicant()
    first = services.start(user, user.organisation)
    # Another sitting that did not see the first draft yet (a race): the unique constraint
    # stops it and the existing draft is returned.
    from unittest import mock

    with mock.patch.object(services, "draft_of", side_effect=[None, first]):
        again = services.start(user, user.organisation)
    assert again.id == first.id
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id)).where(
        Assessment.organisation_id == user.organisation_id)) == 1
