"""Reports and exports on the web: the managers' reports page, the PDFs and the exports.

Thin routes: load → authorise → gather (queries) → build (builders) → send. The
budget and KPI reports and every export are for managers; a partner's budget report
for managers and that partner's staff; decision letters and aid
notices are per object, and a person who may not have one gets 404 (its existence
is not revealed) with the attempt recorded in the audit log.
"""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..applications.models import Application, AppState
from ..applications.queries import QueueFilters
from ..budget import queries as budget_queries
from ..budget.models import BudgetAccount, LedgerKind, can_see_beneficiaries_of_all_partners, can_view_partner_budget
from ..catalogue.models import Category, Partner
from ..core.args import date_arg, enum_arg
from ..core.audit import record_denied
from ..core.db import utcnow
from ..core.security import MANAGERS, STAFF, roles_required
from ..extensions import db
from ..organisations.models import Organisation, OrgKind
from . import documents, queries
from .access import can_get_aid_notice, can_get_decision_letter
from .exports import csv_chunks, export_columns, stamp, stream_file, xlsx_file

bp = Blueprint("reports", __name__, url_prefix="/reports")

FORMATS = ("csv", "xlsx")


@bp.app_context_processor
def _report_helpers():
    """`can_get_decision_letter(application)` and `can_get_aid_notice(organisation)` for
    every template, so the other pages show a download link exactly when it works."""
    return {
        "can_get_decision_letter": lambda application: (
            queries.letter_kind(application.state) is not None
            and can_get_decision_letter(current_user, application)),
        "can_get_aid_notice": lambda organisation: can_get_aid_notice(current_user, organisation),
    }


# --- argument parsing (the same names as the lists on screen) ---------------------------------



def _county_arg() -> str | None:
    county = request.args.get("county", "")
    return county if county in current_app.config["COUNTIES"] else None


def _queue_filters() -> QueueFilters:
    """The review queue's filters, read from the same query-string names."""
    return QueueFilters(
        state=enum_arg("state", AppState), category=enum_arg("category", Category),
        partner_id=request.args.get("partner", type=int), kind=enum_arg("kind", OrgKind),
        county=_county_arg(), submitted_from=date_arg("from"), submitted_to=date_arg("to"))


def _ledger_filter() -> budget_queries.LedgerFilter:
    """The ledger list's filters (`budget.ledger`'s form: account, kind, reference,
    date_from, date_to)."""
    return budget_queries.LedgerFilter(
        account_id=request.args.get("account", type=int) or None, kind=enum_arg("kind", LedgerKind),
        reference=request.args.get("reference", "").strip()[:20],
        date_from=date_arg("date_from"), date_to=date_arg("date_to"))


def _aid_filter() -> budget_queries.AidFilter:
    return budget_queries.AidFilter(county=_county_arg() or "", kind=enum_arg("kind", OrgKind),
                                    q=request.args.get("q", "").strip()[:100])


# --- the reports page ---------------------------------------------------------------------------

@bp.get("/")
@roles_required(*MANAGERS)
def index():
    """Every report and export, with the filters of the lists they come from."""
    partners = db.session.scalars(sa.select(Partner).order_by(Partner.name)).all()
    accounts = db.session.scalars(
        sa.select(BudgetAccount).options(joinedload(BudgetAccount.partner))
        .order_by(BudgetAccount.is_reserve.desc(), BudgetAccount.name)).all()
    return render_template(
        "reports/index.html", partners=partners, accounts=accounts,
        states=[s for s in AppState if s is not AppState.DRAFT], categories=list(Category),
        kinds=list(OrgKind), ledger_kinds=list(LedgerKind), counties=current_app.config["COUNTIES"],
        region=current_app.config["HUB_REGION_COUNTIES"])


@bp.get("/find")
@roles_required(*MANAGERS)
def find():
    """Jump to a decision letter by reference, or an aid notice by fiscal code."""
    reference = request.args.get("reference", "").strip()
    fiscal_code = request.args.get("fiscal_code", "").strip()
    if reference:
        application = queries.application_by_reference(reference)
        if application is not None:
            return redirect(url_for("reports.decision_letter", application_id=application.id))
        flash(_("No application has the reference %(ref)s.", ref=reference[:40]), "warning")
    elif fiscal_code:
        organisation = queries.organisation_by_fiscal_code(fiscal_code)
        if organisation is not None:
            return redirect(url_for("reports.aid_notice", organisation_id=organisation.id))
        flash(_("No organisation has the fiscal code %(code)s.", code=fiscal_code[:20]), "warning")
    return redirect(url_for("reports.index"))


# --- PDF reports ----------------------------------------------------------------------------------

def _pdf(content: bytes, name: str) -> Response:
    return send_file(io.BytesIO(content), mimetype="application/pdf", as_attachment=True,
                     download_name=name)


@bp.get("/budget.pdf")
@roles_required(*MANAGERS)
def budget_pdf():
    """The budget status report."""
    now = utcnow()
    return _pdf(documents.budget_report(now), stamp("budget-report", now, "pdf"))


@bp.get("/partners/<int:partner_id>/budget.pdf")
@roles_required(*STAFF)
def partner_budget_pdf(partner_id: int):
    """The budget report of one partner: managers for any partner, partner staff for their own."""
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        abort(404)
    if not can_view_partner_budget(current_user, partner.id):
        record_denied(current_user, "reports.partner_budget_pdf", "other partner", "partner", partner_id)
        abort(404)
    now = utcnow()
    content = documents.partner_budget_report(
        partner, see_all=can_see_beneficiaries_of_all_partners(current_user), now=now)
    return _pdf(content, stamp(f"budget-report-{partner.code}", now, "pdf"))


@bp.get("/kpi.pdf")
@roles_required(*MANAGERS)
def kpi_pdf():
    """The EDIH KPI report; `from`/`to` limit it to decisions in that period."""
    now = utcnow()
    start, end = date_arg("from"), date_arg("to")
    if start and end and start > end:
        flash(_("The period starts after it ends: choose a start date before the end date."), "danger")
        return redirect(url_for("reports.index"))
    return _pdf(documents.kpi_report(start, end, now), stamp("kpi-report", now, "pdf"))


@bp.get("/applications/<int:application_id>/decision.pdf")
def decision_letter(application_id: int):
    """The approval or rejection letter of one application (404 for other states)."""
    application = db.session.get(Application, application_id)
    if application is None:
        abort(404)
    if not can_get_decision_letter(current_user, application):
        record_denied(current_user, "reports.decision_letter", "not visible", "application", application_id)
        abort(404)
    try:
        content = documents.decision_letter(application, lang=request.args.get("lang"))
    except queries.NoLetter as exc:
        return render_template("reports/unavailable.html", message=exc.message, application=application), 404
    return _pdf(content, f"decision-{application.reference}.pdf")


@bp.get("/organisations/<int:organisation_id>/aid-notice.pdf")
def aid_notice(organisation_id: int):
    """The state-aid notice of one organisation."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    if not can_get_aid_notice(current_user, organisation):
        record_denied(current_user, "reports.aid_notice", "not own", "organisation", organisation_id)
        abort(404)
    now = utcnow()
    return _pdf(documents.aid_notice(organisation, now, lang=request.args.get("lang")),
                stamp(f"aid-notice-{organisation.fiscal_code}", now, "pdf"))


# --- exports -----------------------------------------------------------------------------------------

def _send_export(name: str, fmt: str, rows, sheet_title: str) -> Response:
    if fmt not in FORMATS:
        abort(404)
    now = utcnow()
    columns = export_columns(name)
    download = stamp(name, now, fmt)
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if fmt == "csv":
        response = Response(stream_with_context(csv_chunks(columns, rows, timezone=tz)),
                            mimetype="text/csv")
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        response.headers["Content-Disposition"] = f'attachment; filename="{download}"'
        return response
    # Written to a temporary file row by row, then streamed from it: memory stays flat.
    response = Response(stream_file(xlsx_file(columns, rows, title=sheet_title, timezone=tz)),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return response


@bp.get("/export/applications.<fmt>")
@roles_required(*MANAGERS)
def export_applications(fmt: str):
    """Applications under the review queue's filters (state, category, partner, county,
    kind, submission dates)."""
    return _send_export("applications", fmt, queries.application_rows(_queue_filters(), current_user),
                        _("Applications"))


@bp.get("/export/ledger.<fmt>")
@roles_required(*MANAGERS)
def export_ledger(fmt: str):
    """Ledger entries under the ledger list's filters (account, kind, reference, dates)."""
    return _send_export("ledger", fmt, queries.ledger_rows(_ledger_filter()), _("Ledger"))


@bp.get("/export/aid-register.<fmt>")
@roles_required(*MANAGERS)
def export_aid_register(fmt: str):
    """The aid register under its filters (county, kind, search)."""
    return _send_export("aid-register", fmt, queries.aid_register_rows(_aid_filter()), _("Aid register"))
