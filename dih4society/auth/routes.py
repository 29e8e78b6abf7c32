"""Log in and out, password reset and change, log out everywhere.

The blueprint lives in auth/blueprint.py; the sessions page and the second factor
(TOTP, recovery codes, passkeys) add their views from their own modules."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..core.errors import DomainError
from ..core.i18n import user_language
from ..core.mail import queue_email
from ..extensions import db
from . import mfa_views, services, session_views, throttle  # noqa: F401  (views register on bp)
from .blueprint import bp
from .forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, LogoutEverywhereForm, NewPasswordForm
from .login_flow import begin_pending, client_ip, finish_login, start_session
from .models import User
from .redirects import safe_next
from .sessions import current_row, revoke

__all__ = ["bp"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with e-mail and password; then the second factor if the user has one."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    next_url = request.args.get("next")
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, client_ip())
        except DomainError as exc:
            db.session.commit()  # keep the failure counters
            form.password.errors.append(exc.message)
        else:
            if user.has_second_factor:
                db.session.commit()
                begin_pending(user, next_url if safe_next(next_url, "") else "")
                return redirect(url_for("auth.login_code"))
            finish_login(user, "password")
            flash(_("Welcome, %(name)s.", name=user.full_name), "success")
            return redirect(safe_next(next_url, url_for("main.index")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """End this session, on the server too (a copied cookie no longer works)."""
    row = current_row()
    if row is not None:
        revoke(row, "logout")
        db.session.commit()
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
                row = current_row()
                start_session(current_user._get_current_object(), row.method if row else "password")
                db.session.commit()
                flash(_("Password changed. Your other sessions have ended."), "success")
                return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, everywhere=everywhere)


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    """Revoke every session of this user, this one too."""
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
    """Ask for a reset link. The answer, and the work done before it, are the same
    whether the account exists or not: the mail is sent after the response."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = services.normalise_email(form.email.data)
        try:
            throttle.hit("forgot_password", ip=client_ip(), address=email)
        except DomainError as exc:
            db.session.commit()
            form.email.errors.append(exc.message)
            return render_template("auth/forgot.html", form=form), 429
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None and user.active:
            link = current_app.config["PUBLIC_BASE_URL"] + url_for(
                "auth.reset_password", token=services.make_reset_token(user))
            with force_locale(user_language(user)):  # in the recipient's language
                queue_email(user.email, _("Reset your password"),
                            _("Open this link within an hour to choose a new password:\n%(link)s",
                              link=link))
        db.session.commit()
        g.pop("outbox_pending", None)  # not now: after the response, for both answers
        _deliver_after_response()
        flash(_("If an account exists for this address, we have e-mailed a reset link."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


def _deliver_after_response() -> None:
    """Send queued mail once the response has gone out (same response time either way)."""
    from flask import after_this_request

    app = current_app._get_current_object()

    @after_this_request
    def _later(response):
        def _send():
            from ..core.mail import deliver_pending

            with app.app_context():
                try:
                    deliver_pending(newest_first=True)
                except Exception:  # pragma: no cover - the outbox keeps what failed
                    app.logger.exception("outbox delivery failed")
                finally:
                    db.session.remove()

        response.call_on_close(_send)
        return response


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
