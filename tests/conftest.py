"""Fixtures: a migrated database per test (SQLite file copy or PostgreSQL truncate),
the app, a test client, a login helper and the demo base data.

``TEST_DATABASE_URL`` selects PostgreSQL; by default every test gets its own copy of
a SQLite file migrated once per session. Migrations, never ``create_all``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from dih4society import create_app
from dih4society.extensions import db

PASSWORD = "correct-horse-battery-9"
TEST_PG_URL = os.environ.get("TEST_DATABASE_URL", "")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> str:
    """A database migrated from empty once per session (URL, or the SQLite template path)."""
    if TEST_PG_URL:
        _migrate(TEST_PG_URL)
        return TEST_PG_URL
    path = tmp_path_factory.mktemp("db") / "template.sqlite"
    _migrate(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(template_db, tmp_path) -> str:
    """A clean, migrated database for one test."""
    if TEST_PG_URL:
        yield TEST_PG_URL
        engine = sa.create_engine(TEST_PG_URL)
        with engine.begin() as conn:
            tables = conn.execute(sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename != 'alembic_version'")).scalars().all()
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                                 + " RESTART IDENTITY CASCADE"))
        engine.dispose()
    else:
        path = tmp_path / "test.sqlite"
        shutil.copyfile(template_db, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "MAIL_SERVER": "",
    }


@pytest.fixture
def app(app_config):
    application = create_app("testing", app_config)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An app context for service-level tests (route tests must not hold one)."""
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def seeded(app) -> dict:
    """The demo base data (partners, catalogue, budget, demo users with PASSWORD)."""
    from dih4society.demo import seed_base

    with app.app_context():
        seed_base(PASSWORD)
        db.session.commit()
        from dih4society.auth.models import User

        users = {u.email.split("@")[0]: u.id for u in db.session.scalars(sa.select(User))}
    return users


def login(client, email: str, password: str = PASSWORD, follow: bool = True):
    """Log in through the real form."""
    if "@" not in email:
        email = f"{email}@dih4society.example"
    return client.post("/auth/login", data={"email": email, "password": password},
                       follow_redirects=follow)


@pytest.fixture
def login_as(client):
    def _login(email: str, password: str = PASSWORD):
        response = login(client, email, password)
        assert response.status_code == 200
        assert b"Log out" in response.data, response.data[:2000]
        return client

    return _login


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free loopback port, in a background thread."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the session (Playwright, no downloaded browser)."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (see .ci/run)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context and page; console errors (CSP violations...) fail the test."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.console_errors = errors
    # data-confirm questions (static/js/app.js): answered "OK" unless a test sets
    # `page.confirm_answer = False`; the questions asked are kept in `page.dialogs`.
    pg.confirm_answer = True
    pg.dialogs = []

    def _answer(dialog):
        pg.dialogs.append(dialog.message)
        dialog.accept() if pg.confirm_answer else dialog.dismiss()

    pg.on("dialog", _answer)
    yield pg
    context.close()
    assert not errors, f"browser console errors: {errors}"


@pytest.fixture
def make_app(app_config):
    """Build extra apps on the test's database (e.g. with CSRF on); closed properly after."""
    made = []

    def _make(**overrides):
        application = create_app("testing", {**app_config, **overrides})
        made.append(application)
        return application

    yield _make
    for application in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def race_dialect(request):
    """For race tests (marked ``race``): the database dialect the app under test really uses.

    A race test claims PostgreSQL when TEST_DATABASE_URL is set (row locks, guarded
    UPDATEs racing for real) and SQLite otherwise; it fails if the engine is anything
    else. The dialect is kept on the test's report, so a run with
    ``REQUIRE_RACE_TESTS=postgresql`` (the PostgreSQL pass of `.ci/run`) fails when no
    race test passed on PostgreSQL (see `pytest_sessionfinish` below)."""

    def _check(application) -> str:
        with application.app_context():
            name = db.engine.dialect.name
        claimed = "postgresql" if TEST_PG_URL else "sqlite"
        if name != claimed:
            pytest.fail(f"race test claims {claimed} (TEST_DATABASE_URL {'set' if TEST_PG_URL else 'unset'}) "
                        f"but runs on {name}")
        request.node.user_properties.append(("race_dialect", name))
        return name

    return _check


def race_tests_passed_on(reports, dialect: str) -> list[str]:
    """Node ids of race tests whose call phase passed on `dialect`."""
    return [r.nodeid for r in reports
            if r.when == "call" and r.passed and ("race_dialect", dialect) in r.user_properties]


def pytest_sessionfinish(session, exitstatus):
    """With REQUIRE_RACE_TESTS=<dialect>, fail a run in which no race test passed on it."""
    required = os.environ.get("REQUIRE_RACE_TESTS", "")
    if not required:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    passed = race_tests_passed_on(reporter.stats.get("passed", []) if reporter else [], required)
    message = f"REQUIRE_RACE_TESTS={required}: {len(passed)} race test(s) passed on {required}"
    if reporter:
        reporter.ensure_newline()
        reporter.write_line(message, red=not passed, green=bool(passed))
    if not passed:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
