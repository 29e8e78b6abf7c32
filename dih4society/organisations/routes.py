"""Organisation registration (public) and the organisation's own page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.routes import start_session
from ..auth.services import record_login
from ..core.errors import DomainError
from ..core.forms import show_error
from ..extensions import db
from . import services
from .forms import RegistrationForm
from .models import Organisation, OrgKind

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


@bp.route("/register", methods=["GET", "POST"])
def register():
    """A visitor registers an organisation together with its first user."""
    form = RegistrationForm()
    if form.validate_on_submit():
        data = services.OrganisationData(
            kind=OrgKind(form.kind.data), legal_name=form.legal_name.data,
            fiscal_code=form.fiscal_code.data, trade_register_no=form.trade_register_no.data,
            county=form.county.data, caen_code=form.caen_code.data,
            headcount=form.headcount.data, turnover=form.turnover.data,
            balance_sheet=form.balance_sheet.data, letter_language=form.letter_language.data,
        )
        try:
            user = services.register_organisation(
                data, email=form.email.data, full_name=form.full_name.data,
                password=form.password.data, valid_counties=current_app.config["COUNTIES"])
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc, "legal_name")
        else:
            record_login(user)
            db.session.commit()
            start_session(user)
            org = user.organisation
            flash(_("%(name)s is registered as: %(size)s.", name=org.legal_name,
                    size=org.size_class.label), "success")
            return redirect(url_for("organisations.mine"))
    return render_template("organisations/register.html", form=form)


@bp.get("/mine")
def mine():
    """The applicant's organisation, with its derived size class."""
    if current_user.organisation_id is None:
        abort(404)
    org = db.get_or_404(Organisation, current_user.organisation_id)
    return render_template("organisations/detail.html", org=org)


@bp.get("/<int:org_id>")
def detail(org_id: int):
    """Staff see any organisation; applicants only their own."""
    org = db.get_or_404(Organisation, org_id)
    if not current_user.is_staff and current_user.organisation_id != org.id:
        abort(404)
    return render_template("organisations/detail.html", org=org)
