"""Organisation registration (public) and the organisation's own page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.routes import start_session
from ..core import once
from ..core.errors import DomainError
from ..core.forms import add_error, show_error
from ..extensions import db
from . import services
from .forms import RegistrationForm
from .models import Organisation, OrgKind

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


def _organisation_data(form) -> services.OrganisationData:
    """The form's values; those it could not read are None (the form says why)."""
    def clean(field):
        return None if field.errors else field.data

    kind = form.kind.data if form.kind.data in {k.value for k in OrgKind} else None
    return services.OrganisationData(
        kind=OrgKind(kind) if kind else None, legal_name=form.legal_name.data or "",
        fiscal_code=clean(form.fiscal_code) or None, trade_register_no=form.trade_register_no.data,
        county=clean(form.county) or None, caen_code=clean(form.caen_code),
        headcount=clean(form.headcount), turnover=clean(form.turnover),
        balance_sheet=clean(form.balance_sheet))


@bp.route("/register", methods=["GET", "POST"])
def register():
    """A visitor registers an organisation together with its first user."""
    form = RegistrationForm()
    if form.validate_on_submit():
        data = _organisation_data(form)
        try:
            once.claim(form.token.data, "organisation.register", None)
            user = services.register_organisation(
                data, email=form.email.data, full_name=form.full_name.data,
                password=form.password.data, valid_counties=current_app.config["COUNTIES"])
            once.bind(form.token.data, user.organisation_id)
        except once.AlreadySubmitted:
            # The first send registered it (and logged that browser in); never log in
            # on a replayed token, ask for the password instead.
            db.session.rollback()
            flash(_("Your organisation is registered. Log in with your e-mail and password."), "info")
            return redirect(url_for("auth.login"))
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc, "legal_name")
        else:
            db.session.commit()
            start_session(user)
            org = user.organisation
            flash(_("%(name)s is registered as: %(size)s.", name=org.legal_name,
                    size=org.size_class.label), "success")
            return redirect(url_for("organisations.mine"))
    elif form.is_submitted():
        # The form could not be read whole: add the rules' verdict on what could, so
        # every problem is shown in this one round-trip.
        for field_name, message in services.registration_problems(
                _organisation_data(form), email=form.email.data, password=form.password.data,
                valid_counties=current_app.config["COUNTIES"]):
            add_error(form, field_name, message, "legal_name", only_if_clean=True)
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
