"""In-app notifications plus an e-mail copy through the outbox."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import current_app
from flask_babel import force_locale

from ..extensions import db
from .i18n import configured_name, user_language
from .mail import queue_email
from .models import Notification


def notify(users: Iterable, message: str | Callable[[], str], application_id: int | None = None,
           email_subject: str | Callable[[], str] | None = None) -> None:
    """Notify each active user once, in-app and by e-mail (queued in the outbox).

    Pass the message (and subject) as a function that calls gettext: it is rendered
    once per recipient, in that person's language, and the outbox stores each rendering."""
    seen: set[int] = set()
    hub = current_app.config["HUB_NAME"]
    for user in users:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        with force_locale(user_language(user)):
            text = message() if callable(message) else message
            subject = email_subject() if callable(email_subject) else email_subject
            db.session.add(Notification(user_id=user.id, application_id=application_id,
                                        message=text[:500]))
            queue_email(user.email, f"[{hub}] {subject or text[:120]}",
                        f"{text}\n\n— {configured_name('HUB_FULL_NAME')}")
