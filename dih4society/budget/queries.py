"""The read side of the budget: dashboard breakdowns, the ledger list, the aid register.

The database does the summing (GROUP BY); each function returns plain dataclasses
so the web pages, the charts and the PDF reports use the same figures. A page calls
a fixed number of these, so its query count does not grow with the data.

Two sources of truth, on purpose: balances by *account* (partner, category) come
from the cached balances of the accounts (kept equal to the ledger, see `verify`);
breakdowns by *beneficiary* (organisation kind, county, organisation) come from the
ledger itself joined to the applications, since allocations are not made per
beneficiary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import SelectPagination

from ..applications.models import Application, AppState, OutsideAid
from ..auth.models import User
from ..catalogue.models import Category, LegalBasis, Partner, Service
from ..core.db import utcnow
from ..core.money import share_of
from ..extensions import db
from ..organisations.models import Organisation, OrgKind
from .aid import ceiling_for, window_start
from .models import (
    AidGrant,
    BudgetAccount,
    BudgetSettings,
    LedgerEntry,
    LedgerKind,
    account_label,
    account_label_column,
)

# --- rows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    """Allocated, committed and spent of a slice of the budget (cents)."""

    key: str
    label: str
    allocated: int
    committed: int
    spent: int

    @property
    def available(self) -> int:
        return self.allocated - self.committed - self.spent

    @property
    def used(self) -> int:
        return self.committed + self.spent

    @property
    def used_percent(self) -> int:
        return round(100 * self.used / self.allocated) if self.allocated else 0


@dataclass(frozen=True)
class Totals:
    """The whole budget: the envelope, what is allocated to accounts, the reserve."""

    envelope: int
    eu_share_percent: int
    allocated: int  # to partner × category accounts (the reserve excluded)
    reserve: int  # allocated to the reserve, i.e. not yet given to any account
    committed: int
    spent: int

    @property
    def available(self) -> int:
        """Still free in the partner × category accounts."""
        return self.allocated - self.committed - self.spent

    @property
    def uncommitted(self) -> int:
        """Free anywhere: accounts plus reserve."""
        return self.envelope - self.committed - self.spent


@dataclass(frozen=True)
class Flow:
    """Money that went to a group of beneficiaries (no allocation is made per group)."""

    key: str
    label: str
    committed: int
    spent: int
    applications: int
    organisations: int = 0

    @property
    def used(self) -> int:
        return self.committed + self.spent


@dataclass(frozen=True)
class PipelineRow:
    state: AppState
    count: int
    requested: int


@dataclass(frozen=True)
class Pipeline:
    """Requested amounts waiting for a decision (submitted, in review): not committed yet."""

    rows: list[PipelineRow]
    by_partner: dict[int, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(r.count for r in self.rows)

    @property
    def requested(self) -> int:
        return sum(r.requested for r in self.rows)


@dataclass(frozen=True)
class MonthRow:
    """Ledger movements of one month (``YYYY-MM``, UTC), gross."""

    month: str
    committed: int  # new commitments
    released: int  # commitments given back (cancelled, or closed below the approved amount)
    spent: int  # actual costs booked at closing


@dataclass(frozen=True)
class Beneficiary:
    organisation_id: int
    name: str
    kind: OrgKind
    county: str
    committed: int
    spent: int
    applications: int

    @property
    def used(self) -> int:
        return self.committed + self.spent


PIPELINE_STATES = (AppState.SUBMITTED, AppState.IN_REVIEW, AppState.AWAITING_SECOND)

_le = LedgerEntry
_COMMITTED = sa.func.coalesce(sa.func.sum(sa.case(
    (_le.kind == LedgerKind.COMMIT, _le.amount_cents),
    (_le.kind.in_([LedgerKind.RELEASE, LedgerKind.SPEND]), -_le.amount_cents), else_=0)), 0)
_SPENT = sa.func.coalesce(sa.func.sum(sa.case((_le.kind == LedgerKind.SPEND, _le.amount_cents),
                                              else_=0)), 0)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


# --- balances by account ---------------------------------------------------------------

def totals() -> Totals:
    """The envelope and the sums over all accounts (two queries)."""
    settings = db.session.execute(
        sa.select(BudgetSettings.envelope_cents, BudgetSettings.eu_share_percent)
        .order_by(BudgetSettings.id).limit(1)).first()
    acc = BudgetAccount
    row = db.session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(sa.case((acc.is_reserve.is_(False), acc.allocated_cents), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((acc.is_reserve.is_(True), acc.allocated_cents), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(acc.committed_cents), 0),
        sa.func.coalesce(sa.func.sum(acc.spent_cents), 0))).one()
    envelope, share = (settings.envelope_cents, settings.eu_share_percent) if settings else (0, 50)
    return Totals(envelope, share, int(row[0]), int(row[1]), int(row[2]), int(row[3]))


def _balance_sums():
    acc = BudgetAccount
    return (sa.func.coalesce(sa.func.sum(acc.allocated_cents), 0),
            sa.func.coalesce(sa.func.sum(acc.committed_cents), 0),
            sa.func.coalesce(sa.func.sum(acc.spent_cents), 0))


def by_partner() -> list[Balance]:
    """Per delivering partner (the reserve excluded), largest allocation first."""
    rows = db.session.execute(
        sa.select(Partner.id, Partner.code, Partner.name, *_balance_sums())
        .join(BudgetAccount, BudgetAccount.partner_id == Partner.id)
        .group_by(Partner.id, Partner.code, Partner.name)
        .order_by(sa.func.sum(BudgetAccount.allocated_cents).desc(), Partner.code))
    return [Balance(str(pid), name, int(a), int(c), int(s)) for pid, _code, name, a, c, s in rows]


def by_category() -> list[Balance]:
    """Per EDIH category, in the order of the categories."""
    rows = {cat: (int(a), int(c), int(s)) for cat, a, c, s in db.session.execute(
        sa.select(BudgetAccount.category, *_balance_sums())
        .where(BudgetAccount.is_reserve.is_(False)).group_by(BudgetAccount.category))}
    return [Balance(cat.value, cat.label, *rows[cat]) for cat in Category if cat in rows]


@dataclass(frozen=True)
class AccountRow(Balance):
    """One account, for the set-up page and the transfer form."""

    account_id: int = 0
    is_reserve: bool = False
    partner_code: str = ""
    category: Category | None = None


def accounts() -> list[AccountRow]:
    """Every account, the reserve first, then by partner and category."""
    acc = BudgetAccount
    rows = db.session.execute(
        sa.select(acc.id, acc.name, acc.is_reserve, acc.category, Partner.code,
                  acc.allocated_cents, acc.committed_cents, acc.spent_cents)
        .outerjoin(Partner, Partner.id == acc.partner_id)
        .order_by(acc.is_reserve.desc(), Partner.code, acc.category))
    return [AccountRow(str(i), account_label(name, reserve, code, cat), a, c, s, account_id=i,
                       is_reserve=reserve, partner_code=code or "", category=cat)
            for i, name, reserve, cat, code, a, c, s in rows]


def funding_split(t: Totals) -> list[Balance]:
    """EU and national shares of the totals, by the budget's split percentage."""
    def eu(value: int) -> int:
        return share_of(value, t.eu_share_percent)

    envelope, committed, spent = t.envelope, t.committed, t.spent
    return [
        Balance("eu", _("EU (Digital Europe Programme)"), eu(envelope), eu(committed), eu(spent)),
        Balance("national", _("National co-financing"), envelope - eu(envelope), committed - eu(committed),
                spent - eu(spent)),
    ]


# --- money by beneficiary (from the ledger) ---------------------------------------------

def _flows_by(column) -> list[tuple]:
    return db.session.execute(
        sa.select(column, _COMMITTED, _SPENT, sa.func.count(sa.distinct(_le.application_id)),
                  sa.func.count(sa.distinct(Application.organisation_id)))
        .select_from(_le).join(Application, Application.id == _le.application_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .group_by(column)).all()


def by_org_kind() -> list[Flow]:
    """Committed and spent per kind of organisation."""
    rows = {kind: r for kind, *r in _flows_by(Organisation.kind)}
    return [Flow(kind.value, kind.label, int(r[0]), int(r[1]), int(r[2]), int(r[3]))
            for kind in OrgKind if (r := rows.get(kind))]


def by_county() -> list[Flow]:
    """Committed and spent per county of the beneficiary, largest first."""
    names = current_app.config["COUNTIES"]
    flows = [Flow(code, names.get(code, code), int(c), int(s), int(n), int(o))
             for code, c, s, n, o in _flows_by(Organisation.county)]
    return sorted(flows, key=lambda f: (-f.used, f.label))


def largest_beneficiaries(limit: int = 10) -> list[Beneficiary]:
    """The organisations with the most money committed or spent."""
    used = (_COMMITTED + _SPENT).label("used")
    inner = (sa.select(Application.organisation_id.label("org_id"), _COMMITTED.label("committed"),
                       _SPENT.label("spent"), sa.func.count(sa.distinct(_le.application_id)).label("n"),
                       used)
             .select_from(_le).join(Application, Application.id == _le.application_id)
             .group_by(Application.organisation_id)
             .order_by(used.desc(), Application.organisation_id).limit(limit).subquery())
    rows = db.session.execute(
        sa.select(inner.c.org_id, Organisation.legal_name, Organisation.kind, Organisation.county,
                  inner.c.committed, inner.c.spent, inner.c.n)
        .join(Organisation, Organisation.id == inner.c.org_id)
        .order_by(inner.c.used.desc(), inner.c.org_id))
    return [Beneficiary(i, name, kind, county, int(c), int(s), int(n))
            for i, name, kind, county, c, s, n in rows]


def pipeline() -> Pipeline:
    """Requested amounts of submitted and in-review applications, per state and partner."""
    rows = db.session.execute(
        sa.select(Application.state, Service.partner_id, sa.func.count(Application.id),
                  sa.func.coalesce(sa.func.sum(Application.requested_cents), 0))
        .join(Service, Service.id == Application.service_id)
        .where(Application.state.in_(PIPELINE_STATES))
        .group_by(Application.state, Service.partner_id)).all()
    per_state: dict[AppState, list[int]] = {s: [0, 0] for s in PIPELINE_STATES}
    per_partner: dict[int, int] = {}
    for state, partner_id, count, requested in rows:
        per_state[state][0] += int(count)
        per_state[state][1] += int(requested)
        per_partner[partner_id] = per_partner.get(partner_id, 0) + int(requested)
    return Pipeline([PipelineRow(s, *per_state[s]) for s in PIPELINE_STATES], per_partner)


def _day(column):
    if _dialect() == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD")
    return sa.func.substr(column, 1, 10)


#: Longest activity span (days) shown per day, then per week; longer spans go per month.
DAYS_UP_TO, WEEKS_UP_TO = 31, 183


def periods() -> tuple[str, list[MonthRow]]:
    """Commitments, releases and spending per day, week or month, oldest first.

    The step follows the span of the activity, so a budget whose movements all fall in
    one month still draws a line: up to 31 days per day, up to half a year per week
    (weeks start on Monday), beyond that per month. Returns ``(step, rows)`` with step
    ``"day"``, ``"week"`` or ``"month"``; a row's ``month`` holds the period's start
    (``YYYY-MM-DD``, or ``YYYY-MM`` for months)."""
    day = _day(_le.created_at).label("day")

    def total(kind: LedgerKind):
        return sa.func.coalesce(sa.func.sum(sa.case((_le.kind == kind, _le.amount_cents), else_=0)), 0)

    rows = [(date.fromisoformat(d), int(c), int(r), int(s)) for d, c, r, s in db.session.execute(
        sa.select(day, total(LedgerKind.COMMIT), total(LedgerKind.RELEASE), total(LedgerKind.SPEND))
        .where(_le.kind != LedgerKind.ALLOCATE).group_by(day).order_by(day))]
    if not rows:
        return "month", []
    span = (rows[-1][0] - rows[0][0]).days
    if span <= DAYS_UP_TO:
        step, key = "day", (lambda d: d.isoformat())
    elif span <= WEEKS_UP_TO:
        step, key = "week", (lambda d: (d - timedelta(days=d.weekday())).isoformat())
    else:
        step, key = "month", (lambda d: d.isoformat()[:7])
    merged: dict[str, list[int]] = {}
    for d, c, r, s in rows:
        totals_ = merged.setdefault(key(d), [0, 0, 0])
        totals_[0] += c
        totals_[1] += r
        totals_[2] += s
    return step, [MonthRow(k, *v) for k, v in merged.items()]


@dataclass(frozen=True)
class Dashboard:
    """Everything the manager's dashboard shows (and the budget PDF report prints)."""

    totals: Totals
    funding: list[Balance]
    partners: list[Balance]
    categories: list[Balance]
    kinds: list[Flow]
    counties: list[Flow]
    pipeline: Pipeline
    months: list[MonthRow]
    beneficiaries: list[Beneficiary]
    step: str = "month"  # the chart's period: "day", "week" or "month" (see `periods`)


def dashboard() -> Dashboard:
    """All breakdowns of the dashboard: a fixed number of queries, whatever the data."""
    t = totals()
    step, rows = periods()
    return Dashboard(t, funding_split(t), by_partner(), by_category(), by_org_kind(), by_county(),
                     pipeline(), rows, largest_beneficiaries(), step)


# --- paginated lists -------------------------------------------------------------------

class RowPagination(SelectPagination):
    """`db.paginate` for a select of several columns: the items are rows, not scalars."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def paginate_rows(select: sa.Select, per_page: int) -> RowPagination:
    """Paginate rows of `select` (page number from the request's ``page`` argument)."""
    return RowPagination(select=select, session=db.session, per_page=per_page, error_out=False)


# --- the ledger list -------------------------------------------------------------------

@dataclass
class LedgerFilter:
    partner_id: int | None = None  # partner staff: their own partner's accounts only
    account_id: int | None = None
    kind: LedgerKind | None = None
    reference: str = ""
    date_from: date | None = None
    date_to: date | None = None


def ledger_select(f: LedgerFilter, *, with_actor: bool = False) -> sa.Select:
    """Ledger entries, newest first: (entry, account name, application reference[, actor name])."""
    stmt = (sa.select(LedgerEntry, account_label_column(), Application.reference)
            .join(BudgetAccount, BudgetAccount.id == LedgerEntry.account_id)
            .outerjoin(Partner, Partner.id == BudgetAccount.partner_id)
            .outerjoin(Application, Application.id == LedgerEntry.application_id)
            .order_by(LedgerEntry.id.desc()))
    if with_actor:
        stmt = stmt.add_columns(User.full_name).outerjoin(User, User.id == LedgerEntry.actor_id)
    if f.partner_id is not None:
        stmt = stmt.where(BudgetAccount.partner_id == f.partner_id)
    if f.account_id:
        stmt = stmt.where(LedgerEntry.account_id == f.account_id)
    if f.kind:
        stmt = stmt.where(LedgerEntry.kind == f.kind)
    if f.reference:
        stmt = stmt.where(sa.func.upper(Application.reference).contains(f.reference.upper(),
                                                                        autoescape=True))
    if f.date_from:
        stmt = stmt.where(LedgerEntry.created_at >= _day_start(f.date_from))
    if f.date_to:
        stmt = stmt.where(LedgerEntry.created_at < _day_start(f.date_to, 1))
    return stmt


def _day_start(day: date, plus_days: int = 0) -> datetime:
    """Midnight UTC of `day` (+ days), clamped so 9999-12-31 cannot overflow."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if plus_days and start >= datetime.max.replace(tzinfo=UTC) - timedelta(days=plus_days):
        return datetime.max.replace(tzinfo=UTC) - timedelta(days=1)
    return start + timedelta(days=plus_days)


# --- the aid register ------------------------------------------------------------------

@dataclass(frozen=True)
class AidRow:
    """One beneficiary in the aid register: its aid in the window and the group's headroom."""

    organisation_id: int
    name: str
    fiscal_code: str
    kind: OrgKind
    county: str
    undertaking_group: str
    grants: int
    total_aid: int  # every grant not reversed, all time
    de_minimis: int  # this organisation, current window
    gber_28: int
    group_de_minimis: int  # the undertaking group, current window, hub grants
    group_gber_28: int
    declared: int  # outside de minimis the group declared (latest declaration), current window
    ceilings: dict[str, int | None] = field(default_factory=dict)

    @property
    def headroom_de_minimis(self) -> int | None:
        c = self.ceilings.get(LegalBasis.DE_MINIMIS.value)
        return None if c is None else c - self.group_de_minimis - self.declared

    @property
    def headroom_gber_28(self) -> int | None:
        c = self.ceilings.get(LegalBasis.GBER_28.value)
        return None if c is None else c - self.group_gber_28


@dataclass
class AidFilter:
    county: str = ""
    kind: OrgKind | None = None
    q: str = ""
    organisation_id: int | None = None  # applicants: their own organisation only


def _window_sum(basis: LegalBasis, start: date, today: date):
    g = AidGrant
    return sa.func.coalesce(sa.func.sum(sa.case(
        (sa.and_(g.legal_basis == basis, g.granted_on > start, g.granted_on <= today), g.aid_cents),
        else_=0)), 0)


def _declared_subquery(start: date, today: date):
    """Outside de minimis per group: the latest submitted declaration, in the window.

    Every application repeats the list of the last years' outside aid, so adding
    them up would count the same aid several times; the latest one is the current
    statement."""
    latest = (sa.select(OutsideAid.undertaking_group.label("grp"),
                        sa.func.max(OutsideAid.application_id).label("app_id"))
              .join(Application, Application.id == OutsideAid.application_id)
              .where(Application.state != AppState.DRAFT)
              .group_by(OutsideAid.undertaking_group).subquery())
    return (sa.select(OutsideAid.undertaking_group.label("grp"),
                      sa.func.sum(OutsideAid.amount_cents).label("declared"))
            .join(latest, sa.and_(latest.c.grp == OutsideAid.undertaking_group,
                                  latest.c.app_id == OutsideAid.application_id))
            .where(OutsideAid.granted_on > start, OutsideAid.granted_on <= today)
            .group_by(OutsideAid.undertaking_group).subquery())


def aid_register_select(f: AidFilter, today: date | None = None, *,
                        beneficiaries_only: bool = True) -> tuple[sa.Select, date]:
    """Beneficiaries (at least one grant that was not reversed) with their totals.

    `beneficiaries_only=False` keeps organisations without such a grant (zeros)."""
    today = today or utcnow().date()
    start = window_start(today)
    g = AidGrant
    active = g.reversed_on.is_(None)
    per_org = (sa.select(g.organisation_id.label("org_id"), sa.func.count(g.id).label("grants"),
                         sa.func.sum(g.aid_cents).label("total"),
                         _window_sum(LegalBasis.DE_MINIMIS, start, today).label("dm"),
                         _window_sum(LegalBasis.GBER_28, start, today).label("gber"))
               .where(active).group_by(g.organisation_id).subquery())
    per_group = (sa.select(g.undertaking_group.label("grp"),
                           _window_sum(LegalBasis.DE_MINIMIS, start, today).label("dm"),
                           _window_sum(LegalBasis.GBER_28, start, today).label("gber"))
                 .where(active).group_by(g.undertaking_group).subquery())
    declared = _declared_subquery(start, today)
    stmt = (sa.select(Organisation.id, Organisation.legal_name, Organisation.fiscal_code, Organisation.kind,
                      Organisation.county, Organisation.undertaking_group, per_org.c.grants, per_org.c.total,
                      per_org.c.dm, per_org.c.gber, sa.func.coalesce(per_group.c.dm, 0),
                      sa.func.coalesce(per_group.c.gber, 0), sa.func.coalesce(declared.c.declared, 0))
            .join(per_org, per_org.c.org_id == Organisation.id, isouter=not beneficiaries_only)
            .outerjoin(per_group, per_group.c.grp == Organisation.undertaking_group)
            .outerjoin(declared, declared.c.grp == Organisation.undertaking_group)
            .order_by(per_org.c.total.desc(), Organisation.legal_name, Organisation.id))
    if f.organisation_id is not None:
        stmt = stmt.where(Organisation.id == f.organisation_id)
    if f.county:
        stmt = stmt.where(Organisation.county == f.county)
    if f.kind:
        stmt = stmt.where(Organisation.kind == f.kind)
    if f.q:
        like = f"%{f.q.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(Organisation.legal_name).like(like),
                                 Organisation.fiscal_code.like(f"%{f.q}%"),
                                 sa.func.lower(Organisation.undertaking_group).like(like)))
    return stmt, today


def aid_rows(rows: Sequence[tuple]) -> list[AidRow]:
    """Turn rows of `aid_register_select` into AidRow objects."""
    ceilings = {b.value: ceiling_for(b) for b in LegalBasis}
    return [AidRow(*(r[:6]), *(int(v or 0) for v in r[6:]), ceilings=ceilings) for r in rows]


@dataclass(frozen=True)
class GrantRow:
    grant: AidGrant
    reference: str | None
    service_code: str
    service_name: str
    state: AppState
    in_window: bool


@dataclass(frozen=True)
class DeclaredRow:
    grantor: str
    granted_on: date
    amount: int
    reference: str | None
    in_window: bool


@dataclass(frozen=True)
class AidDetail:
    summary: AidRow
    grants: list[GrantRow]
    declared: list[DeclaredRow]
    window_start: date
    today: date


def aid_detail(org: Organisation, today: date | None = None) -> AidDetail:
    """One beneficiary: each grant (reversed ones too), its declared outside aid, headroom."""
    stmt, today = aid_register_select(AidFilter(organisation_id=org.id), today, beneficiaries_only=False)
    start = window_start(today)
    summary = aid_rows(db.session.execute(stmt).all())
    rows = db.session.execute(
        sa.select(AidGrant, Application.reference, Service.code, Service.name, Application.state)
        .join(Application, Application.id == AidGrant.application_id)
        .join(Service, Service.id == Application.service_id)
        .where(AidGrant.organisation_id == org.id)
        .order_by(AidGrant.granted_on.desc(), AidGrant.id.desc()))
    grants = [GrantRow(gr, ref, code, name, state, start < gr.granted_on <= today and gr.reversed_on is None)
              for gr, ref, code, name, state in rows]
    latest = db.session.scalar(
        sa.select(sa.func.max(OutsideAid.application_id))
        .join(Application, Application.id == OutsideAid.application_id)
        .where(OutsideAid.undertaking_group == org.undertaking_group, Application.state != AppState.DRAFT))
    declared = []
    if latest is not None:
        declared = [DeclaredRow(o.grantor, o.granted_on, o.amount_cents, ref, start < o.granted_on <= today)
                    for o, ref in db.session.execute(
                        sa.select(OutsideAid, Application.reference)
                        .join(Application, Application.id == OutsideAid.application_id)
                        .where(OutsideAid.application_id == latest)
                        .order_by(OutsideAid.granted_on.desc()))]
    return AidDetail(summary[0], grants, declared, start, today)
