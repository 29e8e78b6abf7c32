"""Login throttling per (account, IP) pair with growing delays, the per-account cap,
trusted proxies, and the rate limits of e-mail-sending forms."""

import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import PASSWORD, login

from dih4society.auth import services, throttle
from dih4society.auth.models import LoginThrottle
from dih4society.core.db import utcnow
from dih4society.core.models import OutboxEmail
from dih4society.extensions import db

MANAGER = "manager@dih4society.example"


def _login_from(client, email, password, ip):
    return client.post("/auth/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip}, follow_redirects=True)


def test_pair_gets_growing_delays_counted_in_database(app, client, seeded):
    free = app.config["LOGIN_FREE_FAILURES"]
    for _ in range(free + 2):
        _login_from(client, MANAGER, "wrong-password-123", "203.0.113.5")
    with app.app_context():
        row = db.session.get(LoginThrottle, throttle.pair_key(MANAGER, "203.0.113.5"))
        assert row.failures == free + 1  # the last attempt was refused unchecked
        assert row.blocked_until > utcnow()
        first_wait = throttle.wait_seconds(row.key)
    # Even the right password is refused from that address while the delay runs...
    response = _login_from(client, MANAGER, PASSWORD, "203.0.113.5")
    assert b"Too many failed attempts" in response.data and b"Log out" not in response.data
    # ...but the owner on another address logs in.
    other = app.test_client()
    assert b"Log out" in _login_from(other, MANAGER, PASSWORD, "198.51.100.7").data
    # The delay grows with each failure after it runs out.
    with app.app_context():
        db.session.execute(sa.update(LoginThrottle).values(blocked_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    _login_from(client, MANAGER, "wrong-password-123", "203.0.113.5")
    with app.app_context():
        assert throttle.wait_seconds(throttle.pair_key(MANAGER, "203.0.113.5")) > first_wait


def test_spraying_50_emails_from_one_ip_does_not_stop_the_manager(app, client, seeded):
    for _ in range(50):
        response = _login_from(client, f"{secrets.token_hex(4)}@example.org", "wrong-password-123", "203.0.113.9")
        assert b"Wrong e-mail or password" in response.data
    assert b"Log out" in _login_from(client, MANAGER, PASSWORD, "203.0.113.9").data


def _over_account_cap(app):
    with app.app_context():
        for i in range(app.config["LOGIN_ACCOUNT_CAP"]):
            throttle.record_login_failure(MANAGER, f"192.0.2.{i + 1}")
        db.session.commit()
        assert throttle.wait_seconds(throttle.account_key(MANAGER)) > 0


def test_account_cap_slows_guesses_and_refuses_a_password_alone(app, client, seeded):
    _over_account_cap(app)
    wrong = _login_from(client, MANAGER, "wrong-password-123", "198.51.100.20")
    right = _login_from(app.test_client(), MANAGER, PASSWORD, "198.51.100.21")
    # Both answers are the same: the slow account reveals nothing about the password.
    assert b"Try again in a minute" in wrong.data and b"Try again in a minute" in right.data
    assert b"Log out" not in right.data


def test_unknown_email_still_verifies_a_hash(app, seeded, monkeypatch):
    calls = []
    original = services._burn_password_check
    monkeypatch.setattr(services, "_burn_password_check", lambda pw: calls.append(pw) or original(pw))
    login(app.test_client(), "nobody@example.org", "wrong-password-123")
    assert calls == ["wrong-password-123"]


def test_forwarded_for_honoured_only_from_trusted_proxies(make_app, seeded):
    trusted = make_app(TRUSTED_PROXIES=["10.0.0.0/8"])
    seen = []
    trusted.before_request(lambda: seen.append(__import__("flask").request.remote_addr))
    client = trusted.test_client()
    client.get("/auth/login", headers={"X-Forwarded-For": "203.0.113.77"},
               environ_base={"REMOTE_ADDR": "10.1.2.3"})
    client.get("/auth/login", headers={"X-Forwarded-For": "203.0.113.77"},
               environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert seen == ["203.0.113.77", "198.51.100.1"]


def test_forgot_password_rate_limited_per_address(app, client, seeded):
    limit = app.config["RATE_LIMITS"]["forgot_password"]["address"][0]
    for i in range(limit + 2):
        response = client.post("/auth/forgot", data={"email": "applicant@dih4society.example"},
                               environ_base={"REMOTE_ADDR": f"198.51.100.{i + 1}"})
    assert response.status_code == 429
    assert b"Too many requests" in response.data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == limit


def test_forgot_password_rate_limited_per_ip(app, client, seeded):
    limit = app.config["RATE_LIMITS"]["forgot_password"]["ip"][0]
    statuses = [client.post("/auth/forgot", data={"email": f"x{i}@example.org"}).status_code
                for i in range(limit + 1)]
    assert statuses[:limit] == [302] * limit and statuses[-1] == 429


@pytest.mark.parametrize("known", [True, False])
def test_forgot_password_sends_after_the_response(app, client, seeded, known):
    email = "applicant@dih4society.example" if known else "nobody@example.org"
    response = client.post("/auth/forgot", data={"email": email})
    assert response.status_code == 302
    with app.app_context():
        pending = db.session.scalars(sa.select(OutboxEmail.sent_at)).all()
    assert pending == ([None] if known else [])  # nothing sent before the response closed
    response.close()
    with app.app_context():
        assert all(db.session.scalars(sa.select(OutboxEmail.sent_at)).all())


def test_registration_rate_limited_per_ip(app, client):
    from organisations.test_registration import GOOD

    app.config["RATE_LIMITS"] = {**app.config["RATE_LIMITS"], "register": {"ip": (1, 3600), "address": (9, 3600)}}
    assert client.post("/organisations/register", data=GOOD).status_code == 302
    client.post("/auth/logout")
    response = client.post("/organisations/register", data={**GOOD, "email": "other@prelucrari.example"})
    assert response.status_code == 429 and b"Too many requests" in response.data


def test_rate_limit_refusal_counts_nothing_more(app, seeded):
    app.config["RATE_LIMITS"] = {**app.config["RATE_LIMITS"], "invite": {"ip": (2, 3600), "address": (9, 3600)}}
    with app.app_context():
        for _ in range(2):
            throttle.hit("invite", ip="192.0.2.1")
        db.session.commit()
        with pytest.raises(throttle.RateLimited):
            throttle.hit("invite", ip="192.0.2.1", address="someone@example.org")
        assert db.session.get(LoginThrottle, "rl:invite:addr:someone@example.org") is None
        assert db.session.get(LoginThrottle, "rl:invite:ip:192.0.2.1").failures == 2


def test_control_characters_in_the_email_are_refused_not_an_error(app, client, seeded):
    """A NUL in the e-mail is refused with a 400 and a message before any lookup
    (core/input_guard.py): no 500 from the database, no throttle counter."""
    response = login(client, "manager\x00@dih4society.example", "wrong-password-123")
    assert response.status_code == 400 and b"control character" in response.data.lower()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 0
