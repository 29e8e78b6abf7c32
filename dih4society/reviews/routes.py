"""Scoring an application, declaring a conflict of interest, and the rubric set-up."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..applications import eligibility, workflow
from ..applications.access import load_visible, refuse, refuse_exc
from ..auth.models import Role
from ..core.errors import DomainError
from ..core.security import roles_required
from ..extensions import db
from . import services
from .forms import ConflictForm, CriterionForm, review_form
from .models import Recommendation, RubricCriterion

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


def _field_error(form, exc: DomainError) -> None:
    name = exc.field or ""
    target = getattr(form, f"score_{name}", None) or (form[name] if name in form else None)
    if target is None:
        form.form_errors.append(exc.message)
    else:
        target.errors = list(target.errors) + [exc.message]


@bp.route("/<int:application_id>", methods=["GET", "POST"])
def review(application_id: int):
    """The rubric for one application: 0–5 per criterion, weighted total, recommendation."""
    application = load_visible(application_id, for_update=request.method == "POST")
    refused = services.refusal_to_review(current_user, application)
    if refused:
        return refuse(application_id, "review.save", *refused)
    criteria = services.rubric()
    own = workflow.own_review(current_user, application)
    if request.method == "GET" and own is not None:
        data = {f"score_{code}": value for code, value in (own.scores or {}).items()}
        data.update(recommendation=own.recommendation.value if own.recommendation else "", comment=own.comment)
        form = review_form(criteria, formdata=None, data=data)
    else:
        form = review_form(criteria)
    if form.validate_on_submit():
        raw = form.recommendation.data
        try:
            services.save_review(current_user, application, form.scores(),
                                 Recommendation(raw) if raw else None, form.comment.data,
                                 complete=bool(form.complete.data))
        except (workflow.WrongState, workflow.TransitionRefused) as exc:
            return refuse_exc(application_id, "review.save", exc)
        except DomainError as exc:
            db.session.rollback()
            _field_error(form, exc)
        else:
            db.session.commit()
            if form.complete.data:
                flash(_("Review completed."), "success")
                return redirect(url_for("applications.detail", application_id=application_id))
            flash(_("Review saved; you can complete it later."), "success")
            return redirect(url_for("reviews.review", application_id=application_id))
    return render_template("reviews/review.html", application=application, form=form, criteria=criteria,
                           checks=eligibility.checklist(application),
                           conflict=ConflictForm(prefix="conflict", formdata=None))


@bp.post("/<int:application_id>/conflict")
def declare_conflict(application_id: int):
    """Declare a conflict of interest: the person is removed from the application."""
    application = load_visible(application_id, for_update=True)
    refused = services.refusal_to_declare(current_user, application)
    if refused:
        return refuse(application_id, "review.conflict", *refused)
    form = ConflictForm(prefix="conflict")
    if not form.validate_on_submit():
        flash(_("Say briefly what the conflict is."), "danger")
        return redirect(url_for("applications.detail", application_id=application_id))
    try:
        services.declare_conflict(current_user, application, form.reason.data)
    except (workflow.WrongState, workflow.TransitionRefused) as exc:
        return refuse_exc(application_id, "review.conflict", exc)
    db.session.commit()
    flash(_("Conflict of interest recorded: you are no longer part of this application."), "success")
    return redirect(url_for("applications.queue"))


def _save_criterion(form: CriterionForm, criterion: RubricCriterion | None) -> bool:
    """Create (None) or update a criterion from the form; commit, or show the refusal."""
    try:
        services.save_criterion(current_user, criterion, code=form.code.data, label=form.label_en.data,
                                label_ro=form.label_ro.data,
                                weight=form.weight.data, position=form.position.data,
                                active=form.active.data)
    except DomainError as exc:
        db.session.rollback()
        _field_error(form, exc)
        return False
    db.session.commit()
    return True


@bp.route("/rubric", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def rubric():
    """Admins: the scoring criteria, and a form to add one."""
    form = CriterionForm()
    if form.validate_on_submit() and _save_criterion(form, None):
        flash(_("Criterion added."), "success")
        return redirect(url_for("reviews.rubric"))
    return render_template("reviews/rubric.html", criteria=services.rubric(include_inactive=True), form=form)


@bp.route("/rubric/<int:criterion_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_criterion(criterion_id: int):
    """Admins: change a criterion's label, weight, position or whether it is used."""
    criterion = db.get_or_404(RubricCriterion, criterion_id)
    form = CriterionForm(obj=criterion)
    if form.validate_on_submit() and _save_criterion(form, criterion):
        flash(_("Criterion saved."), "success")
        return redirect(url_for("reviews.rubric"))
    return render_template("reviews/criterion.html", form=form, criterion=criterion)
