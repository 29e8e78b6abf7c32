"""Deny-by-default access control, role checks and security headers."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, request, session
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import ServiceUnavailable

from ..auth.models import Role

#: Endpoints reachable without logging in. Everything else needs a login.
PUBLIC_ENDPOINTS: frozenset[str] = frozenset(
    {
        "static",
        "bootstrap.static",
        "main.index",
        "main.healthz",
        "auth.login",
        "auth.forgot_password",
        "auth.reset_password",
        "auth.login_code",  # the second step of a login (needs the pending password step)
        "auth.passkey_login_options",
        "auth.passkey_login",
        "organisations.register",
        "organisations.join",  # an invitation link: the token is the key
        "main.set_language",
        "calls.index",  # issue 12: calls and their published results are public
        "calls.detail",
        "calls.results",
        "catalogue.index",  # issue 10: the catalogue is public (read-only)
        "catalogue.detail",
    }
)


def roles_required(*roles: Role) -> Callable:
    """Allow a view only to logged-in users holding one of `roles` (403 otherwise)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                from ..extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                from .audit import record_denied

                record_denied(current_user, request.endpoint or "?", "role")
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles  # type: ignore[attr-defined]
        return wrapped

    return decorator


STAFF = (Role.PARTNER_STAFF, Role.MANAGER, Role.ADMIN)
MANAGERS = (Role.MANAGER, Role.ADMIN)


def is_safe_next(target: str | None) -> bool:
    """True for a path on this site (used for ``next=``); the rule lives in auth/redirects.py."""
    from ..auth.redirects import is_safe_next as _is_safe_next

    return _is_safe_next(target)


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def is_loopback(address: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback addresses."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


def hide_server_version() -> None:
    """No version banner from the development server (``flask run``).

    Werkzeug writes ``Server: Werkzeug/x Python/y`` itself, after the app's headers, and
    ``flask run`` offers no way to pass another request handler, so the class says less.
    gunicorn already sends only ``Server: gunicorn``.
    """
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.version_string = lambda self: "httpd"  # type: ignore[method-assign]


def refuse_public_dev_server() -> None:
    """``flask run --host 0.0.0.0`` with the published key: refuse to start.

    The request check in `init_security` covers every server; this one fails early,
    at start-up, for the development server, whose bind address we can read."""
    import click

    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.info_name != "run":
        return
    host = str(ctx.params.get("host") or "127.0.0.1")
    if host != "localhost" and not is_loopback(host):
        raise RuntimeError(f"SECRET_KEY is the published development default: bind to 127.0.0.1, not {host}, "
                           "or set SECRET_KEY to a long random value.")


def _logged_in() -> bool:
    """Whether this response belongs to a logged-in session (set by ``login_user``).

    Read from the session, not ``current_user``: an after-request hook must not load
    the user again (a view may have just changed or replaced it)."""
    return "_user_id" in session


def init_security(app: Flask) -> None:
    """Install the login-required gate and the response headers."""
    from config import DEFAULT_SECRET_KEY

    from .input_guard import init_input_guard

    hide_server_version()
    init_input_guard(app)
    if app.config.get("SECRET_KEY") == DEFAULT_SECRET_KEY:
        refuse_public_dev_server()

    @app.before_request
    def _default_key_only_on_loopback():
        # With the published key anyone who reaches the server can forge a session, so
        # it may be used only on a server bound to 127.0.0.1. The bind address is not
        # visible to a WSGI app (gunicorn reports the Host header as SERVER_NAME), but
        # its consequence is: a server bound to loopback only ever sees loopback peers.
        # Any other peer means the server is reachable from outside: refuse to serve it.
        if app.config.get("SECRET_KEY") != DEFAULT_SECRET_KEY or is_loopback(request.remote_addr):
            return None
        app.logger.warning("refused %s: SECRET_KEY is the published default", request.remote_addr)
        raise ServiceUnavailable(_(
            "This server uses the published development SECRET_KEY, so it answers only on "
            "127.0.0.1. Set SECRET_KEY to a long random value to serve other addresses."))

    @app.before_request
    def _require_login():
        endpoint = request.endpoint
        if endpoint is None:
            return None  # 404 follows
        if endpoint in PUBLIC_ENDPOINTS:
            return None
        if not current_user.is_authenticated:
            if request.method == "POST":
                # A form sent after the session ended: keep the text, offer to log in.
                from .stash import expired_post

                return expired_post()
            from ..extensions import login_manager

            return login_manager.unauthorized()
        return None

    from .stash import init_stash

    init_stash(app)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.endpoint in ("static", "bootstrap.static"):
            pass  # public assets: cacheable
        elif _logged_in():
            # Whatever a view chose (downloads included): nothing a user sees after
            # logging in may stay in a shared or back-button cache.
            response.headers["Cache-Control"] = "private, no-store"
        else:
            response.headers.setdefault("Cache-Control", "no-store")
        hsts = app.config.get("HSTS_SECONDS", 0)
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains")
        return response
