"""CSRF, cookies, security headers, error pages."""

import re

import pytest
import sqlalchemy as sa
from conftest import PASSWORD, login

from dih4society import create_app
from dih4society.extensions import db
from dih4society.organisations.models import Organisation


def test_post_without_csrf_token_is_refused_and_changes_nothing(make_app, seeded):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/organisations/register", data={
        "kind": "sme", "legal_name": "Fără Token SRL", "fiscal_code": "14399840",
        "trade_register_no": "J12/1/2020", "county": "CJ", "caen_code": "2511", "headcount": 5,
        "turnover": "100000", "balance_sheet": "100000", "full_name": "Ana Pop",
        "email": "ana@example.org", "password": "violet-tractor-harbour",
        "confirm": "violet-tractor-harbour"})
    assert response.status_code in (200, 400)
    assert b"CSRF" in response.data or response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(Organisation).where(Organisation.fiscal_code == "14399840")) is None


def _session_data(app, client) -> dict:
    """The visitor's session as the server would read it from the client's cookie."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return {}
    serializer = app.session_interface.get_signing_serializer(app)
    return dict(serializer.loads(cookie.value))


def test_login_without_csrf_token_is_refused_and_logs_nobody_in(make_app, seeded):
    """Correct credentials without the CSRF token: 400, no logged-in session, still anonymous."""
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/auth/login", data={"email": "admin@dih4society.example", "password": PASSWORD})
    assert response.status_code == 400
    # No identity was issued: no remember cookie, and the session (if a cookie was set
    # at all, e.g. for a fresh CSRF token on the error page) carries no user.
    assert client.get_cookie("remember_token") is None
    for header in response.headers.getlist("Set-Cookie"):
        assert not header.startswith("remember_token=")
    assert "_user_id" not in _session_data(app, client)
    # The next request is still anonymous: a protected page sends the visitor to log in.
    follow_up = client.get("/auth/account")
    assert follow_up.status_code == 302 and "/auth/login" in follow_up.headers["Location"]

    # The control: the same credentials *with* the token do log in, so the refusal
    # above was the missing token and not, say, a wrong password.
    page = client.get("/auth/login")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1).decode()
    response = client.post("/auth/login", data={"email": "admin@dih4society.example", "password": PASSWORD,
                                                "csrf_token": token})
    assert response.status_code == 302
    assert "_user_id" in _session_data(app, client)
    assert client.get("/auth/account").status_code == 200


def test_security_headers_and_cookie_flags(client, seeded):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    response = login(client, "manager", follow=False)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_to_start_without_secrets(monkeypatch):


    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app("production")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db/x")
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app("production")


def test_404_and_403_pages_in_site_style(client, seeded):
    login(client, "applicant")
    response = client.get("/no/such/page")
    assert response.status_code == 404 and b"navbar" in response.data
    response = client.get("/admin/users")
    assert response.status_code == 403 and b"navbar" in response.data


def test_500_page_hides_the_trace_and_rolls_back(app, client, seeded):
    @app.get("/boom-test")
    def boom():  # pragma: no cover - exercised through the client
        raise RuntimeError("secret internals")

    from dih4society.core import security

    security.PUBLIC_ENDPOINTS = security.PUBLIC_ENDPOINTS | {"boom"}
    try:
        app.testing = False
        app.config["PROPAGATE_EXCEPTIONS"] = False
        response = client.get("/boom-test")
    finally:
        security.PUBLIC_ENDPOINTS = security.PUBLIC_ENDPOINTS - {"boom"}
    assert response.status_code == 500
    assert b"secret internals" not in response.data and b"Traceback" not in response.data


def test_denied_access_is_audited(app, client, seeded):
    from dih4society.core.models import AuditEvent

    login(client, "applicant")
    client.get("/admin/users")
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.verb == "denied")).one()
        assert event.data["what"] == "admin.users" and event.actor_id == seeded["applicant"]


def test_audit_table_is_insert_only(ctx, seeded):

    from sqlalchemy.exc import DatabaseError

    assert db.session.execute(sa.text("SELECT count(*) FROM audit_events")).scalar() > 0
    for statement in ("UPDATE audit_events SET verb = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DatabaseError, match="insert-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()


@pytest.mark.parametrize("path", [
    "/catalogue/99999999999999999999",
    "/catalogue/?partner=99999999999999999999",
    "/catalogue/?page=99999999999999999",
    "/admin/audit?object_id=99999999999999999999",
    "/applications/99999999999999999999",
    "/applications/queue?page=99999999999999999",
    "/budget/ledger?page=99999999999999999",
])
def test_absurd_numbers_in_urls_are_a_clear_refusal(client, seeded, path):
    login(client, "admin")
    response = client.get(path)
    assert response.status_code in (400, 404), response.status_code
    assert b"navbar" in response.data


@pytest.mark.parametrize("path", [
    "/budget/ledger?date_from=0001-01-01&date_to=9999-12-31",
    "/applications/queue?from=0001-01-01&to=9999-12-31",
    "/reports/export/ledger.csv?date_from=0001-01-01&date_to=9999-12-31",
    "/reports/export/applications.csv?from=0001-01-01&to=9999-12-31",
])
def test_extreme_dates_in_filters_do_not_break_pages(client, seeded, path):
    login(client, "admin")
    response = client.get(path)
    response.get_data()  # exports stream: read to the end
    response.close()
    assert response.status_code == 200
