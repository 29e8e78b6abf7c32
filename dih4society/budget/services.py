"""The money rules: envelope, allocations, commitments, spending, and state aid.

Every balance change goes through `_post`, which writes the insert-only ledger entry
and moves the cached balance in the same transaction with a *guarded* UPDATE: the
WHERE clause re-checks availability at the moment the row is written, so two
approvals racing for the last euros cannot both succeed (on PostgreSQL the second
waits for the first's row lock and then re-evaluates the WHERE clause on the new
row; on SQLite writers are serialised by BEGIN IMMEDIATE). Functions flush, never
commit; a refusal raises a `DomainError` subclass and leaves the session as it was
(each posting and each approval runs in a SAVEPOINT).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..catalogue.models import Category, Partner
from ..core import audit
from ..core.db import is_postgres, utcnow
from ..core.errors import DomainError
from ..core.money import co_payment_of, eur
from ..extensions import db
from .aid import (  # noqa: F401  (the workflow and the views use them from here)
    AidCeilingExceeded,
    AidCheck,
    aid_check,
    ceiling_for,
    grant_aid,
    receives_aid,
    restate_aid,
    reverse_aid,
    window_start,
)
from .models import BudgetAccount, BudgetSettings, LedgerEntry, LedgerKind
from .reconcile import VerifyResult, verify  # noqa: F401


class InsufficientFunds(DomainError):
    """The account cannot take the amount."""


# --- accounts and settings ---------------------------------------------------------

def get_settings(*, for_update: bool = False) -> BudgetSettings | None:
    """The envelope row; `for_update` locks it on PostgreSQL (SQLite: BEGIN IMMEDIATE)."""
    stmt = sa.select(BudgetSettings).order_by(BudgetSettings.id).limit(1)
    if for_update and is_postgres(db.session):
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(stmt)


def reserve_account() -> BudgetAccount | None:
    """The unallocated reserve: where the envelope lands before it is allocated."""
    return db.session.scalar(sa.select(BudgetAccount).where(BudgetAccount.is_reserve.is_(True)))


def account_for(partner_id: int, category: Category) -> BudgetAccount | None:
    """The partner × category account, if the budget set-up created one."""
    return db.session.scalar(sa.select(BudgetAccount).where(
        BudgetAccount.partner_id == partner_id, BudgetAccount.category == category))


def account_name(partner: Partner, category: Category) -> str:
    """The display name of a partner × category account."""
    return f"{partner.code} · {category.label}"


def ensure_account(partner: Partner, category: Category) -> BudgetAccount:
    """The partner × category account, created empty if missing."""
    account = account_for(partner.id, category)
    if account is None:
        account = BudgetAccount(name=account_name(partner, category), partner_id=partner.id,
                                category=category)
        db.session.add(account)
        db.session.flush()
    return account


def create_account(actor, partner: Partner, category: Category) -> BudgetAccount:
    """Admin: open an empty partner × category account (money comes by transfer)."""
    if account_for(partner.id, category) is not None:
        raise DomainError(_("%(partner)s already has an account for %(category)s.",
                            partner=partner.name, category=category.label), "category")
    account = ensure_account(partner, category)
    audit.record(actor, "budget.account_created", "budget_account", account.id,
                 {"partner": partner.code, "category": category.value})
    return account


def _ledger_key_taken(key: str) -> bool:
    return db.session.scalar(
        sa.select(LedgerEntry.id).where(LedgerEntry.idempotency_key == key)) is not None


_BALANCE_EFFECTS = {
    # kind: {column: sign}
    LedgerKind.ALLOCATE: {"allocated_cents": 1},
    LedgerKind.COMMIT: {"committed_cents": 1},
    LedgerKind.RELEASE: {"committed_cents": -1},
    LedgerKind.SPEND: {"committed_cents": -1, "spent_cents": 1},
}


class _Refused(Exception):
    """The guarded UPDATE matched no row (internal; becomes InsufficientFunds)."""


def _post(account: BudgetAccount, kind: LedgerKind, amount: int, key: str, *, actor,
          application_id: int | None = None, note: str = "") -> LedgerEntry | None:
    """Book one movement: ledger row + guarded balance update. Idempotent per key.

    Returns None when the key was already booked (a retried request or a double
    click). Raises InsufficientFunds, changing nothing, when the guard refuses.

    The entry is inserted *before* the balance moves, inside a SAVEPOINT: the unique
    index on the key is then the meeting point of two identical requests racing
    (PostgreSQL makes the second insert wait for the first transaction and fails it
    with a unique violation once the first commits), and a refusal or a duplicate
    rolls back just this posting.
    """
    if amount == 0 or (kind is not LedgerKind.ALLOCATE and amount < 0):
        raise DomainError(_("An amount must be positive."), "amount")
    if _ledger_key_taken(key):
        return None
    table = BudgetAccount.__table__
    values = {col: table.c[col] + sign * amount for col, sign in _BALANCE_EFFECTS[kind].items()}
    stmt = sa.update(table).where(table.c.id == account.id).values(**values)
    available = table.c.allocated_cents - table.c.committed_cents - table.c.spent_cents
    if kind is LedgerKind.COMMIT or (kind is LedgerKind.ALLOCATE and amount < 0):
        stmt = stmt.where(available >= abs(amount))
    if kind in (LedgerKind.RELEASE, LedgerKind.SPEND):
        stmt = stmt.where(table.c.committed_cents >= amount)
    entry = LedgerEntry(account_id=account.id, application_id=application_id, kind=kind,
                        amount_cents=amount, idempotency_key=key,
                        actor_id=getattr(actor, "id", None), note=(note or "")[:500])
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
            if db.session.execute(stmt).rowcount != 1:
                raise _Refused
            if application_id is not None:  # the application's call: its cap, same guard (issue 12)
                from ..calls.money import mirror
                mirror(application_id, kind.value, amount)
    except IntegrityError:
        if _ledger_key_taken(key):  # a concurrent identical request booked it first
            return None
        raise
    except _Refused:
        db.session.refresh(account)
        if kind in (LedgerKind.RELEASE, LedgerKind.SPEND):
            raise InsufficientFunds(_(
                "%(account)s holds only %(committed)s committed; %(amount)s cannot be booked.",
                account=account.label, committed=eur(account.committed_cents),
                amount=eur(amount))) from None
        raise InsufficientFunds(
            _("%(account)s cannot take %(amount)s: available %(available)s.",
              account=account.label, amount=eur(abs(amount)),
              available=eur(account.available_cents))) from None
    db.session.expire(account, ["allocated_cents", "committed_cents", "spent_cents"])
    return entry


def set_envelope(actor, envelope_cents: int, eu_share_percent: int) -> BudgetSettings:
    """Set the envelope and funding split; the difference is booked on the reserve."""
    if envelope_cents < 0:
        raise DomainError(_("The envelope cannot be negative."), "envelope")
    if not 0 <= eu_share_percent <= 100:
        raise DomainError(_("The EU share is a percentage between 0 and 100."), "eu_share_percent")
    # Lock the settings row so two admins changing the envelope at once cannot both
    # book their difference against the same old value.
    settings = get_settings(for_update=True)
    reserve = reserve_account()
    if reserve is None:
        reserve = BudgetAccount(name=_("Unallocated reserve"), is_reserve=True)
        db.session.add(reserve)
        db.session.flush()
    old = settings.envelope_cents if settings else 0
    old_share = settings.eu_share_percent if settings else None
    if settings is None:
        settings = BudgetSettings(id=1, envelope_cents=envelope_cents, eu_share_percent=eu_share_percent)
        db.session.add(settings)
    diff = envelope_cents - old
    if diff:
        count = db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(
            LedgerEntry.account_id == reserve.id))
        try:
            _post(reserve, LedgerKind.ALLOCATE, diff, f"envelope:{count}:{envelope_cents}",
                  actor=actor, note=f"envelope {old} -> {envelope_cents}")
        except InsufficientFunds as exc:
            raise DomainError(_("The envelope cannot shrink below what is already allocated: "
                                "the reserve holds only %(available)s.",
                                available=eur(reserve.available_cents)), "envelope") from exc
    settings.envelope_cents = envelope_cents
    settings.eu_share_percent = eu_share_percent
    db.session.flush()
    audit.record(actor, "budget.envelope", "budget_settings", settings.id,
                 {"before": {"envelope_cents": old, "eu_share_percent": old_share},
                  "after": {"envelope_cents": envelope_cents, "eu_share_percent": eu_share_percent}})
    return settings


def transfer(actor, source: BudgetAccount, target: BudgetAccount, amount_cents: int,
             key: str, note: str = "") -> bool:
    """Move allocation between accounts: a pair of ledger entries, never an edit.

    `key` identifies the request (the transfer form's one-time token): the same key
    books once. Returns False when it had already been booked."""
    if amount_cents <= 0:
        raise DomainError(_("Transfer a positive amount."), "amount")
    if source.id == target.id:
        raise DomainError(_("Choose two different accounts."), "target")
    if is_postgres(db.session):
        # Lock both rows in id order, so opposite transfers queue instead of deadlocking.
        db.session.execute(sa.select(BudgetAccount.id).where(BudgetAccount.id.in_([source.id, target.id]))
                           .order_by(BudgetAccount.id).with_for_update())
    first = _post(source, LedgerKind.ALLOCATE, -amount_cents, f"{key}:out", actor=actor, note=note)
    if first is None:
        return False  # already booked by an earlier identical request
    _post(target, LedgerKind.ALLOCATE, amount_cents, f"{key}:in", actor=actor, note=note)
    audit.record(actor, "budget.transfer", "budget_account", target.id,
                 {"from": source.id, "to": target.id, "amount_cents": amount_cents, "note": note})
    return True


# --- application movements ------------------------------------------------------------

def commit_for_application(actor, application, amount_cents: int) -> BudgetAccount:
    """Commit the approved amount on the service's partner × category account."""
    if amount_cents <= 0:
        raise DomainError(_("The approved amount must be positive."), "approved_amount")
    service = application.service
    account = account_for(service.partner_id, service.category)
    if account is None:
        raise InsufficientFunds(_("There is no budget allocation for %(partner)s · %(category)s.",
                                  partner=service.partner.name, category=service.category.label))
    _post(account, LedgerKind.COMMIT, amount_cents, f"app:{application.id}:commit", actor=actor,
          application_id=application.id, note=application.reference or "")
    application.budget_account_id = account.id
    return account


def _application_account(application) -> BudgetAccount:
    account = (db.session.get(BudgetAccount, application.budget_account_id)
               if application.budget_account_id else None)
    if account is None or not application.approved_cents:
        raise DomainError(_("%(ref)s has no budget commitment.", ref=application.reference or "?"))
    return account


def committed_cents(application) -> int:
    """What the approval committed: the approved value less the co-payment at approval."""
    percent = application.co_payment_percent or 0
    return application.approved_cents - co_payment_of(application.approved_cents, percent)


def close_application_money(actor, application, on: date | None = None) -> None:
    """Book the final cost covered as spent, release the rest, restate the aid.

    The final cost covered is the actual cost less the beneficiary's co-payment on it
    (the percentage frozen at approval); with no co-payment it is the actual cost."""
    actual = application.actual_cost_cents or 0
    if not application.approved_cents or not 0 <= actual <= application.approved_cents:
        raise DomainError(_("The actual cost must be between zero and the approved %(approved)s.",
                            approved=eur(application.approved_cents)), "actual_cost")
    account = _application_account(application)
    committed = committed_cents(application)
    covered = actual - co_payment_of(actual, application.co_payment_percent or 0)
    rest = committed - covered
    ref = application.reference or ""
    with db.session.begin_nested():
        if covered:
            _post(account, LedgerKind.SPEND, covered, f"app:{application.id}:spend", actor=actor,
                  application_id=application.id, note=ref)
        if rest:
            _post(account, LedgerKind.RELEASE, rest, f"app:{application.id}:release", actor=actor,
                  application_id=application.id, note=ref)
        restate_aid(actor, application, actual, on or utcnow().date())


def cancel_application_money(actor, application, on: date | None = None) -> None:
    """Release the whole commitment and reverse the aid grant."""
    account = _application_account(application)
    with db.session.begin_nested():
        _post(account, LedgerKind.RELEASE, committed_cents(application),
              f"app:{application.id}:release", actor=actor, application_id=application.id,
              note=application.reference or "")
        reverse_aid(actor, application, on or utcnow().date())


# --- approval entry point used by the workflow ----------------------------------------

def on_approve(actor, application, amount_cents: int, on: date) -> None:
    """Money effects of the final approval: aid (ceiling-checked), then the budget commitment.

    The co-payment percentage is frozen; the budget commits the value less the
    co-payment, which for beneficiaries that receive aid is also the aid.
    All or nothing: if the aid ceiling or the account refuses, the grant, the
    commitment and the application's aid fields are rolled back (SAVEPOINT)."""
    before = (application.legal_basis, application.aid_cents, application.budget_account_id,
              application.co_payment_percent, application.co_payment_cents)
    percent = application.service.co_payment_percent
    try:
        with db.session.begin_nested():
            application.co_payment_percent = percent
            application.co_payment_cents = co_payment_of(amount_cents, percent)
            grant_aid(actor, application, amount_cents, on)
            commit_for_application(actor, application, amount_cents - application.co_payment_cents)
    except DomainError:
        (application.legal_basis, application.aid_cents, application.budget_account_id,
         application.co_payment_percent, application.co_payment_cents) = before
        raise
