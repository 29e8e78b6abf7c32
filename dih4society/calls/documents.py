"""A call's results list end to end: gather the ranking, call the builders, return bytes.
Used by the web routes and by ``flask report ranking``."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _

from ..core.db import utcnow
from ..reports.calls_pdf import ResultRow, ResultsList
from ..reports.calls_pdf import results_csv as build_csv
from ..reports.calls_pdf import results_pdf as build_pdf
from ..reports.pdf import DocumentMeta
from . import ranking, services
from .models import Call


def results_data(call: Call, show_names: bool) -> ResultsList:
    rows = [ResultRow(rank=r.rank, reference=r.application.reference or "",
                      applicant=r.application.organisation.legal_name if show_names else None,
                      fiscal_code=r.application.organisation.fiscal_code,
                      service=f"{r.application.service.code} · {r.application.service.name}",
                      score=r.score, standing=_standing(r))
            for r in ranking.results(call)]
    plan = ranking.plan(call)
    cutoff = plan.rows[plan.cutoff_index - 1].rank if plan.cutoff_index else None
    return ResultsList(call_title=call.title, cutoff_after=cutoff,
                       window=f"{services.moment(call.opens_at)} – {services.moment(call.closes_at)}",
                       cap=services.cap_text(call), min_score=call.min_score, rule=str(ranking.RULE_TEXT),
                       show_names=show_names, rows=rows)


def _standing(row: ranking.Row) -> str:
    # For the public, an undecided application above the cut-off is still "to fund".
    return row.standing.label


def _meta(title: str, now: datetime) -> DocumentMeta:
    config = current_app.config
    return DocumentMeta(hub_name=config["HUB_FULL_NAME"], title=title, generated_at=now,
                        timezone=config["BABEL_DEFAULT_TIMEZONE"])


def results_pdf(call: Call, *, show_names: bool, now: datetime | None = None) -> bytes:
    return build_pdf(results_data(call, show_names), _meta(_("Call results"), now or utcnow()))


def results_csv(call: Call, *, show_names: bool) -> bytes:
    return build_csv(results_data(call, show_names))
