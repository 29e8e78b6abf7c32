"""The ledger: envelope, transfers, commitments, spending, releases; refusals change nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from budget.helpers import EUR, approve, cancel, close, ledger_count, make_application
from factories import make_org, make_partner

from dih4society.applications.models import AppState
from dih4society.budget import services as budget
from dih4society.budget.models import AidGrant, BudgetAccount, LedgerEntry, LedgerKind
from dih4society.catalogue.models import Category
from dih4society.core.errors import DomainError
from dih4society.core.models import AuditEvent
from dih4society.extensions import db


def entries(**where) -> list[LedgerEntry]:
    stmt = sa.select(LedgerEntry).order_by(LedgerEntry.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(LedgerEntry, key) == value)
    return list(db.session.scalars(stmt))


# --- envelope and allocations -------------------------------------------------------------

def test_envelope_is_booked_on_the_reserve_and_can_grow_or_shrink(hub):
    assert budget.get_settings().envelope_cents == 1_000_000 * EUR
    assert hub.reserve.allocated_cents == 900_000 * EUR  # 100,000 moved to the account
    budget.set_envelope(hub.admin, 1_200_000 * EUR, 40)
    assert hub.reserve.allocated_cents == 1_100_000 * EUR
    assert budget.get_settings().eu_share_percent == 40
    budget.set_envelope(hub.admin, 1_000_000 * EUR, 40)
    assert hub.reserve.allocated_cents == 900_000 * EUR
    kinds = [(e.kind, e.amount_cents) for e in entries(account_id=hub.reserve.id)]
    assert kinds[-2:] == [(LedgerKind.ALLOCATE, 200_000 * EUR), (LedgerKind.ALLOCATE, -200_000 * EUR)]
    assert budget.verify().ok


def test_envelope_cannot_shrink_below_what_is_allocated(hub):
    before = ledger_count()
    with pytest.raises(DomainError, match="cannot shrink below what is already allocated"):
        budget.set_envelope(hub.admin, 50_000 * EUR, 50)
    assert ledger_count() == before
    assert hub.reserve.allocated_cents == 900_000 * EUR


@pytest.mark.parametrize("share", [-1, 101])
def test_eu_share_is_a_percentage(hub, share):
    with pytest.raises(DomainError):
        budget.set_envelope(hub.admin, 1_000_000 * EUR, share)


def test_transfer_is_a_pair_of_entries_and_books_once_per_key(hub):
    other = budget.ensure_account(make_partner(), Category.SKILLS_TRAINING)
    assert budget.transfer(hub.admin, hub.account, other, 30_000 * EUR, "transfer:abc", note="move") is True
    pair = entries(account_id=other.id) + entries(idempotency_key="transfer:abc:out")
    assert sorted(e.amount_cents for e in pair) == [-30_000 * EUR, 30_000 * EUR]
    assert all(e.kind is LedgerKind.ALLOCATE for e in pair)
    # The same form token again (double click, resent request): nothing more.
    count = ledger_count()
    assert budget.transfer(hub.admin, hub.account, other, 30_000 * EUR, "transfer:abc") is False
    assert ledger_count() == count
    assert hub.refresh().allocated_cents == 70_000 * EUR
    assert db.session.get(BudgetAccount, other.id).allocated_cents == 30_000 * EUR
    audit = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.verb == "budget.transfer")).all()
    assert len(audit) == 2  # the set-up funding and this one


def test_transfer_cannot_move_more_than_is_available(hub):
    other = budget.ensure_account(make_partner(), Category.SKILLS_TRAINING)
    org = make_org()
    approve(hub.admin, make_application(org, hub.service, 60_000 * EUR))
    count = ledger_count()
    with pytest.raises(budget.InsufficientFunds) as refused:
        budget.transfer(hub.admin, hub.account, other, 40_000_01, "transfer:too-much")
    assert hub.account.name in refused.value.message
    assert "€40,000.00" in refused.value.message  # what is available
    assert ledger_count() == count
    assert hub.refresh().allocated_cents == 100_000 * EUR
    assert budget.transfer(hub.admin, hub.account, other, 40_000 * EUR, "transfer:exact") is True
    assert hub.refresh().available_cents == 0


def test_transfer_refuses_nonsense(hub):
    with pytest.raises(DomainError):
        budget.transfer(hub.admin, hub.account, hub.account, 1, "t:1")
    with pytest.raises(DomainError):
        budget.transfer(hub.admin, hub.reserve, hub.account, 0, "t:2")


def test_create_account_refuses_a_duplicate_cell(hub):
    with pytest.raises(DomainError, match="already has an account"):
        budget.create_account(hub.admin, hub.partner, Category.TEST_BEFORE_INVEST)
    account = budget.create_account(hub.admin, hub.partner, Category.SKILLS_TRAINING)
    assert account.allocated_cents == 0 and account.name.startswith(hub.partner.code)


# --- the life of an application ---------------------------------------------------------------

def test_approve_commits_close_spends_and_releases_the_rest(hub):
    app = make_application(make_org(), hub.service, 10_000 * EUR)
    approve(hub.admin, app, 8_000 * EUR)
    account = hub.refresh()
    assert (account.committed_cents, account.spent_cents, account.available_cents) == (
        8_000 * EUR, 0, 92_000 * EUR)
    assert app.budget_account_id == account.id
    close(hub.admin, app, 6_500 * EUR)
    account = hub.refresh()
    assert (account.committed_cents, account.spent_cents, account.available_cents) == (
        0, 6_500 * EUR, 93_500 * EUR)
    moves = [(e.kind, e.amount_cents) for e in entries(application_id=app.id)]
    assert moves == [(LedgerKind.COMMIT, 8_000 * EUR), (LedgerKind.SPEND, 6_500 * EUR),
                     (LedgerKind.RELEASE, 1_500 * EUR)]
    assert budget.verify().ok


def test_close_at_full_cost_and_at_zero_cost(hub):
    full = make_application(make_org(), hub.service, 5_000 * EUR)
    zero = make_application(make_org(), hub.service, 5_000 * EUR)
    approve(hub.admin, full)
    approve(hub.admin, zero)
    close(hub.admin, full, 5_000 * EUR)
    close(hub.admin, zero, 0)
    assert [e.kind for e in entries(application_id=full.id)] == [LedgerKind.COMMIT, LedgerKind.SPEND]
    assert [e.kind for e in entries(application_id=zero.id)] == [LedgerKind.COMMIT, LedgerKind.RELEASE]
    account = hub.refresh()
    assert (account.committed_cents, account.spent_cents) == (0, 5_000 * EUR)
    assert budget.verify().ok


def test_close_refuses_an_actual_cost_above_the_approved_amount(hub):
    app = make_application(make_org(), hub.service, 5_000 * EUR)
    approve(hub.admin, app)
    count = ledger_count()
    app.actual_cost_cents = 5_000 * EUR + 1
    with pytest.raises(DomainError, match="between zero and the approved"):
        budget.close_application_money(hub.admin, app)
    app.actual_cost_cents = None  # (the CHECK constraint would refuse to store it anyway)
    assert ledger_count() == count


def test_cancel_releases_everything_and_reverses_the_aid(hub):
    app = make_application(make_org(), hub.service, 10_000 * EUR)
    approve(hub.admin, app)
    grant = db.session.scalar(sa.select(AidGrant).where(AidGrant.application_id == app.id))
    assert grant.aid_cents == 10_000 * EUR and grant.reversed_on is None  # no co-payment: the whole value
    cancel(hub.admin, app)
    assert hub.refresh().committed_cents == 0
    db.session.refresh(grant)
    assert grant.reversed_on is not None
    assert budget.verify().ok


def test_movements_are_idempotent_per_application(hub):
    app = make_application(make_org(), hub.service, 10_000 * EUR)
    approve(hub.admin, app)
    budget.on_approve(hub.admin, app, 10_000 * EUR, app.created_at.date())  # a retried request
    assert len(entries(application_id=app.id)) == 1
    assert db.session.scalar(sa.select(sa.func.count(AidGrant.id))) == 1
    close(hub.admin, app, 9_000 * EUR)
    budget.close_application_money(hub.admin, app)  # again
    assert len(entries(application_id=app.id)) == 3
    assert hub.refresh().spent_cents == 9_000 * EUR


def test_approval_that_does_not_fit_is_refused_naming_account_and_available(hub):
    first = make_application(make_org(), hub.service, 10_000 * EUR)
    approve(hub.admin, first)  # available now 90,000
    big_service = hub.service
    org = make_org()
    app = make_application(org, big_service, 95_000 * EUR)
    app.approved_cents = 95_000 * EUR
    count, grants = ledger_count(), db.session.scalar(sa.select(sa.func.count(AidGrant.id)))
    with pytest.raises(budget.InsufficientFunds) as refused:
        budget.on_approve(hub.admin, app, 95_000 * EUR, app.created_at.date())
    message = refused.value.message
    assert hub.account.name in message and "€90,000.00" in message and "€95,000.00" in message
    # Nothing changed: no ledger entry, no aid grant, no aid figures on the application.
    assert ledger_count() == count
    assert db.session.scalar(sa.select(sa.func.count(AidGrant.id))) == grants
    assert app.legal_basis is None and app.aid_cents is None and app.budget_account_id is None
    assert hub.refresh().committed_cents == 10_000 * EUR
    # What still fits is accepted.
    budget.on_approve(hub.admin, app, 90_000 * EUR, app.created_at.date())
    assert hub.refresh().available_cents == 0


def test_approval_without_an_account_is_refused(ctx, hub):
    from factories import make_service

    elsewhere = make_service(make_partner(), Category.INVESTMENT_SUPPORT)
    app = make_application(make_org(), elsewhere, 1_000 * EUR)
    with pytest.raises(budget.InsufficientFunds, match="no budget allocation"):
        budget.on_approve(hub.admin, app, 1_000 * EUR, app.created_at.date())
    assert db.session.scalar(sa.select(sa.func.count(AidGrant.id))) == 0


def test_the_database_refuses_overspending_even_without_the_guard(hub):
    """The CHECK constraint: available = allocated − committed − spent never below zero."""
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.execute(sa.update(BudgetAccount).where(BudgetAccount.id == hub.account.id)
                               .values(committed_cents=BudgetAccount.allocated_cents + 1))


# --- insert-only, in the database itself ----------------------------------------------------------

@pytest.mark.parametrize("statement", [
    "UPDATE ledger_entries SET amount_cents = amount_cents + 1",
    "DELETE FROM ledger_entries",
    "UPDATE audit_events SET verb = 'forged'",
    "DELETE FROM audit_events",
])
def test_ledger_and_audit_trail_refuse_update_and_delete(hub, statement):
    from sqlalchemy.exc import DatabaseError

    assert ledger_count() > 0
    db.session.commit()
    with pytest.raises(DatabaseError, match="insert-only"):
        db.session.execute(sa.text(statement))
    db.session.rollback()
    assert ledger_count() > 0


def test_state_is_copied_to_the_application(hub):
    app = make_application(make_org(), hub.service, 10_000 * EUR)
    approve(hub.admin, app, 7_000 * EUR)
    assert app.aid_cents == 7_000 * EUR and app.co_payment_cents == 0
    assert app.legal_basis is hub.service.legal_basis
    assert app.state is AppState.APPROVED
