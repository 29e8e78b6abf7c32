"""Log in and out, password reset and change, log out everywhere."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..core.errors import DomainError
from ..core.i18n import user_language
from ..core.mail import queue_email
from ..core.security import is_safe_next
from ..extensions import db
from . import services
from .forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, LogoutEverywhereForm, NewPasswordForm
from .models import User

bp = Blueprint("auth", __name__, url_prefix="/auth")


def start_session(user: User) -> None:
    """Clear whatever the visitor had (session fixation) and log the user in."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user)
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with e-mail and password; failures are throttled per account and IP."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr)
        except DomainError as exc:
            db.session.commit()  # keep the failure counters
            form.password.errors.append(exc.message)
        else:
            db.session.commit()
            start_session(user)
            flash(_("Welcome, %(name)s.", name=user.full_name), "success")
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """End this session."""
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The user's own account: change password, log out everywhere."""
    form = ChangePasswordForm()
    everywhere = LogoutEverywhereForm(prefix="everywhere")
    if form.validate_on_submit():
        if not services.verify_password(current_user, form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            try:
                services.change_password(current_user, form.password.data)
            except DomainError as exc:
                db.session.rollback()
                form.password.errors.append(exc.message)
            else:
                db.session.commit()
                start_session(current_user)
                flash(_("Password changed. Your other sessions have ended."), "success")
                return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, everywhere=everywhere)


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    """Bump the session version: every session of this user ends, this one too."""
    form = LogoutEverywhereForm(prefix="everywhere")
    if form.validate_on_submit():
        services.end_all_sessions(current_user)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("All your sessions have ended. Log in again."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether the account exists or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = db.session.scalar(
            sa.select(User).where(User.email == services.normalise_email(form.email.data))
        )
        if user is not None and user.active:
            link = current_app.config["PUBLIC_BASE_URL"] + url_for(
                "auth.reset_password", token=services.make_reset_token(user))
            with force_locale(user_language(user)):  # in the recipient's language
                queue_email(user.email, _("Reset your password"),
                            _("Open this link within an hour to choose a new password:\n%(link)s",
                              link=link))
            db.session.commit()
        flash(_("If an account exists for this address, we have e-mailed a reset link."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an e-mailed link (single use: it binds the session version)."""
    try:
        user = services.user_from_reset_token(token)
    except DomainError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("auth.forgot_password"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(user, form.password.data, actor=user)
        except DomainError as exc:
            db.session.rollback()
            form.password.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Your password is set. Log in with it."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)
