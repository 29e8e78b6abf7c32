"""The guarded UPDATE, on any database: availability is re-checked *in* the write.

The race tests (test_concurrency.py) prove the guard with real threads, but on SQLite
writers run one at a time, so a check-then-act version of `_post` (read the balance,
compare in Python, then update unconditionally) passes them. These tests catch it on
SQLite alone: a "concurrent" writer takes the money between whatever check the code
makes and its UPDATE of the balance, exactly where a racing transaction would commit
on PostgreSQL. Only a condition inside the UPDATE itself sees that.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from budget.helpers import EUR, approve, ledger_count, make_application
from factories import make_org

from dih4society.applications.models import AppState
from dih4society.budget import services as budget
from dih4society.budget.models import AidGrant, BudgetAccount, LedgerEntry, LedgerKind
from dih4society.extensions import db

BALANCE_UPDATE = re.compile(r"^\s*UPDATE\s+budget_accounts\b", re.IGNORECASE)


@contextmanager
def concurrent_writer_before_balance_update(account_id: int, column: str, cents: int):
    """Just before the next UPDATE of budget_accounts, move `column` of the account by
    `cents` on the same connection, as if another transaction had committed in between.

    Yields the statements of the balance UPDATEs that ran."""
    engine = db.engine
    seen: list[str] = []
    fired = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if fired or not BALANCE_UPDATE.match(statement):
            return
        fired.append(True)
        raw = conn.connection.dbapi_connection.cursor()
        raw.execute(f"UPDATE budget_accounts SET {column} = {column} + {int(cents)} WHERE id = {int(account_id)}")
        raw.close()
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    assert fired, "the code never updated the balance"


def test_an_approval_is_refused_when_the_money_went_between_check_and_write(hub):
    """The account has room when the approval starts; another approval takes it just
    before the balance moves: the guard in the UPDATE refuses, nothing is booked."""
    account = hub.refresh()
    assert account.available_cents == 100_000 * EUR
    application = make_application(make_org(), hub.service, 60_000 * EUR)
    before = ledger_count()
    with concurrent_writer_before_balance_update(account.id, "committed_cents", 50_000 * EUR):
        with pytest.raises(budget.InsufficientFunds):
            approve(hub.admin, application, 60_000 * EUR)
    assert application.state is AppState.IN_REVIEW
    assert ledger_count() == before
    assert db.session.scalar(sa.select(sa.func.count(AidGrant.id))) == 0
    db.session.refresh(account)
    assert account.committed_cents == 0  # the savepoint of the refused posting was rolled back


def test_a_transfer_is_refused_when_the_source_was_emptied_between_check_and_write(hub):
    account = hub.refresh()
    target = budget.reserve_account()
    before = ledger_count()
    with concurrent_writer_before_balance_update(account.id, "committed_cents", 90_000 * EUR):
        with pytest.raises(budget.InsufficientFunds):
            budget.transfer(hub.admin, account, target, 20_000 * EUR, "stale-transfer")
    assert ledger_count() == before


def test_a_spend_is_refused_when_the_commitment_was_released_between_check_and_write(hub):
    application = make_application(make_org(), hub.service, 10_000 * EUR)
    approve(hub.admin, application, 10_000 * EUR)
    account = hub.refresh()
    application.state = AppState.DELIVERED
    application.actual_cost_cents = 10_000 * EUR
    with concurrent_writer_before_balance_update(account.id, "committed_cents", -9_000 * EUR):
        with pytest.raises(budget.InsufficientFunds):
            budget.close_application_money(hub.admin, application)
    assert not db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.SPEND)).all()


def test_the_balance_update_carries_its_availability_condition(hub):
    """The commitment's UPDATE itself says WHERE allocated − committed − spent >= amount."""
    application = make_application(make_org(), hub.service, 1_000 * EUR)
    with concurrent_writer_before_balance_update(hub.account.id, "committed_cents", 0) as seen:
        approve(hub.admin, application, 1_000 * EUR)
    where = re.sub(r"[()]|BUDGET_ACCOUNTS\.", "", seen[0].upper().split(" WHERE ", 1)[1])
    assert re.search(r"ALLOCATED_CENTS\s*-\s*COMMITTED_CENTS\s*-\s*SPENT_CENTS\s*>=", where), seen[0]
    assert db.session.get(BudgetAccount, hub.account.id).committed_cents == 1_000 * EUR
