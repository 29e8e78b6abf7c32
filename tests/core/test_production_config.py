"""Production configuration, the published development key, and response headers."""

from __future__ import annotations

import pytest

from config import DEFAULT_SECRET_KEY, ProductionConfig
from dih4society import create_app

REAL_KEY = "k3y-" + "x" * 44


@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", REAL_KEY)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db-host/dih4society")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://vouchers.example.org")


def test_production_accepts_a_real_secret_key(production_env):
    ProductionConfig.check()  # raised for every key before the fix


@pytest.mark.parametrize("key", [DEFAULT_SECRET_KEY, "short-key", ""])
def test_production_refuses_the_default_or_a_short_key(production_env, monkeypatch, key):
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ProductionConfig.check()


def test_production_sends_hsts_and_secure_cookies():
    assert ProductionConfig.HSTS_SECONDS >= 180 * 24 * 3600
    assert ProductionConfig.SESSION_COOKIE_SECURE


@pytest.mark.parametrize("remote, status", [
    ("127.0.0.1", 200), ("::1", 200), ("::ffff:127.0.0.1", 200),
    ("10.0.0.7", 503), ("203.0.113.9", 503), ("::ffff:10.0.0.7", 503),
])
def test_development_default_key_serves_only_loopback_peers(app_config, remote, status):
    app = create_app("testing", {**app_config, "SECRET_KEY": DEFAULT_SECRET_KEY})
    response = app.test_client().get("/auth/login", environ_base={"REMOTE_ADDR": remote})
    assert response.status_code == status
    if status == 503:
        assert b"SECRET_KEY" in response.data and b"127.0.0.1" in response.data


def test_a_real_key_serves_any_peer(app_config):
    app = create_app("testing", {**app_config, "SECRET_KEY": REAL_KEY})
    response = app.test_client().get("/auth/login", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 200


def test_hsts_only_when_configured(make_app):
    assert "Strict-Transport-Security" not in make_app().test_client().get("/auth/login").headers
    response = make_app(HSTS_SECONDS=31536000).test_client().get("/auth/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_development_server_sends_no_version_banner(live_server):
    from urllib.request import urlopen

    with urlopen(live_server + "/auth/login") as response:  # noqa: S310 - our own loopback server
        server = response.headers.get_all("Server")
    assert server and not any(ch.isdigit() for s in server for ch in s), server


def test_authenticated_pages_are_not_cached(client, seeded, login_as):
    assert client.get("/auth/login").headers["Cache-Control"] == "no-store"
    login_as("applicant")
    for path in ("/applications/mine", "/no/such/page"):
        assert "no-store" in client.get(path).headers["Cache-Control"]


@pytest.mark.parametrize("host, refused", [("0.0.0.0", True), ("192.0.2.10", True), ("::", True),
                                           ("127.0.0.1", False), ("localhost", False), ("::1", False)])
def test_flask_run_with_the_default_key_binds_only_to_loopback(app_config, host, refused):
    import click

    with click.Context(click.Command("run"), info_name="run") as ctx:
        ctx.params = {"host": host, "port": 5000}
        if refused:
            with pytest.raises(RuntimeError, match="127.0.0.1"):
                create_app("testing", {**app_config, "SECRET_KEY": DEFAULT_SECRET_KEY})
        else:
            create_app("testing", {**app_config, "SECRET_KEY": DEFAULT_SECRET_KEY})
        create_app("testing", {**app_config, "SECRET_KEY": REAL_KEY})  # a real key binds anywhere
