"""Concurrent requests: submits never share a reference, two approvals never both book."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from applications.builders import S, build, demo_user, make_cast

from dih4society.applications import services, workflow
from dih4society.applications.models import Application
from dih4society.budget.models import LedgerEntry
from dih4society.core.errors import DomainError
from dih4society.extensions import db

pytestmark = pytest.mark.race


def _in_threads(app, items: list, work) -> list:
    """Run `work(item)` for every item at once, each in its own app context and session."""
    barrier = threading.Barrier(len(items))
    results: list = [None] * len(items)

    def run(i: int, item) -> None:
        with app.app_context():
            barrier.wait()
            try:
                work(item)
                db.session.commit()
                results[i] = "ok"
            except DomainError as exc:
                db.session.rollback()
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, item)) for i, item in enumerate(items)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_submits_get_distinct_consecutive_references(app, seeded, race_dialect):
    race_dialect(app)
    with app.app_context():
        cast = make_cast()
        ids = [build(cast, S.DRAFT).id for _ in range(8)]
        db.session.commit()

    def submit(application_id: int) -> None:
        application = services.load_for_update(application_id)
        services.submit(demo_user("applicant"), application)

    assert _in_threads(app, ids, submit) == ["ok"] * 8
    with app.app_context():
        references = db.session.scalars(sa.select(Application.reference).where(Application.id.in_(ids))).all()
    numbers = sorted(int(r[-6:]) for r in references)
    assert len(set(references)) == 8
    assert numbers == list(range(numbers[0], numbers[0] + 8))


def test_two_managers_approving_at_once_book_once(app, seeded, race_dialect):
    race_dialect(app)
    with app.app_context():
        cast = make_cast()
        application = build(cast, S.IN_REVIEW)
        target, managers = application.id, [cast.manager.id, cast.manager2.id]
        db.session.commit()
    from dih4society.auth.models import User

    def approve(manager_id: int) -> None:
        application = services.load_for_update(target)
        services.approve(db.session.get(User, manager_id), application, application.requested_cents)

    results = _in_threads(app, managers, approve)
    assert sorted(r == "ok" for r in results) == [False, True]
    refused = next(r for r in results if r != "ok")
    assert isinstance(refused, workflow.WrongState)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(
            LedgerEntry.application_id == target)) == 1
        assert db.session.get(Application, target).state is S.APPROVED


def _approver(partner_code: str):
    from factories import make_user

    from dih4society.auth.models import Role
    from dih4society.catalogue.models import Partner

    partner = db.session.scalar(sa.select(Partner).where(Partner.code == partner_code))
    user = make_user(Role.PARTNER_STAFF, partner=partner)
    user.is_approver = True
    db.session.flush()
    return user.id


def test_two_approvers_at_the_second_stage_commit_once(app, seeded, race_dialect):
    """partner@ (UTCN) and an approver of UO both give the second approval at once."""
    race_dialect(app)
    from applications.builders import service

    from dih4society.auth.models import User

    with app.app_context():
        cast = make_cast()
        application = build(cast, S.IN_REVIEW, svc=service("TBI-DT-01"), requested_cents=3_000_000)
        services.approve(cast.manager, application, 3_000_000)
        target, approvers = application.id, [cast.deliverer.id, _approver("UO")]
        db.session.commit()

    def second(user_id: int) -> None:
        application = services.load_for_update(target)
        services.approve(db.session.get(User, user_id), application, 3_000_000, expected_stage=2)

    results = _in_threads(app, approvers, second)
    assert sorted(r == "ok" for r in results) == [False, True]
    assert isinstance(next(r for r in results if r != "ok"), workflow.WrongState)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(
            LedgerEntry.application_id == target)) == 1
        assert db.session.get(Application, target).state is S.APPROVED


def test_two_first_approvals_at_once_never_make_an_unseen_second(app, seeded, race_dialect):
    """The manager and partner@ both approve the page they saw (stage 1) at once: one first
    approval; the other click is refused as stale, not counted as the second approval."""
    race_dialect(app)
    from applications.builders import service

    from dih4society.auth.models import User

    with app.app_context():
        cast = make_cast()
        application = build(cast, S.IN_REVIEW, svc=service("TBI-DT-01"), requested_cents=3_000_000)
        target, deciders = application.id, [cast.manager.id, cast.deliverer.id]
        db.session.commit()

    def first(user_id: int) -> None:
        application = services.load_for_update(target)
        services.approve(db.session.get(User, user_id), application, 3_000_000, expected_stage=1)

    results = _in_threads(app, deciders, first)
    assert sorted(r == "ok" for r in results) == [False, True]
    with app.app_context():
        assert db.session.get(Application, target).state is S.AWAITING_SECOND
        assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(
            LedgerEntry.application_id == target)) == 0
