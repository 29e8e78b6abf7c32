"""Accounts: password hashing and policy, login throttling, reset tokens, sessions."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import sqlalchemy as sa
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from zxcvbn import zxcvbn

from ..core import audit
from ..core.db import utcnow
from ..core.errors import DomainError
from ..extensions import db
from . import throttle
from .models import Role, User


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


#: Words an attacker of this site tries first, on top of the user's own details.
SITE_WORDS = ("dih4society", "dih", "voucher", "vouchers", "password", "parola", "summer", "winter",
              "spring", "autumn", "cluj", "oradea", "romania")


def _context_words(email: str, context: Iterable[str | None]) -> list[str]:
    words: list[str] = [email, *email.replace("@", ".").replace("-", ".").split(".")]
    for item in context:
        if item:
            words += [item, *item.replace("-", " ").split()]
    cfg = current_app.config
    words += [cfg.get("HUB_NAME", ""), *SITE_WORDS]
    return [w.lower() for w in words if w and len(w) >= 3]


def password_problem(password: str, email: str = "", context: Iterable[str | None] = ()) -> str | None:
    """Why a password is refused, or None. NIST 800-63B length and blocklist, then zxcvbn:
    score >= 3 and at least 10**PASSWORD_MIN_GUESSES_LOG10 guesses, with the user's name,
    e-mail and organisation (`context`) and the site's own words as known guesses."""
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
    # zxcvbn's matching grows with length; the first 100 characters decide anyway.
    result = zxcvbn(password[:100], user_inputs=_context_words(email, context))
    if result["score"] < 3 or result["guesses_log10"] < current_app.config["PASSWORD_MIN_GUESSES_LOG10"]:
        hints = [result["feedback"].get("warning") or ""] + list(result["feedback"].get("suggestions") or [])
        hints = " ".join(h for h in hints if h)
        return _("This password is too easy to guess. Try three or four unrelated words, "
                 "with no names, dates or keyboard patterns.") + (f" ({hints})" if hints else "")
    return None


def password_context(user: User) -> tuple[str | None, ...]:
    """The user's details a guesser would try: name, organisation, partner."""
    return (user.full_name, user.organisation.legal_name if user.organisation else None,
            user.partner.name if user.partner else None)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(email: str, password: str, full_name: str, role: Role, *,
                organisation=None, partner=None, actor=None) -> User:
    """Create a user after checking the e-mail is free and the password acceptable."""
    email = normalise_email(email)
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise DomainError(_("An account with this e-mail address already exists."), "email")
    problem = password_problem(password, email, (full_name, getattr(organisation, "legal_name", None),
                                                  getattr(partner, "name", None)))
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


# --- login -----------------------------------------------------------------------

@lru_cache(maxsize=4)
def _dummy_hash(time_cost: int, memory_kib: int, parallelism: int) -> str:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism,
                          type=Type.ID).hash(secrets.token_urlsafe(16))


def _burn_password_check(password: str) -> None:
    """Verify against a dummy hash with the real parameters, so an unknown e-mail takes
    as long as a known one (no account enumeration by timing)."""
    cfg = current_app.config
    try:
        _hasher().verify(_dummy_hash(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_KIB"],
                                     cfg["ARGON2_PARALLELISM"]), password)
    except (VerificationError, InvalidHashError):
        pass


def authenticate(email: str, password: str, ip: str | None) -> User:
    """Check e-mail and password; return the user, or raise WrongCredentials /
    TooManyAttempts. Failures are counted (auth/throttle.py): the caller commits either
    way. A user with a second factor must still pass it (`complete_login` comes after)."""
    email = normalise_email(email)
    if not email.isprintable():
        # NUL and other control characters: no such account, and nothing to store.
        _burn_password_check(password)
        raise WrongCredentials(_("Wrong e-mail or password, or the account is inactive."))
    wait = throttle.wait_seconds(throttle.pair_key(email, ip))
    if wait:
        audit.record(None, "login.throttled", "user", None, {"email": email, "scope": "pair"})
        raise TooManyAttempts(_("Too many failed attempts. Try again in %(n)d seconds.", n=wait))
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        _burn_password_check(password)
        ok = False
    else:
        ok = verify_password(user, password) and user.active
    if throttle.wait_seconds(throttle.account_key(email)) and not (ok and user.has_second_factor):
        # The account is under a distributed attack: guesses are slowed, and a right
        # password without a second factor is refused the same way (nothing leaks).
        if not ok:
            throttle.record_login_failure(email, ip)
        audit.record(user, "login.throttled", "user", user.id if user else None,
                     {"email": email, "scope": "account"})
        raise TooManyAttempts(_("Too many failed attempts on this account. Try again in a minute."))
    if not ok:
        throttle.record_login_failure(email, ip)
        audit.record(user, "login.failed", "user", user.id if user else None, {"email": email})
        raise WrongCredentials(_("Wrong e-mail or password, or the account is inactive."))
    throttle.clear_pair(email, ip)
    return user


def complete_login(user: User, method: str = "password") -> None:
    """Record a finished login (after the second factor, or a passkey)."""
    user.last_login_at = utcnow()
    audit.record(user, "login", "user", user.id, {"method": method})


def end_all_sessions(user: User, actor=None, reason: str = "logout_everywhere") -> None:
    """End every session of `user`: revoke the server-side rows and bump the session
    version (which also kills outstanding password-reset links)."""
    from .sessions import revoke_all

    user.session_version += 1
    revoke_all(user, reason)
    audit.record(actor or user, f"user.{reason}", "user", user.id)


def change_password(user: User, new_password: str, actor=None) -> None:
    """Set a new password (policy-checked) and end the other sessions."""
    problem = password_problem(new_password, user.email, password_context(user))
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
