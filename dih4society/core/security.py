"""Deny-by-default access control, role checks and security headers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urljoin, urlsplit

from flask import Flask, abort, request
from flask_login import current_user

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
        "organisations.register",
        "main.set_language",
        "catalogue.index",
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
    """True for a relative URL on this site (used for ``next=``)."""
    if not target:
        return False
    if target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(urljoin(request.host_url, target))
    return parts.scheme in ("http", "https") and parts.netloc == urlsplit(request.host_url).netloc


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def init_security(app: Flask) -> None:
    """Install the login-required gate and the response headers."""

    @app.before_request
    def _require_login():
        endpoint = request.endpoint
        if endpoint is None:
            return None  # 404 follows
        if endpoint in PUBLIC_ENDPOINTS:
            return None
        if not current_user.is_authenticated:
            from ..extensions import login_manager

            return login_manager.unauthorized()
        return None

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.endpoint not in ("static", "bootstrap.static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
