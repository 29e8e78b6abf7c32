"""The steps of a login shared by the password, second-factor and passkey views.

After a right password, a user with a second factor is not logged in yet: the Flask
session holds a short-lived *pending* login (user id, session version, time, tries)
until the code or a passkey completes it.
"""

from __future__ import annotations

import time

from flask import current_app, request, session
from flask_login import login_user

from ..extensions import db
from . import services
from .models import User
from .sessions import SESSION_KEY, client_agent, open_session

PENDING_KEY = "login_pending"
#: Minutes a pending login waits for its second factor, and wrong codes it tolerates.
PENDING_MINUTES = 5
PENDING_TRIES = 5


def client_ip() -> str | None:
    """The client's address (X-Forwarded-For only via TRUSTED_PROXIES, see auth/proxies.py)."""
    return request.remote_addr


#: What survives the session reset at login: the language and the stashed forms' keys.
KEPT_KEYS = ("lang", "form_stashes")


def start_session(user: User, method: str = "password") -> None:
    """Clear whatever the visitor had (session fixation), open a server-side session
    row and log the user in. The caller commits."""
    # The language, and the keys of forms kept when an old session ended (core/stash.py).
    kept = {key: session[key] for key in KEPT_KEYS if key in session}
    session.clear()
    session.update(kept)
    session[SESSION_KEY] = open_session(user, ip=client_ip(), user_agent=client_agent(), method=method)
    login_user(user)
    session.permanent = True


def finish_login(user: User, method: str) -> None:
    """Complete a login: audit it, open the session, commit."""
    services.complete_login(user, method)
    start_session(user, method)
    db.session.commit()


def begin_pending(user: User, next_url: str | None) -> None:
    """Remember a password-checked user who still owes a second factor."""
    # The language, and the keys of forms kept when an old session ended (core/stash.py).
    kept = {key: session[key] for key in KEPT_KEYS if key in session}
    session.clear()
    session.update(kept)
    session[PENDING_KEY] = {"uid": user.id, "sv": user.session_version, "at": int(time.time()),
                            "tries": 0, "next": next_url or ""}


def pending_user() -> User | None:
    """The user of a still-valid pending login, or None (and the pending state is dropped)."""
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    fresh = time.time() - data.get("at", 0) < PENDING_MINUTES * 60
    user = db.session.get(User, data.get("uid")) if fresh else None
    if (user is None or not user.active or user.session_version != data.get("sv")
            or data.get("tries", 0) >= PENDING_TRIES):
        session.pop(PENDING_KEY, None)
        return None
    return user


def count_pending_try() -> int:
    """One more wrong code; returns how many are left."""
    data = dict(session.get(PENDING_KEY) or {})
    data["tries"] = data.get("tries", 0) + 1
    session[PENDING_KEY] = data
    left = PENDING_TRIES - data["tries"]
    if left <= 0:
        session.pop(PENDING_KEY, None)
    return left


def pending_next() -> str:
    data = session.get(PENDING_KEY) or {}
    return data.get("next", "") if isinstance(data, dict) else ""


def mfa_required_for(user: User) -> bool:
    """STAFF_MFA_REQUIRED applies to this user and they have no second factor yet."""
    return bool(current_app.config["STAFF_MFA_REQUIRED"]) and user.mfa_expected and not user.has_second_factor
