"""Second factor views: the login's code step, TOTP enrolment, recovery codes, passkeys,
the STAFF_MFA_REQUIRED gate and the admin-assisted reset."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.errors import DomainError
from ..core.security import roles_required
from ..extensions import db
from . import mfa, throttle
from .blueprint import bp
from .forms import ActionForm, CodeForm
from .login_flow import (
    PENDING_KEY,
    client_ip,
    count_pending_try,
    finish_login,
    mfa_required_for,
    pending_next,
    pending_user,
)
from .models import Passkey, Role, User
from .redirects import safe_next

TOTP_PENDING = "totp_pending"
REG_CHALLENGE = "webauthn_reg"
AUTH_CHALLENGE = "webauthn_auth"

#: What a staff member without a second factor may still open while STAFF_MFA_REQUIRED.
ENROLMENT_ENDPOINTS = frozenset({
    "static", "bootstrap.static", "main.set_language", "main.healthz", "auth.logout",
    "auth.logout_everywhere", "auth.security", "auth.totp_enrol", "auth.passkey_register_options",
    "auth.passkey_register", "auth.sessions", "auth.revoke_session", "auth.account",
})


@bp.before_app_request
def _require_second_factor():
    """With STAFF_MFA_REQUIRED, staff enrol a second factor before any staff page opens.

    It also loads the user on every request before the view touches the database: the
    session check writes `last_seen_at` on a connection of its own, which must never
    wait for a lock this request's own transaction holds."""
    if not current_user.is_authenticated:
        return None
    if request.endpoint is None or request.endpoint in ENROLMENT_ENDPOINTS or not mfa_required_for(current_user):
        return None
    flash(_("Set up a second factor (an authenticator app or a passkey) to continue."), "warning")
    return redirect(url_for("auth.security"))


# --- the login's second step ----------------------------------------------------------------

@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """After the password: a TOTP code or a recovery code, in a field named `code`."""
    user = pending_user()
    if user is None:
        flash(_("Log in again, please."), "warning")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        method = mfa.verify_second_factor(user, form.code.data)
        if method is None:
            throttle.record_login_failure(user.email, client_ip())
            db.session.commit()
            left = count_pending_try()
            if left <= 0:
                flash(_("Too many wrong codes. Log in again."), "danger")
                return redirect(url_for("auth.login"))
            form.code.errors.append(_("That code is not right."))
        else:
            target = pending_next()
            session.pop(PENDING_KEY, None)
            finish_login(user, f"password+{method}")
            if method == "recovery":
                flash(_("You used a recovery code; %(n)d are left.", n=mfa.recovery_codes_left(user)), "warning")
            flash(_("Welcome, %(name)s.", name=user.full_name), "success")
            return redirect(safe_next(target, url_for("main.index")))
    return render_template("auth/login_code.html", form=form, has_totp=bool(user.totp_secret))


# --- the security page ------------------------------------------------------------------------

@bp.get("/security")
@login_required
def security():
    """Second factor: authenticator app, passkeys, recovery codes."""
    new_codes = session.pop("show_recovery_codes", None)  # after a first passkey: shown once
    if isinstance(new_codes, list):
        return render_template("auth/recovery_codes.html", codes=new_codes)
    return render_template("auth/security.html", action_form=ActionForm(),
                           codes_left=mfa.recovery_codes_left(current_user),
                           required=mfa_required_for(current_user))


@bp.route("/security/totp", methods=["GET", "POST"])
@login_required
def totp_enrol():
    """Enrol an authenticator app: scan the QR code, confirm with a code."""
    if current_user.totp_secret:
        flash(_("Your authenticator app is already set up."), "info")
        return redirect(url_for("auth.security"))
    secret = session.get(TOTP_PENDING)
    if not isinstance(secret, str):
        secret = session[TOTP_PENDING] = mfa.new_totp_secret()
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = mfa.enrol_totp(current_user, secret, form.code.data)
        except DomainError as exc:
            db.session.rollback()
            form.code.errors.append(exc.message)
        else:
            db.session.commit()
            session.pop(TOTP_PENDING, None)
            flash(_("Your authenticator app is set up."), "success")
            if codes:
                return render_template("auth/recovery_codes.html", codes=codes)
            return redirect(url_for("auth.security"))
    uri = mfa.provisioning_uri(current_user, secret)
    return render_template("auth/totp_enrol.html", form=form, secret=secret, qr=mfa.qr_data_uri(uri))


@bp.post("/security/totp/remove")
@login_required
def totp_remove():
    """Remove the authenticator app (not the last second factor of staff who need one)."""
    if ActionForm().validate_on_submit() and current_user.totp_secret:
        try:
            mfa.remove_totp(current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("The authenticator app is removed."), "success")
    return redirect(url_for("auth.security"))


@bp.post("/security/recovery-codes")
@login_required
def recovery_codes():
    """New recovery codes (the old ones stop working); shown once."""
    if not current_user.has_second_factor or not ActionForm().validate_on_submit():
        return redirect(url_for("auth.security"))
    codes = mfa.new_recovery_codes(current_user)
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes)


# --- passkeys ---------------------------------------------------------------------------------

@bp.post("/passkeys/register/options")
@login_required
def passkey_register_options():
    """Creation options for navigator.credentials.create (JSON); the challenge stays here."""
    options, challenge = mfa.registration_options(current_user)
    session[REG_CHALLENGE] = challenge
    return current_app.response_class(options, mimetype="application/json")


@bp.post("/passkeys/register")
@login_required
def passkey_register():
    """Store the new credential the browser created (JSON in, JSON out)."""
    challenge = session.pop(REG_CHALLENGE, None)
    data = request.get_json(silent=True)
    if not isinstance(challenge, str) or not isinstance(data, dict):
        return jsonify(error=_("Start again, please.")), 400
    try:
        codes = []
        mfa.register_passkey(current_user, data.get("credential"), challenge, str(data.get("name") or ""))
        if mfa.recovery_codes_left(current_user) == 0:
            codes = mfa.new_recovery_codes(current_user)
    except DomainError as exc:
        db.session.rollback()
        return jsonify(error=exc.message), 400
    db.session.commit()
    flash(_("Your passkey is added."), "success")
    if codes:
        session["show_recovery_codes"] = codes
        return jsonify(redirect=url_for("auth.security"))
    return jsonify(redirect=url_for("auth.security"))


@bp.post("/passkeys/<int:passkey_id>/delete")
@login_required
def passkey_delete(passkey_id: int):
    """Remove one of the user's own passkeys (someone else's: 404)."""
    passkey = db.session.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != current_user.id:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            mfa.delete_passkey(current_user, passkey)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("The passkey is removed."), "success")
    return redirect(url_for("auth.security"))


@bp.post("/passkeys/login/options")
def passkey_login_options():
    """Request options for a usernameless passkey sign-in (JSON)."""
    options, challenge = mfa.authentication_options()
    session[AUTH_CHALLENGE] = challenge
    return current_app.response_class(options, mimetype="application/json")


@bp.post("/passkeys/login")
def passkey_login():
    """A passkey is a complete sign-in: no password, no further code."""
    challenge = session.pop(AUTH_CHALLENGE, None)
    data = request.get_json(silent=True)
    if not isinstance(challenge, str) or not isinstance(data, dict):
        return jsonify(error=_("Start again, please.")), 400
    try:
        user = mfa.authenticate_passkey(data.get("credential"), challenge)
    except DomainError as exc:
        db.session.rollback()
        return jsonify(error=exc.message), 400
    finish_login(user, "passkey")
    flash(_("Welcome, %(name)s.", name=user.full_name), "success")
    return jsonify(redirect=safe_next(str(data.get("next") or ""), url_for("main.index")))


# --- admin-assisted reset ----------------------------------------------------------------------

@bp.post("/users/<int:user_id>/reset-mfa")
@roles_required(Role.ADMIN)
def reset_mfa(user_id: int):
    """An administrator removes a user's second factors (lost phone); audited."""
    user = db.get_or_404(User, user_id)
    if ActionForm().validate_on_submit():
        try:
            mfa.reset_mfa(current_user, user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("Second factor reset for %(email)s; their sessions have ended.", email=user.email), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))
