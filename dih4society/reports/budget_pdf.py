"""The budget status report: every figure and chart of the dashboard, and the list of
approved and closed applications.

Builder only: it takes a `BudgetReportData` — the dashboard's own dataclasses from
`budget.queries.dashboard()` plus the application rows — and returns PDF bytes.
The charts are the dashboard's `Drawing`s from `dih4society.charts`, drawn from the
same data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from reportlab.graphics.shapes import Drawing
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Paragraph

from .. import charts
from ..budget.queries import Balance, Dashboard, Flow
from .pdf import (
    CONTENT_WIDTH,
    FONT,
    LANDSCAPE_WIDTH,
    Column,
    DocumentMeta,
    build_pdf,
    data_tables,
    esc,
    fmt_date,
    fmt_datetime,
    int_column,
    kv_table,
    landscape_pages,
    money,
    money_column,
    percent,
    spacer,
    styles,
)


@dataclass(frozen=True)
class ApprovedRow:
    """One approved (or closed) application in the report's list."""

    reference: str
    beneficiary: str
    county: str
    service: str
    category: str
    partner: str
    approved_cents: int
    spent_cents: int


@dataclass(frozen=True)
class BudgetReportData:
    """Everything the budget report shows."""

    dashboard: Dashboard
    period_start: date | None
    period_end: date
    applications: Iterable[ApprovedRow]
    partner_codes: dict[str, str]  # partner key (id) -> code, for the list's narrow column
    county_names: dict[str, str]  # ISO code -> name


def _balance_table(rows: list[Balance], first: str, t_alloc: int | None = None) -> list:
    columns = [
        Column(first, 160, wrap=True),
        money_column(_("Allocated (EUR)"), 70),
        money_column(_("Committed (EUR)"), 70),
        money_column(_("Spent (EUR)"), 70),
        money_column(_("Available (EUR)"), 70),
        Column(_("Used"), 40, numeric=True),
    ]
    data = [(b.label, b.allocated, b.committed, b.spent, b.available, percent(b.used, b.allocated))
            for b in rows]
    alloc = sum(b.allocated for b in rows)
    used = sum(b.used for b in rows)
    total = (_("Total"), alloc, sum(b.committed for b in rows), sum(b.spent for b in rows),
             sum(b.available for b in rows), percent(used, alloc))
    return data_tables(columns, data, total=total)


def _flow_table(rows: list[Flow], first: str) -> list:
    columns = [
        Column(first, 140, wrap=True),
        int_column(_("Organisations"), 70),
        int_column(_("Applications"), 64),
        money_column(_("Committed (EUR)"), 72),
        money_column(_("Spent (EUR)"), 72),
        money_column(_("Committed + spent (EUR)"), 76),
    ]
    data = [(f.label, f.organisations, f.applications, f.committed, f.spent, f.used) for f in rows]
    total = (_("Total"), "", sum(f.applications for f in rows), sum(f.committed for f in rows),
             sum(f.spent for f in rows), sum(f.used for f in rows))
    return data_tables(columns, data, total=total)


def dashboard_charts(d: Dashboard, width: float = CONTENT_WIDTH) -> dict[str, Drawing]:
    """The dashboard's four charts (the same `charts` builders, rows and series as the
    dashboard page), drawn in the report's embedded font and page width."""
    balance = [charts.Series(_("Spent"), charts.SPENT), charts.Series(_("Committed"), charts.COMMITTED),
               charts.Series(_("Available"), charts.AVAILABLE)]
    used = balance[:2]

    def rows(balances: list[Balance]) -> list[tuple[str, list[int]]]:
        return [(b.label, [b.spent, b.committed, max(b.available, 0)]) for b in balances]

    font = {"font_name": FONT, "width": width}
    return {
        "monthly": charts.monthly_chart(
            d.months, d.totals.envelope, height=230,
            labels=(_("Committed or spent (cumulative)"), _("Spent (cumulative)"), _("Envelope")),
            empty_message=_("No commitments yet"), **font),
        "partners": charts.bar_chart(rows(d.partners), balance, empty_message=_("No accounts yet"), **font),
        "categories": charts.bar_chart(rows(d.categories), balance, empty_message=_("No accounts yet"), **font),
        "kinds": charts.bar_chart([(k.label, [k.spent, k.committed]) for k in d.kinds], used,
                                  empty_message=_("No commitments yet"), **font),
    }


def _figure(drawing: Drawing, caption: str, st) -> KeepTogether:
    return KeepTogether([spacer(2), drawing, Paragraph(esc(caption), st.caption), spacer(2)])


def budget_report_pdf(data: BudgetReportData, meta: DocumentMeta) -> bytes:
    """The budget status report as PDF bytes."""
    st = styles()
    d = data.dashboard
    t = d.totals
    period = (f"{fmt_date(data.period_start)} – {fmt_date(data.period_end)}" if data.period_start
              else fmt_date(data.period_end))
    national = 100 - t.eu_share_percent
    story: list = [
        spacer(30),
        Paragraph(esc(_("Budget status report")), st.title),
        Paragraph(esc(meta.hub_name), st.subtitle),
        spacer(8),
        kv_table([
            (_("Period"), period),
            (_("Situation on"), fmt_datetime(meta.generated_at, meta.timezone)),
            (_("Funding"), _("%(eu)d%% European Union (Digital Europe Programme), %(nat)d%% national "
                             "co-financing", eu=t.eu_share_percent, nat=national)),
        ], st),
        spacer(6),
        Paragraph(esc(_("Key figures")), st.h1),
        kv_table([
            (_("Envelope"), f"EUR {money(t.envelope)}"),
            (_("Allocated to partner accounts"), f"EUR {money(t.allocated)}"),
            (_("Unallocated reserve"), f"EUR {money(t.reserve)}"),
            (_("Committed"), f"EUR {money(t.committed)}"),
            (_("Spent"), f"EUR {money(t.spent)}"),
            (_("Available in partner accounts"), f"EUR {money(t.available)}"),
            (_("Not yet committed or spent (accounts and reserve)"), f"EUR {money(t.uncommitted)}"),
            (_("Waiting for a decision (requested)"),
             _("EUR %(amount)s in %(n)d applications", amount=money(d.pipeline.requested), n=d.pipeline.count)),
        ], st, label_share=0.5),
        spacer(4),
        Paragraph(esc(_(
            "Committed: approved services not yet closed. Spent: final costs of closed services. "
            "Available = allocated − committed − spent. Every figure is summed from the insert-only "
            "budget ledger.")), st.small),
        PageBreak(),
    ]

    story.append(Paragraph(esc(_("Funding sources")), st.h1))
    labels = {"eu": _("European Union (%(p)d%%)", p=t.eu_share_percent),
              "national": _("National co-financing (%(p)d%%)", p=national)}
    story += data_tables(
        [Column(_("Source"), 2.3, wrap=True), money_column(_("Envelope (EUR)"), 1.2),
         money_column(_("Committed (EUR)"), 1.2), money_column(_("Spent (EUR)"), 1.2),
         money_column(_("Not yet used (EUR)"), 1.2)],
        [(labels.get(b.key, b.label), b.allocated, b.committed, b.spent, b.available) for b in d.funding],
        total=(_("Total"), t.envelope, t.committed, t.spent, t.uncommitted))

    drawings = dashboard_charts(d)
    story.append(KeepTogether([Paragraph(esc(_("By partner")), st.h1),
                               *_balance_table(d.partners, _("Partner"))]))
    story.append(_figure(drawings["partners"], _("Allocation per partner: spent, committed, available"), st))
    story.append(KeepTogether([Paragraph(esc(_("By category")), st.h1),
                               *_balance_table(d.categories, _("Category"))]))
    story.append(_figure(drawings["categories"],
                         _("Allocation per EDIH category: spent, committed, available"), st))
    story.append(CondPageBreak(200))
    story.append(KeepTogether([
        Paragraph(esc(_("By kind of organisation")), st.h1),
        Paragraph(esc(_("Budgets are allocated per partner and category, not per beneficiary: these "
                        "tables show what was committed and spent for each group.")), st.small),
        spacer(2),
        *_flow_table(d.kinds, _("Kind of organisation")),
    ]))
    story.append(_figure(drawings["kinds"], _("Money per kind of organisation: spent and committed"), st))
    story.append(KeepTogether([Paragraph(esc(_("By county")), st.h1),
                               *_flow_table(d.counties, _("County"))]))

    story.append(CondPageBreak(180))
    story.append(KeepTogether([
        Paragraph(esc(_("Pipeline")), st.h1),
        Paragraph(esc(_("Applications waiting for a decision; their amounts are requested, not committed.")),
                  st.small),
        spacer(2),
        *data_tables([Column(_("State"), 3, wrap=True), int_column(_("Applications"), 1),
                      money_column(_("Requested (EUR)"), 1.3)],
                     [(r.state.label, r.count, r.requested) for r in d.pipeline.rows],
                     total=(_("Total"), d.pipeline.count, d.pipeline.requested)),
    ]))

    if d.months:
        story.append(CondPageBreak(200))
        story.append(Paragraph(esc(_("Movements per month")), st.h1))
        story.append(_figure(drawings["monthly"],
                             _("Commitments and spending per month, cumulated, against the envelope"), st))
        story += data_tables(
            [Column(_("Month"), 1.2), money_column(_("Committed (EUR)"), 1.3),
             money_column(_("Released (EUR)"), 1.3), money_column(_("Spent (EUR)"), 1.3)],
            [(m.month, m.committed, m.released, m.spent) for m in d.months],
            total=(_("Total"), sum(m.committed for m in d.months), sum(m.released for m in d.months),
                   sum(m.spent for m in d.months)))

    story.append(CondPageBreak(200))
    story.append(KeepTogether([
        Paragraph(esc(_("Largest beneficiaries")), st.h1),
        *data_tables([
            Column(_("Organisation"), 140, wrap=True), Column(_("Kind"), 72, wrap=True),
            Column(_("County"), 72, wrap=True), int_column(_("Applications"), 62),
            money_column(_("Committed (EUR)"), 72), money_column(_("Spent (EUR)"), 72),
        ], [(b.name, b.kind.label, data.county_names.get(b.county, b.county), b.applications, b.committed, b.spent)
            for b in d.beneficiaries]),
    ]))

    story += landscape_pages()
    story.append(Paragraph(esc(_("Approved and closed applications")), st.h1))
    story.append(Paragraph(esc(_(
        "Applications approved, in delivery, delivered or closed. Spent is the final cost booked "
        "at closing; partners by code: %(codes)s.",
        codes="; ".join(f"{code} = {b.label}" for b in d.partners
                        if (code := data.partner_codes.get(b.key))))), st.small))
    story.append(spacer(2))
    approved = spent = 0

    def rows():
        nonlocal approved, spent
        for r in data.applications:
            approved += r.approved_cents
            spent += r.spent_cents
            yield (r.reference, r.beneficiary, r.county, r.service, r.category, r.partner,
                   r.approved_cents, r.spent_cents)

    columns = [
        # Points, summing to the landscape width: the reference, a county name and a
        # seven-digit total fit on one line; long names wrap.
        Column(_("Reference"), 74), Column(_("Beneficiary"), 143, wrap=True),
        Column(_("County"), 64, wrap=True), Column(_("Service"), 143, wrap=True),
        Column(_("Category"), 152, wrap=True), Column(_("Partner"), 38),
        money_column(_("Approved (EUR)"), 63), money_column(_("Spent (EUR)"), 63),
    ]
    story += data_tables(columns, rows(), font_size=7.5, width=LANDSCAPE_WIDTH,
                         total=lambda: (_("Total"), "", "", "", "", "", approved, spent))
    return build_pdf(story, meta)
