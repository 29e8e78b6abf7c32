"""Approvals racing for the same money, with real threads started together.

Runs on the database of the suite: a file-backed SQLite copy by default (writers
serialised by BEGIN IMMEDIATE: outside requests the write intent is on), or
PostgreSQL with TEST_DATABASE_URL (guarded UPDATE + row locks, advisory lock per
undertaking group). Each thread has its own app context, hence its own session and
connection, works on its own application row, and commits or rolls back.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import sqlalchemy as sa
from budget.helpers import EUR, build_hub, make_application
from factories import make_org, make_service

from dih4society import create_app
from dih4society.applications.models import Application, AppState
from dih4society.auth.models import User
from dih4society.budget import services as budget
from dih4society.budget.models import AidGrant, BudgetAccount, LedgerEntry, LedgerKind
from dih4society.catalogue.models import Category, LegalBasis
from dih4society.core.errors import DomainError
from dih4society.extensions import db

pytestmark = [pytest.mark.slow, pytest.mark.race]

THREADS = 16
AMOUNT = 10_000 * EUR
TODAY = date(2026, 6, 15)


@pytest.fixture
def race_app(app_config, race_dialect):
    """An app whose pool has a connection for every thread, on the dialect the run claims."""
    options = {"pool_size": THREADS + 2, "max_overflow": 0, "pool_timeout": 60}
    application = create_app("testing", {**app_config, "SQLALCHEMY_ENGINE_OPTIONS": options})
    race_dialect(application)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _race(app, worker, items) -> list[str]:
    """Run `worker(item)` in one thread per item, all released at once by a barrier."""
    barrier = threading.Barrier(len(items))

    def run(item):
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                outcome = worker(item)
                db.session.commit()
                return outcome
            except DomainError as exc:
                db.session.rollback()
                return f"refused: {type(exc).__name__}"
            except Exception as exc:  # reported, and fails the test below
                db.session.rollback()
                return f"error: {exc!r}"

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(run, items))


def _approver(admin_id: int):
    def approve(app_id: int) -> str:
        actor = db.session.get(User, admin_id)
        application = db.session.get(Application, app_id)
        application.approved_cents = AMOUNT
        budget.on_approve(actor, application, AMOUNT, TODAY)
        application.state = AppState.APPROVED
        return "accepted"
    return approve


def _report(label: str, outcomes: list[str], account: BudgetAccount, dialect: str) -> None:
    accepted = outcomes.count("accepted")
    print(f"\n[{dialect}] {label}: {len(outcomes)} threads, {accepted} accepted, "
          f"{len(outcomes) - accepted} refused; account allocated {account.allocated_cents} "
          f"committed {account.committed_cents} available {account.available_cents} (cents)")


def test_racing_approvals_fill_the_account_exactly_and_refuse_the_rest(race_app):
    room_for = 5
    with race_app.app_context():
        hub = build_hub(account_cents=room_for * AMOUNT + AMOUNT // 2)  # 5 fit, the 6th does not
        apps = [make_application(make_org(), hub.service, AMOUNT).id for _ in range(THREADS)]
        admin_id, account_id = hub.admin.id, hub.account.id
        db.session.commit()
        dialect = db.engine.dialect.name

    outcomes = _race(race_app, _approver(admin_id), apps)

    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert outcomes.count("accepted") == room_for
    assert outcomes.count("refused: InsufficientFunds") == THREADS - room_for
    with race_app.app_context():
        account = db.session.get(BudgetAccount, account_id)
        _report("approvals against one account", outcomes, account, dialect)
        assert account.committed_cents == room_for * AMOUNT
        assert account.available_cents == AMOUNT // 2
        commits = db.session.scalars(sa.select(LedgerEntry.application_id).where(
            LedgerEntry.kind == LedgerKind.COMMIT, LedgerEntry.account_id == account_id)).all()
        approved = db.session.scalars(sa.select(Application.id).where(
            Application.state == AppState.APPROVED)).all()
        assert sorted(commits) == sorted(approved) and len(approved) == room_for
        refused = db.session.scalars(sa.select(Application).where(Application.state == AppState.IN_REVIEW)).all()
        assert all(a.aid_cents is None and a.budget_account_id is None for a in refused)
        assert db.session.scalar(sa.select(sa.func.count(AidGrant.id))) == room_for
        result = budget.verify()
        assert result.ok, result.problems


def test_racing_approvals_for_one_undertaking_group_respect_its_ceiling(race_app):
    with race_app.app_context():
        hub = build_hub(account_cents=THREADS * AMOUNT)  # money for all: only the ceiling limits
        service = make_service(hub.partner, Category.TEST_BEFORE_INVEST, value_cents=AMOUNT,
                               basis=LegalBasis.GBER_28)
        parent = make_org()
        members = [parent] + [make_org(undertaking_group=parent.undertaking_group) for _ in range(3)]
        apps = [make_application(members[i % 4], service, AMOUNT).id for i in range(THREADS)]
        admin_id, account_id = hub.admin.id, hub.account.id
        group = parent.undertaking_group
        db.session.commit()
        dialect = db.engine.dialect.name
        ceiling = race_app.config["AID_CEILINGS_CENTS"]["gber_28"]  # 220,000: 22 grants of 10,000 ...
    race_app.config["AID_CEILINGS_CENTS"] = {**race_app.config["AID_CEILINGS_CENTS"], "gber_28": 7 * AMOUNT}

    outcomes = _race(race_app, _approver(admin_id), apps)

    assert ceiling > 7 * AMOUNT
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert outcomes.count("accepted") == 7
    assert outcomes.count("refused: AidCeilingExceeded") == THREADS - 7
    with race_app.app_context():
        account = db.session.get(BudgetAccount, account_id)
        _report("approvals for one undertaking group (ceiling 7 grants)", outcomes, account, dialect)
        granted = db.session.scalar(sa.select(sa.func.sum(AidGrant.aid_cents)).where(
            AidGrant.undertaking_group == group))
        assert granted == 7 * AMOUNT
        assert account.committed_cents == 7 * AMOUNT
        assert budget.verify().ok


def test_a_double_click_books_once(race_app):
    with race_app.app_context():
        hub = build_hub()
        app_id = make_application(make_org(), hub.service, AMOUNT).id
        admin_id, account_id, reserve_id = hub.admin.id, hub.account.id, hub.reserve.id
        db.session.commit()

    outcomes = _race(race_app, _approver(admin_id), [app_id] * 8)
    assert outcomes == ["accepted"] * 8  # the seven repeats change nothing

    def move(token: str) -> str:
        actor = db.session.get(User, admin_id)
        source, target = db.session.get(BudgetAccount, reserve_id), db.session.get(BudgetAccount, account_id)
        return "booked" if budget.transfer(actor, source, target, AMOUNT, token) else "already booked"

    transfers = _race(race_app, move, ["transfer:same-form-token"] * 8)
    assert sorted(transfers) == ["already booked"] * 7 + ["booked"]
    with race_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(
            LedgerEntry.application_id == app_id)) == 1
        assert db.session.scalar(sa.select(sa.func.count(AidGrant.id))) == 1
        account = db.session.get(BudgetAccount, account_id)
        assert account.committed_cents == AMOUNT
        assert account.allocated_cents == 100_000 * EUR + AMOUNT
        assert budget.verify().ok
