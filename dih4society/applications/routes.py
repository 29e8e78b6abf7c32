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
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.models import Role
from ..catalogue.models import Category, Partner, Service
from ..core.args import date_arg, enum_arg
from ..core.audit import record_denied
from ..core.errors import DomainError
from ..core.forms import show_error
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
    """Submitted applications with filters, pagination and the count per state."""
    f = queries.QueueFilters(
        state=enum_arg("state", AppState), category=enum_arg("category", Category),
        partner_id=request.args.get("partner", type=int), kind=enum_arg("kind", OrgKind),
        county=request.args.get("county") if request.args.get("county") in current_app.config["COUNTIES"] else None,
        submitted_from=date_arg("from"), submitted_to=date_arg("to"))
    page = db.paginate(queries.queue_statement(f, current_user),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    counts = queries.state_counts(f, current_user)
    partners = db.session.scalars(sa.select(Partner).order_by(Partner.name)).all()
    return render_template("applications/queue.html", page=page, f=f, counts=counts, partners=partners,
                           states=[s for s in AppState if s is not AppState.DRAFT],
                           categories=list(Category), kinds=list(OrgKind),
                           counties=current_app.config["COUNTIES"],
                           region=current_app.config["HUB_REGION_COUNTIES"])


# --- applying and editing -------------------------------------------------------------------

def _data(form: ApplicationForm) -> services.ApplicationData:
    return services.ApplicationData(
        justification=form.justification.data or "", requested_cents=cents(form.requested.data),
        decl_sme=form.decl_sme.data, decl_not_in_difficulty=form.decl_not_in_difficulty.data,
        decl_no_recovery_order=form.decl_no_recovery_order.data,
        decl_outside_aid_complete=form.decl_outside_aid_complete.data,
        outside_aid=[services.AidRow(row.grantor.data, row.granted_on.data, cents(row.amount.data))
                     for row in form.aid_rows()])


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
    form = ApplicationForm()
    if request.method == "GET":
        form.requested.data = from_cents(service.market_value_cents)
    if form.validate_on_submit():
        try:
            application = services.create_draft(current_user, service, _data(form),
                                                submit_now=form.submit.data)
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Application %(ref)s submitted.", ref=application.reference) if form.submit.data
                  else _("Draft saved. You can add documents and submit when ready."), "success")
            return redirect(url_for("applications.detail", application_id=application.id))
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
        forms["approve"].amount.data = from_cents(application.requested_cents)
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
        show_scores=current_user.role in (Role.MANAGER, Role.ADMIN),
        conflict=ConflictForm(prefix="conflict", formdata=None),
        kinds=attachments.KINDS,
    ), status


@bp.get("/<int:application_id>")
def detail(application_id: int):
    """The application, its documents, its checklist and reviews (hub), its timeline, its steps."""
    return _page(load_visible(application_id))


def _step(application_id: int, name: str, call, success: str):
    """The common shape of every workflow step's POST route."""
    application = load_visible(application_id, for_update=True)
    refused = workflow.refusal(current_user, application, name)
    if refused:
        return refuse(application_id, f"application.{name}", *refused)
    form_cls, prefix = STEP_FORMS[name]
    form = form_cls(prefix=prefix)
    if not form.validate_on_submit():
        return _page(application, forms={name: form}, status=400)
    try:
        call(application, form)
    except (workflow.WrongState, workflow.TransitionRefused) as exc:
        return refuse_exc(application_id, f"application.{name}", exc)
    except DomainError as exc:
        db.session.rollback()
        if exc.field and hasattr(form, exc.field):
            show_error(form, exc)
            return _page(queries.for_page(application_id), forms={name: form}, status=400)
        flash(exc.message, "danger")
        return redirect(url_for("applications.detail", application_id=application_id))
    db.session.commit()
    flash(success, "success")
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
                 lambda a, f: services.approve(current_user, a, cents(f.amount.data)),
                 _("Application approved; the amount is committed on the budget."))


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
        attachments.store(current_user, application, form.kind.data, form.file.data.stream,
                          form.file.data.filename)
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
