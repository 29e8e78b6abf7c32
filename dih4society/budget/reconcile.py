"""Reconciliation: recompute every balance from the ledger and check the invariants.

Used by ``flask budget verify`` (exit status 1 on any problem) and by the tests
after every step of the property-based test.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..catalogue.models import LegalBasis
from ..core.db import is_postgres, utcnow
from ..core.money import co_payment_of
from ..extensions import db
from .aid import ceiling_for, window_start
from .models import AidGrant, BudgetAccount, BudgetSettings, LedgerEntry, LedgerKind


@dataclass
class VerifyResult:
    """What `verify` found: problems (empty when all is well) and the totals."""

    problems: list[str]
    totals: dict[str, int]
    accounts: int
    entries: int

    @property
    def ok(self) -> bool:
        return not self.problems


def _snapshot() -> None:
    """Read everything from one snapshot when a fresh transaction starts here.

    PostgreSQL: REPEATABLE READ (READ COMMITTED would see commits between the
    statements and report phantom mismatches on a live system). SQLite in WAL keeps
    the snapshot of the first read for the whole transaction anyway."""
    if is_postgres(db.session) and not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def verify() -> VerifyResult:
    """Recompute every balance from the ledger and check DESIGN.md §4's invariants.

    Per account: cached balances = the sums of its ledger entries, nothing below
    zero. Overall: the accounts hold exactly the envelope. Per application: a closed
    one has spent its actual cost less the co-payment, an open one still holds its
    approved value less the co-payment, a cancelled or closed one holds nothing, every
    movement is on its own account, its aid is the value received without paying
    (restated at closing) and its aid grant matches (reversed when cancelled). Per undertaking group: the
    hub's grants in the current window stay within each ceiling."""
    from ..applications.models import Application, AppState

    _snapshot()
    problems: list[str] = []
    le = LedgerEntry
    committed_expr = sa.case(
        (le.kind == LedgerKind.COMMIT, le.amount_cents),
        (le.kind.in_([LedgerKind.RELEASE, LedgerKind.SPEND]), -le.amount_cents), else_=0)
    spent_expr = sa.case((le.kind == LedgerKind.SPEND, le.amount_cents), else_=0)
    sums = {
        row.account_id: row
        for row in db.session.execute(
            sa.select(
                le.account_id,
                sa.func.coalesce(sa.func.sum(sa.case((le.kind == LedgerKind.ALLOCATE, le.amount_cents),
                                                     else_=0)), 0).label("allocated"),
                sa.func.coalesce(sa.func.sum(committed_expr), 0).label("committed"),
                sa.func.coalesce(sa.func.sum(spent_expr), 0).label("spent"),
                sa.func.count(le.id).label("n"),
            ).group_by(le.account_id))
    }
    totals = {"allocated": 0, "committed": 0, "spent": 0, "available": 0}
    entries = 0
    accounts = db.session.scalars(sa.select(BudgetAccount).order_by(BudgetAccount.id)).all()
    for acc in accounts:
        row = sums.pop(acc.id, None)
        ledger = (int(row.allocated), int(row.committed), int(row.spent)) if row else (0, 0, 0)
        entries += row.n if row else 0
        cached = (acc.allocated_cents, acc.committed_cents, acc.spent_cents)
        if ledger != cached:
            problems.append(f"account {acc.id} ({acc.name}): cached (allocated, committed, spent) "
                            f"{cached} != ledger {ledger}")
        for label, value in (("allocated", ledger[0]), ("committed", ledger[1]), ("spent", ledger[2]),
                             ("available", ledger[0] - ledger[1] - ledger[2])):
            if value < 0:
                problems.append(f"account {acc.id} ({acc.name}): {label} below zero ({value})")
        totals["allocated"] += acc.allocated_cents
        totals["committed"] += acc.committed_cents
        totals["spent"] += acc.spent_cents
    for account_id in sums:  # impossible with the foreign key; checked for completeness
        problems.append(f"ledger entries for unknown account {account_id}")
    totals["available"] = totals["allocated"] - totals["committed"] - totals["spent"]
    settings = db.session.scalar(sa.select(BudgetSettings).order_by(BudgetSettings.id).limit(1))
    envelope = settings.envelope_cents if settings else 0
    totals["envelope"] = envelope
    if totals["allocated"] != envelope:
        problems.append(f"accounts hold {totals['allocated']} cents allocated; the envelope is {envelope}")

    # Per application: what the ledger holds for it, on which accounts.
    per_app = {
        row.application_id: row
        for row in db.session.execute(
            sa.select(le.application_id,
                      sa.func.sum(spent_expr).label("spent"),
                      sa.func.sum(committed_expr).label("committed"),
                      sa.func.min(le.account_id).label("acc_min"),
                      sa.func.max(le.account_id).label("acc_max"))
            .where(le.application_id.is_not(None)).group_by(le.application_id))
    }
    grants = {
        row.application_id: row
        for row in db.session.execute(
            sa.select(AidGrant.application_id, AidGrant.aid_cents, AidGrant.reversed_on))
    }
    rows = db.session.execute(
        sa.select(Application.id, Application.reference, Application.state, Application.approved_cents,
                  Application.actual_cost_cents, Application.budget_account_id,
                  Application.legal_basis, Application.aid_cents, Application.co_payment_percent)
        .where(sa.or_(Application.approved_cents.is_not(None), Application.id.in_(
            sa.select(le.application_id).where(le.application_id.is_not(None)).scalar_subquery()))))
    holding = {AppState.APPROVED, AppState.IN_DELIVERY, AppState.DELIVERED}
    for app_id, ref, state, approved, actual, account_id, basis, aid, percent in rows:
        row = per_app.get(app_id)
        # What the hub covers: the value less the beneficiary's co-payment (DESIGN.md §4).
        covered_final = (actual or 0) - co_payment_of(actual or 0, percent or 0)
        covered_approved = (approved - co_payment_of(approved, percent or 0)) if approved else 0
        spent = int(row.spent) if row else 0
        still = int(row.committed) if row else 0
        if row and not (row.acc_min == row.acc_max == account_id):
            problems.append(f"{ref}: ledger movements on another account than its own ({account_id})")
        if state is AppState.CLOSED and spent != covered_final:
            problems.append(f"{ref}: closed with actual cost {actual} but {spent} spent on the ledger "
                            f"(the cost covered, less the co-payment, is {covered_final})")
        if state not in holding and state is not AppState.CLOSED and spent:
            problems.append(f"{ref}: {spent} spent on the ledger but the application is {state.value}")
        expected = covered_approved if state in holding else 0
        if still != expected:
            problems.append(f"{ref}: {still} committed on the ledger, expected {expected} ({state.value})")
        if approved is None:
            continue
        grant = grants.get(app_id)
        if basis is not None and basis is not LegalBasis.NO_AID and state in holding | {AppState.CLOSED}:
            if grant is None or grant.reversed_on is not None:
                problems.append(f"{ref}: aid under {basis.value} without an active aid grant")
            elif grant.aid_cents != aid:
                problems.append(f"{ref}: aid {aid} on the application, {grant.aid_cents} on its grant")
            expected_aid = covered_final if state is AppState.CLOSED else covered_approved
            if aid != expected_aid:
                problems.append(f"{ref}: aid {aid}, but the value received without paying is {expected_aid}")
        if state is AppState.CANCELLED and grant is not None and grant.reversed_on is None:
            problems.append(f"{ref}: cancelled but its aid grant is not reversed")

    # Per undertaking group: this hub's grants in today's window within the ceilings.
    today = utcnow().date()
    for group, basis, total in db.session.execute(
            sa.select(AidGrant.undertaking_group, AidGrant.legal_basis, sa.func.sum(AidGrant.aid_cents))
            .where(AidGrant.reversed_on.is_(None), AidGrant.granted_on > window_start(today),
                   AidGrant.granted_on <= today)
            .group_by(AidGrant.undertaking_group, AidGrant.legal_basis)):
        ceiling = ceiling_for(basis)
        if ceiling is not None and int(total) > ceiling:
            problems.append(f"undertaking group {group}: {total} aid under {basis.value} in the "
                            f"window, over the ceiling of {ceiling}")
    problems += _verify_calls(committed_expr, spent_expr)
    problems += _summary_problems(totals)
    return VerifyResult(problems, totals, len(accounts), entries)


def _verify_calls(committed_expr, spent_expr) -> list[str]:
    """Per call (issue 12): cached committed and spent = the ledger of its applications,
    nothing below zero, and within the cap."""
    from ..applications.models import Application
    from ..calls.models import Call

    le = LedgerEntry
    sums = {row.call_id: (int(row.committed), int(row.spent)) for row in db.session.execute(
        sa.select(Application.call_id, sa.func.coalesce(sa.func.sum(committed_expr), 0).label("committed"),
                  sa.func.coalesce(sa.func.sum(spent_expr), 0).label("spent"))
        .join(Application, Application.id == le.application_id)
        .where(Application.call_id.is_not(None)).group_by(Application.call_id))}
    problems = []
    for call in db.session.scalars(sa.select(Call).order_by(Call.id)):
        ledger = sums.get(call.id, (0, 0))
        cached = (call.committed_cents, call.spent_cents)
        if ledger != cached:
            problems.append(f"call {call.id} ({call.title_en}): cached (committed, spent) {cached} "
                            f"!= ledger {ledger}")
        if min(ledger) < 0:
            problems.append(f"call {call.id} ({call.title_en}): below zero on the ledger {ledger}")
        if call.cap_cents is not None and sum(ledger) > call.cap_cents:
            problems.append(f"call {call.id} ({call.title_en}): {sum(ledger)} committed or spent, "
                            f"over its cap of {call.cap_cents}")
    return problems


def _summary_problems(totals: dict[str, int]) -> list[str]:
    """The dashboard's summaries (kept in the cache by change mark, core/marks.py) against
    a fresh computation and against the ledger totals above."""
    from ..applications.models import Application
    from ..core import marks
    from ..core.i18n import current_language
    from . import queries

    problems: list[str] = []
    fresh = queries.dashboard()
    cached = marks.cached(("budget.dashboard.figures", current_language()), queries.dashboard)
    if cached != fresh:
        problems.append("the cached dashboard figures differ from the ledger's at the current change mark")
    committed, spent = totals["committed"], totals["spent"]
    for name, flows in (("kind of organisation", fresh.kinds), ("county", fresh.counties)):
        if (sum(f.committed for f in flows), sum(f.spent for f in flows)) != (committed, spent):
            problems.append(f"the dashboard's money per {name} does not add up to committed {committed} "
                            f"and spent {spent}")
    months = fresh.months
    if (sum(m.committed - m.released - m.spent for m in months), sum(m.spent for m in months)) != (committed, spent):
        problems.append("the dashboard's movements per month do not add up to the ledger's committed and spent")
    if (fresh.totals.committed, fresh.totals.spent) != (committed, spent):
        problems.append("the dashboard's totals differ from the accounts' balances")
    waiting = dict(db.session.execute(
        sa.select(Application.state, sa.func.count(Application.id))
        .where(Application.state.in_(queries.PIPELINE_STATES)).group_by(Application.state)).all())
    for row in fresh.pipeline.rows:
        if row.count != int(waiting.get(row.state, 0)):
            problems.append(f"the dashboard's pipeline shows {row.count} {row.state.value}, the applications "
                            f"{waiting.get(row.state, 0)}")
    return problems
