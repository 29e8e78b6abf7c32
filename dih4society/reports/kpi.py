"""The EDIH KPI report: organisations served, services per category and month, amounts
per county (the figures the EU's KPI tool asks for, DOMAIN.md).

Builder only: takes a `KpiData` (filled by `reports.queries.kpi_data`) and returns
PDF bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from reportlab.platypus import KeepTogether, PageBreak, Paragraph

from .pdf import (
    Column,
    DocumentMeta,
    build_pdf,
    data_tables,
    esc,
    fmt_date,
    fmt_datetime,
    int_column,
    kv_table,
    money,
    money_column,
    spacer,
    styles,
)


@dataclass(frozen=True)
class CrossTable:
    """Counts by two dimensions; totals are computed here, never typed in."""

    row_labels: list[str]
    col_labels: list[str]
    cells: list[list[int]]

    def row_totals(self) -> list[int]:
        return [sum(row) for row in self.cells]

    def col_totals(self) -> list[int]:
        return [sum(row[i] for row in self.cells) for i in range(len(self.col_labels))]


@dataclass(frozen=True)
class CategoryLine:
    label: str
    approved: int
    delivered: int
    approved_cents: int
    spent_cents: int


@dataclass(frozen=True)
class CountyLine:
    label: str
    organisations: int
    services: int
    approved_cents: int
    spent_cents: int


@dataclass(frozen=True)
class KpiData:
    """Everything the KPI report shows."""

    period_from: date | None
    period_to: date | None
    organisations_served: int
    orgs_by_kind_size: CrossTable
    categories: list[CategoryLine] = field(default_factory=list)
    by_month: CrossTable = field(default_factory=lambda: CrossTable([], [], []))
    counties: list[CountyLine] = field(default_factory=list)
    #: DMA T0/T1, satisfaction and services delivered (assessments.impact.ImpactData).
    impact: object | None = None


def period_label(start: date | None, end: date | None) -> str:
    """"01.01.2026 – 31.03.2026", or open-ended forms."""
    if start and end:
        return f"{fmt_date(start)} – {fmt_date(end)}"
    if start:
        return _("from %(date)s", date=fmt_date(start))
    if end:
        return _("until %(date)s", date=fmt_date(end))
    return _("since the start of the programme")


def _cross(table: CrossTable, first: str, *, first_width: float = 2.2) -> list:
    columns = [Column(first, first_width, wrap=True)]
    columns += [int_column(label, 1) for label in table.col_labels]
    columns.append(int_column(_("Total"), 0.9))
    rows = [[label, *row, total] for label, row, total in
            zip(table.row_labels, table.cells, table.row_totals(), strict=True)]
    totals = [_("Total"), *table.col_totals(), sum(table.row_totals())]
    return data_tables(columns, rows, total=totals)


def kpi_pdf(data: KpiData, meta: DocumentMeta) -> bytes:
    """The KPI report as PDF bytes."""
    st = styles()
    services = sum(c.approved for c in data.categories)
    delivered = sum(c.delivered for c in data.categories)
    approved = sum(c.approved_cents for c in data.categories)
    spent = sum(c.spent_cents for c in data.categories)
    story: list = [
        spacer(20),
        Paragraph(esc(_("EDIH KPI report")), st.title),
        Paragraph(esc(meta.hub_name), st.subtitle),
        spacer(6),
        kv_table([
            (_("Period"), period_label(data.period_from, data.period_to)),
            (_("Generated on"), fmt_datetime(meta.generated_at, meta.timezone)),
            (_("Organisations served"), f"{data.organisations_served:,}"),
            (_("Services approved"), f"{services:,}"),
            (_("of which delivered"), f"{delivered:,}"),
            (_("Value of the services approved"), f"EUR {money(approved)}"),
            (_("Costs booked (spent)"), f"EUR {money(spent)}"),
        ], st),
        spacer(4),
        Paragraph(esc(_(
            "A service counts in the period of its approval decision. Organisations served are those "
            "with at least one approved service (approved, in delivery, delivered or closed; "
            "cancelled services do not count). Delivered means delivered or closed. Costs booked are "
            "the spending entries of the budget ledger for these services.")), st.small),
        PageBreak(),
        Paragraph(esc(_("Organisations served by kind and size class")), st.h1),
        *_cross(data.orgs_by_kind_size, _("Kind of organisation")),
        spacer(),
        KeepTogether([
            Paragraph(esc(_("Services per category")), st.h1),
            *data_tables([
                Column(_("Category"), 2.4, wrap=True),
                int_column(_("Approved"), 0.9),
                int_column(_("Delivered"), 0.9),
                money_column(_("Value approved (EUR)"), 1.3),
                money_column(_("Spent (EUR)"), 1.2),
            ], [(c.label, c.approved, c.delivered, c.approved_cents, c.spent_cents) for c in data.categories],
                total=(_("Total"), services, delivered, approved, spent)),
        ]),
        spacer(),
        Paragraph(esc(_("Services per month and category")), st.h1),
        *(_cross(data.by_month, _("Month"), first_width=1.2) if data.by_month.row_labels
          else [Paragraph(esc(_("No services in the period.")), st.body)]),
        spacer(),
        KeepTogether([
            Paragraph(esc(_("Amounts per county")), st.h1),
            *data_tables([
                Column(_("County"), 1.8, wrap=True),
                int_column(_("Organisations"), 1),
                int_column(_("Services"), 0.9),
                money_column(_("Value approved (EUR)"), 1.3),
                money_column(_("Spent (EUR)"), 1.2),
            ], [(c.label, c.organisations, c.services, c.approved_cents, c.spent_cents) for c in data.counties],
                total=(_("Total"), sum(c.organisations for c in data.counties), services, approved, spent)),
        ]),
    ]
    if data.impact is not None:
        from ..assessments.pdf import impact_flowables

        story += [PageBreak(), *impact_flowables(data.impact)]
    return build_pdf(story, meta)
