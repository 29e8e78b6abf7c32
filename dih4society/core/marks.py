"""A high-water mark of the data the summary pages read, and a cache keyed by it.

`change_marks` holds one counter. Every transaction that writes a ledger entry, an
application, an account, the budget settings, an organisation, a partner, a service,
an assessment or a satisfaction answer bumps it, in the same transaction, just before
it commits (session events below: nothing in the services has to remember to do it). Since the bump is an
UPDATE of one row, committed bumps are ordered like the commits themselves, so a
figure computed after reading mark M holds every change committed before M.

Pages that summarise history (the budget dashboard and its charts, a partner's
budget page, the queue's counts) read the mark with one cheap query and reuse what
they computed at the same mark (`cached`); only the first request after a change
pays for the GROUP BYs. The cache lives in the app (`app.extensions`), so every app
server keeps its own and they agree through the database's mark. A transaction that
has itself written watched rows bypasses the cache, since its own changes are not
in the committed mark yet.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db

T = TypeVar("T")

#: Tables whose changes can move a summary figure.
WATCHED_TABLES = frozenset({
    "ledger_entries", "applications", "budget_accounts", "budget_settings", "organisations", "partners",
    "services", "aid_grants", "reviews", "approvals", "calls", "assessments", "satisfaction_responses",
})
_DIRTY = "summary_mark_dirty"
CACHE_SIZE = 512


class ChangeMark(db.Model):
    """The single counter (id 1) bumped by every transaction that changes watched data."""

    __tablename__ = "change_marks"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)


# --- bumping, in the writer's transaction ------------------------------------------------

def _touches_watched(objects) -> bool:
    return any(getattr(getattr(o, "__table__", None), "name", None) in WATCHED_TABLES for o in objects)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    if _touches_watched(session.new) or _touches_watched(session.deleted) or any(
            session.is_modified(o, include_collections=False) for o in session.dirty
            if getattr(getattr(o, "__table__", None), "name", None) in WATCHED_TABLES):
        session.info[_DIRTY] = True


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state) -> None:
    """Bulk INSERT/UPDATE/DELETE statements (the guarded balance update, seed_scale)."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in WATCHED_TABLES:
            state.session.info[_DIRTY] = True


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    session.flush()  # the last flush happens after this hook: let it set the flag first
    if session.info.pop(_DIRTY, False):
        bump(session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost one (a SAVEPOINT's end keeps the flag)
        session.info.pop(_DIRTY, None)


def bump(session: Session | None = None) -> None:
    """Move the mark on (in the caller's transaction); creates the row if missing."""
    session = session or db.session
    table = ChangeMark.__table__
    if session.execute(sa.update(table).where(table.c.id == 1).values(version=table.c.version + 1)).rowcount == 0:
        session.execute(sa.insert(table).values(id=1, version=1))


def current() -> int | None:
    """The committed mark, or None when this transaction has unmarked changes of its own."""
    if db.session.info.get(_DIRTY) or db.session.new or any(
            getattr(getattr(o, "__table__", None), "name", None) in WATCHED_TABLES for o in db.session.dirty):
        return None
    return db.session.scalar(sa.select(ChangeMark.version).where(ChangeMark.id == 1)) or 0


# --- the cache -----------------------------------------------------------------------------

class _Memo:
    """A small LRU of (key -> (mark, value)) shared by the threads of one app."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self.lock = Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, mark: int) -> tuple[bool, Any]:
        with self.lock:
            found = self.items.get(key)
            if found is not None and found[0] == mark:
                self.items.move_to_end(key)
                self.hits += 1
                return True, found[1]
            self.misses += 1
            return False, None

    def put(self, key: Hashable, mark: int, value: Any) -> None:
        with self.lock:
            self.items[key] = (mark, value)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def _memo() -> _Memo:
    ext = current_app.extensions
    if "summary_memo" not in ext:
        ext["summary_memo"] = _Memo(CACHE_SIZE)
    return ext["summary_memo"]


def cached(key: Hashable, compute: Callable[[], T], *, mark: int | None | bool = False) -> T:
    """`compute()` once per mark for `key` (the mark is read here unless given)."""
    if not current_app.config.get("SUMMARY_CACHE", True):
        return compute()
    if mark is False:
        mark = current()
    if mark is None:
        return compute()
    memo = _memo()
    hit, value = memo.get(key, mark)
    if hit:
        return value
    value = compute()
    memo.put(key, mark, value)
    return value


def clear() -> None:
    """Forget every cached summary of this app (tests, `budget verify`)."""
    memo = _memo()
    with memo.lock:
        memo.items.clear()
