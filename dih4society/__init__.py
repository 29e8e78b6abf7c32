"""DIH4Society voucher platform: the application factory."""

from __future__ import annotations

import logging
import os
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, request, session
from flask_login import current_user

from .extensions import babel, bootstrap, csrf, db, login_manager, migrate

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config_name: str | None = None, test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app from a named configuration plus optional overrides."""
    from config import CONFIGS, INSTANCE_DIR, ProductionConfig

    app = Flask(
        __name__,
        template_folder=os.path.join(BASE_DIR, "templates"),
        static_folder=os.path.join(BASE_DIR, "static"),
        instance_path=str(INSTANCE_DIR),
    )
    name = config_name or os.environ.get("APP_CONFIG", "development")
    config_cls = CONFIGS[name]
    if config_cls is ProductionConfig:
        ProductionConfig.check()
    app.config.from_object(config_cls)
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    logging.basicConfig(level=logging.INFO)

    register_converters(app)
    register_extensions(app)
    register_request_hooks(app)  # before the login gate: it sets the write intent
    register_blueprints(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def _select_locale() -> str:
    from flask import current_app, g, has_request_context

    langs = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    # The switcher's choice, then the user's saved preference, then the hub's default.
    if session.get("lang") in langs:
        return session["lang"]
    # Only a user already loaded: loading one here could itself need a translation
    # (a message while checking the session) and come back here.
    from .auth.models import User

    user = g.get("_login_user")
    if type(user) is User and user.locale in langs:  # type(), not isinstance: never a LocalProxy
        return user.locale
    default = current_app.config.get("DEFAULT_LOCALE")
    return default if default in langs else langs[0]


#: Ids and numbers in URLs stay far inside 64-bit integers (SQLite and PostgreSQL).
MAX_URL_INT = 10**15


def register_converters(app: Flask) -> None:
    """Bounded integers in paths: an absurd id is a 404, not a database overflow."""
    from werkzeug.routing import IntegerConverter

    class BoundedIntegerConverter(IntegerConverter):
        regex = r"[0-9]+"  # not \d: "²" and "٣" are digits to re, not to int()

        def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_URL_INT, signed=False):
            super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    app.url_map.converters["int"] = BoundedIntegerConverter


def register_extensions(app: Flask) -> None:
    """Bind the extensions and configure the database engine."""
    from . import models  # noqa: F401  (all models registered before use)
    from .core.db import install_sqlite_pragmas

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(BASE_DIR, "migrations"),
                     compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale,
                   default_translation_directories=os.path.join(BASE_DIR, "translations"))
    bootstrap.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to see this page.")

    @login_manager.user_loader
    def _load_user(user_id: str):
        from .auth.sessions import load_user

        return load_user(user_id)  # a valid server-side session row, or nobody

    with app.app_context():
        install_sqlite_pragmas(db.engine)


def register_blueprints(app: Flask) -> None:
    """One blueprint per feature package."""
    from .admin.routes import bp as admin_bp
    from .auth.routes import bp as auth_bp
    from .catalogue.routes import bp as catalogue_bp
    from .core.errors import init_errors
    from .core.routes import bp as main_bp
    from .core.security import init_security
    from .organisations.routes import bp as org_bp

    init_security(app)
    init_errors(app)
    for bp in (main_bp, auth_bp, org_bp, catalogue_bp, admin_bp):
        app.register_blueprint(bp)
    for optional in ("applications", "reviews", "budget", "reports", "assessments", "calls", "vouchers"):
        try:
            module = __import__(f"dih4society.{optional}.routes", fromlist=["bp"])
        except ModuleNotFoundError as exc:
            if exc.name != f"dih4society.{optional}.routes":
                raise
            continue
        app.register_blueprint(module.bp)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals shared by every template."""
    from .auth.models import Role
    from .core.i18n import configured_name, decimal1, page_date, page_datetime
    from .core.models import Notification
    from .core.money import eur

    app.jinja_env.filters["eur"] = eur
    app.jinja_env.filters["decimal1"] = decimal1
    app.jinja_env.filters["date"] = page_date  # one date format per language on every page
    app.jinja_env.filters["datetime"] = page_datetime

    @app.context_processor
    def _globals():
        unread = 0
        if current_user.is_authenticated:
            if "unread" not in g:
                g.unread = db.session.scalar(
                    sa.select(sa.func.count(Notification.id)).where(
                        Notification.user_id == current_user.id,
                        Notification.read_at.is_(None),
                    )
                )
            unread = g.unread
        return {
            "Role": Role,
            "has_endpoint": lambda name: name in app.view_functions,
            "hub_name": app.config["HUB_NAME"],
            "hub_full_name": configured_name("HUB_FULL_NAME"),
            "app_name": configured_name("APP_NAME"),
            "unread_notifications": unread,
            "current_locale": _select_locale(),
        }


def register_request_hooks(app: Flask) -> None:
    """SQLite write intent per request, and e-mail delivery after commit."""
    import re

    from werkzeug.exceptions import BadRequest

    from .core.db import WRITE_ON_GET, write_intent

    too_long_number = re.compile(r"^\s*[-+]?\d{16,}\s*$")

    @app.before_request
    def _write_intent():
        writes = request.method not in ("GET", "HEAD", "OPTIONS") or request.endpoint in WRITE_ON_GET
        g.write_intent_token = write_intent.set(writes)

    @app.before_request
    def _refuse_absurd_numbers():
        # Page numbers and ids in query strings must fit 64-bit integers once multiplied.
        if any(too_long_number.match(v) for v in request.args.values()):
            raise BadRequest("A number in the address is too large.")

    @app.teardown_request
    def _reset_intent(_exc):
        token = g.pop("write_intent_token", None)
        if token is not None:
            write_intent.reset(token)

    @app.after_request
    def _send_mail(response):
        if g.pop("outbox_pending", False) and response.status_code < 400:
            from .core.mail import deliver_pending

            try:
                # What this request queued first; an older backlog goes by `flask outbox send`.
                deliver_pending(newest_first=True)
            except Exception:  # pragma: no cover - the outbox keeps what failed
                app.logger.exception("outbox delivery failed")
                db.session.rollback()
        return response


def register_commands(app: Flask) -> None:
    """CLI commands: demo data, outbox, and those of the feature packages."""
    from .cli import register

    register(app)
