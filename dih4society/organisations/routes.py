"""Organisation registration (public) and the organisation's own page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.login_flow import client_ip, start_session
from ..auth.models import Role, User
from ..auth.services import complete_login
from ..auth.throttle import hit as rate_limit
from ..core import once
from ..core.audit import record_denied
from ..core.errors import DomainError
from ..core.forms import add_error, show_error
from ..core.money import from_cents
from ..core.security import roles_required
from ..extensions import db
from . import members, services
from .forms import CorrectionForm, InviteForm, JoinForm, MemberActionForm, RegistrationForm
from .models import Invitation, Organisation, OrgKind

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


def _organisation_data(form, fiscal_code: str | None = None) -> services.OrganisationData:
    """The form's values; those it could not read are None (the form says why)."""
    def clean(field):
        return None if field.errors else field.data

    kind = form.kind.data if form.kind.data in {k.value for k in OrgKind} else None
    return services.OrganisationData(
        kind=OrgKind(kind) if kind else None, legal_name=form.legal_name.data or "",
        fiscal_code=fiscal_code or (clean(form.fiscal_code) if hasattr(form, "fiscal_code") else None) or None,
        trade_register_no=form.trade_register_no.data,
        county=clean(form.county) or None, caen_code=clean(form.caen_code),
        headcount=clean(form.headcount), turnover=clean(form.turnover),
        balance_sheet=clean(form.balance_sheet),
        letter_language=form.letter_language.data if hasattr(form, "letter_language") else None)


@bp.route("/register", methods=["GET", "POST"])
def register():
    """A visitor registers an organisation together with its first user."""
    form = RegistrationForm()
    if form.validate_on_submit():
        data = _organisation_data(form)
        try:
            # Per IP and per address (auth/throttle.py); counted even when refused.
            rate_limit("register", ip=client_ip(), address=form.email.data)
        except DomainError as exc:
            db.session.commit()
            show_error(form, exc, "email")
            return render_template("organisations/register.html", form=form), 429
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
            complete_login(user, "registration")  # counts as the first login
            db.session.commit()
            start_session(user)
            db.session.commit()  # the server-side session row
            org = user.organisation
            flash(_("%(name)s is registered as: %(size)s.", name=org.legal_name,
                    size=org.size_class.label), "success")
            return redirect(url_for("organisations.mine"))
    elif form.is_submitted():
        # The form could not be read whole: add the rules' verdict on what could, so
        # every problem is shown in this one round-trip.
        for field_name, message in services.registration_problems(
                _organisation_data(form), email=form.email.data, password=form.password.data,
                valid_counties=current_app.config["COUNTIES"], full_name=form.full_name.data):
            add_error(form, field_name, message, "legal_name", only_if_clean=True)
    return render_template("organisations/register.html", form=form)


def _people(org: Organisation) -> dict:
    """The People section: members, pending invitations and the forms members use."""
    manage = members.can_manage_members(current_user, org)
    return {"people": members.members(org), "manage_people": manage,
            "invitations": members.pending_invitations(org) if manage else [],
            "action_form": MemberActionForm()}


def _show(org: Organisation, invite_form: InviteForm | None = None, status: int = 200):
    invite_form = invite_form or InviteForm(formdata=None)
    return render_template("organisations/detail.html", org=org, invite_form=invite_form,
                           **_people(org)), status


@bp.get("/mine")
def mine():
    """The applicant's organisation, with its derived size class and its people."""
    if current_user.organisation_id is None:
        abort(404)
    return _show(db.get_or_404(Organisation, current_user.organisation_id))


@bp.get("/<int:org_id>")
def detail(org_id: int):
    """Staff see any organisation; applicants only their own."""
    org = db.get_or_404(Organisation, org_id)
    if not current_user.is_staff and current_user.organisation_id != org.id:
        abort(404)
    return _show(org)


def _own_organisation() -> Organisation:
    """The current applicant's organisation (404 for anyone without one)."""
    if current_user.role is not Role.APPLICANT or current_user.organisation_id is None:
        record_denied(current_user, request.endpoint or "?", "not a member of an organisation")
        abort(404)
    return db.get_or_404(Organisation, current_user.organisation_id)


@bp.post("/mine/invitations")
def invite():
    """A member invites a colleague by e-mail (a single-use link that expires)."""
    org = _own_organisation()
    form = InviteForm()
    if not form.validate_on_submit():
        return _show(org, form, 400)
    try:
        # Per IP and per invited address (auth/throttle.py), counted even when refused.
        rate_limit("invite", ip=client_ip(), address=form.email.data)
    except DomainError as exc:
        db.session.commit()
        show_error(form, exc, "email")
        return _show(org, form, 429)
    try:
        once.claim(form.token.data, "organisation.invite", current_user.id)
        invitation, token = members.invite(current_user, org, form.email.data)
        once.bind(form.token.data, invitation.id)
        members.mail_invitation(invitation, current_user, current_app.config["PUBLIC_BASE_URL"]
                                + url_for("organisations.join", token=token))
    except once.AlreadySubmitted:
        db.session.rollback()
        flash(_("This invitation had already been sent."), "info")
        return redirect(url_for("organisations.mine") + "#people")
    except DomainError as exc:
        db.session.rollback()
        show_error(form, exc, "email")
        return _show(org, form, 400)
    db.session.commit()
    flash(_("Invitation sent to %(email)s. The link works once, for %(days)s days.",
            email=invitation.email, days=members.INVITATION_DAYS), "success")
    return redirect(url_for("organisations.mine") + "#people")


@bp.post("/mine/invitations/<int:invitation_id>/revoke")
def revoke_invitation(invitation_id: int):
    """Withdraw a pending invitation of one's own organisation."""
    org = _own_organisation()
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != org.id:
        record_denied(current_user, "organisation.revoke_invitation", "another organisation's invitation",
                      "invitation", invitation_id)
        abort(404)
    if MemberActionForm().validate_on_submit():
        try:
            members.revoke(current_user, invitation)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "warning")
        else:
            db.session.commit()
            flash(_("The invitation to %(email)s is withdrawn.", email=invitation.email), "success")
    return redirect(url_for("organisations.mine") + "#people")


@bp.post("/mine/members/<int:user_id>/remove")
def remove_member(user_id: int):
    """Remove a colleague: the account is deactivated and its sessions end."""
    org = _own_organisation()
    member = db.session.get(User, user_id)
    if member is None or member.organisation_id != org.id:
        record_denied(current_user, "organisation.remove_member", "not a colleague", "user", user_id)
        abort(404)
    if MemberActionForm().validate_on_submit():
        try:
            members.remove_member(current_user, org, member)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "warning")
        else:
            db.session.commit()
            flash(_("%(name)s no longer has access to %(org)s.", name=member.full_name, org=org.legal_name),
                  "success")
    return redirect(url_for("organisations.mine") + "#people")


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str):
    """The invited colleague chooses a password and joins (public: the link is the key)."""
    if current_user.is_authenticated:
        flash(_("Log out first to accept an invitation for another account."), "warning")
        return redirect(url_for("main.index"))
    try:
        invitation = members.invitation_from_token(token)
    except DomainError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("auth.login"))
    form = JoinForm()
    if form.validate_on_submit():
        try:
            user = members.accept(token, form.full_name.data, form.password.data)
        except DomainError as exc:
            db.session.rollback()
            if exc.field:
                show_error(form, exc)
            else:
                flash(exc.message, "danger")
                return redirect(url_for("auth.login"))
        else:
            db.session.commit()
            start_session(user)
            db.session.commit()  # the server-side session row
            flash(_("Welcome, %(name)s: you are a member of %(org)s.", name=user.full_name,
                    org=invitation.organisation.legal_name), "success")
            return redirect(url_for("organisations.mine"))
    return render_template("organisations/join.html", form=form, invitation=invitation)


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(org_id: int):
    """Admin: correct the organisation's data and figures (audited; size class recomputed)."""
    org = db.get_or_404(Organisation, org_id)
    form = CorrectionForm()
    if request.method == "GET":
        form = CorrectionForm(formdata=None, data={
            "kind": org.kind.value, "legal_name": org.legal_name, "trade_register_no": org.trade_register_no,
            "county": org.county, "caen_code": org.caen_code, "headcount": org.headcount,
            "turnover": from_cents(org.turnover_cents), "balance_sheet": from_cents(org.balance_sheet_cents)})
    if form.validate_on_submit():
        before = org.size_class
        try:
            changed = members.correct_organisation(current_user, org, _organisation_data(form),
                                                   form.reason.data, current_app.config["COUNTIES"])
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc, "legal_name")
        else:
            db.session.commit()
            if not changed:
                flash(_("Nothing was changed."), "info")
            elif org.size_class is not before:
                flash(_("Corrected. The size class is now: %(size)s (was %(before)s).",
                        size=org.size_class.label, before=before.label), "success")
            else:
                flash(_("Corrected. The size class stays: %(size)s.", size=org.size_class.label), "success")
            return redirect(url_for("organisations.detail", org_id=org.id))
    elif form.is_submitted():
        _values, problems = services.organisation_problems(
            _organisation_data(form, fiscal_code=org.fiscal_code), current_app.config["COUNTIES"], org.id)
        for field_name, message in problems:
            add_error(form, field_name, message, "legal_name", only_if_clean=True)
    return render_template("organisations/edit.html", form=form, org=org)
