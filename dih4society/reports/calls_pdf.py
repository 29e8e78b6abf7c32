"""Builders of issue 12's documents: a call's results list (PDF and CSV) and the voucher
agreement (PDF). Plain data in, bytes out: no request, no session, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from reportlab.platypus import Paragraph

from .exports import INT, TEXT, ExportColumn, csv_bytes
from .pdf import (
    Column,
    DocumentMeta,
    build_pdf,
    data_tables,
    esc,
    kv_table,
    section,
    spacer,
    styles,
)


@dataclass(frozen=True)
class ResultRow:
    """One line of a call's results list."""

    rank: int | None
    reference: str
    applicant: str | None  # None when the hub publishes without names
    fiscal_code: str
    service: str
    score: str
    standing: str


@dataclass(frozen=True)
class ResultsList:
    call_title: str
    window: str
    cap: str
    min_score: int
    rule: str
    show_names: bool
    rows: Sequence[ResultRow]
    cutoff_after: int | None = None  # the rank after which the cut-off falls


def results_pdf(data: ResultsList, meta: DocumentMeta) -> bytes:
    st = styles()
    story: list = [Paragraph(esc(_("Results: %(call)s", call=data.call_title)), st.title),
                   kv_table([(_("Window"), data.window), (_("Cap of the call"), data.cap),
                             (_("Minimum score"), str(data.min_score))], st),
                   spacer(3), Paragraph(esc(data.rule), st.small), spacer(3)]
    if data.cutoff_after is not None:
        story += [Paragraph(esc(_("Cut-off after rank %(rank)s: the call's cap or the budget account cannot "
                                  "take the next application; the reserve list starts there.",
                                  rank=data.cutoff_after)), st.body), spacer(2)]
    columns = [Column("#", 0.3, numeric=True), Column(_("Reference"), 1.45)]
    if data.show_names:
        columns.append(Column(_("Applicant"), 2.2, wrap=True))
    columns += [Column(_("Fiscal code"), 0.9), Column(_("Service"), 2.2, wrap=True),
                Column(_("Score"), 0.75, numeric=True), Column(_("Result"), 1.1, wrap=True)]
    rows = [[r.rank or "", r.reference] + ([r.applicant] if data.show_names else [])
            + [r.fiscal_code, r.service, r.score, r.standing] for r in data.rows]
    if not rows:
        story.append(Paragraph(esc(_("No ranked applications.")), st.body))
    else:
        story += data_tables(columns, rows)
    return build_pdf(story, meta)


def results_csv(data: ResultsList) -> bytes:
    columns = [ExportColumn("rank", INT), ExportColumn("reference", TEXT)]
    if data.show_names:
        columns.append(ExportColumn("applicant", TEXT))
    columns += [ExportColumn("fiscal_code", TEXT), ExportColumn("service", TEXT),
                ExportColumn("score", TEXT), ExportColumn("result", TEXT)]
    rows = [[r.rank, r.reference] + ([r.applicant] if data.show_names else [])
            + [r.fiscal_code, r.service, r.score, r.standing] for r in data.rows]
    return csv_bytes(columns, rows)


# --- the voucher agreement ------------------------------------------------------------------

def agreement_pdf(terms: dict, content_hash: str, meta: DocumentMeta) -> bytes:
    """The agreement from its frozen terms (see vouchers.services.terms_for); the labels
    are in the language the terms were frozen in (the caller forces that locale)."""
    st = styles()
    story: list = [Paragraph(esc(_("Voucher agreement %(ref)s", ref=terms["reference"])), st.title),
                   Paragraph(esc(_("Content hash (SHA-256): %(hash)s", hash=content_hash)), st.small),
                   spacer(3)]
    story.append(section(_("Parties"), st, kv_table([
        (_("The hub"), terms["hub"]),
        (_("The delivering partner"), terms["partner"]),
        (_("The beneficiary"), f"{terms['beneficiary']} ({_('fiscal code')} {terms['fiscal_code']}, "
                               f"{terms['county']})"),
    ], st)))
    story.append(section(_("The voucher"), st, kv_table([
        (_("Service"), f"{terms['service_code']} · {terms['service']}"),
        (_("Call"), terms.get("call") or "—"),
        (_("Market value"), terms["market_value"]),
        (_("Co-payment by the beneficiary"), terms["co_payment"]),
        (_("Value covered by the hub"), terms["approved"]),
        (_("State aid (gross grant equivalent)"), terms["aid"]),
        (_("Legal basis of the aid"), terms["legal_basis"]),
        (_("Approved on"), terms["approved_on"]),
        (_("Valid until"), terms["valid_until"]),
    ], st)))
    obligations = [
        _("Cooperate with the delivering partner so the service can be delivered (access, people, data)."),
        _("Confirm the delivery on the platform once the service has been delivered."),
        _("Answer the satisfaction survey and the follow-up digital maturity assessment (T1)."),
        _("Keep the documents of this voucher for ten years and show them to the hub, the national "
          "authorities and the European Commission on request."),
        _("The voucher must be delivered before its validity ends; after that date it is cancelled "
          "and the aid reversed."),
    ]
    story.append(section(_("Obligations of the beneficiary"), st,
                         *[Paragraph(esc(f"{i}. {text}"), st.body) for i, text in enumerate(obligations, 1)]))
    story.append(Paragraph(esc(_("Acceptance: online on the platform (full name, time, IP address and this "
                                 "document's hash are recorded) or by uploading this document signed.")),
                           st.small))
    return build_pdf(story, meta)
