"""E-mail through a stored outbox, sent after the transaction that queued it commits."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app, g, has_app_context

from ..extensions import db
from .db import utcnow
from .models import OutboxEmail

log = logging.getLogger(__name__)


def queue_email(recipient: str, subject: str, body: str) -> OutboxEmail:
    """Store a message in the outbox; it is delivered after the request commits."""
    message = OutboxEmail(recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    if has_app_context():
        g.outbox_pending = True
    return message


def deliver_pending(limit: int = 100) -> int:
    """Send unsent outbox messages (SMTP, or the log with no server). Returns the count sent."""
    ids = db.session.scalars(
        sa.select(OutboxEmail.id)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < 5)
        .order_by(OutboxEmail.id)
        .limit(limit)
    ).all()
    sent = 0
    for message_id in ids:
        message = db.session.get(OutboxEmail, message_id)
        if message is None or message.sent_at is not None:
            continue
        try:
            _send(message)
        except (OSError, smtplib.SMTPException) as exc:
            message.attempts += 1
            message.last_error = str(exc)[:500]
            log.warning("mail to %s failed: %s", message.recipient, exc)
        else:
            message.attempts += 1
            message.sent_at = utcnow()
            sent += 1
        db.session.commit()
    return sent


def _send(message: OutboxEmail) -> None:
    server = current_app.config.get("MAIL_SERVER")
    if not server:
        log.info("MAIL to=%s subject=%s\n%s", message.recipient, message.subject, message.body)
        return
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(server, current_app.config["MAIL_PORT"], timeout=10) as smtp:
        smtp.send_message(email)
