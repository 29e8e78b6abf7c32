"""Server-side sessions: a random token in the (signed) cookie, a row in `user_sessions`.

A session is valid while its row is not revoked, has been used within
SESSION_IDLE_MINUTES, is younger than SESSION_ABSOLUTE_HOURS, and is presented by the
same user agent it was opened with (the `session_protection = "strong"` equivalent;
the IP is recorded but not bound, since mobile clients change address). Logout, log
out everywhere, a password change, deactivation and a role change revoke rows.

`last_seen_at` is written at most once per SESSION_TOUCH_SECONDS, on a connection of
its own with a guarded UPDATE, so a page view stays a read-only transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request, session

from ..core.db import utcnow, write_intent
from ..extensions import db
from .models import User, UserSession

#: Key of the session token in Flask's signed cookie.
SESSION_KEY = "sid"
#: Rows older than this are deleted when their user logs in again.
KEEP_DAYS = 30


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def client_agent() -> str:
    """The request's User-Agent, as stored (truncated)."""
    if not has_request_context():
        return ""
    agent = request.user_agent.string or ""
    return "".join(ch for ch in agent if ch.isprintable())[:300]


def open_session(user: User, *, ip: str | None, user_agent: str, method: str = "password") -> str:
    """Add a session row for `user` and return the token for the cookie (flushes)."""
    now = utcnow()
    db.session.execute(sa.delete(UserSession).where(
        UserSession.user_id == user.id, UserSession.created_at < now - timedelta(days=KEEP_DAYS)))
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_hash(token), user_id=user.id, method=method, created_at=now,
                               last_seen_at=now, ip=(ip or "")[:45] or None, user_agent=user_agent[:300]))
    db.session.flush()
    return token


def revoke(row: UserSession, reason: str) -> None:
    """End one session (flushes with the caller's transaction)."""
    if row.revoked_at is None:
        row.revoked_at, row.revoke_reason = utcnow(), reason[:40]


def revoke_all(user: User, reason: str) -> int:
    """End every open session of `user`; returns how many."""
    result = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoke_reason=reason[:40])
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def current_session_id() -> int | None:
    """The id of the row behind the current request's login, if any."""
    return g.get("user_session_id") if has_request_context() else None


def current_row() -> UserSession | None:
    sid = current_session_id()
    return db.session.get(UserSession, sid) if sid else None


def active_sessions(user: User) -> list[UserSession]:
    """The user's sessions that would still let someone in, newest first."""
    cfg = current_app.config
    now = utcnow()
    return list(db.session.scalars(
        sa.select(UserSession).where(
            UserSession.user_id == user.id, UserSession.revoked_at.is_(None),
            UserSession.last_seen_at > now - timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]),
            UserSession.created_at > now - timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"]))
        .order_by(UserSession.last_seen_at.desc())))


def _expired_reason(row, now: datetime) -> str | None:
    cfg = current_app.config
    if row.revoked_at is not None:
        return "revoked"
    if now - row.last_seen_at > timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]):
        return "idle"
    if now - row.created_at > timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"]):
        return "expired"
    if row.user_agent != client_agent():
        return "agent_changed"
    return None


def _write_on_own_connection(stmt) -> None:
    token = write_intent.set(True)  # SQLite: BEGIN IMMEDIATE for this short write
    try:
        with db.engine.begin() as conn:
            conn.execute(stmt)
    finally:
        write_intent.reset(token)


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user of a valid session row, or None."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        return None
    try:
        raw_id, raw_version = user_id.split(":", 1)
        uid, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    table = UserSession.__table__
    # Read the row on a connection of its own, before the request's session starts a
    # transaction (on SQLite a POST's transaction holds the write lock).
    intent = write_intent.set(False)
    try:
        with db.engine.connect() as conn:
            row = conn.execute(sa.select(table.c.id, table.c.user_id, table.c.created_at,
                                         table.c.last_seen_at, table.c.user_agent, table.c.revoked_at)
                               .where(table.c.token_hash == _hash(token))).one_or_none()
    finally:
        write_intent.reset(intent)
    if row is None or row.user_id != uid:
        return None
    now = utcnow()
    reason = _expired_reason(row, now)
    if reason is not None:
        if reason != "revoked":
            _write_on_own_connection(sa.update(table).where(table.c.id == row.id, table.c.revoked_at.is_(None))
                                     .values(revoked_at=now, revoke_reason=reason))
        return None
    if now - row.last_seen_at > timedelta(seconds=current_app.config["SESSION_TOUCH_SECONDS"]):
        _write_on_own_connection(sa.update(table).where(table.c.id == row.id, table.c.last_seen_at < now)
                                 .values(last_seen_at=now))
    user = db.session.get(User, uid)
    if user is None or not user.active or user.session_version != version:
        return None
    g.user_session_id = row.id
    return user
