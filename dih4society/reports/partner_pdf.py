"""The budget report of one partner: the hub's key figures, the partner's accounts,
its pipeline, its approved and closed applications and every ledger line of its
accounts.

Builder only: it takes a `PartnerReportData` — the partner budget page's own
`PartnerBudget` plus iterators of the full lists — and returns PDF bytes, so the
report and the page show the same figures to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph

from .. import charts
from ..budget.partner import LedgerLine, PartnerBudget, PipelineItem
from ..budget.queries import Beneficiary
from .budget_pdf import ApprovedRow
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
class PartnerReportData:
    """Everything the partner budget report shows."""

    budget: PartnerBudget
    period_end: date
    pipeline: Iterable[PipelineItem]  # every application waiting, the oldest first
    applications: Iterable[ApprovedRow]  # approved, in delivery, delivered or closed
    ledger: Iterable[LedgerLine]  # every ledger line of the partner's accounts, the newest first
    county_names: dict[str, str]


def _beneficiaries(rows: list[Beneficiary], county_names: dict[str, str]) -> list:
    return data_tables([
        Column(_("Organisation"), 140, wrap=True), Column(_("Kind"), 72, wrap=True),
        Column(_("County"), 72, wrap=True), int_column(_("Applications"), 62),
        money_column(_("Committed (EUR)"), 72), money_column(_("Spent (EUR)"), 72),
    ], [(b.name, b.kind.label, county_names.get(b.county, b.county), b.applications, b.committed, b.spent)
        for b in rows])


def partner_report_pdf(data: PartnerReportData, meta: DocumentMeta) -> bytes:
    """The partner budget report as PDF bytes."""
    st = styles()
    d = data.budget
    t, mine = d.hub, d.total
    story: list = [
        spacer(30),
        Paragraph(esc(_("Budget report of %(partner)s", partner=d.partner_name)), st.title),
        Paragraph(esc(meta.hub_name), st.subtitle),
        spacer(8),
        kv_table([
            (_("Partner"), f"{d.partner_name} ({d.partner_code})"),
            (_("Situation on"), fmt_datetime(meta.generated_at, meta.timezone)),
        ], st),
        spacer(6),
        Paragraph(esc(_("The hub")), st.h1),
        kv_table([
            (_("Envelope"), f"EUR {money(t.envelope)}"),
            (_("Allocated to partner accounts"), f"EUR {money(t.allocated)}"),
            (_("Committed"), f"EUR {money(t.committed)}"),
            (_("Spent"), f"EUR {money(t.spent)}"),
            (_("Available in partner accounts"), f"EUR {money(t.available)}"),
            (_("Waiting for a decision (requested)"),
             _("EUR %(amount)s in %(n)d applications", amount=money(d.hub_pipeline.requested),
               n=d.hub_pipeline.count)),
        ], st, label_share=0.5),
        spacer(4),
        Paragraph(esc(d.partner_name), st.h1),
        kv_table([
            (_("Allocated to the partner's accounts"), f"EUR {money(mine.allocated)}"),
            (_("Committed"), f"EUR {money(mine.committed)}"),
            (_("Spent"), f"EUR {money(mine.spent)}"),
            (_("Available"), f"EUR {money(mine.available)}"),
            (_("Waiting for a decision (requested)"),
             _("EUR %(amount)s in %(n)d applications", amount=money(d.pipeline_requested), n=d.pipeline_count)),
        ], st, label_share=0.5),
        spacer(4),
        Paragraph(esc(_(
            "Committed: approved services not yet closed. Spent: final costs of closed services. "
            "Available = allocated − committed − spent. Every figure is summed from the insert-only "
            "budget ledger.")), st.small),
        CondPageBreak(260),
    ]

    columns = [Column(_("Category"), 160, wrap=True), money_column(_("Allocated (EUR)"), 70),
               money_column(_("Committed (EUR)"), 70), money_column(_("Spent (EUR)"), 70),
               money_column(_("Available (EUR)"), 70), Column(_("Used"), 40, numeric=True)]
    story.append(KeepTogether([
        Paragraph(esc(_("Accounts")), st.h1),
        *data_tables(columns, [(a.label, a.allocated, a.committed, a.spent, a.available,
                                percent(a.used, a.allocated)) for a in d.accounts],
                     total=(_("Total"), mine.allocated, mine.committed, mine.spent, mine.available,
                            percent(mine.used, mine.allocated))),
    ]))
    if d.accounts:
        balance = [charts.Series(_("Spent"), charts.SPENT), charts.Series(_("Committed"), charts.COMMITTED),
                   charts.Series(_("Available"), charts.AVAILABLE)]
        story.append(spacer(2))
        story.append(charts.bar_chart([(a.label, [a.spent, a.committed, max(a.available, 0)]) for a in d.accounts],
                                      balance, font_name=FONT, width=CONTENT_WIDTH))

    story.append(CondPageBreak(200))
    story.append(Paragraph(esc(_("Waiting for a decision")), st.h1))
    story.append(Paragraph(esc(_("Applications for this partner's services; their amounts are requested, "
                                 "not committed.")), st.small))
    story.append(spacer(2))
    story += data_tables(
        [Column(_("Reference"), 86), Column(_("Beneficiary"), 124, wrap=True), Column(_("Service"), 124, wrap=True),
         Column(_("State"), 60, wrap=True), Column(_("Submitted"), 56), money_column(_("Requested (EUR)"), 70)],
        ((p.reference, p.organisation, p.service, p.state.label, fmt_date(p.submitted_at, meta.timezone),
          p.requested) for p in data.pipeline),
        total=(_("Total"), "", "", "", "", d.pipeline_requested))

    story.append(CondPageBreak(200))
    story.append(KeepTogether([Paragraph(esc(_("Largest beneficiaries of %(partner)s", partner=d.partner_name)),
                                         st.h1), *_beneficiaries(d.beneficiaries, data.county_names)]))
    if d.hub_beneficiaries is not None:
        story.append(KeepTogether([Paragraph(esc(_("Largest beneficiaries of the hub")), st.h1),
                                   *_beneficiaries(d.hub_beneficiaries, data.county_names)]))

    story += landscape_pages()
    story.append(Paragraph(esc(_("Approved and closed applications")), st.h1))
    approved = spent = 0

    def served():
        nonlocal approved, spent
        for r in data.applications:
            approved += r.approved_cents
            spent += r.spent_cents
            yield (r.reference, r.beneficiary, r.county, r.service, r.category, r.approved_cents, r.spent_cents)

    story += data_tables(
        [Column(_("Reference"), 74), Column(_("Beneficiary"), 160, wrap=True), Column(_("County"), 64, wrap=True),
         Column(_("Service"), 160, wrap=True), Column(_("Category"), 136, wrap=True),
         money_column(_("Approved (EUR)"), 63), money_column(_("Spent (EUR)"), 63)],
        served(), font_size=7.5, width=LANDSCAPE_WIDTH,
        total=lambda: (_("Total"), "", "", "", "", approved, spent))

    story.append(CondPageBreak(120))
    story.append(Paragraph(esc(_("Ledger lines")), st.h1))
    story.append(Paragraph(esc(_("Every entry on the partner's accounts, the latest booked first: %(n)d entries.",
                                 n=d.ledger_count)), st.small))
    story.append(spacer(2))
    story += data_tables(
        [Column(_("Booked"), 90), Column(_("Account"), 200, wrap=True), Column(_("Movement"), 70),
         money_column(_("Amount (EUR)"), 80), Column(_("Application"), 80), Column(_("By"), 110, wrap=True),
         Column(_("Note"), 130, wrap=True)],
        ((fmt_datetime(line.created_at, meta.timezone), line.account, line.kind.label, line.amount,
          line.reference or "", line.actor or "", line.note) for line in data.ledger),
        font_size=7.5, width=LANDSCAPE_WIDTH)
    return build_pdf(story, meta)
