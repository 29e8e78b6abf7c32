"""Call pages: the public list and call page, and the managers' create/edit, ranking,
decide-by-ranking and results pages. Thin: load → authorise → validate → service → commit."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.models import Role
from ..catalogue.models import Service
from ..core.errors import DomainError
from ..core.forms import show_error
from ..core.money import from_cents, to_cents
from ..core.security import MANAGERS, roles_required
from ..extensions import db
from . import services
from .forms import CallForm
from .models import Call, CallPhase, SelectionMode

bp = Blueprint("calls", __name__, url_prefix="/calls")


def _load(call_id: int) -> Call:
    call = db.session.get(Call, call_id)
    if call is None:
        abort(404)
    return call


@bp.get("/")
def index():
    """Open and upcoming calls, and closed ones with their results (public)."""
    now = services.now()
    calls = db.session.scalars(sa.select(Call).order_by(Call.closes_at.desc(), Call.id.desc())).all()
    groups = {phase: [c for c in calls if c.phase(now) is phase] for phase in CallPhase}
    groups[CallPhase.OPEN].sort(key=lambda c: c.closes_at)
    groups[CallPhase.UPCOMING].sort(key=lambda c: c.opens_at)
    return render_template("calls/index.html", groups=groups, CallPhase=CallPhase, now=now,
                           moment=services.moment, short=services.short_moment,
                           can_manage=current_user.is_authenticated and current_user.role in MANAGERS)


@bp.get("/<int:call_id>")
def detail(call_id: int):
    """One call: its rules, services, window, and its published results (public)."""
    from . import ranking

    call = _load(call_id)
    now = services.now()
    org = current_user.organisation if (current_user.is_authenticated
                                         and current_user.role is Role.APPLICANT) else None
    problem = services.eligibility_problem(call, org) if org is not None else None
    results = ranking.results(call) if call.results_published_at is not None else None
    return render_template("calls/detail.html", call=call, now=now, phase=call.phase(now), org=org,
                           problem=problem, results=results, moment=services.moment,
                           counties=current_app.config["COUNTIES"],
                           can_manage=current_user.is_authenticated and current_user.role in MANAGERS)


def _form(call: Call | None) -> CallForm:
    counties = current_app.config["COUNTIES"]
    if request.method == "POST":
        form = CallForm()
    elif call is None:
        form = CallForm(formdata=None)
    else:
        form = CallForm(formdata=None, data={
            "title_en": call.title_en, "title_ro": call.title_ro, "description_en": call.description_en,
            "description_ro": call.description_ro,
            "opens_at": services.to_local(call.opens_at).replace(tzinfo=None),
            "closes_at": services.to_local(call.closes_at).replace(tzinfo=None),
            "eligible_kinds": call.kind_values, "eligible_counties": call.county_values,
            "service_ids": [s.id for s in call.services],
            "cap": from_cents(call.cap_cents) if call.cap_cents is not None else None,
            "max_per_group": call.max_per_group, "selection_mode": call.selection_mode.value,
            "min_score": call.min_score, "results_show_names": call.results_show_names})
    form.eligible_counties.choices = [(code, f"{name} ({code})") for code, name in counties.items()]
    form.service_ids.choices = [(s.id, f"{s.code} · {s.name}") for s in db.session.scalars(
        sa.select(Service).where(Service.active.is_(True)).order_by(Service.code))]
    return form


def _data(form: CallForm) -> services.CallData:
    return services.CallData(
        title_en=form.title_en.data or "", title_ro=form.title_ro.data or "",
        description_en=form.description_en.data or "", description_ro=form.description_ro.data or "",
        opens_at=services.from_local(form.opens_at.data), closes_at=services.from_local(form.closes_at.data),
        eligible_kinds=list(form.eligible_kinds.data or []),
        eligible_counties=list(form.eligible_counties.data or []),
        service_ids=list(form.service_ids.data or []),
        cap_cents=to_cents(form.cap.data) if form.cap.data is not None else None,
        max_per_group=form.max_per_group.data, selection_mode=SelectionMode(form.selection_mode.data),
        min_score=form.min_score.data, results_show_names=bool(form.results_show_names.data),
        extension_reason=form.extension_reason.data or "")



@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def create():
    """A new call (admins and managers)."""
    form = _form(None)
    if form.validate_on_submit():
        try:
            call = services.create_call(current_user, _data(form), current_app.config["COUNTIES"])
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Call created."), "success")
            return redirect(url_for("calls.detail", call_id=call.id))
    return render_template("calls/form.html", form=form, call=None, frozen=False), (
        400 if request.method == "POST" else 200)


@bp.route("/<int:call_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(call_id: int):
    """Change a call; once applied to, only texts, cap and a later closing (with a reason)."""
    call = _load(call_id)
    form = _form(call)
    frozen = services.is_frozen(call)
    if form.validate_on_submit():
        try:
            services.update_call(current_user, call, _data(form), current_app.config["COUNTIES"])
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc)
            call = _load(call_id)
        else:
            db.session.commit()
            flash(_("Call saved."), "success")
            return redirect(url_for("calls.detail", call_id=call.id))
    return render_template("calls/form.html", form=form, call=call, frozen=frozen), (
        400 if request.method == "POST" else 200)


# --- competitive selection ----------------------------------------------------------------------

def _ranked_call(call_id: int) -> Call:
    call = _load(call_id)
    if not call.is_competitive:
        abort(404)
    return call


@bp.get("/<int:call_id>/ranking")
@roles_required(*MANAGERS)
def ranking_page(call_id: int):
    """The ranking, the cut-off and the reserve list, with the decide-by-ranking action."""
    from . import ranking
    from .forms import ActionForm, PublishForm

    call = _ranked_call(call_id)
    plan = ranking.plan(call)
    return render_template("calls/ranking.html", call=call, plan=plan, rule=ranking.RULE_TEXT,
                           Standing=ranking.Standing, closed=call.phase(services.now()) is CallPhase.CLOSED,
                           moment=services.moment, decide_form=ActionForm(prefix="decide"),
                           publish_form=PublishForm(prefix="publish", show_names=call.results_show_names),
                           can_decide=current_user.role is Role.MANAGER)


@bp.post("/<int:call_id>/decide")
@roles_required(Role.MANAGER)
def decide(call_id: int):
    """Approve the funded part and reject what is below the minimum, one audited decision at
    a time (each committed on its own); stop, with a message, at the first refusal."""
    from . import ranking
    from .forms import ActionForm

    call = _ranked_call(call_id)
    form = ActionForm(prefix="decide")
    back = redirect(url_for("calls.ranking_page", call_id=call_id))
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "warning")
        return back
    if call.phase(services.now()) is not CallPhase.CLOSED:
        flash(_("A competitive call is decided after it closes (%(moment)s).",
                moment=services.moment(call.closes_at)), "warning")
        return back
    approved = rejected = 0
    for _step in range(10_000):
        try:
            row = ranking.decide_next(current_user, _load(call_id))
        except DomainError as exc:
            db.session.rollback()
            flash(_("Stopped after %(approved)s approval(s) and %(rejected)s rejection(s): %(reason)s",
                    approved=approved, rejected=rejected, reason=exc.message), "danger")
            return back
        if row is None:
            break
        db.session.commit()
        if row.standing is ranking.Standing.TO_FUND:
            approved += 1
        else:
            rejected += 1
    flash(_("Decided by ranking: %(approved)s approved, %(rejected)s rejected; the reserve list waits.",
            approved=approved, rejected=rejected), "success")
    return back


@bp.post("/<int:call_id>/publish")
@roles_required(*MANAGERS)
def publish(call_id: int):
    """Publish the results list on the call's public page (names shown or not)."""
    from . import ranking
    from .forms import PublishForm

    call = _ranked_call(call_id)
    form = PublishForm(prefix="publish")
    if form.validate_on_submit():
        ranking.publish(current_user, call, form.show_names.data)
        db.session.commit()
        flash(_("Results published on the call's page."), "success")
    return redirect(url_for("calls.ranking_page", call_id=call_id))


def _results_allowed(call: Call) -> bool:
    managers = current_user.is_authenticated and current_user.role in MANAGERS
    return call.is_competitive and (call.results_published_at is not None or managers)


@bp.get("/<int:call_id>/results.<fmt>")
def results(call_id: int, fmt: str):
    """The results list as PDF or CSV: public once published, managers before."""
    from flask import Response

    from . import documents

    call = _load(call_id)
    if fmt not in ("pdf", "csv") or not _results_allowed(call):
        abort(404)
    managers = current_user.is_authenticated and current_user.role in MANAGERS
    show_names = call.results_show_names if call.results_published_at is not None or not managers else True
    if fmt == "pdf":
        body, mimetype = documents.results_pdf(call, show_names=show_names), "application/pdf"
    else:
        body, mimetype = documents.results_csv(call, show_names=show_names), "text/csv; charset=utf-8"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="call-{call.id}-results.{fmt}"'})
