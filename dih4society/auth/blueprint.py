"""The auth blueprint, shared by its view modules (routes, sessions, second factor)."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.record_once
def _install_proxy_fix(state) -> None:
    from .proxies import install

    install(state.app)
