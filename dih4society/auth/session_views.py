"""The "your sessions" page: where the account is signed in, and sign-out per session."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..core import audit
from ..extensions import db
from .blueprint import bp
from .forms import ActionForm
from .models import UserSession
from .sessions import active_sessions, current_session_id, revoke


@bp.get("/sessions")
@login_required
def sessions():
    """The user's open sessions: device, address, when started and last used."""
    return render_template("auth/sessions.html", rows=active_sessions(current_user),
                           current_id=current_session_id(), action_form=ActionForm())


@bp.post("/sessions/<int:session_id>/revoke")
@login_required
def revoke_session(session_id: int):
    """Sign out one session of the user's own (someone else's: 404)."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("auth.sessions"))
    is_current = row.id == current_session_id()
    revoke(row, "signed_out")
    audit.record(current_user, "session.revoke", "user_session", row.id)
    db.session.commit()
    if is_current:
        logout_user()
        session.clear()
        flash(_("You are logged out."), "info")
        return redirect(url_for("auth.login"))
    flash(_("That session has been signed out."), "success")
    return redirect(url_for("auth.sessions"))
