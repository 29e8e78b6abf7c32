"""Loading an application for the current user, and refusing a step, the same way everywhere.

Objects a viewer may not see answer 404 (their existence is not revealed); steps a
viewer may not take answer 403 with the reason; a step that the state no longer
allows (a stale page, a double click) redirects back with the reason. Every refusal
is recorded in the audit log.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..core.audit import record_denied
from . import queries, services, workflow
from .models import Application


def load_visible(application_id: int, *, for_update: bool = False) -> Application:
    """The application if the current user may see it; 404 otherwise.

    `for_update` locks the row (PostgreSQL) and refreshes it, for a state change."""
    if for_update:
        application = services.load_for_update(application_id)
    else:
        application = queries.for_page(application_id)
    if application is None:
        abort(404)
    if not workflow.can_view(current_user, application):
        record_denied(current_user, request.endpoint or "?", "not visible", "application", application_id)
        abort(404)
    return application


def refuse(application_id: int, what: str, kind: str, message: str):
    """Record the refused attempt; a stale page gets a message, a wrong person a 403."""
    record_denied(current_user, what, message, "application", application_id)
    if kind == "state":
        flash(message, "warning")
        return redirect(url_for("applications.detail", application_id=application_id))
    return render_template("applications/refused.html", message=message,
                           application_id=application_id), 403


def refuse_exc(application_id: int, what: str, exc: Exception):
    """`refuse` for a WrongState / TransitionRefused raised by a service."""
    kind = "state" if isinstance(exc, workflow.WrongState) else "who"
    return refuse(application_id, what, kind, getattr(exc, "message", str(exc)))
