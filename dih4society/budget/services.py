"""The money rules: envelope, allocations, commitments, spending, and state aid.

Every balance change goes through `_post`, which writes the insert-only ledger entry
and moves the cached balance in the same transaction with a *guarded* UPDATE: the
WHERE clause re-checks availability at the moment the row is written, so two
approvals racing for the last euros cannot both succeed (on PostgreSQL the second
waits for the first's row lock and then re-evaluates; on SQLite writers are
serialised by BEGIN IMMEDIATE). Functions flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..catalogue.models import Category, LegalBasis, Partner
from ..core import audit
from ..core.db import is_postgres
from ..core.errors import DomainError
from ..core.money import eur, share_of
from ..extensions import db
from ..organisations.models import OrgKind
from .models import AidGrant, BudgetAccount, BudgetSettings, LedgerEntry, LedgerKind


class InsufficientFunds(DomainError):
    """The account cannot take the amount."""


class AidCeilingExceeded(DomainError):
    """The beneficiary's state-aid ceiling cannot take the grant."""


# --- accounts and settings ---------------------------------------------------------

def get_settings() -> BudgetSettings | None:
    return db.session.scalar(sa.select(BudgetSettings).limit(1))


def reserve_account() -> BudgetAccount | None:
    return db.session.scalar(sa.select(BudgetAccount).where(BudgetAccount.is_reserve.is_(True)))


def account_for(partner_id: int, category: Category) -> BudgetAccount | None:
    return db.session.scalar(sa.select(BudgetAccount).where(
        BudgetAccount.partner_id == partner_id, BudgetAccount.category == category))


def ensure_account(partner: Partner, category: Category) -> BudgetAccount:
    """The partner × category account, created empty if missing."""
    account = account_for(partner.id, category)
    if account is None:
        account = BudgetAccount(name=f"{partner.code} · {category.label}", partner_id=partner.id,
                                category=category)
        db.session.add(account)
        db.session.flush()
    return account


def _ledger_key_taken(key: str) -> bool:
    return db.session.scalar(sa.select(LedgerEntry.id).where(LedgerEntry.idempotency_key == key)) is not None


_BALANCE_EFFECTS = {
    # kind: {column: sign}
    LedgerKind.ALLOCATE: {"allocated_cents": 1},
    LedgerKind.COMMIT: {"committed_cents": 1},
    LedgerKind.RELEASE: {"committed_cents": -1},
    LedgerKind.SPEND: {"committed_cents": -1, "spent_cents": 1},
}


def _post(account: BudgetAccount, kind: LedgerKind, amount: int, key: str, *, actor,
          application_id: int | None = None, note: str = "") -> LedgerEntry | None:
    """Book one movement: ledger row + guarded balance update. Idempotent per key.

    Returns None when the key was already booked (a retried request). Raises
    InsufficientFunds, changing nothing, when the guard refuses."""
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
    result = db.session.execute(stmt.execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.refresh(account)
        raise InsufficientFunds(
            _("%(account)s cannot take %(amount)s: available %(available)s.",
              account=account.name, amount=eur(abs(amount)), available=eur(account.available_cents)))
    entry = LedgerEntry(account_id=account.id, application_id=application_id, kind=kind,
                        amount_cents=amount, idempotency_key=key,
                        actor_id=getattr(actor, "id", None), note=note[:500])
    db.session.add(entry)
    db.session.flush()
    db.session.expire(account, ["allocated_cents", "committed_cents", "spent_cents"])
    return entry


def set_envelope(actor, envelope_cents: int, eu_share_percent: int) -> BudgetSettings:
    """Set the envelope and funding split; the difference is booked on the reserve."""
    if envelope_cents < 0:
        raise DomainError(_("The envelope cannot be negative."), "envelope")
    if not 0 <= eu_share_percent <= 100:
        raise DomainError(_("The EU share is a percentage between 0 and 100."), "eu_share_percent")
    settings = get_settings()
    reserve = reserve_account()
    if reserve is None:
        reserve = BudgetAccount(name=_("Unallocated reserve"), is_reserve=True)
        db.session.add(reserve)
        db.session.flush()
    old = settings.envelope_cents if settings else 0
    if settings is None:
        settings = BudgetSettings(envelope_cents=envelope_cents, eu_share_percent=eu_share_percent)
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
    audit.record(actor, "budget.envelope", "budget_settings", None,
                 {"before": old, "after": envelope_cents, "eu_share_percent": eu_share_percent})
    db.session.flush()
    return settings


def transfer(actor, source: BudgetAccount, target: BudgetAccount, amount_cents: int,
             key: str, note: str = "") -> None:
    """Move allocation between accounts: a pair of ledger entries, never an edit."""
    if amount_cents <= 0:
        raise DomainError(_("Transfer a positive amount."), "amount")
    if source.id == target.id:
        raise DomainError(_("Choose two different accounts."), "target")
    first = _post(source, LedgerKind.ALLOCATE, -amount_cents, f"{key}:out", actor=actor, note=note)
    if first is None:
        return  # already booked by an earlier identical request
    _post(target, LedgerKind.ALLOCATE, amount_cents, f"{key}:in", actor=actor, note=note)
    audit.record(actor, "budget.transfer", "budget_account", target.id,
                 {"from": source.id, "to": target.id, "amount_cents": amount_cents, "note": note})


# --- application movements ------------------------------------------------------------

def commit_for_application(actor, application, amount_cents: int) -> BudgetAccount:
    """Commit the approved amount on the service's partner × category account."""
    service = application.service
    account = account_for(service.partner_id, service.category)
    if account is None:
        raise InsufficientFunds(_("There is no budget allocation for %(partner)s · %(category)s.",
                                  partner=service.partner.name, category=service.category.label))
    _post(account, LedgerKind.COMMIT, amount_cents, f"app:{application.id}:commit", actor=actor,
          application_id=application.id, note=application.reference or "")
    application.budget_account_id = account.id
    return account


def close_application_money(actor, application) -> None:
    """Book the actual cost as spent and release the rest of the commitment."""
    account = db.session.get(BudgetAccount, application.budget_account_id)
    actual = application.actual_cost_cents or 0
    rest = application.approved_cents - actual
    if actual:
        _post(account, LedgerKind.SPEND, actual, f"app:{application.id}:spend", actor=actor,
              application_id=application.id, note=application.reference or "")
    if rest:
        _post(account, LedgerKind.RELEASE, rest, f"app:{application.id}:release", actor=actor,
              application_id=application.id, note=application.reference or "")


def cancel_application_money(actor, application) -> None:
    """Release the whole commitment and reverse the aid grant."""
    account = db.session.get(BudgetAccount, application.budget_account_id)
    _post(account, LedgerKind.RELEASE, application.approved_cents,
          f"app:{application.id}:release", actor=actor, application_id=application.id,
          note=application.reference or "")
    grant = db.session.scalar(sa.select(AidGrant).where(AidGrant.application_id == application.id))
    if grant is not None and grant.reversed_on is None:
        grant.reversed_on = date.today()


# --- state aid ----------------------------------------------------------------------

@dataclass
class AidCheck:
    """The figures behind an aid decision, shown to the decision-maker."""

    legal_basis: LegalBasis
    aid_cents: int
    granted_cents: int  # this hub, same basis, window
    declared_cents: int  # outside de minimis, window
    ceiling_cents: int | None

    @property
    def total_after_cents(self) -> int:
        return self.granted_cents + self.declared_cents + self.aid_cents

    @property
    def fits(self) -> bool:
        return self.ceiling_cents is None or self.total_after_cents <= self.ceiling_cents


def window_start(on: date) -> date:
    """Start of the rolling window of AID_WINDOW_YEARS before `on`."""
    years = current_app.config["AID_WINDOW_YEARS"]
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28) + timedelta(days=1)


def receives_aid(application) -> bool:
    """Public bodies acting non-economically, and no-aid services, get no aid record."""
    return (application.service.legal_basis is not LegalBasis.NO_AID
            and application.organisation.kind is not OrgKind.PUBLIC_INSTITUTION)


def aid_check(application, amount_cents: int, on: date) -> AidCheck:
    """Compute the aid of granting `amount_cents` and the group's totals in the window."""
    from ..applications.models import OutsideAid

    service = application.service
    basis = service.legal_basis if receives_aid(application) else LegalBasis.NO_AID
    if basis is LegalBasis.NO_AID:
        return AidCheck(basis, 0, 0, 0, None)
    aid = share_of(amount_cents, service.aid_share_percent)
    group = application.organisation.undertaking_group
    start = window_start(on)
    granted = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(AidGrant.aid_cents), 0)).where(
            AidGrant.undertaking_group == group, AidGrant.legal_basis == basis,
            AidGrant.reversed_on.is_(None), AidGrant.granted_on > start,
            AidGrant.granted_on <= on, AidGrant.application_id != application.id))
    declared = 0
    if basis is LegalBasis.DE_MINIMIS:
        declared = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(OutsideAid.amount_cents), 0)).where(
                OutsideAid.application_id == application.id,
                OutsideAid.granted_on > start, OutsideAid.granted_on <= on))
    ceiling = current_app.config["AID_CEILINGS_CENTS"].get(basis.value)
    return AidCheck(basis, aid, int(granted), int(declared), ceiling)


def _lock_group(group: str) -> None:
    """Serialise aid decisions for one undertaking group (PostgreSQL advisory lock)."""
    if is_postgres(db.session):
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:g))"), {"g": group})


def grant_aid(actor, application, amount_cents: int, on: date) -> AidGrant | None:
    """Record the aid of an approval, refusing it over the ceiling (with the figures)."""
    _lock_group(application.organisation.undertaking_group)
    check = aid_check(application, amount_cents, on)
    application.legal_basis = check.legal_basis
    application.aid_cents = check.aid_cents
    if check.legal_basis is LegalBasis.NO_AID:
        return None
    if not check.fits:
        raise AidCeilingExceeded(
            _("State-aid ceiling exceeded under %(basis)s: granted by the hub %(granted)s, "
              "declared from elsewhere %(declared)s, this grant %(aid)s; total %(total)s "
              "over the ceiling of %(ceiling)s.",
              basis=check.legal_basis.label, granted=eur(check.granted_cents),
              declared=eur(check.declared_cents), aid=eur(check.aid_cents),
              total=eur(check.total_after_cents), ceiling=eur(check.ceiling_cents)))
    grant = AidGrant(application_id=application.id, organisation_id=application.organisation_id,
                     undertaking_group=application.organisation.undertaking_group,
                     legal_basis=check.legal_basis, granted_on=on,
                     market_value_cents=amount_cents, aid_cents=check.aid_cents)
    db.session.add(grant)
    db.session.flush()
    return grant


# --- approval entry point used by the workflow ----------------------------------------

def on_approve(actor, application, amount_cents: int, on: date) -> None:
    """Money effects of approval: aid (ceiling-checked) then the budget commitment."""
    grant_aid(actor, application, amount_cents, on)
    commit_for_application(actor, application, amount_cents)


# --- reconciliation ------------------------------------------------------------------------

@dataclass
class VerifyResult:
    problems: list[str]
    totals: dict[str, int]
    accounts: int
    entries: int

    @property
    def ok(self) -> bool:
        return not self.problems


def verify() -> VerifyResult:
    """Recompute every balance from the ledger and check DESIGN.md §4's invariants."""
    from ..applications.models import Application, AppState

    problems: list[str] = []
    le = LedgerEntry
    sums = {
        row.account_id: row
        for row in db.session.execute(
            sa.select(
                le.account_id,
                sa.func.coalesce(sa.func.sum(sa.case((le.kind == LedgerKind.ALLOCATE, le.amount_cents), else_=0)), 0).label("allocated"),
                sa.func.coalesce(sa.func.sum(sa.case(
                    (le.kind == LedgerKind.COMMIT, le.amount_cents),
                    (le.kind.in_([LedgerKind.RELEASE, LedgerKind.SPEND]), -le.amount_cents), else_=0)), 0).label("committed"),
                sa.func.coalesce(sa.func.sum(sa.case((le.kind == LedgerKind.SPEND, le.amount_cents), else_=0)), 0).label("spent"),
                sa.func.count(le.id).label("n"),
            ).group_by(le.account_id))
    }
    totals = {"allocated": 0, "committed": 0, "spent": 0, "available": 0}
    entries = 0
    accounts = db.session.scalars(sa.select(BudgetAccount).order_by(BudgetAccount.id)).all()
    for acc in accounts:
        row = sums.get(acc.id)
        ledger = (int(row.allocated), int(row.committed), int(row.spent)) if row else (0, 0, 0)
        entries += row.n if row else 0
        cached = (acc.allocated_cents, acc.committed_cents, acc.spent_cents)
        if ledger != cached:
            problems.append(f"account {acc.id} ({acc.name}): cached {cached} != ledger {ledger}")
        if acc.committed_cents < 0:
            problems.append(f"account {acc.id}: committed below zero")
        if acc.available_cents < 0:
            problems.append(f"account {acc.id}: available below zero")
        totals["allocated"] += acc.allocated_cents
        totals["committed"] += acc.committed_cents
        totals["spent"] += acc.spent_cents
    totals["available"] = totals["allocated"] - totals["committed"] - totals["spent"]
    settings = get_settings()
    envelope = settings.envelope_cents if settings else 0
    totals["envelope"] = envelope
    if totals["allocated"] != envelope:
        problems.append(f"accounts hold {totals['allocated']} cents allocated; the envelope is {envelope}")
    # Every closed application: spent on the ledger = actual cost; open commitments match.
    per_app = dict(db.session.execute(
        sa.select(le.application_id, sa.func.sum(sa.case((le.kind == LedgerKind.SPEND, le.amount_cents), else_=0)))
        .where(le.application_id.is_not(None)).group_by(le.application_id)).all())
    committed_app = dict(db.session.execute(
        sa.select(le.application_id, sa.func.sum(sa.case(
            (le.kind == LedgerKind.COMMIT, le.amount_cents),
            (le.kind.in_([LedgerKind.RELEASE, LedgerKind.SPEND]), -le.amount_cents), else_=0)))
        .where(le.application_id.is_not(None)).group_by(le.application_id)).all())
    rows = db.session.execute(sa.select(Application.id, Application.reference, Application.state,
                                        Application.approved_cents, Application.actual_cost_cents)
                              .where(Application.approved_cents.is_not(None))).all()
    holding = {AppState.APPROVED, AppState.IN_DELIVERY, AppState.DELIVERED}
    for app_id, ref, state, approved, actual in rows:
        spent = int(per_app.get(app_id) or 0)
        still = int(committed_app.get(app_id) or 0)
        if state is AppState.CLOSED and spent != (actual or 0):
            problems.append(f"{ref}: closed with actual cost {actual} but {spent} spent on the ledger")
        expected = approved if state in holding else 0
        if state in holding or state in (AppState.CLOSED, AppState.CANCELLED):
            if still != expected:
                problems.append(f"{ref}: {still} committed on the ledger, expected {expected} ({state.value})")
    return VerifyResult(problems, totals, len(accounts), entries)
