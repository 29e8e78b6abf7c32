"""Accounts: password hashing and policy, login throttling, reset tokens, sessions."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from importlib import resources

import sqlalchemy as sa
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..core import audit
from ..core.db import utcnow
from ..core.errors import DomainError
from ..extensions import db
from .models import LoginThrottle, Role, User


class WrongCredentials(DomainError):
    """E-mail or password wrong (one message for both, so accounts can't be probed)."""


class TooManyAttempts(DomainError):
    """The account or the address is throttled."""


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_KIB"],
        parallelism=cfg["ARGON2_PARALLELISM"],
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    """argon2id hash with the configured (OWASP) parameters."""
    return _hasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    """Check a password; re-hash transparently when the parameters changed."""
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str, email: str = "") -> str | None:
    """Why a password is refused, or None (NIST 800-63B: length and a blocklist)."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _("Use at least %(n)d characters.", n=minimum)
    if len(password) > 256:
        return _("Use at most 256 characters.")
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(password)) < 4:
        return _("This password is too common; choose another.")
    local = email.split("@")[0].lower()
    if local and len(local) >= 4 and local in lowered:
        return _("The password must not contain your e-mail address.")
    return None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(email: str, password: str, full_name: str, role: Role, *,
                organisation=None, partner=None, actor=None) -> User:
    """Create a user after checking the e-mail is free and the password acceptable."""
    email = normalise_email(email)
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise DomainError(_("An account with this e-mail address already exists."), "email")
    problem = password_problem(password, email)
    if problem:
        raise DomainError(problem, "password")
    if role is Role.APPLICANT and organisation is None:
        raise DomainError(_("An applicant belongs to an organisation."))
    if role is Role.PARTNER_STAFF and partner is None:
        raise DomainError(_("Partner staff belong to a partner."), "partner_id")
    user = User(email=email, full_name=full_name.strip(), password_hash=hash_password(password),
                role=role, organisation=organisation, partner=partner)
    db.session.add(user)
    db.session.flush()
    audit.record(actor or user, "user.create", "user", user.id,
                 {"email": email, "role": role.value})
    return user


# --- throttling -----------------------------------------------------------------

def _throttle_keys(email: str, ip: str | None) -> list[tuple[str, int]]:
    cfg = current_app.config
    keys = [(f"acct:{normalise_email(email)}", cfg["LOGIN_MAX_FAILURES_ACCOUNT"])]
    if ip:
        keys.append((f"ip:{ip}", cfg["LOGIN_MAX_FAILURES_IP"]))
    return keys


def _is_throttled(key: str, limit: int) -> bool:
    row = db.session.get(LoginThrottle, key)
    if row is None:
        return False
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    return row.failures >= limit and utcnow() - row.window_started_at < window


def _count_failure(key: str) -> None:
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    now = utcnow()
    row = db.session.get(LoginThrottle, key)
    if row is None:
        db.session.add(LoginThrottle(key=key, failures=1, window_started_at=now))
    elif now - row.window_started_at >= window:
        row.failures, row.window_started_at = 1, now
    else:
        # Increment in SQL so concurrent workers never lose a count.
        db.session.execute(
            sa.update(LoginThrottle).where(LoginThrottle.key == key)
            .values(failures=LoginThrottle.failures + 1)
        )


def authenticate(email: str, password: str, ip: str | None) -> User:
    """Return the user for valid credentials, or raise. Counts failures in the DB.

    The caller commits either way: failures must be stored even when refusing."""
    keys = _throttle_keys(email, ip)
    if any(_is_throttled(key, limit) for key, limit in keys):
        audit.record(None, "login.throttled", "user", None, {"email": normalise_email(email)})
        raise TooManyAttempts(_("Too many failed attempts. Try again in 15 minutes."))
    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None or not verify_password(user, password) or not user.active:
        for key, _limit in keys:
            _count_failure(key)
        audit.record(user, "login.failed", "user", user.id if user else None,
                     {"email": normalise_email(email)})
        raise WrongCredentials(_("Wrong e-mail or password, or the account is inactive."))
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == keys[0][0]))
    record_login(user)
    return user


def record_login(user: User) -> None:
    """Note a successful login (also the automatic one right after registering)."""
    user.last_login_at = utcnow()
    audit.record(user, "login", "user", user.id)


def end_all_sessions(user: User, actor=None, reason: str = "logout_everywhere") -> None:
    """Invalidate every session of `user` by bumping the session version."""
    user.session_version += 1
    audit.record(actor or user, f"user.{reason}", "user", user.id)


def change_password(user: User, new_password: str, actor=None) -> None:
    """Set a new password (policy-checked) and end the other sessions."""
    problem = password_problem(new_password, user.email)
    if problem:
        raise DomainError(problem, "password")
    user.password_hash = hash_password(new_password)
    end_all_sessions(user, actor, "password_change")


# --- password reset tokens ------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    """A signed token bound to the session version: it dies when the password changes."""
    return _serializer().dumps({"uid": user.id, "sv": user.session_version})


def user_from_reset_token(token: str) -> User:
    """The user a valid, unexpired, unused token belongs to; raise otherwise."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired as exc:
        raise DomainError(_("This reset link has expired. Ask for a new one.")) from exc
    except BadSignature as exc:
        raise DomainError(_("This reset link is not valid.")) from exc
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.active or user.session_version != data.get("sv"):
        raise DomainError(_("This reset link is not valid."))
    return user
