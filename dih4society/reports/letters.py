"""Letters to one beneficiary: the decision on an application and the state-aid notice.

Builders only: they take the dataclasses below (filled by `reports.queries`) and
return PDF bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from reportlab.platypus import KeepTogether, Paragraph

from ..core.i18n import letter_date
from ..core.money import co_payment_of, eur
from .pdf import (
    Column,
    DocumentMeta,
    Styles,
    build_pdf,
    data_tables,
    esc,
    kv_table,
    spacer,
    styles,
)


def fmt_date(value, _tz: str | None = None) -> str:
    """Dates in the letter's language: ``02.12.2026`` / ``2 December 2026``."""
    return letter_date(value)


def money(cents: int | None) -> str:
    """Amounts in the letter's language, the same in the text and in the tables: ``18.000,00 €``."""
    return eur(cents or 0)


def money_column(header: str, width: float = 1.0) -> Column:
    return Column(header, width, numeric=True,
                  fmt=lambda v: "–" if v is None else "" if v == "" else money(v))

APPROVAL, REJECTION = "approval", "rejection"


@dataclass(frozen=True)
class DecisionLetter:
    """Everything a decision letter states about one application."""

    kind: str  # APPROVAL or REJECTION
    reference: str
    state_label: str
    organisation_name: str
    fiscal_code: str
    trade_register_no: str | None
    county_name: str
    contact_name: str
    service_code: str
    service_name: str
    category_label: str
    partner_name: str
    market_value_cents: int
    requested_cents: int
    submitted_at: datetime | None
    decided_at: datetime | None
    decided_by_name: str
    decision_reason: str | None = None
    approved_cents: int | None = None
    #: What the beneficiary pays (restated at closing) and its percentage of the value.
    co_payment_cents: int | None = None
    co_payment_percent: int = 0
    #: The aid that counts (restated at closing) and the aid at approval.
    aid_cents: int | None = None
    approved_aid_cents: int | None = None
    legal_basis: str | None = None  # LegalBasis value
    legal_basis_label: str | None = None
    actual_cost_cents: int | None = None
    closed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    ceiling_cents: int | None = None  # of the legal basis
    window_years: int = 3


def _legal_text(letter: DecisionLetter) -> str:
    aid = money(letter.aid_cents)
    ceiling, years = money(letter.ceiling_cents), letter.window_years
    if letter.legal_basis == "de_minimis":
        return _("The aid is granted as de minimis aid under Commission Regulation (EU) 2023/2831 "
                 "of 13 December 2023 on the application of Articles 107 and 108 of the Treaty on "
                 "the Functioning of the European Union to de minimis aid. Its gross grant equivalent "
                 "is %(aid)s. De minimis aid received by the single undertaking over any period of "
                 "%(years)d years may not exceed %(ceiling)s: declare this aid in every application "
                 "for de minimis aid in the next %(years)d years and keep this letter for ten years.",
                 aid=aid, ceiling=ceiling, years=years)
    if letter.legal_basis == "gber_28":
        return _("The aid is granted under Article 28 of Commission Regulation (EU) No 651/2014 "
                 "(General Block Exemption Regulation), aid for innovation advisory services and "
                 "innovation support services. Its gross grant equivalent is %(aid)s. Such aid "
                 "may not exceed %(ceiling)s per undertaking over any period of %(years)d years; "
                 "keep this letter for ten years.", aid=aid, ceiling=ceiling, years=years)
    return _("The service is provided free of charge and does not constitute state aid to your "
             "organisation: a public body acting in a non-economic capacity, or a service outside "
             "the scope of the state-aid rules.")


def decision_letter_pdf(letter: DecisionLetter, meta: DocumentMeta) -> bytes:
    """The approval or rejection letter of one application."""
    st = styles()
    story: list = [
        Paragraph(esc(letter.organisation_name), st.label),
        Paragraph(esc(_("Fiscal code (CUI): %(code)s", code=letter.fiscal_code)), st.body),
    ]
    if letter.trade_register_no:
        story.append(Paragraph(esc(_("Trade register: %(no)s", no=letter.trade_register_no)), st.small))
    story += [
        Paragraph(esc(_("County: %(county)s", county=letter.county_name)), st.small),
        Paragraph(esc(_("For the attention of %(name)s", name=letter.contact_name)), st.small),
        spacer(4),
        Paragraph(esc(_("Date: %(date)s · Our reference: %(ref)s",
                        date=fmt_date(letter.decided_at, meta.timezone), ref=letter.reference)), st.body),
    ]
    if letter.kind == APPROVAL:
        story.append(Paragraph(esc(_("Decision to approve application %(ref)s", ref=letter.reference)),
                               st.letter_title))
        # DESIGN §4: the aid is what the beneficiary receives without paying (the value
        # less its co-payment); the letter states the figures.
        approved_co_payment = co_payment_of(letter.approved_cents or 0, letter.co_payment_percent)
        if letter.co_payment_percent:
            pays = _("The service is delivered by %(partner)s. Your organisation pays a co-payment of "
                     "%(co)s (%(percent)s %% of the value); the hub's budget covers the rest, %(covered)s.",
                     partner=letter.partner_name, co=money(approved_co_payment), percent=letter.co_payment_percent,
                     covered=money((letter.approved_cents or 0) - approved_co_payment))
        else:
            pays = _("The service is delivered by %(partner)s and its whole value is covered by the "
                     "hub's budget: your organisation pays nothing.", partner=letter.partner_name)
        story.append(Paragraph(esc(_(
            "We are pleased to inform you that your application for the service "
            "“%(service)s” has been approved.", service=letter.service_name) + " " + pays), st.body))
        received = letter.approved_aid_cents if letter.approved_aid_cents is not None else letter.aid_cents
        pairs = [
            (_("Service"), f"{letter.service_code} — {letter.service_name}"),
            (_("Category"), letter.category_label),
            (_("Delivering partner"), letter.partner_name),
            (_("Market value of the service (catalogue)"), money(letter.market_value_cents)),
            (_("Amount requested"), money(letter.requested_cents)),
            (_("Value approved (market value of what you receive)"), money(letter.approved_cents)),
            (_("Your co-payment"), money(approved_co_payment) + (
                f" ({letter.co_payment_percent} %)" if letter.co_payment_percent else "")),
            (_("State aid (gross grant equivalent): the value you receive without paying"),
             money(received) if letter.legal_basis not in (None, "no_aid") else _("None")),
            (_("Legal basis"), letter.legal_basis_label or _("No state aid")),
            (_("Application submitted on"), fmt_date(letter.submitted_at, meta.timezone)),
            (_("Decision taken on"), fmt_date(letter.decided_at, meta.timezone)),
        ]
        story += [kv_table(pairs, st), spacer(4)]
        story.append(Paragraph(esc(_("Legal basis of the aid")), st.h2))
        story.append(Paragraph(esc(_legal_text(letter)), st.body))
        if letter.decision_reason:
            story.append(Paragraph(esc(_("Remarks")), st.h2))
            story.append(Paragraph(esc(letter.decision_reason), st.body))
        if letter.closed_at is not None:
            final_co = letter.co_payment_cents or 0
            text = _("The service was delivered and the application closed on %(date)s. Its final cost "
                     "is %(cost)s, of which your co-payment is %(co)s; the hub's budget paid "
                     "%(covered)s.", date=fmt_date(letter.closed_at, meta.timezone),
                     cost=money(letter.actual_cost_cents), co=money(final_co),
                     covered=money((letter.actual_cost_cents or 0) - final_co))
            if letter.legal_basis not in (None, "no_aid"):
                text += " " + _("The state aid is restated to the final cost covered: %(aid)s "
                                "(%(approved)s at approval).", aid=money(letter.aid_cents),
                                approved=money(received))
            story.append(Paragraph(esc(text), st.body))
        if letter.cancelled_at is not None:
            story.append(Paragraph(esc(_(
                "This approval was cancelled on %(date)s; the commitment was released and the aid "
                "grant reversed. Reason: %(reason)s", date=fmt_date(letter.cancelled_at, meta.timezone),
                reason=letter.cancel_reason or "–")), st.body))
        if letter.closed_at is None and letter.cancelled_at is None:
            story.append(Paragraph(esc(_(
                "The partner will contact you to agree the delivery. When the service has been "
                "delivered, confirm it on the platform so that the application can be closed.")), st.body))
    else:
        story.append(Paragraph(esc(_("Decision to reject application %(ref)s", ref=letter.reference)),
                               st.letter_title))
        story.append(Paragraph(esc(_(
            "We regret to inform you that your application for the service “%(service)s” "
            "(%(partner)s) has not been approved.", service=letter.service_name,
            partner=letter.partner_name)), st.body))
        story += [kv_table([
            (_("Service"), f"{letter.service_code} — {letter.service_name}"),
            (_("Category"), letter.category_label),
            (_("Amount requested"), money(letter.requested_cents)),
            (_("Application submitted on"), fmt_date(letter.submitted_at, meta.timezone)),
            (_("Decision taken on"), fmt_date(letter.decided_at, meta.timezone)),
        ], st), spacer(4)]
        story.append(Paragraph(esc(_("Reasons for the decision")), st.h2))
        story.append(Paragraph(esc(letter.decision_reason or _("No reason was recorded.")), st.body))
        story.append(Paragraph(esc(_(
            "You may apply again for this or another service of the catalogue. If you believe the "
            "decision is wrong, you may ask the hub to reconsider it within 30 days of receiving "
            "this letter.")), st.body))
    story.append(_signature(letter.decided_by_name, meta, st))
    return build_pdf(story, meta)


def _signature(name: str, meta: DocumentMeta, st: Styles) -> KeepTogether:
    return KeepTogether([
        spacer(10),
        Paragraph(esc(_("On behalf of %(hub)s,", hub=meta.hub_name)), st.body),
        spacer(8),
        Paragraph(esc(name or "–"), st.label),
        Paragraph(esc(_("Hub management")), st.small),
    ])


# --- state-aid notice -------------------------------------------------------------------

@dataclass(frozen=True)
class AidNoticeGrant:
    """One grant as the notice lists it."""

    granted_on: date
    reference: str
    service_name: str
    legal_basis_label: str
    market_value_cents: int  # the value approved
    aid_cents: int  # the aid that counts (restated at closing)
    reversed_on: date | None = None
    co_payment_cents: int = 0
    final_value_cents: int | None = None  # the final cost covered, once closed
    restated_on: date | None = None
    approved_aid_cents: int | None = None

    @property
    def value_cents(self) -> int:
        """The value received: the final cost once closed, else the value approved."""
        return self.market_value_cents if self.final_value_cents is None else self.final_value_cents


@dataclass(frozen=True)
class DeclaredAid:
    """De minimis aid the beneficiary declared from another grantor."""

    grantor: str
    granted_on: date
    amount_cents: int


@dataclass(frozen=True)
class CeilingLine:
    """Aid in the rolling window under one legal basis, against its ceiling."""

    legal_basis_label: str
    hub_cents: int
    declared_cents: int
    ceiling_cents: int | None

    @property
    def total_cents(self) -> int:
        return self.hub_cents + self.declared_cents

    @property
    def remaining_cents(self) -> int | None:
        return None if self.ceiling_cents is None else self.ceiling_cents - self.total_cents


@dataclass(frozen=True)
class AidNotice:
    """The state-aid notice of one organisation."""

    organisation_name: str
    fiscal_code: str
    kind_label: str
    size_label: str
    county_name: str
    undertaking_group: str
    group_size: int
    as_of: date
    window_start: date
    window_years: int
    grants: list[AidNoticeGrant] = field(default_factory=list)
    declared: list[DeclaredAid] = field(default_factory=list)
    ceilings: list[CeilingLine] = field(default_factory=list)


def aid_notice_pdf(notice: AidNotice, meta: DocumentMeta) -> bytes:
    """Each grant (reversed ones marked) and the window totals against each ceiling."""
    st = styles()
    story: list = [
        Paragraph(esc(_("State-aid notice")), st.title),
        Paragraph(esc(notice.organisation_name), st.subtitle),
        kv_table([
            (_("Fiscal code (CUI)"), notice.fiscal_code),
            (_("Kind of organisation"), notice.kind_label),
            (_("Size class"), notice.size_label),
            (_("County"), notice.county_name),
            (_("Single undertaking (group)"), notice.undertaking_group + (
                " — " + _("%(n)d organisations", n=notice.group_size) if notice.group_size > 1 else "")),
            (_("Situation on"), fmt_date(notice.as_of)),
        ], st),
        spacer(3),
        Paragraph(esc(_(
            "This notice lists the state aid granted to your organisation by %(hub)s as "
            "digital-transformation services, with the legal basis of each grant. Keep it: "
            "you must declare this aid when you apply for other state aid.", hub=meta.hub_name)), st.body),
        Paragraph(esc(_("Grants")), st.h1),
    ]
    grant_cols = [
        Column(_("Date"), 56),  # "02.12.2026" on one line
        Column(_("Application"), 84),  # a reference on one line
        Column(_("Service"), 60, wrap=True),
        Column(_("Legal basis"), 56, wrap=True),
        money_column(_("Value received"), 62),  # room for "16.500,00 €" on one line
        money_column(_("Co-payment"), 62),
        money_column(_("Aid"), 62),
        Column(_("Status"), 60, wrap=True),
    ]

    def status(g: AidNoticeGrant) -> str:
        if g.reversed_on:
            return _("Reversed on %(date)s", date=fmt_date(g.reversed_on))
        if g.restated_on:
            return _("Restated at closing on %(date)s", date=fmt_date(g.restated_on))
        return _("In force")

    rows = [
        (fmt_date(g.granted_on), g.reference, g.service_name, g.legal_basis_label,
         g.value_cents, g.co_payment_cents, g.aid_cents, status(g))
        for g in notice.grants
    ]
    in_force = [g for g in notice.grants if g.reversed_on is None]
    if rows:
        story += data_tables(grant_cols, rows, total=(
            _("Total in force"), "", "", "", sum(g.value_cents for g in in_force),
            sum(g.co_payment_cents for g in in_force), sum(g.aid_cents for g in in_force), ""))
        story.append(spacer(1.5))
        story.append(Paragraph(esc(_(
            "The aid (gross grant equivalent) is the value received without paying: the value of the "
            "service less the co-payment. It is counted from approval and restated to the final cost "
            "covered when the service is closed.")), st.small))
        if len(in_force) != len(notice.grants):
            story.append(spacer(1.5))
            story.append(Paragraph(esc(_(
                "Reversed grants (a cancelled service) are listed for the record; they do not count "
                "towards any ceiling.")), st.small))
    else:
        story.append(Paragraph(esc(_("No state aid has been granted to this organisation.")), st.body))

    if notice.declared:
        story.append(Paragraph(esc(_("De minimis aid declared from other grantors")), st.h1))
        story += data_tables(
            [Column(_("Grantor"), 3, wrap=True), Column(_("Date"), 1), money_column(_("Amount"), 1.2)],
            [(d.grantor, fmt_date(d.granted_on), d.amount_cents) for d in notice.declared])

    story.append(KeepTogether([
        Paragraph(esc(_("Totals over %(years)d years against the ceilings", years=notice.window_years)), st.h1),
        Paragraph(esc(_("Window: %(start)s – %(end)s. Aid counts from the date it was granted (the "
                        "approval), for the whole single undertaking.",
                        start=fmt_date(notice.window_start), end=fmt_date(notice.as_of))), st.small),
        spacer(2),
        *data_tables([
            Column(_("Legal basis"), 2.2, wrap=True),
            money_column(_("Granted by the hub"), 1.1),
            money_column(_("Declared elsewhere"), 1.1),
            money_column(_("Total"), 1.0),
            money_column(_("Ceiling"), 1.0),
            money_column(_("Remaining"), 1.0),
        ], [(c.legal_basis_label, c.hub_cents, c.declared_cents, c.total_cents, c.ceiling_cents,
             c.remaining_cents) for c in notice.ceilings]),
    ]))
    return build_pdf(story, meta)
