"""The README's production commands, run as written: migrate PostgreSQL, start gunicorn
as a real process, log in over HTTP and reach a page.

Needs ``PRODUCTION_TEST_DATABASE_URL`` (a PostgreSQL database of its own: the test
drops and re-creates its schema). ``.ci/run`` provides one; a SQLite-only run
deselects the test explicitly with ``-m "not production"``. Without the URL the test
is skipped locally but fails when ``CI`` or ``PRODUCTION_TEST_REQUIRED`` is set, so CI
cannot skip it silently.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.production

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("PRODUCTION_TEST_DATABASE_URL", "")
PASSWORD = "smoke-test-password-2026"


def readme_production_block() -> list[str]:
    """The command lines of the ``## Production`` sh block of the README."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Production", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """Just enough of a browser: cookies by hand (the session cookie is Secure and the
    test talks plain HTTP to gunicorn, as a TLS-terminating proxy would), redirects followed."""

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}
        self.secure_flags: dict[str, bool] = {}

    def request(self, method: str, path: str, body: str | None = None):
        parts = urlsplit(self.base)
        conn = HTTPConnection(parts.hostname, parts.port, timeout=30)
        headers = {"Host": parts.netloc}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                self.secure_flags[name] = "secure" in value.lower()
                if cookie_value and "max-age=0" not in value.lower():
                    self.cookies[name] = cookie_value
                else:
                    self.cookies.pop(name, None)
        conn.close()
        return response, data

    def follow(self, method: str, path: str, body: str | None = None, hops: int = 10):
        """Send a request and follow redirects (303/302 become GET); returns the last page and the chain."""
        chain = []
        response, data = self.request(method, path, body)
        chain.append((path, response.status))
        while response.status in (301, 302, 303, 307, 308) and hops:
            location = response.getheader("Location")
            target = urlsplit(urljoin(self.base + path, location))
            assert target.netloc in ("", urlsplit(self.base).netloc), f"redirected off-site: {location}"
            path = target.path + (f"?{target.query}" if target.query else "")
            response, data = self.request("GET", path)
            chain.append((path, response.status))
            hops -= 1
        return response, data, chain


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert match, "no CSRF token on the form"
    return match.group(1)


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    if not PG_URL:
        message = "PRODUCTION_TEST_DATABASE_URL (PostgreSQL) is not set"
        if os.environ.get("CI") or os.environ.get("PRODUCTION_TEST_REQUIRED"):
            pytest.fail(message + "; CI must run the production smoke test")
        pytest.skip(message)
    engine = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if k not in ("APP_CONFIG", "SECRET_KEY", "DATABASE_URL",
                                                            "PUBLIC_BASE_URL", "FLASK_APP")}
    env["UPLOAD_DIR"] = str(tmp_path / "uploads")
    return env


def test_readme_production_commands_start_gunicorn_and_serve_a_login(production_env, tmp_path):
    lines = readme_production_block()
    exports = [line for line in lines if line.startswith("export ")]
    commands = [line for line in lines if not line.startswith("export ")]
    assert [c.split()[:3] for c in commands] == [[".venv/bin/flask", "--app", "wsgi"], [".venv/bin/gunicorn", "--workers", "4"]]
    assert "db upgrade" in commands[0] and commands[1].endswith("wsgi:app")

    # The README's exports as written; only the example database is replaced by the test's.
    url = PG_URL.replace("postgresql+psycopg://", "postgresql://", 1)
    prelude = "set -euo pipefail\n" + "\n".join(exports) + f"\nexport DATABASE_URL={shlex.quote(url)}\n"
    port = free_port()
    gunicorn = commands[1].replace("0.0.0.0:8000", f"127.0.0.1:{port}").replace("--workers 4", "--workers 2")
    assert gunicorn != commands[1]

    def bash(script: str, **kwargs):
        return subprocess.run(["bash", "-c", prelude + script], cwd=ROOT, env=production_env,
                              capture_output=True, text=True, timeout=300, **kwargs)

    migrated = bash(commands[0])
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    # A user to log in as: the documented seed command (applicants need no second factor).
    seeded = bash(f".venv/bin/flask --app wsgi seed-demo --password {PASSWORD}")
    assert seeded.returncode == 0, seeded.stderr[-3000:]

    log = open(tmp_path / "gunicorn.log", "w+")
    server = subprocess.Popen(["bash", "-c", prelude + "exec " + gunicorn], cwd=ROOT, env=production_env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "gunicorn exited:\n" + (tmp_path / "gunicorn.log").read_text()[-3000:]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not listen within 60 s"
                time.sleep(0.3)

        browser = Browser(base)
        response, page = browser.request("GET", "/auth/login")
        assert response.status == 200, page[:2000]
        assert "gunicorn/" not in (response.getheader("Server") or "")  # no version banner
        assert response.getheader("Strict-Transport-Security", "").startswith("max-age=")
        assert browser.secure_flags and all(browser.secure_flags.values()), "production cookies must be Secure"

        body = urlencode({"csrf_token": csrf_token(page), "email": "applicant@dih4society.example",
                          "password": PASSWORD})
        response, page, chain = browser.follow("POST", "/auth/login", body)
        assert chain[0][1] in (302, 303), f"login refused: {chain}\n{page[:3000]}"
        assert response.status == 200, chain
        assert "Log out" in page, chain

        response, page, chain = browser.follow("GET", "/applications/mine")
        assert response.status == 200 and chain == [("/applications/mine", 200)], chain
        assert "Log out" in page
        assert "no-store" in response.getheader("Cache-Control", "")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
