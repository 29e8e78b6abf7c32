"""Admin pages: users (create staff, change roles, deactivate) and the audit log."""

from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from ..auth.models import Role, User
from ..catalogue.models import Partner
from ..core import once
from ..core.args import int_arg
from ..core.db import UTCDateTime  # noqa: F401
from ..core.errors import DomainError
from ..core.forms import show_error
from ..core.models import AuditEvent
from ..core.security import roles_required
from ..extensions import db
from . import audit_view, services
from .forms import ActionForm, RoleForm, StaffUserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _partner_choices():
    return [SelectChoice(0, "—")] + [SelectChoice(p.id, p.name) for p in db.session.scalars(sa.select(Partner).order_by(Partner.name))]


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    """All users, filterable by role and text."""
    stmt = sa.select(User).options(joinedload(User.organisation), joinedload(User.partner)).order_by(User.email)
    role = request.args.get("role", "")
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(role))
    q = request.args.get("q", "").strip().lower()[:100]
    if q:
        stmt = stmt.where(sa.or_(User.email.like(f"%{q}%"), sa.func.lower(User.full_name).like(f"%{q}%")))
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template("admin/users.html", page=page, roles=list(Role), role=role, q=q,
                           action_form=ActionForm())


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    """Create partner staff, managers and admins."""
    form = StaffUserForm()
    form.partner_id.choices = _partner_choices()
    if form.validate_on_submit():
        role = Role(form.role.data)
        partner = db.session.get(Partner, form.partner_id.data) if form.partner_id.data else None
        try:
            once.claim(form.token.data, "user.create", current_user.id)
            user = services.create_staff_user(current_user, form.email.data, form.password.data,
                                              form.full_name.data, role, partner)
            once.bind(form.token.data, user.id)
        except once.AlreadySubmitted as done:
            db.session.rollback()
            flash(_("This user had already been created."), "info")
            return redirect(url_for("admin.user_detail", user_id=done.object_id))
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc, "email")
        else:
            db.session.commit()
            flash(_("User %(email)s created.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_detail(user_id: int):
    """One user: change role, deactivate or reactivate."""
    user = db.get_or_404(User, user_id)
    form = RoleForm(obj=user)
    form.partner_id.choices = _partner_choices()
    if request.method == "GET":
        form.role.data = user.role.value
        form.partner_id.data = user.partner_id or 0
    if form.validate_on_submit():
        try:
            services.change_role(current_user, user, Role(form.role.data), form.partner_id.data or None)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("Role changed; the user's sessions have ended."), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_detail.html", user=user, form=form, action_form=ActionForm())


@bp.post("/users/<int:user_id>/active/<int:active>")
@roles_required(Role.ADMIN)
def set_active(user_id: int, active: int):
    """Deactivate (ends their sessions) or reactivate a user."""
    user = db.get_or_404(User, user_id)
    if ActionForm().validate_on_submit():
        try:
            services.set_active(current_user, user, bool(active))
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("User reactivated.") if active else _("User deactivated; their sessions have ended."),
                  "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/approver/<int:on>")
@roles_required(Role.ADMIN)
def set_approver(user_id: int, on: int):
    """Grant (on=1) or remove (on=0) a partner-staff user's approver right."""
    user = db.get_or_404(User, user_id)
    if ActionForm().validate_on_submit():
        try:
            changed = services.set_approver(current_user, user, bool(on))
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            if changed:
                flash(_("Approver right granted.") if on else _("Approver right removed."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


def _parse_day(raw: str | None, end: bool = False):
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        return None
    from datetime import UTC

    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit_log():
    """The global audit log with filters: verb, object, actor, dates."""
    stmt = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    f = {k: request.args.get(k, "").strip()[:60] for k in ("verb", "object_type", "object_id", "actor", "since", "until")}
    if f["verb"]:
        stmt = stmt.where(AuditEvent.verb.like(f"{f['verb']}%"))
    if f["object_type"] in audit_view.OBJECT_TYPES:
        stmt = stmt.where(AuditEvent.object_type == f["object_type"])
    else:
        f["object_type"] = ""
    if (object_id := int_arg("object_id")) is not None:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    if f["actor"]:
        stmt = stmt.join(User, User.id == AuditEvent.actor_id).where(User.email.like(f"%{f['actor'].lower()}%"))
    if since := _parse_day(f["since"]):
        stmt = stmt.where(AuditEvent.created_at >= since)
    if until := _parse_day(f["until"], end=True):
        stmt = stmt.where(AuditEvent.created_at <= until)
    page = db.paginate(stmt, per_page=50, error_out=False)
    actor_ids = {e.actor_id for e in page.items if e.actor_id}
    actors = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(actor_ids)))} if actor_ids else {}
    names = audit_view.resolve_names(page.items)
    return render_template("admin/audit.html", page=page, f=f, actors=actors, names=names,
                           lines={e.id: audit_view.describe(e, names) for e in page.items},
                           object_types=audit_view.OBJECT_TYPES, verb_label=audit_view.verb_label)
