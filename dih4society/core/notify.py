"""In-app notifications plus an e-mail copy through the outbox."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from ..extensions import db
from .mail import queue_email
from .models import Notification


def notify(users: Iterable, message: str, application_id: int | None = None,
           email_subject: str | None = None) -> None:
    """Notify each active user once, in-app and by e-mail (queued in the outbox)."""
    seen: set[int] = set()
    hub = current_app.config["HUB_NAME"]
    for user in users:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        db.session.add(Notification(user_id=user.id, application_id=application_id,
                                    message=message[:500]))
        queue_email(user.email, f"[{hub}] {email_subject or message[:120]}",
                    f"{message}\n\n— {current_app.config['HUB_FULL_NAME']}")
