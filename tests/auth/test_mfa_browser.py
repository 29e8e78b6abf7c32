"""Second factor journeys in headless Chromium: TOTP through the real forms, and passkeys
with a CDP virtual authenticator (WebAuthn.addVirtualAuthenticator).

WebAuthn needs a secure context and an RP id that is a domain: http://localhost counts
as potentially trustworthy, so the passkey journey runs on localhost (not 127.0.0.1)
with PUBLIC_BASE_URL (which gives the RP id and origin) set to match."""

import time
from urllib.parse import urlsplit

import pyotp
import pytest
import sqlalchemy as sa
from conftest import PASSWORD

from dih4society.auth.models import Passkey, User, UserSession
from dih4society.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def localhost_page(browser, live_server, app):
    base = live_server.replace("127.0.0.1", "localhost")
    app.config["PUBLIC_BASE_URL"] = base
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert not errors, f"browser console errors: {errors}"


def _password_login(page, email="manager@dih4society.example"):
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()


def _logout(page):
    toggle = page.locator("#account-menu")
    if toggle.count() and toggle.is_visible():
        toggle.click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/auth/login")


def test_totp_enrolment_and_login_in_the_browser(page, app, seeded, artifacts_dir):
    app.config["STAFF_MFA_REQUIRED"] = True
    _password_login(page)
    page.wait_for_url("**/auth/security")  # staff must enrol before any staff page
    page.goto("/applications/queue")
    page.wait_for_url("**/auth/security")
    page.click("#totp-setup")
    page.wait_for_url("**/auth/security/totp")
    assert page.locator("img.totp-qr").evaluate("img => img.complete && img.naturalWidth > 0")
    page.screenshot(path=artifacts_dir / "mfa-01-totp-enrol.png", full_page=True)
    secret = page.locator("#totp-secret").inner_text().strip()
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm").click()
    assert page.locator("#recovery-codes li").count() == 10
    page.screenshot(path=artifacts_dir / "mfa-02-recovery-codes.png", full_page=True)
    page.get_by_role("link", name="I have saved them").click()
    page.goto("/applications/queue")
    assert "/applications/queue" in page.url
    _logout(page)

    _password_login(page)
    page.wait_for_url("**/auth/login/code")
    page.screenshot(path=artifacts_dir / "mfa-03-code-step.png", full_page=True)
    totp = pyotp.TOTP(secret)
    page.fill("input[name=code]", totp.at(time.time() + totp.interval))  # the next step: no replay
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/auth/" not in url)
    assert page.locator("form[action=\"/auth/logout\"]").count() == 1


def _virtual_authenticator(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    result = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True}})
    return cdp, result["authenticatorId"]


def test_passkey_registration_and_passwordless_sign_in(localhost_page, app, seeded, artifacts_dir):
    page = localhost_page
    cdp, authenticator = _virtual_authenticator(page)
    _password_login(page)
    page.wait_for_url(lambda url: "/auth/login" not in url)
    page.goto("/auth/security")
    page.fill("#passkey-name", "Test laptop")
    page.click("#passkey-add")
    # The first second factor comes with recovery codes, shown once.
    page.wait_for_selector("#recovery-codes li")
    assert page.locator("#recovery-codes li").count() == 10
    page.goto("/auth/security")
    assert page.get_by_text("Test laptop").count() == 1
    page.screenshot(path=artifacts_dir / "mfa-04-passkey-added.png", full_page=True)
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(credentials) == 1 and credentials[0]["isResidentCredential"]
    _logout(page)

    # A passkey alone signs in: no e-mail, no password, no code.
    page.goto("/auth/login?next=/applications/queue")
    page.click("#passkey-login")
    page.wait_for_url(lambda url: urlsplit(url).path == "/applications/queue")
    assert page.locator("form[action=\"/auth/logout\"]").count() == 1
    page.screenshot(path=artifacts_dir / "mfa-05-passkey-signed-in.png", full_page=True)
    with app.app_context():
        manager = db.session.scalar(sa.select(User).where(User.email == "manager@dih4society.example"))
        assert [p.name for p in manager.passkeys] == ["Test laptop"]
        assert db.session.get(Passkey, manager.passkeys[0].id).last_used_at is not None
        methods = db.session.scalars(sa.select(UserSession.method).order_by(UserSession.id)).all()
        assert methods == ["password", "passkey"]
    _logout(page)

    # With a passkey, a password alone is no longer enough: the second step asks for more.
    _password_login(page)
    page.wait_for_url("**/auth/login/code")
    page.click("#passkey-login")
    page.wait_for_url(lambda url: "/auth/" not in url)
    assert page.locator("form[action=\"/auth/logout\"]").count() == 1
