"""Second factor through the real forms: TOTP enrolment and login step, recovery codes,
STAFF_MFA_REQUIRED, the admin-assisted reset (web and CLI), seed-demo --totp-secret."""

import re
import time

import pyotp
import pytest
import sqlalchemy as sa
from conftest import PASSWORD, login

from dih4society.auth import mfa, services, throttle
from dih4society.auth.models import Passkey, RecoveryCode, User, UserSession
from dih4society.core.models import AuditEvent
from dih4society.extensions import db

MANAGER = "manager@dih4society.example"


def _enrol_through_forms(client) -> tuple[str, list[str]]:
    page = client.get("/auth/security/totp")
    assert page.status_code == 200 and b'src="data:image/svg+xml' in page.data
    secret = re.search(rb'id="totp-secret"[^>]*>([A-Z2-7]+)<', page.data).group(1).decode()
    wrong = client.post("/auth/security/totp", data={"code": "000000"})
    assert b"That code is not right" in wrong.data
    done = client.post("/auth/security/totp", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def _user(email=MANAGER) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _next_code(secret: str) -> str:
    """A valid code for a later time step than the one just used (no replay)."""
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + totp.interval)


def test_totp_enrolment_and_login_through_the_forms(app, client, seeded):
    login(client, "manager")
    secret, codes = _enrol_through_forms(client)
    with app.app_context():
        user = _user()
        assert user.totp_secret == secret
        stored = db.session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
        assert len(stored) == 10 and all(h.startswith("$argon2id$") for h in stored)
        assert not any(code in h for code in codes for h in stored)
    client.post("/auth/logout")

    response = login(client, "manager", follow=False)
    assert response.headers["Location"] == "/auth/login/code"
    page = client.get("/auth/login/code")
    assert b'name="code"' in page.data and b"Log out" not in page.data
    # A password alone opens nothing.
    assert client.get("/applications/queue").status_code == 302
    assert b"That code is not right" in client.post("/auth/login/code", data={"code": "123456"}).data
    response = client.post("/auth/login/code", data={"code": _next_code(secret)}, follow_redirects=True)
    assert b"Log out" in response.data
    with app.app_context():
        assert db.session.scalars(sa.select(UserSession.method)).all()[-1] == "password+totp"
    client.post("/auth/logout")

    # The same code is never accepted twice.
    login(client, "manager")
    assert b"That code is not right" in client.post("/auth/login/code", data={"code": _next_code(secret)}).data


def test_recovery_code_works_once(app, client, seeded):
    login(client, "manager")
    _secret, codes = _enrol_through_forms(client)
    client.post("/auth/logout")
    login(client, "manager")
    response = client.post("/auth/login/code", data={"code": codes[0].upper()}, follow_redirects=True)
    assert b"Log out" in response.data and b"9 are left" in response.data
    client.post("/auth/logout")
    login(client, "manager")
    assert b"That code is not right" in client.post("/auth/login/code", data={"code": codes[0]}).data


def test_too_many_wrong_codes_end_the_pending_login(app, client, seeded):
    with app.app_context():
        mfa.enrol_totp(_user(), pyotp.random_base32())
        db.session.commit()
    login(client, "manager")
    for _ in range(5):
        response = client.post("/auth/login/code", data={"code": "000000"})
    assert response.headers["Location"].endswith("/auth/login")
    assert client.get("/auth/login/code").headers["Location"].endswith("/auth/login")
    with app.app_context():
        assert db.session.get(throttle.LoginThrottle, throttle.pair_key(MANAGER, "127.0.0.1")).failures == 5


def test_code_step_without_password_goes_back_to_login(client, seeded):
    response = client.post("/auth/login/code", data={"code": "123456"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login")


def test_staff_must_enrol_when_required(app, client, seeded):
    app.config["STAFF_MFA_REQUIRED"] = True
    login(client, "partner")
    response = client.get("/applications/queue")
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/security")
    assert client.get("/").headers["Location"].endswith("/auth/security")
    assert client.get("/auth/security").status_code == 200
    _enrol_through_forms(client)
    assert client.get("/applications/queue").status_code == 200
    # Staff cannot remove their only second factor.
    response = client.post("/auth/security/totp/remove", follow_redirects=True)
    assert b"Staff must keep a second factor" in response.data


def test_applicants_are_not_forced_but_may_opt_in(app, client, seeded):
    app.config["STAFF_MFA_REQUIRED"] = True
    login(client, "applicant")
    assert client.get("/applications/mine").status_code == 200
    _enrol_through_forms(client)
    client.post("/auth/logout")
    assert login(client, "applicant", follow=False).headers["Location"] == "/auth/login/code"


def test_production_requires_staff_mfa_by_default():
    from config import DevelopmentConfig, ProductionConfig, TestingConfig

    assert ProductionConfig.STAFF_MFA_REQUIRED is True
    assert DevelopmentConfig.STAFF_MFA_REQUIRED is False and TestingConfig.STAFF_MFA_REQUIRED is False


def test_admin_resets_second_factor_audited(app, client, seeded):
    victim = app.test_client()
    login(victim, "manager")
    _enrol_through_forms(victim)
    login(client, "admin")
    page = client.get(f"/admin/users/{seeded['manager']}")
    assert b'id="reset-mfa"' in page.data
    response = client.post(f"/auth/users/{seeded['manager']}/reset-mfa", follow_redirects=True)
    assert b"Second factor reset" in response.data
    with app.app_context():
        user = _user()
        assert user.totp_secret is None
        assert db.session.scalar(sa.select(sa.func.count(RecoveryCode.id))) == 0
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.verb == "user.mfa_reset")).one()
        assert event.actor_id == seeded["admin"] and event.object_id == seeded["manager"]
        assert event.data["before"]["totp"] is True
    assert victim.get("/auth/account").status_code == 302  # their sessions ended
    # Only admins: a manager may not reset anyone's.
    # Logged out: a POST gets the "log in to continue" page (401, core/stash.py), nothing reset.
    assert victim.post(f"/auth/users/{seeded['admin']}/reset-mfa").status_code == 401


def test_cli_reset_mfa(app, seeded):
    with app.app_context():
        mfa.enrol_totp(_user(), pyotp.random_base32())
        db.session.add(Passkey(user_id=_user().id, credential_id="abc", public_key=b"k", name="Key"))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "reset-mfa", "MANAGER@dih4society.example"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = _user()
        assert user.totp_secret is None and user.passkeys == []
        assert db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.verb == "user.mfa_reset"))
    result = app.test_cli_runner().invoke(args=["users", "reset-mfa", "nobody@example.org"])
    assert result.exit_code == 1


def test_seed_demo_with_totp_secret(app, client):
    secret = pyotp.random_base32()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--password", PASSWORD, "--totp-secret", secret])
    assert result.exit_code == 0, result.output
    assert "TOTP second factor enrolled for" in result.output
    with app.app_context():
        staff = db.session.scalars(sa.select(User).where(User.role != services.Role.APPLICANT)).all()
        assert staff and all(u.totp_secret == secret for u in staff)
        assert all(u.totp_secret is None for u in db.session.scalars(
            sa.select(User).where(User.role == services.Role.APPLICANT)))
    login(client, "manager")
    response = client.post("/auth/login/code", data={"code": pyotp.TOTP(secret).now()}, follow_redirects=True)
    assert b"Log out" in response.data
    bad = app.test_cli_runner().invoke(args=["seed-demo", "--totp-secret", "not base32!"])
    assert bad.exit_code != 0


def test_seed_demo_without_secret_gives_no_second_factor(app):
    app.test_cli_runner().invoke(args=["seed-demo", "--password", PASSWORD])
    with app.app_context():
        assert all(u.totp_secret is None for u in db.session.scalars(sa.select(User)))


@pytest.mark.parametrize("path", ["/auth/passkeys/login", "/auth/passkeys/register"])
def test_passkey_posts_without_a_challenge_are_refused(client, seeded, path):
    if path.endswith("register"):
        login(client, "manager")
    response = client.post(path, json={"credential": {"id": "x"}})
    assert response.status_code == 400 and "error" in response.get_json()


def test_forged_passkey_assertion_refused(client, seeded):
    options = client.post("/auth/passkeys/login/options").get_json()
    assert options["rpId"] == "127.0.0.1" and options["userVerification"] == "required"
    response = client.post("/auth/passkeys/login", json={"credential": {
        "id": "unknown", "rawId": "unknown", "type": "public-key",
        "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA"}}})
    assert response.status_code == 400
    assert client.get("/auth/account").status_code == 302


def test_cannot_delete_someone_elses_passkey(app, client, seeded):
    with app.app_context():
        passkey = Passkey(user_id=seeded["manager"], credential_id="abc", public_key=b"k", name="Key")
        db.session.add(passkey)
        db.session.commit()
        pid = passkey.id
    login(client, "applicant")
    assert client.post(f"/auth/passkeys/{pid}/delete").status_code == 404
    with app.app_context():
        assert db.session.get(Passkey, pid) is not None


def _over_account_cap(app):
    with app.app_context():
        for i in range(app.config["LOGIN_ACCOUNT_CAP"]):
            throttle.record_login_failure(MANAGER, f"192.0.2.{i + 1}")
        db.session.commit()
        assert throttle.wait_seconds(throttle.account_key(MANAGER)) > 0


def test_account_cap_lets_the_right_password_with_second_factor_through(app, client, seeded):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == MANAGER))
        secret = pyotp.random_base32()
        mfa.enrol_totp(user, secret)
        db.session.commit()
    _over_account_cap(app)
    response = client.post("/auth/login", data={"email": MANAGER, "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "198.51.100.22"}, follow_redirects=True)
    assert b'name="code"' in response.data
    response = client.post("/auth/login/code", data={"code": pyotp.TOTP(secret).now()},
                           environ_base={"REMOTE_ADDR": "198.51.100.22"}, follow_redirects=True)
    assert b"Log out" in response.data
