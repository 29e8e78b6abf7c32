"""Server-side sessions: logout really ends a session, revocation, timeouts, the
sessions page, and binding to the user agent."""

from datetime import timedelta

import sqlalchemy as sa
from conftest import PASSWORD, login

from dih4society.auth.models import UserSession
from dih4society.core.db import utcnow
from dih4society.extensions import db


def _cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def _replay(app, value):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def test_cookie_saved_before_logout_no_longer_opens_pages(app, client, seeded):
    login(client, "applicant")
    saved = _cookie(client)
    assert _replay(app, saved).get("/applications/mine").status_code == 200
    client.post("/auth/logout")
    response = _replay(app, saved).get("/applications/mine")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    with app.app_context():
        row = db.session.scalars(sa.select(UserSession)).one()
        assert row.revoked_at is not None and row.revoke_reason == "logout"


def test_session_row_records_who_where_and_what(app, client, seeded):
    client.post("/auth/login", data={"email": "manager@dih4society.example", "password": PASSWORD},
                headers={"User-Agent": "TestBrowser/1.0"}, environ_base={"REMOTE_ADDR": "198.51.100.4"})
    with app.app_context():
        row = db.session.scalars(sa.select(UserSession)).one()
        assert (row.ip, row.user_agent, row.method) == ("198.51.100.4", "TestBrowser/1.0", "password")
        assert row.user_id == db.session.scalar(sa.text("SELECT id FROM users WHERE email LIKE 'manager@%'"))
        # The cookie carries a token whose hash is stored, never the token itself.
    assert row.token_hash not in _cookie(client)


def test_idle_timeout(app, client, seeded):
    login(client, "manager")
    assert client.get("/auth/account").status_code == 200
    with app.app_context():
        idle = app.config["SESSION_IDLE_MINUTES"]
        db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=idle + 1)))
        db.session.commit()
    assert client.get("/auth/account").status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(UserSession.revoke_reason)).one() == "idle"


def test_absolute_timeout_even_when_active(app, client, seeded):
    login(client, "manager")
    with app.app_context():
        hours = app.config["SESSION_ABSOLUTE_HOURS"]
        db.session.execute(sa.update(UserSession).values(created_at=utcnow() - timedelta(hours=hours, minutes=1)))
        db.session.commit()
    assert client.get("/auth/account").status_code == 302


def test_last_seen_updated_at_most_once_a_minute(app, client, seeded):
    login(client, "manager")
    with app.app_context():
        before = utcnow() - timedelta(seconds=30)
        db.session.execute(sa.update(UserSession).values(last_seen_at=before))
        db.session.commit()
    client.get("/auth/account")
    with app.app_context():
        assert db.session.scalars(sa.select(UserSession.last_seen_at)).one() == before  # too recent to write
        db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(seconds=90)))
        db.session.commit()
    client.get("/auth/account")
    with app.app_context():
        assert utcnow() - db.session.scalars(sa.select(UserSession.last_seen_at)).one() < timedelta(seconds=30)


def test_cookie_from_another_user_agent_is_refused(app, client, seeded):
    client.post("/auth/login", data={"email": "manager@dih4society.example", "password": PASSWORD},
                headers={"User-Agent": "Browser-A"})
    assert client.get("/auth/account", headers={"User-Agent": "Browser-A"}).status_code == 200
    stolen = _replay(app, _cookie(client))
    assert stolen.get("/auth/account", headers={"User-Agent": "Browser-B"}).status_code == 302
    # The session is revoked for good, even for the original browser.
    assert client.get("/auth/account", headers={"User-Agent": "Browser-A"}).status_code == 302


def test_password_change_revokes_other_sessions_keeps_this_one(app, seeded):
    first, second = app.test_client(), app.test_client()
    login(first, "manager")
    login(second, "manager")
    new = "granite-lantern-orchard"
    second.post("/auth/account", data={"current": PASSWORD, "password": new, "confirm": new})
    assert first.get("/auth/account").status_code == 302
    assert second.get("/auth/account").status_code == 200


def test_role_change_revokes_sessions(app, seeded):
    victim, admin = app.test_client(), app.test_client()
    login(victim, "partner")
    login(admin, "admin")
    admin.post(f"/admin/users/{seeded['partner']}", data={"role": "manager", "partner_id": 0})
    assert victim.get("/auth/account").status_code == 302


def test_sessions_page_lists_and_signs_out_one_session(app, seeded):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "applicant")
    login(phone, "applicant")
    page = laptop.get("/auth/sessions")
    assert page.status_code == 200 and page.data.count(b'id="session-') == 2
    assert b"this session" in page.data
    with app.app_context():
        phone_row = db.session.scalars(sa.select(UserSession).order_by(UserSession.id.desc())).first()
    response = laptop.post(f"/auth/sessions/{phone_row.id}/revoke", follow_redirects=True)
    assert b"signed out" in response.data
    assert phone.get("/applications/mine").status_code == 302
    assert laptop.get("/applications/mine").status_code == 200


def test_cannot_sign_out_someone_elses_session(app, seeded):
    victim, attacker = app.test_client(), app.test_client()
    login(victim, "applicant")
    login(attacker, "applicant2")
    with app.app_context():
        victim_row = db.session.scalars(sa.select(UserSession).order_by(UserSession.id)).first()
    assert attacker.post(f"/auth/sessions/{victim_row.id}/revoke").status_code == 404
    assert victim.get("/applications/mine").status_code == 200
