"""DMA pages: take the assessment (drafts over several sittings), the result with its radar
chart and PDF, assisted interviews and waivers for hub staff, satisfaction, the Impact page
and the Commission exports.

Thin routes: load (404 when the viewer may not see it) → authorise (403) → validate →
call one service → commit → redirect.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from ..applications import workflow
from ..applications.models import Application
from ..auth.models import Role
from ..charts import svg_markup
from ..core import marks
from ..core.audit import record_denied
from ..core.errors import DomainError
from ..core.forms import show_error
from ..core.security import MANAGERS, STAFF, roles_required
from ..extensions import db
from ..organisations.models import Organisation
from . import exports, impact, results, satisfaction, services
from . import questionnaire as qn
from .forms import AnswerParseError, SatisfactionForm, WaiverForm, parse_answers
from .models import Assessment

bp = Blueprint("assessments", __name__, url_prefix="/assessments")


def _locale() -> str:
    from .. import _select_locale

    return _select_locale()


@bp.app_context_processor
def _helpers():
    """What the application page and the reviewer's panel show about the DMA."""
    return {"dma_panel": _panel, "dma_satisfaction": satisfaction.response_of,
            "dma_can_rate": lambda a: satisfaction.can_answer(current_user, a),
            "dma_band_label": lambda band: results.band_label(band, _locale()),
            "dma_impact_section": _impact_section}


def _impact_section() -> Markup:
    """The Impact section (figures, chart, tables) of the viewer's scope, rendered once
    per change mark and language: the budget dashboard shows it on every request, and
    its figures read every submitted assessment (issue 13: pages must not grow with history)."""
    scope = impact.scope_for(current_user)

    def build() -> Markup:
        data = impact.impact_data(scope)
        # A rendered, autoescaped template, cached as markup so it is not escaped twice.
        return Markup(render_template("assessments/_impact.html", impact=data,  # nosec B704
                                      impact_chart=impact.chart_markup(data)))

    return marks.cached(("assessments.impact", scope, _locale()), build)


def _panel(organisation_id: int) -> dict:
    t0 = services.latest_submitted(organisation_id, "T0")
    latest = services.latest_submitted(organisation_id)
    return {"t0": t0, "latest": latest,
            "weakest": results.weakest(t0, _locale()) if t0 else [],
            "band": results.band_label(t0.band, _locale()) if t0 else None,
            "waiver": services.waiver_of(organisation_id),
            "missing": services.t0_missing(organisation_id)}


def _load(assessment_id: int) -> Assessment:
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        abort(404)
    if not services.can_view(current_user, assessment):
        record_denied(current_user, request.endpoint or "?", "not visible", "assessment", assessment_id)
        abort(404)
    return assessment


# --- the applicant ---------------------------------------------------------------------------

@bp.get("/")
@roles_required(Role.APPLICANT)
def mine():
    """The organisation's assessments, its open draft and what is due next."""
    org_id = current_user.organisation_id
    try:
        due = services.next_stage(org_id)
        not_due = None
    except DomainError as exc:
        due, not_due = None, exc.message
    return render_template("assessments/mine.html", history=services.history(org_id),
                           draft=services.draft_of(org_id), due=due, not_due=not_due,
                           band_label=results.band_label, locale=_locale(),
                           variant=qn.VARIANT_LABELS[qn.variant_for_kind(current_user.organisation.kind)])


@bp.post("/start")
@roles_required(Role.APPLICANT)
def start():
    """Open the organisation's next assessment (or its current draft)."""
    try:
        assessment = services.start(current_user, current_user.organisation)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(url_for("assessments.mine"))
    db.session.commit()
    return redirect(url_for("assessments.fill", assessment_id=assessment.id))


def _form_page(assessment: Assessment, status: int = 200, answers: dict | None = None):
    questionnaire = qn.get(assessment.variant, assessment.version)
    done, total = services.progress(assessment)
    return render_template("assessments/fill.html", a=assessment, q=questionnaire, qn=qn,
                           answers=answers if answers is not None else (assessment.answers or {}),
                           done=done, total=total, locale=_locale(),
                           editable=services.can_edit(current_user, assessment),
                           missing=set(services.scoring.missing(questionnaire, assessment.answers or {})),
                           row_choices=qn.ROW_CHOICES), status


@bp.route("/<int:assessment_id>", methods=["GET", "POST"])
def fill(assessment_id: int):
    """The questionnaire: save the draft any time; submit once every question is answered."""
    assessment = _load(assessment_id)
    if request.method == "GET":
        if assessment.is_submitted:
            return redirect(url_for("assessments.result", assessment_id=assessment.id))
        return _form_page(assessment)
    if not services.can_edit(current_user, assessment):
        record_denied(current_user, "dma.save", "not editable", "assessment", assessment_id)
        if assessment.is_submitted:
            flash(_("This assessment was submitted: it can no longer be changed."), "warning")
            return redirect(url_for("assessments.result", assessment_id=assessment.id))
        abort(403)
    questionnaire = qn.get(assessment.variant, assessment.version)
    try:
        answers = parse_answers(questionnaire, request.form)
    except AnswerParseError as exc:
        flash(_("Answers refused: %(detail)s.", detail=str(exc)), "danger")
        return _form_page(assessment, 400)
    try:
        services.save(current_user, assessment, answers, variant=request.form.get("variant"),
                      version=request.form.get("version"))
    except DomainError as exc:
        db.session.rollback()  # nothing of a refused post is stored
        flash(exc.message, "danger")
        return _form_page(db.session.get(Assessment, assessment_id), 400)
    if request.form.get("action") == "submit":
        try:
            services.submit(current_user, assessment)
        except DomainError as exc:
            db.session.commit()  # the (valid) answers are kept as the draft
            flash(exc.message, "warning")
            return _form_page(assessment)
    db.session.commit()
    if assessment.is_submitted:
        flash(_("Assessment submitted. Here is your result."), "success")
        return redirect(url_for("assessments.result", assessment_id=assessment.id))
    done, total = services.progress(assessment)
    flash(_("Draft saved: %(done)s of %(total)s questions answered.", done=done, total=total), "success")
    return redirect(url_for("assessments.fill", assessment_id=assessment.id))


@bp.get("/<int:assessment_id>/result")
def result(assessment_id: int):
    """The result: radar chart (T0 against T1), band, change per dimension, a short reading."""
    assessment = _load(assessment_id)
    if not assessment.is_submitted:
        return redirect(url_for("assessments.fill", assessment_id=assessment.id))
    view = results.result_view(assessment, _locale())
    chart = svg_markup(results.radar(view), _("Digital maturity by dimension"), "dma-radar")
    return render_template("assessments/result.html", view=view, chart=chart, fmt=results.fmt,
                           questionnaire=qn.get(assessment.variant, assessment.version),
                           variant=qn.VARIANT_LABELS[assessment.variant].get(_locale()))


@bp.get("/<int:assessment_id>/result.pdf")
def result_pdf(assessment_id: int):
    """The result as a PDF for the customer (the same radar drawing as the page)."""
    from .pdf import result_pdf as build

    assessment = _load(assessment_id)
    if not assessment.is_submitted:
        abort(404)
    data = build(results.result_view(assessment, _locale()))
    name = f"dma-{assessment.organisation.fiscal_code}-c{assessment.cycle}-{assessment.stage}.pdf"
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)


# --- hub staff ---------------------------------------------------------------------------------

@bp.get("/organisations/<int:org_id>")
@roles_required(*STAFF)
def organisation(org_id: int):
    """An organisation's assessments, with the assisted interview and the T0 waiver."""
    org = db.get_or_404(Organisation, org_id)
    return render_template("assessments/organisation.html", org=org, history=services.history(org_id),
                           draft=services.draft_of(org_id), panel=_panel(org_id),
                           waiver_form=WaiverForm(prefix="waiver", formdata=None),
                           can_assist=services.can_assist(current_user), band_label=results.band_label,
                           locale=_locale())


@bp.post("/organisations/<int:org_id>/assist")
@roles_required(Role.PARTNER_STAFF, Role.MANAGER)
def assist(org_id: int):
    """Start (or join) the organisation's assessment as an assisted interview."""
    org = db.get_or_404(Organisation, org_id)
    try:
        assessment = services.start(current_user, org, assisted=True)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(url_for("assessments.organisation", org_id=org_id))
    db.session.commit()
    return redirect(url_for("assessments.fill", assessment_id=assessment.id))


@bp.post("/organisations/<int:org_id>/waive")
@roles_required(Role.PARTNER_STAFF, Role.MANAGER)
def waive(org_id: int):
    """Waive the T0 for the organisation's first application, with a reason (audited)."""
    org = db.get_or_404(Organisation, org_id)
    form = WaiverForm(prefix="waiver")
    if form.validate_on_submit():
        try:
            services.waive_t0(current_user, org, form.reason.data)
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("T0 assessment waived for %(org)s.", org=org.legal_name), "success")
            return redirect(url_for("assessments.organisation", org_id=org_id))
    return render_template("assessments/organisation.html", org=org, history=services.history(org_id),
                           draft=services.draft_of(org_id), panel=_panel(org_id), waiver_form=form,
                           can_assist=services.can_assist(current_user), band_label=results.band_label,
                           locale=_locale()), 400


# --- satisfaction --------------------------------------------------------------------------------

@bp.route("/satisfaction/<int:application_id>", methods=["GET", "POST"])
def rate(application_id: int):
    """The one satisfaction form of a closed application."""
    application = db.session.get(Application, application_id)
    if application is None or not workflow.can_view(current_user, application):
        abort(404)
    if not satisfaction.can_answer(current_user, application):
        record_denied(current_user, "satisfaction.answer", "not the beneficiary", "application", application_id)
        abort(403)
    given = satisfaction.response_of(application_id)
    form = SatisfactionForm(prefix="sat")
    if given is None and form.validate_on_submit():
        try:
            satisfaction.answer(current_user, application, form.score.data,
                                form.would_recommend.data == "yes", form.comment.data)
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Thank you for your answer."), "success")
            return redirect(url_for("applications.detail", application_id=application_id))
    elif given is not None and request.method == "POST":
        flash(_("Thank you: your organisation has already rated this service."), "info")
        return redirect(url_for("applications.detail", application_id=application_id))
    return render_template("assessments/satisfaction.html", application=application, form=form, given=given)


# --- impact and exports ----------------------------------------------------------------------------

@bp.get("/impact")
@roles_required(*STAFF)
def impact_page():
    """The Impact section on its own page: managers see all, partner staff their own customers."""
    scope = impact.scope_for(current_user)
    return render_template("assessments/impact.html", impact_section=_impact_section(),
                           impact_services=marks.cached(("assessments.impact.services", scope, _locale()),
                                                        lambda: impact.service_satisfaction(scope)))


@bp.get("/export/<name>.<fmt>")
@roles_required(*MANAGERS)
def export(name: str, fmt: str):
    """Customer, service and assessment logs for the EDIH reporting, as CSV or XLSX."""
    if name not in exports.EXPORTS or fmt not in ("csv", "xlsx"):
        abort(404)
    data, mimetype = exports.render(name, fmt)
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=f"{name}.{fmt}")
