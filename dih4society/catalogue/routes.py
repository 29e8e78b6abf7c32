"""Browse the service catalogue; admins create and edit services."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from ..auth.models import Role
from ..core.args import enum_arg
from ..core.errors import DomainError
from ..core.forms import show_error
from ..core.money import from_cents
from ..core.security import roles_required
from ..extensions import db
from ..organisations.models import OrgKind
from . import services
from .forms import ServiceForm
from .models import Category, Partner, Service

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")


def _is_admin() -> bool:
    """Admins also see inactive services; visitors (not logged in) have no role."""
    return getattr(current_user, "role", None) is Role.ADMIN


@bp.get("/")
def index():
    """The catalogue with filters: category, partner, eligible kind, text."""
    category = enum_arg("category", Category)
    kind = enum_arg("kind", OrgKind)
    partner_id = request.args.get("partner", type=int)
    q = request.args.get("q", "").strip()[:100]
    stmt = sa.select(Service).options(joinedload(Service.partner)).order_by(Service.category, Service.code)
    if not _is_admin():
        stmt = stmt.where(Service.active.is_(True))
    if category:
        stmt = stmt.where(Service.category == category)
    if partner_id:
        stmt = stmt.where(Service.partner_id == partner_id)
    if kind:
        stmt = stmt.where(Service.eligible_kinds.contains(kind.value))
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(Service.name).like(like),
                                 sa.func.lower(Service.description).like(like),
                                 sa.func.lower(Service.code).like(like)))
    page = db.paginate(stmt, per_page=24, error_out=False)
    partners = db.session.scalars(sa.select(Partner).order_by(Partner.name)).all()
    return render_template("catalogue/index.html", page=page, partners=partners,
                           categories=list(Category), kinds=list(OrgKind),
                           f={"category": category, "kind": kind, "partner": partner_id, "q": q})


@bp.get("/<int:service_id>")
def detail(service_id: int):
    """One service; applicants see whether their organisation may apply."""
    service = db.get_or_404(Service, service_id)
    if not service.active and not _is_admin():
        abort(404)
    return render_template("catalogue/detail.html", service=service)


def _partner_choices():
    return [SelectChoice(p.id, p.name) for p in db.session.scalars(sa.select(Partner).order_by(Partner.name))]


def _save(form: ServiceForm, service: Service | None):
    try:
        saved = services.save_service(
            service, actor=current_user, code=form.code.data, name=form.name_en.data,
            description=form.description_en.data, name_ro=form.name_ro.data,
            description_ro=form.description_ro.data, category=form.category.data,
            partner_id=form.partner_id.data, market_value=form.market_value.data,
            co_payment_percent=form.co_payment_percent.data, legal_basis=form.legal_basis.data,
            eligible_kinds=form.eligible_kinds.data, active=form.active.data)
    except DomainError as exc:
        db.session.rollback()
        show_error(form, exc, "code")
        return None
    db.session.commit()
    flash(_("Service %(code)s saved.", code=saved.code), "success")
    return redirect(url_for("catalogue.detail", service_id=saved.id))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create():
    """Admin: add a service to the catalogue."""
    form = ServiceForm()
    form.partner_id.choices = _partner_choices()
    if request.method == "GET":
        from flask import current_app

        form.co_payment_percent.data = current_app.config["DEFAULT_CO_PAYMENT_PERCENT"]
        form.eligible_kinds.data = [k.value for k in OrgKind]
    if form.validate_on_submit():
        response = _save(form, None)
        if response:
            return response
    return render_template("catalogue/form.html", form=form, service=None)


@bp.route("/<int:service_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(service_id: int):
    """Admin: change a service (audited with before and after)."""
    service = db.get_or_404(Service, service_id)
    form = ServiceForm(obj=service)
    form.partner_id.choices = _partner_choices()
    if request.method == "GET":
        form.category.data = service.category.value
        form.legal_basis.data = service.legal_basis.value
        form.market_value.data = from_cents(service.market_value_cents)
        form.eligible_kinds.data = service.eligible_kind_values
    if form.validate_on_submit():
        response = _save(form, service)
        if response:
            return response
    return render_template("catalogue/form.html", form=form, service=service)
