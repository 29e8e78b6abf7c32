"""PDFs of the DMA: the customer's result, and the impact pages of the KPI report.

Builders take plain data and return bytes or flowables; the radar chart is the very
`Drawing` the result page shows as SVG.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from reportlab.platypus import Paragraph

from ..core.db import utcnow
from ..core.i18n import current_language
from ..reports.pdf import (
    Column,
    DocumentMeta,
    build_pdf,
    data_tables,
    esc,
    fmt_date,
    int_column,
    kv_table,
    spacer,
    styles,
)
from . import questionnaire as qn
from .impact import BAND_ORDER, DIMENSIONS, ImpactData, chart, dimension_labels, kind_size_rows
from .results import ResultView, band_label, fmt, radar


def result_pdf(view: ResultView) -> bytes:
    """The customer's DMA result: radar chart, table T0 / T1 / change, band and reading."""
    config = current_app.config
    a = view.latest
    meta = DocumentMeta(hub_name=config["HUB_FULL_NAME"], title=_("Digital maturity result"),
                        generated_at=utcnow(), timezone=config["BABEL_DEFAULT_TIMEZONE"])
    st = styles()
    locale = None
    from .. import _select_locale

    locale = _select_locale()
    rows = [(r.name, fmt(r.t0, 2), fmt(r.t1, 2), fmt(r.change, 2) if r.change is not None else "—")
            for r in view.rows]
    story = [
        Paragraph(esc(_("Digital maturity result")), st.title),
        Paragraph(esc(a.organisation.legal_name), st.subtitle),
        kv_table([
            (_("Questionnaire"), f"{qn.VARIANT_LABELS[a.variant].get(locale)} · {a.version}"),
            (_("Cycle"), str(a.cycle)),
            (_("T0 submitted"), fmt_date(view.t0.submitted_at) if view.t0 else "—"),
            (_("T1 submitted"), fmt_date(view.t1.submitted_at) if view.t1 else "—"),
            (_("Overall score"), f"{a.overall:.1f} / 100"),
            (_("Band"), view.band_label),
        ], st),
        spacer(4),
        radar(view, width=440, height=330),
        spacer(2),
        *data_tables([Column(_("Dimension"), 2.6, wrap=True), Column("T0", 0.8, numeric=True), Column("T1", 0.8, numeric=True),
                      Column(_("Difference"), 0.8, numeric=True)], rows),
        spacer(4),
        *[Paragraph(esc(line), st.body) for line in view.reading],
    ]
    return build_pdf(story, meta)


def impact_flowables(data: ImpactData) -> list:
    """The KPI report's DMA and satisfaction pages."""
    st = styles()
    out: list = [Paragraph(esc(_("Digital maturity (DMA) and satisfaction")), st.h1),
                 kv_table([
                     (_("Organisations assessed at T0"), f"{data.t0_orgs:,}"),
                     (_("Organisations assessed at T1"), f"{data.t1_orgs:,}"),
                     (_("Organisations with both (T0 and T1)"), f"{data.pairs:,}"),
                     (_("Average overall change T0 → T1"),
                      fmt(data.avg_change.get("overall"), 2) if data.pairs else "—"),
                     (_("Share whose band went up"),
                      f"{data.band_up_share}%" if data.band_up_share is not None else "—"),
                     (_("Satisfaction answers"), f"{data.responses:,}"),
                     (_("Average satisfaction (1-10)"), fmt(data.avg_score, 2)),
                     (_("Would recommend"), f"{data.recommend_share}%" if data.recommend_share is not None else "—"),
                     (_("Response rate (of closed applications)"),
                      f"{data.response_rate}%" if data.response_rate is not None else "—"),
                 ], st)]
    out += [Paragraph(esc(_("Organisations assessed, by kind and size")), st.h2)]
    for stage, counter in (("T0", data.t0_by_kind_size), ("T1", data.t1_by_kind_size)):
        rows = kind_size_rows(counter)
        out += data_tables([Column(_("Stage"), 0.5), Column(_("Kind"), 1.6), Column(_("Size class"), 1.6),
                            int_column(_("Organisations"), 1)],
                           [(stage, *r) for r in rows] or [(stage, "—", "—", 0)],
                           total=(_("Total"), "", "", sum(counter.values())))
    if data.pairs:
        out += [Paragraph(esc(_("Average change per dimension (organisations with T0 and T1)")), st.h2),
                chart(data, width=480)]
        out += data_tables([Column(_("Dimension"), 2.6, wrap=True), Column("T0", 0.8, numeric=True), Column("T1", 0.8, numeric=True),
                            Column(_("Difference"), 0.8, numeric=True)],
                           [(label, fmt(data.avg_t0[d], 2), fmt(data.avg_t1[d], 2), fmt(data.avg_change[d], 2))
                            for label, d in zip(dimension_labels(), DIMENSIONS, strict=True)]
                           + [(_("Overall"), fmt(data.avg_t0["overall"], 2), fmt(data.avg_t1["overall"], 2),
                               fmt(data.avg_change["overall"], 2))])
    out += [Paragraph(esc(_("Latest band per organisation")), st.h2),
            *data_tables([Column(_("Band"), 2), int_column(_("Organisations"), 1)],
                         [(band_label(b, current_language()), data.bands.get(b, 0)) for b in BAND_ORDER],
                         total=(_("Total"), sum(data.bands.values())))]
    out += [Paragraph(esc(_("Satisfaction: answers per score")), st.h2),
            *data_tables([Column(_("Score"), 1)] + [int_column(str(n), 0.5) for n in range(1, 11)],
                         [(_("Answers"), *[data.distribution.get(n, 0) for n in range(1, 11)])])]
    out += [Paragraph(esc(_("Services delivered in the period")), st.h2),
            *data_tables([Column(_("Category"), 2.4, wrap=True), int_column(_("Delivered"), 1)],
                         [(c.label, n) for c, n in data.delivered_by_category.items()],
                         total=(_("Total"), sum(data.delivered_by_category.values()))),
            spacer(2),
            *data_tables([Column(_("Partner"), 2.4, wrap=True), int_column(_("Delivered"), 1)],
                         list(data.delivered_by_partner.items()) or [("—", 0)],
                         total=(_("Total"), sum(data.delivered_by_partner.values())))]
    return out
