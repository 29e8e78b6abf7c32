"""One-time form tokens: a create form submitted twice creates one object.

A create form carries `OnceTokenField` (a random token rendered into the page). The
route calls `claim()` before creating anything, in the same transaction:

* the first request inserts the token row and goes on; it calls `bind()` with the id
  of what it created, and commits both together;
* a second request with the same token finds the row and gets the first request's
  object id back, and redirects to it instead of creating a duplicate.

Concurrency: the insert is ``INSERT … ON CONFLICT DO NOTHING`` on the token's primary
key. On PostgreSQL a second transaction inserting the same key waits for the first
to commit (then does nothing) or roll back (then inserts); on SQLite writers are
serialised by ``BEGIN IMMEDIATE``. Either way exactly one request creates the object.
If the first request fails (a validation error), its rollback removes the token row,
so correcting the form and sending it again works.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from .db import utcnow
from .errors import DomainError
from .models import FormSubmission


class AlreadySubmitted(Exception):
    """This form was already submitted; `object_id` is what that submission created."""

    def __init__(self, object_id: int | None):
        super().__init__(object_id)
        self.object_id = object_id


def _insert():
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


#: How long a used token is remembered: far longer than any double click or resend.
KEEP = timedelta(days=7)


def claim(token: str, purpose: str, actor_id: int | None) -> None:
    """Take `token` for this request; raise `AlreadySubmitted` if an earlier one took it."""
    table = FormSubmission.__table__
    db.session.execute(sa.delete(table).where(table.c.created_at < utcnow() - KEEP))
    inserted = db.session.execute(
        _insert()(table).values(token=token, purpose=purpose, actor_id=actor_id,
                                created_at=utcnow())
        .on_conflict_do_nothing(index_elements=[table.c.token])
        .returning(table.c.token)
    ).scalar_one_or_none()
    if inserted is not None:
        return
    row = db.session.execute(
        sa.select(table.c.purpose, table.c.actor_id, table.c.object_id).where(table.c.token == token)
    ).one()
    if row.purpose != purpose or row.actor_id != actor_id:
        # Never reveal another person's submission: this form is simply stale.
        raise DomainError(_("This form has expired. Please submit it again."))
    raise AlreadySubmitted(row.object_id)


def bind(token: str, object_id: int) -> None:
    """Record what the request holding `token` created (flushed with it)."""
    db.session.execute(sa.update(FormSubmission.__table__)
                       .where(FormSubmission.__table__.c.token == token).values(object_id=object_id))
