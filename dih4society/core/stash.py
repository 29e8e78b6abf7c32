"""Nothing typed is lost when a session ends: the form stash.

When a form is sent but cannot be accepted because the session is gone (it expired,
the user logged out in another tab or everywhere, the CSRF token is missing or no
longer matches), the request is *not* answered with a bare "400 Bad Request":

1. the posted fields (never passwords, one-time tokens or files) are stored in the
   ``form_stashes`` table under a random key, for `STASH_HOURS`; only the key's hash
   is stored, and the key itself goes into the browser's (new) session, so only the
   browser that typed the text can get it back;
2. the answer is a page that says what happened, shows the long texts read-only (so
   they can be copied even without JavaScript) and holds a login form whose ``next``
   is the form's own address with ``?restore=<key>``;
3. after logging in, the GET of that address puts the stash into the page as a JSON
   data block and ``static/js/app.js`` fills the fields back in; the user checks
   and sends the form again, with a fresh CSRF token.

A stash is bound to the first user who restores it, and expires after a day.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from ..extensions import db
from .db import utcnow
from .models import FormStash

STASH_HOURS = 24
SESSION_KEY = "form_stashes"
MAX_FIELDS = 300
MAX_VALUE = 20_000
#: Never kept: secrets, the CSRF token and one-time form tokens (a new form gets new ones).
SKIPPED = ("password", "confirm", "current", "csrf_token", "token", "totp")
#: Posts for which there is nothing to keep: they are simply sent where they lead.
NOTHING_TO_KEEP = {"auth.logout": "auth.login", "auth.logout_everywhere": "auth.login",
                   "main.set_language": "main.index"}


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _kept(name: str) -> bool:
    last = name.rsplit("-", 1)[-1].lower()
    return not any(word in last for word in SKIPPED)


def posted_fields() -> list[list[str]]:
    """The posted text fields worth keeping, in order, as [name, value] pairs."""
    fields = []
    for name, value in request.form.items(multi=True):
        if _kept(name) and len(fields) < MAX_FIELDS:
            fields.append([name[:200], value[:MAX_VALUE]])
    return fields


def save(path: str, fields: list[list[str]], user_id: int | None) -> str:
    """Store `fields` posted to `path`; return the key (kept only by the browser)."""
    now = utcnow()
    db.session.execute(sa.delete(FormStash).where(FormStash.expires_at < now))
    key = secrets.token_urlsafe(24)
    db.session.add(FormStash(key_hash=_hash(key), path=path[:500], fields=fields, user_id=user_id,
                             created_at=now, expires_at=now + timedelta(hours=STASH_HOURS)))
    db.session.flush()
    return key


def load(key: str, path: str, user_id: int | None) -> list[list[str]] | None:
    """The fields stashed under `key` for `path`, if `user_id` may have them (binds it)."""
    stash = db.session.get(FormStash, _hash(key))
    if stash is None or stash.path != path or stash.expires_at < utcnow():
        return None
    if stash.user_id is None and user_id is not None:
        stash.user_id = user_id
    elif stash.user_id != user_id:
        return None
    return stash.fields


def _former_user_id() -> int | None:
    """The user a session still names after it was ended elsewhere (Flask-Login's
    ``"<id>:<version>"``), so that only they can get the text back."""
    raw = str(session.get("_user_id") or "")
    head = raw.split(":", 1)[0]
    return int(head) if head.isdigit() else None


def _page_with_stash(reason: str):
    """Keep what was posted and answer with the 'log in and continue' page."""
    db.session.rollback()
    endpoint = request.endpoint or ""
    if endpoint in NOTHING_TO_KEEP:
        flash(_("Your session had already ended."), "info")
        return redirect(url_for(NOTHING_TO_KEEP[endpoint]))
    fields = posted_fields()
    user_id = current_user.id if current_user.is_authenticated else _former_user_id()
    key = save(request.path, fields, user_id)
    db.session.commit()
    keys = [k for k in session.get(SESSION_KEY, []) if isinstance(k, str)][-4:] + [key]
    session[SESSION_KEY] = keys
    query = request.query_string.decode("utf-8", "replace")
    target = request.path + "?" + (query + "&" if query else "") + "restore=" + key
    from ..auth.forms import LoginForm
    from .security import PUBLIC_ENDPOINTS

    needs_login = not current_user.is_authenticated and endpoint not in PUBLIC_ENDPOINTS
    long_texts = [(name, value) for name, value in fields if len(value) > 80 or "\n" in value]
    return render_template("errors/session_expired.html", reason=reason, target=target,
                           needs_login=needs_login, login_form=LoginForm(formdata=None),
                           long_texts=long_texts, kept=len(fields),
                           hours=STASH_HOURS), 401 if needs_login else 400


def restore_into_page() -> None:
    """On a GET with ``restore=<key>``: put the stash into `g` for the page to refill."""
    key = request.args.get("restore")
    if not key or request.method != "GET" or key not in session.get(SESSION_KEY, []):
        return
    user_id = current_user.id if current_user.is_authenticated else None
    fields = load(key, request.path, user_id)
    if fields is None:
        return
    db.session.commit()
    g.restored_form = fields
    flash(_("What you typed before your session ended is back in the form. "
            "Check it and send it again."), "info")


def init_stash(app: Flask) -> None:
    """CSRF failures and posts without a session keep the user's text (see module doc)."""

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        current_app.logger.info("form refused: %s", exc.description)
        return _page_with_stash("csrf")

    @app.before_request
    def _restore():
        restore_into_page()

    @app.context_processor
    def _restored():
        return {"restored_form": g.get("restored_form")}


def expired_post():
    """A POST by a visitor whose session has ended (called by the login gate)."""
    return _page_with_stash("session")
