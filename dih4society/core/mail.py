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


def deliver_pending(limit: int = 100, newest_first: bool = False) -> int:
    """Send unsent outbox messages (SMTP, or the log with no server). Returns the count sent.

    Each message is first *claimed* with a guarded UPDATE on its attempt counter and
    committed, so two app servers never send the same message and no database lock
    is held while talking to the mail server; it is marked sent afterwards."""
    db.session.rollback()  # never commit what a request left open; end its transaction
    candidates = db.session.execute(
        sa.select(OutboxEmail.id, OutboxEmail.attempts)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < 5)
        .order_by(OutboxEmail.id.desc() if newest_first else OutboxEmail.id)
        .limit(limit)
    ).all()
    db.session.commit()
    sent = 0
    table = OutboxEmail.__table__
    for message_id, attempts in candidates:
        claimed = db.session.execute(
            sa.update(table)
            .where(table.c.id == message_id, table.c.attempts == attempts, table.c.sent_at.is_(None))
            .values(attempts=attempts + 1)
        ).rowcount
        message = db.session.execute(
            sa.select(table.c.recipient, table.c.subject, table.c.body).where(table.c.id == message_id)
        ).one()
        db.session.commit()
        if claimed != 1:
            continue  # another worker has it
        try:
            _send(message.recipient, message.subject, message.body)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mail to %s failed: %s", message.recipient, exc)
            db.session.execute(sa.update(table).where(table.c.id == message_id)
                               .values(last_error=str(exc)[:500]))
        else:
            db.session.execute(sa.update(table).where(table.c.id == message_id)
                               .values(sent_at=utcnow(), last_error=None))
            sent += 1
        db.session.commit()
    return sent


def _send(recipient: str, subject: str, body: str) -> None:
    server = current_app.config.get("MAIL_SERVER")
    if not server:
        log.info("MAIL to=%s subject=%s\n%s", recipient, subject, body)
        return
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = recipient
    email["Subject"] = subject
    email.set_content(body)
    with smtplib.SMTP(server, current_app.config["MAIL_PORT"], timeout=10) as smtp:
        smtp.send_message(email)
