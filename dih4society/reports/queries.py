"""Read side of the reports: the plain data each builder takes, and the export rows.

The dashboard's figures come from `budget.queries` (the same functions the budget
pages use, so a report can never disagree with the screen); what only the reports
need is here. The database does the summing (GROUP BY); "spent" and "committed"
per application are the sums of its ledger entries, so every total reconciles with
the ledger to the cent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..applications.models import Application, AppState
from ..auth.models import User
from ..budget import queries as budget_queries
from ..budget.aid import ceiling_for
from ..budget.models import AidGrant, LedgerEntry, LedgerKind
from ..catalogue.models import Category, LegalBasis, Partner, Service
from ..core.errors import DomainError
from ..extensions import db
from ..organisations.models import Organisation, OrgKind, SizeClass
from .budget_pdf import ApprovedRow, BudgetReportData
from .kpi import CategoryLine, CountyLine, CrossTable, KpiData
from .letters import (
    APPROVAL,
    REJECTION,
    AidNotice,
    AidNoticeGrant,
    CeilingLine,
    DecisionLetter,
    DeclaredAid,
)

#: States whose decision was an approval (cancelled ones were approved first).
APPROVAL_STATES = frozenset({AppState.APPROVED, AppState.IN_DELIVERY, AppState.DELIVERED,
                             AppState.CLOSED, AppState.CANCELLED})
#: States in which an organisation counts as served (cancelled services do not).
SERVED_STATES = (AppState.APPROVED, AppState.IN_DELIVERY, AppState.DELIVERED, AppState.CLOSED)
DELIVERED_STATES = (AppState.DELIVERED, AppState.CLOSED)


class NoLetter(DomainError):
    """The application has no decision yet (or was withdrawn): there is no letter."""


def county_name(code: str | None) -> str:
    """The county's name from its ISO code (the code itself if unknown)."""
    return current_app.config["COUNTIES"].get(code or "", code or "")


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def day_end(day: date) -> datetime:
    return datetime.combine(day, time.max, UTC)


# --- ledger sums per application -------------------------------------------------------

def _per_application_ledger():
    """Spent and still-committed per application, from its ledger entries."""
    le = LedgerEntry
    return (
        sa.select(
            le.application_id.label("application_id"),
            sa.func.sum(sa.case((le.kind == LedgerKind.SPEND, le.amount_cents), else_=0)).label("spent"),
            sa.func.sum(sa.case(
                (le.kind == LedgerKind.COMMIT, le.amount_cents),
                (le.kind.in_([LedgerKind.RELEASE, LedgerKind.SPEND]), -le.amount_cents),
                else_=0)).label("committed"),
        )
        .where(le.application_id.is_not(None))
        .group_by(le.application_id)
        .subquery("app_ledger")
    )


def ledger_totals() -> dict[str, int]:
    """Allocated, committed, spent and available over all accounts, summed from the
    ledger entries themselves (one GROUP BY on the kind) — the reference every
    report, export and page is checked against."""
    rows = dict(db.session.execute(
        sa.select(LedgerEntry.kind, sa.func.sum(LedgerEntry.amount_cents)).group_by(LedgerEntry.kind)).all())
    get = lambda kind: int(rows.get(kind) or 0)  # noqa: E731
    allocated = get(LedgerKind.ALLOCATE)
    committed = get(LedgerKind.COMMIT) - get(LedgerKind.RELEASE) - get(LedgerKind.SPEND)
    spent = get(LedgerKind.SPEND)
    return {"allocated": allocated, "committed": committed, "spent": spent,
            "available": allocated - committed - spent}


# --- decision letters --------------------------------------------------------------------

def letter_kind(state: AppState) -> str | None:
    """APPROVAL, REJECTION, or None when the state has no decision letter."""
    if state in APPROVAL_STATES:
        return APPROVAL
    if state is AppState.REJECTED:
        return REJECTION
    return None


def decision_letter_data(application: Application) -> DecisionLetter:
    """The letter's content; NoLetter when the application has no decision."""
    kind = letter_kind(application.state)
    if kind is None:
        raise NoLetter(_("Application %(ref)s has no decision yet (it is %(state)s), so there is no "
                         "decision letter.", ref=application.reference or "", state=application.state.label))
    org, service = application.organisation, application.service
    basis = application.legal_basis
    return DecisionLetter(
        kind=kind,
        reference=application.reference or "",
        state_label=application.state.label,
        organisation_name=org.legal_name,
        fiscal_code=("RO" if org.vat_registered else "") + org.fiscal_code,
        trade_register_no=org.trade_register_no,
        county_name=county_name(org.county),
        contact_name=application.created_by.full_name,
        service_code=service.code,
        service_name=service.name,
        category_label=service.category.label,
        partner_name=service.partner.name,
        market_value_cents=service.market_value_cents,
        requested_cents=application.requested_cents,
        submitted_at=application.submitted_at,
        decided_at=application.decided_at,
        decided_by_name=application.decided_by.full_name if application.decided_by else "",
        decision_reason=application.decision_reason,
        approved_cents=application.approved_cents,
        co_payment_cents=application.co_payment_cents,
        co_payment_percent=application.co_payment_percent or 0,
        aid_cents=application.aid_cents,
        approved_aid_cents=_approved_aid(application),
        legal_basis=basis.value if basis else None,
        legal_basis_label=basis.label if basis else None,
        actual_cost_cents=application.actual_cost_cents,
        closed_at=application.closed_at if application.state is AppState.CLOSED else None,
        cancelled_at=application.cancelled_at if application.state is AppState.CANCELLED else None,
        cancel_reason=application.cancel_reason,
        ceiling_cents=ceiling_for(basis) if basis else None,
        window_years=current_app.config["AID_WINDOW_YEARS"],
    )


def _approved_aid(application: Application) -> int | None:
    """The aid at approval (the grant keeps it; restated figures are in `aid_cents`)."""
    if application.approved_cents is None:
        return None
    grant = db.session.scalar(sa.select(AidGrant).where(AidGrant.application_id == application.id))
    if grant is not None:
        return grant.approved_aid_cents
    return application.aid_cents


def application_by_reference(reference: str) -> Application | None:
    """An application by its reference, ignoring case and surrounding spaces (references are upper case)."""
    return db.session.scalar(sa.select(Application).where(Application.reference == reference.strip().upper()))


# --- state-aid notice ---------------------------------------------------------------------

def organisation_by_fiscal_code(code: str) -> Organisation | None:
    """An organisation by its fiscal code, with or without the RO prefix."""
    code = code.strip().upper().removeprefix("RO").strip()
    return db.session.scalar(sa.select(Organisation).where(Organisation.fiscal_code == code))


def aid_notice_data(org: Organisation, as_of: date) -> AidNotice:
    """The organisation's grants and its single undertaking's window totals per ceiling,
    from the aid register's own query (`budget.queries.aid_detail`): the notice and the
    register cannot disagree.

    Outside de minimis aid is the group's latest declaration (each application repeats
    the full list of the last years, so adding them up would count aid twice)."""
    detail = budget_queries.aid_detail(org, as_of)
    summary = detail.summary
    if summary is None:
        # No grant in force for this organisation; other members of its group may have some.
        stmt, _today = budget_queries.aid_register_select(budget_queries.AidFilter(), as_of)
        rows = db.session.execute(stmt.where(Organisation.undertaking_group == org.undertaking_group)
                                  .limit(1)).all()
        summary = budget_queries.aid_rows(rows)[0] if rows else None
    group_dm = summary.group_de_minimis if summary else 0
    group_gber = summary.group_gber_28 if summary else 0
    declared = [DeclaredAid(d.grantor, d.granted_on, d.amount) for d in reversed(detail.declared)
                if d.in_window]
    declared_total = summary.declared if summary else sum(d.amount_cents for d in declared)
    grants = [
        AidNoticeGrant(granted_on=g.grant.granted_on, reference=g.reference or "",
                       service_name=g.service_name, legal_basis_label=g.grant.legal_basis.label,
                       market_value_cents=g.grant.market_value_cents, aid_cents=g.grant.aid_cents,
                       reversed_on=g.grant.reversed_on, co_payment_cents=g.grant.co_payment_cents,
                       final_value_cents=g.grant.final_value_cents, restated_on=g.grant.restated_on,
                       approved_aid_cents=g.grant.approved_aid_cents)
        for g in reversed(detail.grants)
    ]
    ceilings = [
        CeilingLine(LegalBasis.DE_MINIMIS.label, group_dm, declared_total, ceiling_for(LegalBasis.DE_MINIMIS)),
        CeilingLine(LegalBasis.GBER_28.label, group_gber, 0, ceiling_for(LegalBasis.GBER_28)),
    ]
    group_size = db.session.scalar(
        sa.select(sa.func.count(Organisation.id)).where(Organisation.undertaking_group == org.undertaking_group))
    return AidNotice(
        organisation_name=org.legal_name,
        fiscal_code=("RO" if org.vat_registered else "") + org.fiscal_code,
        kind_label=org.kind.label, size_label=org.size_class.label,
        county_name=county_name(org.county), undertaking_group=org.undertaking_group,
        group_size=int(group_size or 1), as_of=as_of, window_start=detail.window_start,
        window_years=current_app.config["AID_WINDOW_YEARS"], grants=grants, declared=declared,
        ceilings=ceilings)


# --- KPI ------------------------------------------------------------------------------------

def kpi_data(period_from: date | None = None, period_to: date | None = None) -> KpiData:
    """Organisations served, services per category and month, amounts per county."""
    a, o, s = Application, Organisation, Service
    ledger = _per_application_ledger()
    conditions = [a.state.in_(SERVED_STATES)]
    if period_from:
        conditions.append(a.decided_at >= day_start(period_from))
    if period_to:
        conditions.append(a.decided_at <= day_end(period_to))
    spent = sa.func.coalesce(sa.func.sum(ledger.c.spent), 0)
    approved = sa.func.coalesce(sa.func.sum(a.approved_cents), 0)
    delivered = sa.func.sum(sa.case((a.state.in_(DELIVERED_STATES), 1), else_=0))

    served = db.session.scalar(sa.select(sa.func.count(sa.distinct(a.organisation_id))).where(*conditions))

    kinds, sizes = list(OrgKind), list(SizeClass)
    counts = {(k, z): n for k, z, n in db.session.execute(
        sa.select(o.kind, o.size_class, sa.func.count(sa.distinct(o.id)))
        .join(a, a.organisation_id == o.id).where(*conditions).group_by(o.kind, o.size_class))}
    used_sizes = [z for z in sizes if any(counts.get((k, z)) for k in kinds)] or sizes[:3]
    orgs = CrossTable([k.label for k in kinds], [z.label for z in used_sizes],
                      [[int(counts.get((k, z), 0)) for z in used_sizes] for k in kinds])

    per_cat = {c: row for c, *row in db.session.execute(
        sa.select(s.category, sa.func.count(a.id), delivered, approved, spent)
        .join(s, s.id == a.service_id).outerjoin(ledger, ledger.c.application_id == a.id)
        .where(*conditions).group_by(s.category))}
    categories = [CategoryLine(c.label, *(int(v or 0) for v in per_cat.get(c, (0, 0, 0, 0))))
                  for c in Category]

    year, month = sa.extract("year", a.decided_at), sa.extract("month", a.decided_at)
    monthly: dict[str, dict[Category, int]] = {}
    for y, m, cat, n in db.session.execute(
            sa.select(year, month, s.category, sa.func.count(a.id)).join(s, s.id == a.service_id)
            .where(*conditions, a.decided_at.is_not(None)).group_by(year, month, s.category)):
        monthly.setdefault(f"{int(y):04d}-{int(m):02d}", {})[cat] = int(n)
    months = sorted(monthly)
    by_month = CrossTable(months, [c.label for c in Category],
                          [[monthly[mo].get(c, 0) for c in Category] for mo in months])

    county_rows = db.session.execute(
        sa.select(o.county, sa.func.count(sa.distinct(o.id)), sa.func.count(a.id), approved, spent)
        .join(o, o.id == a.organisation_id).outerjoin(ledger, ledger.c.application_id == a.id)
        .where(*conditions).group_by(o.county)).all()
    region = current_app.config["HUB_REGION_COUNTIES"]
    county_rows.sort(key=lambda r: (r[0] not in region, county_name(r[0])))
    counties = [CountyLine(county_name(code), int(n_org), int(n_app), int(amount), int(sp))
                for code, n_org, n_app, amount, sp in county_rows]
    from ..assessments.impact import impact_data

    return KpiData(period_from, period_to, int(served or 0), orgs, categories, by_month, counties,
                   impact=impact_data(None, period_from, period_to))


# --- export rows --------------------------------------------------------------------------

def application_rows(filters, viewer: User) -> Iterator[tuple]:
    """The applications of the review queue under its filters (the same filtering code),
    one tuple per application with ledger-derived committed and spent amounts."""
    from ..applications.queries import _filtered

    a, o, s, p = Application, Organisation, Service, Partner
    ledger = _per_application_ledger()
    ids = _filtered(sa.select(a.id), filters, viewer)
    stmt = (
        sa.select(a.reference, a.state, a.submitted_at, a.decided_at, a.closed_at,
                  o.legal_name, o.fiscal_code, o.kind, o.size_class, o.county,
                  s.code, s.name, s.category, p.name, a.requested_cents, a.approved_cents,
                  sa.func.coalesce(ledger.c.committed, 0), sa.func.coalesce(ledger.c.spent, 0),
                  a.co_payment_cents, a.legal_basis, a.aid_cents)
        .join(o, o.id == a.organisation_id).join(s, s.id == a.service_id).join(p, p.id == s.partner_id)
        .outerjoin(ledger, ledger.c.application_id == a.id)
        .where(a.id.in_(ids))
        .order_by(a.submitted_at, a.id)
    )
    for (ref, state, submitted, decided, closed, org, code, kind, size, county, scode, sname, cat,
         partner, requested, approved, committed, spent, co_payment, basis, aid) in db.session.execute(
            stmt.execution_options(yield_per=1000)):
        yield (ref, state.label, submitted, decided, closed, org, code, kind.label, size.label,
               county_name(county), scode, sname, cat.label, partner, requested, approved,
               int(committed), int(spent), co_payment, basis.label if basis else None, aid)


def ledger_rows(f: budget_queries.LedgerFilter) -> Iterator[tuple]:
    """The ledger list's entries under its filters (the budget package's own query),
    newest first, with who booked them."""
    stmt = (budget_queries.ledger_select(f).add_columns(User.full_name)
            .outerjoin(User, User.id == LedgerEntry.actor_id))
    for entry, account, ref, actor in db.session.execute(stmt.execution_options(yield_per=1000)):
        yield (entry.id, entry.created_at, account, entry.kind.label, entry.amount_cents, ref, actor,
               entry.note)


def aid_register_rows(f: budget_queries.AidFilter) -> Iterator[tuple]:
    """The aid register's beneficiaries under its filters (the budget package's own
    query), with the aid in the window and the headroom under each ceiling."""
    stmt, _today = budget_queries.aid_register_select(f)
    result = db.session.execute(stmt.execution_options(yield_per=1000))
    for chunk in result.partitions():
        for r in budget_queries.aid_rows(chunk):
            yield (r.name, r.fiscal_code, r.kind.label, county_name(r.county), r.undertaking_group,
                   r.grants, r.total_aid, r.de_minimis, r.gber_28, r.group_de_minimis, r.group_gber_28,
                   r.declared, r.headroom_de_minimis, r.headroom_gber_28)


# --- budget status report -------------------------------------------------------------------

def approved_rows(partner_id: int | None = None) -> Iterator[ApprovedRow]:
    """Applications approved, in delivery, delivered or closed, by reference, with
    the spent amount from the ledger (those of one delivering partner if given)."""
    a, o, s, p = Application, Organisation, Service, Partner
    ledger = _per_application_ledger()
    stmt = (
        sa.select(a.reference, o.legal_name, o.county, s.name, s.category, p.code, a.approved_cents,
                  sa.func.coalesce(ledger.c.spent, 0))
        .join(o, o.id == a.organisation_id).join(s, s.id == a.service_id).join(p, p.id == s.partner_id)
        .outerjoin(ledger, ledger.c.application_id == a.id)
        .where(a.state.in_(SERVED_STATES))
        .order_by(a.reference)
    )
    if partner_id is not None:
        stmt = stmt.where(s.partner_id == partner_id)
    for ref, org, county, service, cat, partner, approved, spent in db.session.execute(
            stmt.execution_options(yield_per=2000)):
        yield ApprovedRow(ref or "", org, county_name(county), service, cat.label, partner,
                          int(approved or 0), int(spent))


def budget_report_data(now: datetime) -> BudgetReportData:
    """The dashboard's figures (the same functions as the page) and the list."""
    first = db.session.scalar(sa.select(sa.func.min(LedgerEntry.created_at)))
    partner_codes = {str(pid): code for pid, code in db.session.execute(sa.select(Partner.id, Partner.code))}
    return BudgetReportData(
        dashboard=budget_queries.dashboard(),
        period_start=first.date() if first else None,
        period_end=now.date(),
        applications=approved_rows(),
        partner_codes=partner_codes,
        county_names=dict(current_app.config["COUNTIES"]),
    )
