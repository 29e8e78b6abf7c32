"""T1 reminders: `DMA_T1_AFTER_MONTHS` after the first application closed since the T0.

`send_due` is what ``flask dma remind`` runs (from cron). It is idempotent: each
reminder is a row, unique per (organisation, cycle, number), so running it twice in a
day sends nothing new. A second reminder goes 30 days after the first, and no more.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..applications.models import Application, AppState
from ..auth.models import User
from ..core.db import utcnow
from ..core.notify import notify
from ..extensions import db
from .models import SUBMITTED, T0, T1, Assessment, T1Reminder

REMIND_AGAIN_AFTER = timedelta(days=30)
MAX_REMINDERS = 2


def add_months(when: datetime, months: int) -> datetime:
    """`when` plus whole calendar months (the day clipped to the month's length)."""
    import calendar

    month = when.month - 1 + months
    year, month = when.year + month // 12, month % 12 + 1
    return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))


def due_organisations(now: datetime) -> list[tuple[int, int]]:
    """(organisation id, cycle) whose T1 is due: a submitted T0 without T1 in its cycle, and an
    application closed at least DMA_T1_AFTER_MONTHS ago, after that T0."""
    months = current_app.config.get("DMA_T1_AFTER_MONTHS", 12)
    a, ap = Assessment, Application
    t1 = sa.orm.aliased(Assessment)
    rows = db.session.execute(
        sa.select(a.organisation_id, a.cycle, sa.func.min(ap.closed_at))
        .join(ap, sa.and_(ap.organisation_id == a.organisation_id, ap.state == AppState.CLOSED,
                          ap.closed_at >= a.submitted_at))
        .where(a.stage == T0, a.status == SUBMITTED,
               ~sa.exists().where(t1.organisation_id == a.organisation_id, t1.cycle == a.cycle, t1.stage == T1,
                                  t1.status == SUBMITTED))
        .group_by(a.organisation_id, a.cycle)).all()
    return [(org_id, cycle) for org_id, cycle, first_closed in rows
            if first_closed is not None and add_months(first_closed, months) <= now]


def send_due(now: datetime | None = None) -> int:
    """Send the reminders that are due; return how many were sent (flushes)."""
    now = now or utcnow()
    sent = 0
    for org_id, cycle in due_organisations(now):
        earlier = db.session.scalars(sa.select(T1Reminder).where(
            T1Reminder.organisation_id == org_id, T1Reminder.cycle == cycle).order_by(T1Reminder.number)).all()
        if len(earlier) >= MAX_REMINDERS:
            continue
        if earlier and now - earlier[-1].sent_at < REMIND_AGAIN_AFTER:
            continue
        number = len(earlier) + 1
        db.session.add(T1Reminder(organisation_id=org_id, cycle=cycle, number=number, sent_at=now))
        users = db.session.scalars(sa.select(User).where(User.organisation_id == org_id, User.active.is_(True)))
        notify(users, lambda: _("Time for your follow-up digital maturity assessment (T1): it shows what "
                                "changed since your first assessment. Open 'Digital maturity' to take it."),
               email_subject=lambda number=number: _("Your follow-up digital maturity assessment (T1)")
               + (_(" — reminder") if number > 1 else ""))
        sent += 1
    db.session.flush()
    return sent
