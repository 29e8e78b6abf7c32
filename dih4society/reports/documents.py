"""Each report end to end: gather its data, call its builder, return the bytes.

The web routes and the ``flask report`` commands both come here, so a report
downloaded from the site and one written by a scheduled job are the same document.
Nothing here reads the request or the session.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..applications.models import Application
from ..budget import partner as partner_queries
from ..catalogue.models import Partner
from ..core.db import read_only, utcnow
from ..core.i18n import configured_name
from ..organisations.models import Organisation
from . import queries
from .budget_pdf import budget_report_pdf
from .kpi import kpi_pdf
from .letters import APPROVAL, aid_notice_pdf, decision_letter_pdf
from .partner_pdf import PartnerReportData, partner_report_pdf
from .pdf import DocumentMeta


def _meta(title: str, now: datetime) -> DocumentMeta:
    config = current_app.config
    return DocumentMeta(hub_name=configured_name("HUB_FULL_NAME"), title=title, generated_at=now,
                        timezone=config["BABEL_DEFAULT_TIMEZONE"])


def budget_report(now: datetime | None = None) -> bytes:
    """The budget status report."""
    now = now or utcnow()
    with read_only():
        data = queries.budget_report_data(now)
        return budget_report_pdf(data, _meta(_("Budget status report"), now))


def partner_budget_report(partner: Partner, *, see_all: bool = False, now: datetime | None = None) -> bytes:
    """The budget report of one partner: the figures of its budget page, and the full
    lists (pipeline, approved and closed applications, ledger lines). `see_all` adds the
    hub's largest beneficiaries by name."""
    now = now or utcnow()
    with read_only():
        data = PartnerReportData(
            budget=partner_queries.partner_budget(partner, see_all=see_all), period_end=now.date(),
            pipeline=partner_queries.pipeline_items(partner.id), applications=queries.approved_rows(partner.id),
            ledger=partner_queries.ledger_lines(partner.id), county_names=dict(current_app.config["COUNTIES"]))
        return partner_report_pdf(data, _meta(_("Budget report %(code)s", code=partner.code), now))


def kpi_report(period_from: date | None = None, period_to: date | None = None,
               now: datetime | None = None) -> bytes:
    """The EDIH KPI report for a period of decisions (open-ended by default)."""
    now = now or utcnow()
    with read_only():
        data = queries.kpi_data(period_from, period_to)
    return kpi_pdf(data, _meta(_("EDIH KPI report"), now))


LETTER_LANGUAGES = ("ro", "en")


def letter_language(organisation: Organisation, lang: str | None = None) -> str:
    """The language of a letter: the one asked for, else the organisation's preference
    (Romanian unless it asked for English)."""
    return lang if lang in LETTER_LANGUAGES else organisation.letter_language


def decision_letter(application: Application, now: datetime | None = None, lang: str | None = None) -> bytes:
    """The decision letter in the beneficiary's language (or `lang`); raises
    `queries.NoLetter` when there was no decision."""
    now = now or utcnow()
    queries.decision_letter_data(application)  # raises NoLetter in the reader's language
    with force_locale(letter_language(application.organisation, lang)):
        letter = queries.decision_letter_data(application)
        title = (_("Approval %(ref)s", ref=letter.reference) if letter.kind == APPROVAL
                 else _("Rejection %(ref)s", ref=letter.reference))
        return decision_letter_pdf(letter, _meta(title, now))


def aid_notice(organisation: Organisation, now: datetime | None = None, lang: str | None = None) -> bytes:
    """The state-aid notice of an organisation, as of today, in its language (or `lang`)."""
    now = now or utcnow()
    with force_locale(letter_language(organisation, lang)):
        with read_only():
            notice = queries.aid_notice_data(organisation, now.date())
        return aid_notice_pdf(notice, _meta(_("State-aid notice %(code)s", code=notice.fiscal_code), now))
