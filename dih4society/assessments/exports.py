"""The EDIH reporting logs: one row per customer, per delivered service, per assessment.

CSV and XLSX through the writers of `reports.exports`. Scores are passed as integer
hundredths in columns of the money kind, so CSV prints them with two decimals
(``45.50``) and XLSX stores them as numbers formatted ``0.00`` — the exact figures of
the database, never re-rounded. The overall on each assessment row is the stored one,
which is by construction the rule (`scoring.overall_of`) applied to the six
dimension figures on the same row.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..applications.models import Application, AppState
from ..catalogue.models import Partner, Service
from ..extensions import db
from ..organisations.models import Organisation
from ..reports.exports import DATE, DATETIME, INT, MONEY, TEXT, ExportColumn, csv_bytes, xlsx_bytes
from . import scoring
from .models import SUBMITTED, T0, T1, Assessment, Satisfaction

SCORE = MONEY  # hundredths, printed with two decimals

DIMENSION_COLUMNS = tuple(ExportColumn(f"D{n}", SCORE, 8) for n in range(1, 7))

EXPORTS: dict[str, tuple[ExportColumn, ...]] = {
    "customers": (
        ExportColumn(_l("Organisation"), TEXT, 36), ExportColumn(_l("Fiscal code"), TEXT, 12),
        ExportColumn(_l("Kind"), TEXT, 18), ExportColumn(_l("Size class"), TEXT, 18),
        ExportColumn(_l("County"), TEXT, 8), ExportColumn(_l("CAEN"), TEXT, 7),
        ExportColumn(_l("Staff"), INT, 8), ExportColumn(_l("Registered"), DATE, 12),
        ExportColumn(_l("DMA variant"), TEXT, 8), ExportColumn(_l("Latest T0"), DATE, 12),
        ExportColumn(_l("T0 score"), SCORE, 9), ExportColumn(_l("Latest T1"), DATE, 12),
        ExportColumn(_l("T1 score"), SCORE, 9), ExportColumn(_l("Services delivered"), INT, 10),
    ),
    "services": (
        ExportColumn(_l("Reference"), TEXT, 17), ExportColumn(_l("Organisation"), TEXT, 36),
        ExportColumn(_l("Fiscal code"), TEXT, 12), ExportColumn(_l("Kind"), TEXT, 18),
        ExportColumn(_l("Service code"), TEXT, 13), ExportColumn(_l("Service"), TEXT, 36),
        ExportColumn(_l("Category"), TEXT, 26), ExportColumn(_l("Partner"), TEXT, 30),
        ExportColumn(_l("State"), TEXT, 10), ExportColumn(_l("Delivered on"), DATE, 12),
        ExportColumn(_l("Closed"), DATETIME, 17), ExportColumn(_l("Actual cost (EUR)"), MONEY, 14),
        ExportColumn(_l("Satisfaction (1-10)"), INT, 10), ExportColumn(_l("Would recommend"), TEXT, 10),
    ),
    "assessments": (
        ExportColumn(_l("Fiscal code"), TEXT, 12), ExportColumn(_l("Organisation"), TEXT, 36),
        ExportColumn(_l("Kind"), TEXT, 18), ExportColumn(_l("DMA Timing"), TEXT, 6),
        ExportColumn(_l("Cycle"), INT, 6), ExportColumn(_l("Submitted"), DATE, 12),
        ExportColumn(_l("Questionnaire version"), TEXT, 12), ExportColumn(_l("Variant"), TEXT, 7),
        *DIMENSION_COLUMNS, ExportColumn(_l("DMA Score"), SCORE, 9), ExportColumn(_l("Band"), TEXT, 20),
        ExportColumn(_l("Assisted"), TEXT, 8),
    ),
}


def hundredths(value) -> int | None:
    return None if value is None else int(scoring.round2(Decimal(str(value))) * 100)


def assessment_rows() -> Iterator[tuple]:
    a, o = Assessment, Organisation
    for row in db.session.execute(
            sa.select(o.fiscal_code, o.legal_name, o.kind, a.stage, a.cycle, a.submitted_at, a.version, a.variant,
                      a.dimension_scores, a.overall, a.band, a.assisted_by_id)
            .join(o, o.id == a.organisation_id).where(a.status == SUBMITTED)
            .order_by(o.fiscal_code, a.cycle, a.stage)):
        dims = [hundredths(row.dimension_scores.get(f"D{n}")) for n in range(1, 7)]
        yield (row.fiscal_code, row.legal_name, row.kind.value, row.stage, row.cycle, row.submitted_at.date(),
               row.version, row.variant, *dims, hundredths(row.overall), row.band,
               "yes" if row.assisted_by_id else "no")


def customer_rows() -> Iterator[tuple]:
    a, o, ap = Assessment, Organisation, Application
    latest = {}
    for org_id, stage, when, overall in db.session.execute(
            sa.select(a.organisation_id, a.stage, a.submitted_at, a.overall).where(a.status == SUBMITTED)
            .order_by(a.organisation_id, a.cycle, a.stage)):
        latest[(org_id, stage)] = (when, overall)
    delivered = dict(db.session.execute(
        sa.select(ap.organisation_id, sa.func.count(ap.id))
        .where(ap.state.in_((AppState.DELIVERED, AppState.CLOSED))).group_by(ap.organisation_id)).all())
    customers = sa.select(ap.organisation_id).where(ap.submitted_at.is_not(None))
    assessed = sa.select(a.organisation_id).where(a.status == SUBMITTED)
    from .questionnaire import variant_for_kind

    for org in db.session.scalars(sa.select(o).where(sa.or_(o.id.in_(customers), o.id.in_(assessed)))
                                  .order_by(o.fiscal_code)):
        t0 = latest.get((org.id, T0), (None, None))
        t1 = latest.get((org.id, T1), (None, None))
        yield (org.legal_name, org.fiscal_code, org.kind.value, org.size_class.value, org.county, org.caen_code,
               org.headcount, org.created_at.date(), variant_for_kind(org.kind),
               t0[0].date() if t0[0] else None, hundredths(t0[1]),
               t1[0].date() if t1[0] else None, hundredths(t1[1]), int(delivered.get(org.id, 0)))


def service_rows() -> Iterator[tuple]:
    ap, o, s, p, sat = Application, Organisation, Service, Partner, Satisfaction
    for r in db.session.execute(
            sa.select(ap.reference, o.legal_name, o.fiscal_code, o.kind, s.code, s.name.label("name"), s.category,
                      p.name.label("partner_name"),
                      ap.state, ap.delivered_on, ap.closed_at, ap.actual_cost_cents, sat.score, sat.would_recommend)
            .join(o, o.id == ap.organisation_id).join(s, s.id == ap.service_id).join(p, p.id == s.partner_id)
            .outerjoin(sat, sat.application_id == ap.id)
            .where(ap.state.in_((AppState.DELIVERED, AppState.CLOSED))).order_by(ap.delivered_on, ap.id)):
        yield (r.reference, r.legal_name, r.fiscal_code, r.kind.value, r.code, r.name, r.category.value, r[7],
               r.state.value, r.delivered_on, r.closed_at, r.actual_cost_cents, r.score,
               None if r.would_recommend is None else ("yes" if r.would_recommend else "no"))


ROWS = {"customers": customer_rows, "services": service_rows, "assessments": assessment_rows}


def columns(name: str) -> list[ExportColumn]:
    return [ExportColumn(str(c.header), c.kind, c.width) for c in EXPORTS[name]]


def render(name: str, fmt: str) -> tuple[bytes, str]:
    """The export as bytes with its MIME type."""
    rows = ROWS[name]()
    if fmt == "csv":
        return csv_bytes(columns(name), rows), "text/csv; charset=utf-8"
    return (xlsx_bytes(columns(name), rows, title=name),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
