"""Home page, language switch, health check and notifications."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..extensions import db
from .db import utcnow
from .models import Notification
from .security import is_safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """Landing page: a welcome for visitors, the role's starting point for users."""
    return render_template("main/index.html")


@bp.get("/healthz")
def healthz():
    """Liveness and database check for the load balancer."""
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}


@bp.post("/language")
def set_language():
    """Remember the chosen language (session, and the user's preference when logged in)
    and go back to the page the switcher was on."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated and current_user.locale != lang:
            current_user.locale = lang
            db.session.commit()
    target = request.form.get("next", "")
    return redirect(target if is_safe_next(target) else url_for("main.index"))


@bp.get("/notifications")
def notifications():
    """The current user's notifications, newest first; opening the page marks them read."""
    items = db.session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.id.desc())
        .limit(100)
    ).all()
    unread_ids = [n.id for n in items if n.read_at is None]
    if unread_ids:
        db.session.execute(
            sa.update(Notification)
            .where(Notification.id.in_(unread_ids))
            .values(read_at=utcnow())
        )
        db.session.commit()
    return render_template("main/notifications.html", items=items, unread_ids=set(unread_ids))
