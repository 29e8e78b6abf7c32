"""Login throttling and rate limits, counted in the database (shared by every worker).

* Per (account, IP) pair: LOGIN_FREE_FAILURES free failures, then a delay that
  doubles with each failure up to LOGIN_MAX_DELAY_SECONDS. An attacker on one address
  slows down only themselves: the owner on another address is unaffected, and no IP is
  ever blocked for every account (behind a load balancer that would be the whole site).
* Per account over all addresses: past LOGIN_ACCOUNT_CAP failures in the window, the
  account is "slow": one wrong guess per LOGIN_ACCOUNT_SLOW_SECONDS. A right password is
  still let through when the user has a second factor (which is then required), so a
  distributed attack slows guessing without locking the owner out.
* `hit()` is the reusable fixed-window rate limit (forgot-password, registration,
  invitations), per IP and per address.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..core.db import utcnow
from ..core.errors import DomainError
from ..extensions import db
from .models import LoginThrottle


class RateLimited(DomainError):
    """Too many requests of one kind from one address or for one account."""


def pair_key(email: str, ip: str | None) -> str:
    return f"pair:{email}|{ip or '-'}"[:300]


def account_key(email: str) -> str:
    return f"acct:{email}"[:300]


def _row(key: str) -> LoginThrottle | None:
    return db.session.get(LoginThrottle, key, populate_existing=True)


def wait_seconds(key: str, now: datetime | None = None) -> int:
    """Seconds until `key` may try again (0: now)."""
    row = _row(key)
    now = now or utcnow()
    if row is None or row.blocked_until is None or row.blocked_until <= now:
        return 0
    return max(1, int((row.blocked_until - now).total_seconds() + 0.999))


def _bump(key: str, now: datetime) -> int:
    """Count one event for `key` in its window and return the new count."""
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    row = _row(key)
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(LoginThrottle(key=key, failures=1, window_started_at=now))
            return 1
        except sa.exc.IntegrityError:  # another worker inserted it first
            row = _row(key)
    if now - row.window_started_at >= window and (row.blocked_until is None or row.blocked_until <= now):
        row.failures, row.window_started_at, row.blocked_until = 1, now, None
        db.session.flush()
        return 1
    # Increment in SQL so concurrent workers never lose a count.
    db.session.execute(sa.update(LoginThrottle).where(LoginThrottle.key == key)
                       .values(failures=LoginThrottle.failures + 1)
                       .execution_options(synchronize_session=False))
    return _row(key).failures


def _block(key: str, until: datetime) -> None:
    db.session.execute(sa.update(LoginThrottle).where(LoginThrottle.key == key)
                       .values(blocked_until=until).execution_options(synchronize_session=False))


def record_login_failure(email: str, ip: str | None) -> None:
    """Count a failed password or second factor for the pair and for the account."""
    cfg = current_app.config
    now = utcnow()
    pair = pair_key(email, ip)
    failures = _bump(pair, now)
    if failures > cfg["LOGIN_FREE_FAILURES"]:
        delay = min(2 ** (failures - cfg["LOGIN_FREE_FAILURES"]), cfg["LOGIN_MAX_DELAY_SECONDS"])
        _block(pair, now + timedelta(seconds=delay))
    acct = account_key(email)
    if _bump(acct, now) >= cfg["LOGIN_ACCOUNT_CAP"]:
        _block(acct, now + timedelta(seconds=cfg["LOGIN_ACCOUNT_SLOW_SECONDS"]))


def clear_pair(email: str, ip: str | None) -> None:
    """A successful login forgets this pair's failures (not the account's)."""
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == pair_key(email, ip)))


def hit(action: str, *, ip: str | None = None, address: str | None = None) -> None:
    """Count one `action` (a key of RATE_LIMITS) for the IP and the address; raise
    RateLimited, counting nothing, when either is over its limit. Flushes; the caller
    commits (also when refusing, so the counters survive)."""
    limits = current_app.config["RATE_LIMITS"][action]
    now = utcnow()
    keys = []
    if ip:
        keys.append((f"rl:{action}:ip:{ip}"[:300], limits["ip"]))
    if address:
        keys.append((f"rl:{action}:addr:{address.strip().lower()}"[:300], limits["address"]))
    for key, (count, seconds) in keys:
        row = _row(key)
        if (row is not None and row.failures >= count
                and now - row.window_started_at < timedelta(seconds=seconds)):
            raise RateLimited(_("Too many requests. Please try again later."))
    for key, (_count, seconds) in keys:
        row = _row(key)
        if row is not None and now - row.window_started_at >= timedelta(seconds=seconds):
            row.failures, row.window_started_at, row.blocked_until = 0, now, None
            db.session.flush()
        _bump_plain(key, now)


def _bump_plain(key: str, now: datetime) -> None:
    row = _row(key)
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(LoginThrottle(key=key, failures=1, window_started_at=now))
            return
        except sa.exc.IntegrityError:
            pass
    db.session.execute(sa.update(LoginThrottle).where(LoginThrottle.key == key)
                       .values(failures=LoginThrottle.failures + 1)
                       .execution_options(synchronize_session=False))
