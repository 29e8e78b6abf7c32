"""The read side of one partner's budget: its accounts, ledger lines, pipeline and
beneficiaries, next to the hub's totals.

The partner budget page and the partner budget report both call `partner_budget()`,
so the page and the PDF show the same figures to the cent. The account balances come
from the accounts' cached balances (kept equal to the ledger, see `budget verify`);
the beneficiaries from the ledger lines of the partner's accounts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..applications.models import Application, AppState
from ..auth.models import User
from ..catalogue.models import Partner, Service
from ..extensions import db
from ..organisations.models import Organisation
from . import queries
from .models import BudgetAccount, LedgerEntry, LedgerKind
from .queries import AccountRow, Balance, Beneficiary, Pipeline, Totals

#: Pipeline items and ledger lines shown on the page; the report lists them all.
PAGE_ITEMS = 15


@dataclass(frozen=True)
class PipelineItem:
    """An application waiting for a decision on one of the partner's services."""

    application_id: int
    reference: str
    organisation: str
    service: str
    state: AppState
    requested: int
    submitted_at: datetime | None


@dataclass(frozen=True)
class LedgerLine:
    """One ledger entry of one of the partner's accounts."""

    entry_id: int
    created_at: datetime
    account: str
    kind: LedgerKind
    amount: int
    application_id: int | None
    reference: str | None
    actor: str | None
    note: str


@dataclass(frozen=True)
class PartnerBudget:
    """Everything the partner budget page shows (and the partner budget report prints)."""

    partner_id: int
    partner_code: str
    partner_name: str
    hub: Totals
    hub_pipeline: Pipeline
    hub_partners: list[Balance]  # every partner's balances (partners are named, beneficiaries are not)
    accounts: list[AccountRow]
    pipeline_count: int
    pipeline_requested: int
    pipeline_items: list[PipelineItem]  # the oldest first, at most PAGE_ITEMS
    ledger_count: int
    ledger_lines: list[LedgerLine]  # the newest first, at most PAGE_ITEMS
    beneficiaries: list[Beneficiary]  # the partner's largest beneficiaries
    hub_beneficiaries: list[Beneficiary] | None  # the hub's, when the viewer may see them by name

    @property
    def total(self) -> Balance:
        """The partner's accounts added up."""
        return Balance(str(self.partner_id), self.partner_name, sum(a.allocated for a in self.accounts),
                       sum(a.committed for a in self.accounts), sum(a.spent for a in self.accounts))


def partner_accounts(partner_id: int, code: str = "") -> list[AccountRow]:
    """The partner's accounts, by category."""
    acc = BudgetAccount
    rows = db.session.execute(
        sa.select(acc.id, acc.category, acc.allocated_cents, acc.committed_cents, acc.spent_cents)
        .where(acc.partner_id == partner_id, acc.is_reserve.is_(False)).order_by(acc.category, acc.id))
    return [AccountRow(str(i), cat.label if cat else "", a, c, s, account_id=i, partner_code=code, category=cat)
            for i, cat, a, c, s in rows]


def _pipeline_select(partner_id: int) -> sa.Select:
    a, o, s = Application, Organisation, Service
    return (sa.select(a.id, a.reference, o.legal_name, s.name, a.state, a.requested_cents, a.submitted_at)
            .join(s, s.id == a.service_id).join(o, o.id == a.organisation_id)
            .where(s.partner_id == partner_id, a.state.in_(queries.PIPELINE_STATES))
            .order_by(a.submitted_at, a.id))


def pipeline_items(partner_id: int, limit: int | None = None) -> Iterator[PipelineItem]:
    """Applications waiting for a decision on the partner's services, the oldest first."""
    stmt = _pipeline_select(partner_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    for i, ref, org, service, state, requested, submitted in db.session.execute(
            stmt.execution_options(yield_per=1000)):
        yield PipelineItem(i, ref or "", org, service, state, int(requested), submitted)


def _ledger_select(partner_id: int) -> sa.Select:
    le = LedgerEntry
    return (sa.select(le.id, le.created_at, BudgetAccount.name, le.kind, le.amount_cents, le.application_id,
                      Application.reference, User.full_name, le.note)
            .join(BudgetAccount, BudgetAccount.id == le.account_id)
            .outerjoin(Application, Application.id == le.application_id)
            .outerjoin(User, User.id == le.actor_id)
            .where(BudgetAccount.partner_id == partner_id)
            .order_by(le.id.desc()))


def ledger_lines(partner_id: int, limit: int | None = None) -> Iterator[LedgerLine]:
    """The ledger entries of the partner's accounts, the newest first."""
    stmt = _ledger_select(partner_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    for row in db.session.execute(stmt.execution_options(yield_per=1000)):
        entry_id, created, account, kind, amount, app_id, ref, actor, note = row
        yield LedgerLine(entry_id, created, account, kind, int(amount), app_id, ref, actor, note or "")


def largest_beneficiaries(partner_id: int, limit: int = 10) -> list[Beneficiary]:
    """The organisations with the most money committed or spent on the partner's accounts."""
    le = LedgerEntry
    committed = sa.func.coalesce(sa.func.sum(sa.case(
        (le.kind == LedgerKind.COMMIT, le.amount_cents),
        (le.kind.in_([LedgerKind.RELEASE, LedgerKind.SPEND]), -le.amount_cents), else_=0)), 0)
    spent = sa.func.coalesce(sa.func.sum(sa.case((le.kind == LedgerKind.SPEND, le.amount_cents), else_=0)), 0)
    used = (committed + spent).label("used")
    rows = db.session.execute(
        sa.select(Organisation.id, Organisation.legal_name, Organisation.kind, Organisation.county,
                  committed, spent, sa.func.count(sa.distinct(le.application_id)), used)
        .select_from(le).join(BudgetAccount, BudgetAccount.id == le.account_id)
        .join(Application, Application.id == le.application_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .where(BudgetAccount.partner_id == partner_id)
        .group_by(Organisation.id, Organisation.legal_name, Organisation.kind, Organisation.county)
        .having(used > 0)
        .order_by(used.desc(), Organisation.id).limit(limit))
    return [Beneficiary(i, name, kind, county, int(c), int(s), int(n))
            for i, name, kind, county, c, s, n, _used in rows]


def partner_budget(partner: Partner, *, see_all: bool = False) -> PartnerBudget:
    """The partner's page: a fixed number of queries, whatever the data."""
    hub_pipeline = queries.pipeline()
    waiting = db.session.execute(
        sa.select(sa.func.count(Application.id), sa.func.coalesce(sa.func.sum(Application.requested_cents), 0))
        .join(Service, Service.id == Application.service_id)
        .where(Service.partner_id == partner.id, Application.state.in_(queries.PIPELINE_STATES))).one()
    ledger_count = db.session.scalar(
        sa.select(sa.func.count(LedgerEntry.id)).join(BudgetAccount, BudgetAccount.id == LedgerEntry.account_id)
        .where(BudgetAccount.partner_id == partner.id))
    return PartnerBudget(
        partner_id=partner.id, partner_code=partner.code, partner_name=partner.name,
        hub=queries.totals(), hub_pipeline=hub_pipeline, hub_partners=queries.by_partner(),
        accounts=partner_accounts(partner.id, partner.code),
        pipeline_count=int(waiting[0]), pipeline_requested=int(waiting[1]),
        pipeline_items=list(pipeline_items(partner.id, PAGE_ITEMS)),
        ledger_count=int(ledger_count or 0), ledger_lines=list(ledger_lines(partner.id, PAGE_ITEMS)),
        beneficiaries=largest_beneficiaries(partner.id),
        hub_beneficiaries=queries.largest_beneficiaries() if see_all else None,
    )
