"""Application pages: apply, my applications, the review queue, one application and its steps.

Routes are thin: load (404 when the viewer may not see it) → authorise (the state
machine's answer; 403 and a recorded denial when refused) → validate the form → call
one service → commit → redirect.
"""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from ..auth.models import Role
from ..catalogue.models import Category, Partner, Service
from ..core import marks, once
from ..core.args import date_arg, enum_arg
from ..core.audit import record_denied
from ..core.errors import DomainError
from ..core.forms import add_error, show_error
from ..core.money import from_cents
from ..core.security import STAFF, roles_required
from ..extensions import db
from ..organisations.models import OrgKind
from ..reviews import services as reviews
from ..reviews.forms import ConflictForm
from . import attachments, eligibility, queries, services, workflow
from .access import load_visible, refuse, refuse_exc
from .forms import STEP_FORMS, ApplicationForm, UploadForm, cents
from .models import Application, AppState, Attachment

bp = Blueprint("applications", __name__, url_prefix="/applications")


@bp.context_processor
def _permissions():
    """The same permission helpers the routes use, for the templates' buttons."""
    return {"wf": workflow, "can_review": reviews.can_review,
            "can_declare_conflict": reviews.can_declare_conflict}


# --- lists --------------------------------------------------------------------------------------

@bp.get("/mine")
@roles_required(Role.APPLICANT)
def mine():
    """The applicant organisation's applications with states, amounts and milestones."""
    items = queries.for_organisation(current_user.organisation_id)
    return render_template("applications/mine.html", items=items, milestones=queries.milestones(items))




@bp.get("/queue")
@roles_required(*STAFF)
def queue():
    """Submitted applications with filters, pagination and the count per state.

    The content is rendered once per change mark, viewer (and what decides what they
    see), language and query string (core/marks.py): every application, review and
    approval moves the mark, so a cached page is never older than the last commit."""
    user = current_user._get_current_object()
    key = ("applications.queue.page", user.id, user.role, user.partner_id, user.is_approver, str(get_locale()),
           tuple(sorted(request.args.items(multi=True))))
    return render_template("applications/queue.html", body=marks.cached(key, _queue_body))


def _queue_body() -> Markup:
    f = queries.QueueFilters(
        state=enum_arg("state", AppState), category=enum_arg("category", Category),
        partner_id=request.args.get("partner", type=int), kind=enum_arg("kind", OrgKind),
        county=request.args.get("county") if request.args.get("county") in current_app.config["COUNTIES"] else None,
        submitted_from=date_arg("from"), submitted_to=date_arg("to"),
        waiting=request.args.get("waiting") == "1")
    page, counts = queries.queue_page(f, current_user, current_app.config["PAGE_SIZE"],
                                      max(request.args.get("page", 1, type=int), 1), request.args.get("after"))
    if page.has_next:
        page.next_url = url_for("applications.queue", page=page.next_num, after=page.cursor,
                                **{k: v for k, v in f.as_args().items() if v})
    waiting = queries.waiting_count(current_user)
    partners = db.session.scalars(sa.select(Partner).order_by(Partner.name)).all()
    # A rendered, autoescaped template, cached as markup so it is not escaped a second time.
    return Markup(render_template(  # nosec B704
        "applications/_queue_body.html", page=page, f=f, counts=counts, partners=partners, waiting=waiting,
        states=[s for s in AppState if s is not AppState.DRAFT], categories=list(Category), kinds=list(OrgKind),
        counties=current_app.config["COUNTIES"], region=current_app.config["HUB_REGION_COUNTIES"]))


# --- applying and editing -------------------------------------------------------------------

def _cents_or_none(value) -> int | None:
    return None if value is None else cents(value)


def _data(form: ApplicationForm) -> services.ApplicationData:
    return services.ApplicationData(
        justification=form.justification.data or "", requested_cents=_cents_or_none(form.requested.data),
        decl_sme=form.decl_sme.data, decl_not_in_difficulty=form.decl_not_in_difficulty.data,
        decl_no_recovery_order=form.decl_no_recovery_order.data,
        decl_outside_aid_complete=form.decl_outside_aid_complete.data,
        outside_aid=[services.AidRow(row.grantor.data or "", row.granted_on.data, _cents_or_none(row.amount.data))
                     for row in form.aid_rows()])


def _all_errors(form: ApplicationForm, service: Service, submit_now: bool) -> None:
    """The form could not be read whole: add the service's own checks of what could, so
    every problem is shown in this one round-trip."""
    for field_name, message in services.problems(service, _data(form), submit_now=submit_now):
        add_error(form, field_name, message, only_if_clean=True)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.APPLICANT)
def new():
    """Apply for a catalogue service: justification, amount, declarations, outside aid."""
    service = db.session.get(Service, request.args.get("service_id", type=int) or 0)
    if service is None or not service.active:
        abort(404)
    if not service.is_eligible_kind(current_user.organisation.kind):
        flash(_("%(service)s is not open to this kind of organisation (%(kind)s).",
                kind=current_user.organisation.kind.label, service=service.name), "warning")
        return redirect(url_for("catalogue.detail", service_id=service.id))
    call = None
    if request.args.get("call_id"):  # the call applied to (issue 12); else the open one offering it
        from ..calls.models import Call

        call = db.session.get(Call, request.args.get("call_id", type=int) or 0)
        if call is None:
            abort(404)
    form = ApplicationForm()
    if request.method == "GET":
        form.requested.data = from_cents(service.market_value_cents)
    if form.validate_on_submit():
        try:
            once.claim(form.token.data, "application.create", current_user.id)
            application = services.create_draft(current_user, service, _data(form),
                                                submit_now=form.submit.data, call=call)
            once.bind(form.token.data, application.id)
        except once.AlreadySubmitted as done:
            db.session.rollback()
            flash(_("This form had already been sent: here is the application it saved."), "info")
            return redirect(url_for("applications.detail", application_id=done.object_id)
                            if done.object_id else url_for("applications.mine"))
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Application %(ref)s submitted.", ref=application.reference) if form.submit.data
                  else _("Draft saved. You can add documents and submit when ready."), "success")
            return redirect(url_for("applications.detail", application_id=application.id))
    elif form.is_submitted():
        _all_errors(form, service, bool(form.submit.data))
    return render_template("applications/form.html", form=form, service=service, application=None)


def _initial(application: Application) -> dict:
    """The edit form's starting values (and one empty aid row to fill in)."""
    data = {name: getattr(application, name) for name in services.DECLARATIONS}
    data["justification"] = application.justification
    data["requested"] = from_cents(application.requested_cents)
    data["outside_aid"] = [{"grantor": r.grantor, "granted_on": r.granted_on, "amount": from_cents(r.amount_cents)}
                           for r in application.outside_aid] + [{}]
    return data


@bp.route("/<int:application_id>/edit", methods=["GET", "POST"])
def edit(application_id: int):
    """Change a draft, or a returned application, of one's own organisation."""
    application = load_visible(application_id, for_update=request.method == "POST")
    if not workflow.can_edit(current_user, application):
        if workflow.is_member(current_user, application):
            return refuse(application_id, "application.update", "state",
                           _("This application is %(state)s: it can no longer be changed.",
                             state=application.state.label.lower()))
        return refuse(application_id, "application.update", "who",
                       _("Only the applicant organisation's users can change an application."))
    form = ApplicationForm() if request.method == "POST" else ApplicationForm(
        formdata=None, data=_initial(application))
    submit_now = form.submit.data and application.state is AppState.DRAFT
    if form.validate_on_submit():
        try:
            services.update_application(current_user, application, _data(form), submit_now=submit_now)
        except (workflow.WrongState, workflow.TransitionRefused) as exc:
            return refuse_exc(application_id, "application.update", exc)
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Application %(ref)s submitted.", ref=application.reference) if submit_now
                  else _("Changes saved."), "success")
            return redirect(url_for("applications.detail", application_id=application.id))
    elif form.is_submitted():
        _all_errors(form, application.service, submit_now)
    return render_template("applications/form.html", form=form, service=application.service,
                           application=application)


# --- one application ---------------------------------------------------------------------------

def _page(application: Application, forms: dict | None = None, upload: UploadForm | None = None,
          status: int = 200):
    """Render the application page with the forms of the steps the viewer may take."""
    forms = dict(forms or {})
    for name, (form_cls, prefix) in STEP_FORMS.items():
        if name not in forms and workflow.can(current_user, application, name):
            forms[name] = form_cls(prefix=prefix, formdata=None)
    if "approve" in forms and forms["approve"].amount.data is None:
        first = workflow.first_approval(application)
        forms["approve"].amount.data = from_cents(first.amount_cents if first else application.requested_cents)
        forms["approve"].stage.data = "2" if first else "1"
        if first is not None:  # the second approver confirms the first approval's amount
            forms["approve"].amount.render_kw = {**(forms["approve"].amount.render_kw or {}), "readonly": True}
    if "record_delivery" in forms and forms["record_delivery"].actual_cost.data is None:
        forms["record_delivery"].actual_cost.data = from_cents(application.approved_cents)
        forms["record_delivery"].delivered_on.data = date.today()
    staff = current_user.is_staff
    return render_template(
        "applications/detail.html", application=application, forms=forms,
        upload=upload or UploadForm(prefix="upload", formdata=None),
        checks=eligibility.checklist(application) if staff else [],
        timeline_entries=queries.timeline(application, internal=staff),
        # Reviewers' scores and recommendations are for the deciders, not for other reviewers.
        show_scores=current_user.role in (Role.MANAGER, Role.ADMIN) or (
            current_user.is_decider and workflow.own_review(current_user, application) is None),
        conflict=ConflictForm(prefix="conflict", formdata=None),
        kinds=attachments.KINDS,
    ), status


@bp.get("/<int:application_id>")
def detail(application_id: int):
    """The application, its documents, its checklist and reviews (hub), its timeline, its steps."""
    return _page(load_visible(application_id))


def _step(application_id: int, name: str, call, success):
    """The common shape of every workflow step's POST route.

    `success` is the message, or a function of what the service returned. A refusal by
    the money rules (budget, aid ceiling) is audited after the rollback."""
    application = load_visible(application_id, for_update=True)
    refused = workflow.refusal(current_user, application, name)
    if refused:
        return refuse(application_id, f"application.{name}", *refused)
    form_cls, prefix = STEP_FORMS[name]
    form = form_cls(prefix=prefix)
    if not form.validate_on_submit():
        return _page(application, forms={name: form}, status=400)
    try:
        result = call(application, form)
    except (workflow.WrongState, workflow.TransitionRefused) as exc:
        return refuse_exc(application_id, f"application.{name}", exc)
    except DomainError as exc:
        db.session.rollback()
        if exc.field and hasattr(form, exc.field):
            show_error(form, exc)
            return _page(queries.for_page(application_id), forms={name: form}, status=400)
        services.record_refused_decision(current_user, application_id, name, exc.message)
        db.session.commit()
        for message in [m for _f, m in getattr(exc, "errors", ())] or [exc.message]:
            flash(message, "danger")  # every missing piece at once (DomainErrors)
        return redirect(url_for("applications.detail", application_id=application_id))
    db.session.commit()
    flash(success(result) if callable(success) else success, "success")
    return redirect(url_for("applications.detail", application_id=application_id))


@bp.post("/<int:application_id>/submit")
def submit(application_id: int):
    return _step(application_id, "submit", lambda a, f: services.submit(current_user, a),
                 _("Application submitted."))


@bp.post("/<int:application_id>/withdraw")
def withdraw(application_id: int):
    return _step(application_id, "withdraw", lambda a, f: services.withdraw(current_user, a),
                 _("Application withdrawn."))


@bp.post("/<int:application_id>/resubmit")
def resubmit(application_id: int):
    return _step(application_id, "resubmit",
                 lambda a, f: services.resubmit(current_user, a, f.answer.data),
                 _("Answer sent; the application is submitted again."))


@bp.post("/<int:application_id>/start-review")
def start_review(application_id: int):
    return _step(application_id, "start_review", lambda a, f: services.start_review(current_user, a),
                 _("Review started."))


@bp.post("/<int:application_id>/return")
def return_for_info(application_id: int):
    return _step(application_id, "return_for_info",
                 lambda a, f: services.return_for_info(current_user, a, f.question.data),
                 _("Returned to the applicant with your question."))


@bp.post("/<int:application_id>/approve")
def approve(application_id: int):
    return _step(application_id, "approve",
                 lambda a, f: services.approve(current_user, a, cents(f.amount.data),
                                               expected_stage=int(f.stage.data) if f.stage.data else None),
                 lambda taken: _("First approval recorded; a second approval from another organisation "
                                 "is needed before anything is committed.") if taken == "approve_first"
                 else _("Application approved; the amount is committed on the budget."))


@bp.post("/<int:application_id>/reject")
def reject(application_id: int):
    return _step(application_id, "reject", lambda a, f: services.reject(current_user, a, f.reason.data),
                 _("Application rejected."))


@bp.post("/<int:application_id>/start-delivery")
def start_delivery(application_id: int):
    return _step(application_id, "start_delivery", lambda a, f: services.start_delivery(current_user, a),
                 _("Delivery started."))


@bp.post("/<int:application_id>/record-delivery")
def record_delivery(application_id: int):
    return _step(application_id, "record_delivery",
                 lambda a, f: services.record_delivery(current_user, a, f.delivered_on.data, f.notes.data,
                                                       cents(f.actual_cost.data)),
                 _("Delivery recorded; the applicant is asked to confirm it."))


@bp.post("/<int:application_id>/confirm")
def confirm(application_id: int):
    return _step(application_id, "confirm", lambda a, f: services.confirm(current_user, a, f.note.data),
                 _("Delivery confirmed; the application is closed."))


@bp.post("/<int:application_id>/cancel")
def cancel(application_id: int):
    return _step(application_id, "cancel", lambda a, f: services.cancel(current_user, a, f.reason.data),
                 _("Application cancelled; the commitment is released."))


# --- documents ------------------------------------------------------------------------------------

@bp.post("/<int:application_id>/attachments")
def upload(application_id: int):
    """Add a supporting document (PDF or image) to a draft or returned application."""
    application = load_visible(application_id, for_update=True)
    if not workflow.can_edit(current_user, application):
        kind = "state" if workflow.is_member(current_user, application) else "who"
        return refuse(application_id, "attachment.upload", kind,
                       _("Documents can be added only by the applicant, to a draft or a returned application."))
    form = UploadForm(prefix="upload")
    if not form.validate_on_submit():
        return _page(application, upload=form, status=400)
    try:
        once.claim(form.token.data, "attachment.upload", current_user.id)
        stored = attachments.store(current_user, application, form.kind.data, form.file.data.stream,
                                   form.file.data.filename)
        once.bind(form.token.data, stored.id)
    except once.AlreadySubmitted:
        db.session.rollback()
        flash(_("This document had already been added."), "info")
        return redirect(url_for("applications.detail", application_id=application_id) + "#documents")
    except DomainError as exc:
        db.session.rollback()
        show_error(form, exc)
        return _page(queries.for_page(application_id), upload=form, status=400)
    db.session.commit()
    flash(_("Document added."), "success")
    return redirect(url_for("applications.detail", application_id=application_id) + "#documents")


def _attachment(application: Application, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.application_id != application.id:
        record_denied(current_user, request.endpoint or "?", "attachment of another application",
                      "application", application.id)
        abort(404)
    return attachment


@bp.get("/<int:application_id>/attachments/<int:attachment_id>")
def download(application_id: int, attachment_id: int):
    """A document, only to those who may see the application; always as a download."""
    application = load_visible(application_id)
    attachment = _attachment(application, attachment_id)
    path = attachments.path_of(attachment)
    if not path.is_file():
        abort(404)
    # Files are small (MAX_ATTACHMENT_BYTES): read them whole, so no file handle outlives the request.
    response = send_file(io.BytesIO(path.read_bytes()), mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<int:application_id>/attachments/<int:attachment_id>/delete")
def delete_attachment(application_id: int, attachment_id: int):
    """Remove a document from a draft or returned application."""
    application = load_visible(application_id, for_update=True)
    attachment = _attachment(application, attachment_id)
    try:
        path = attachments.remove(current_user, application, attachment)
    except (workflow.WrongState, workflow.TransitionRefused) as exc:
        return refuse_exc(application_id, "attachment.delete", exc)
    db.session.commit()
    path.unlink(missing_ok=True)
    flash(_("Document removed."), "success")
    return redirect(url_for("applications.detail", application_id=application_id) + "#documents")
