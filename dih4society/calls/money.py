"""The call's cap, kept like a budget account: a guarded UPDATE in the same transaction.

`mirror()` is called by `budget.services._post` for every ledger movement of an
application, inside the posting's SAVEPOINT, right after the account's own guarded
UPDATE. A commitment is refused when the call's cap cannot take it (the WHERE clause
re-checks at the moment the row is written: PostgreSQL makes a concurrent approver
wait for the row lock and re-evaluate; SQLite writers are serialised by BEGIN
IMMEDIATE), and the refusal rolls back the account movement and the ledger entry
too. Releases and spending move the call's figures the same way the account's move.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..core.errors import DomainError
from ..core.money import eur
from ..extensions import db
from .models import Call


class CallCapExceeded(DomainError):
    """The call's cap cannot take the commitment."""


def mirror(application_id: int, kind: str, amount: int) -> None:
    """Move the call figures of `application_id`'s call for one ledger movement.

    `kind` is the ledger kind's value: commit, release or spend (allocate does not
    concern calls). Applications without a call (older rows) change nothing."""
    from ..applications.models import Application

    call_id = db.session.scalar(sa.select(Application.call_id).where(Application.id == application_id))
    if call_id is None or kind == "allocate":
        return
    table = Call.__table__
    stmt = sa.update(table).where(table.c.id == call_id)
    if kind == "commit":
        stmt = stmt.values(committed_cents=table.c.committed_cents + amount).where(sa.or_(
            table.c.cap_cents.is_(None),
            table.c.cap_cents - table.c.committed_cents - table.c.spent_cents >= amount))
    elif kind == "release":
        stmt = stmt.values(committed_cents=table.c.committed_cents - amount).where(
            table.c.committed_cents >= amount)
    elif kind == "spend":
        stmt = stmt.values(committed_cents=table.c.committed_cents - amount,
                           spent_cents=table.c.spent_cents + amount).where(table.c.committed_cents >= amount)
    else:  # pragma: no cover - the ledger has no other kinds
        raise ValueError(kind)
    if db.session.execute(stmt).rowcount == 1:
        call = db.session.identity_map.get(db.session.identity_key(Call, (call_id,)))
        if call is not None:
            db.session.expire(call, ["committed_cents", "spent_cents"])
        return
    call = db.session.get(Call, call_id, populate_existing=True)
    if kind == "commit":
        raise CallCapExceeded(_(
            "The call “%(call)s” cannot take %(amount)s: its cap is %(cap)s, %(used)s already "
            "committed or spent, %(available)s available.",
            call=call.title, amount=eur(amount), cap=eur(call.cap_cents),
            used=eur(call.committed_cents + call.spent_cents), available=eur(call.available_cents)))
    raise CallCapExceeded(_("The call “%(call)s” holds only %(committed)s committed; %(amount)s cannot be booked.",
                            call=call.title, committed=eur(call.committed_cents), amount=eur(amount)))


def set_cap(call: Call, cap_cents: int | None) -> None:
    """Change the cap with a guarded UPDATE: never below what is committed or spent."""
    table = Call.__table__
    stmt = sa.update(table).where(table.c.id == call.id).values(cap_cents=cap_cents)
    if cap_cents is not None:
        stmt = stmt.where(table.c.committed_cents + table.c.spent_cents <= cap_cents)
    if db.session.execute(stmt).rowcount != 1:
        db.session.refresh(call)
        raise DomainError(_("The cap cannot be below what the call has already committed or spent, %(used)s.",
                            used=eur(call.committed_cents + call.spent_cents)), "cap")
    db.session.expire(call, ["cap_cents"])
