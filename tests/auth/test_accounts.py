"""Accounts: password policy and hashing, login, throttling, sessions, reset tokens."""

import re

import sqlalchemy as sa
from conftest import PASSWORD, login

from dih4society.auth import services
from dih4society.auth.models import Role, User
from dih4society.core.models import AuditEvent, OutboxEmail
from dih4society.extensions import db


def test_password_policy(ctx):
    assert services.password_problem("short-pass") is not None
    assert services.password_problem("passwordpassword") is not None  # common
    assert services.password_problem("aaaaaaaaaaaaaaa") is not None  # too few characters
    assert services.password_problem("andrei.popescu-2026", "andrei.popescu@x.ro") is not None
    assert services.password_problem("violet-tractor-harbour") is None


def test_hash_is_argon2id_at_configured_cost(app):
    with app.app_context():
        digest = services.hash_password("violet-tractor-harbour")
        assert digest.startswith("$argon2id$")
        assert f"m={app.config['ARGON2_MEMORY_KIB']},t={app.config['ARGON2_TIME_COST']},p=1" in digest


def test_production_uses_owasp_argon2_parameters():
    from config import ProductionConfig

    assert ProductionConfig.ARGON2_MEMORY_KIB >= 19456 and ProductionConfig.ARGON2_TIME_COST >= 2


def test_login_and_logout(client, seeded):
    response = login(client, "manager")
    assert b"Log out" in response.data
    response = client.post("/auth/logout", follow_redirects=True)
    assert b"Log out" not in response.data
    assert client.get("/applications/mine").status_code == 302


def test_email_is_case_insensitive(client, seeded):
    assert b"Log out" in login(client, "MANAGER@DIH4SOCIETY.example").data


def test_wrong_password_gives_one_message_and_is_audited(app, client, seeded):
    response = login(client, "manager", "wrong-password-123")
    assert b"Wrong e-mail or password" in response.data
    response = login(client, "nobody@example.org", "wrong-password-123")
    assert b"Wrong e-mail or password" in response.data
    with app.app_context():
        verbs = db.session.scalars(sa.select(AuditEvent.verb)).all()
        assert verbs.count("login.failed") == 2


def test_session_cleared_at_login(client, seeded):
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    login(client, "manager")
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_next_only_to_this_site(client, seeded):
    for target, expected in (("/catalogue/", "/catalogue/"), ("https://evil.example/x", "/"),
                             ("//evil.example/x", "/"), ("/\\evil.example", "/")):
        client.post("/auth/logout")
        response = client.post(f"/auth/login?next={target}",
                               data={"email": "manager@dih4society.example", "password": PASSWORD})
        assert response.status_code == 302
        assert response.headers["Location"] == expected, target


def test_logout_everywhere_ends_other_sessions(app, seeded):
    first, second = app.test_client(), app.test_client()
    login(first, "manager")
    login(second, "manager")
    assert first.get("/auth/account").status_code == 200
    second.post("/auth/logout-everywhere", data={})
    assert first.get("/auth/account").status_code == 302


def test_deactivated_user_loses_session_and_cannot_log_in(app, seeded):
    victim, admin = app.test_client(), app.test_client()
    login(victim, "applicant")
    assert victim.get("/auth/account").status_code == 200
    login(admin, "admin")
    response = admin.post(f"/admin/users/{seeded['applicant']}/active/0")
    assert response.status_code == 302
    assert victim.get("/auth/account").status_code == 302
    assert b"Log out" not in login(victim, "applicant").data


def test_password_reset_by_emailed_token_single_use(app, client, seeded):
    response = client.post("/auth/forgot", data={"email": "applicant@dih4society.example"},
                           follow_redirects=True)
    assert b"If an account exists" in response.data
    with app.app_context():
        mail = db.session.scalars(sa.select(OutboxEmail)).one()
        assert mail.sent_at is not None  # delivered (to the log) after commit
    link = re.search(r"http://127.0.0.1:5000(/auth/reset/\S+)", mail.body).group(1)
    new = "granite-lantern-orchard"
    response = client.post(link, data={"password": new, "confirm": new}, follow_redirects=True)
    assert b"Your password is set" in response.data
    assert b"Log out" in login(client, "applicant", new).data
    client.post("/auth/logout")
    # The token dies with the password change.
    response = client.get(link, follow_redirects=True)
    assert b"not valid" in response.data


def test_forgot_password_does_not_reveal_accounts(app, client, seeded):
    response = client.post("/auth/forgot", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert b"If an account exists" in response.data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0


def test_tampered_reset_token_refused(client, seeded):
    response = client.get("/auth/reset/not-a-token", follow_redirects=True)
    assert b"not valid" in response.data


def test_change_password_keeps_this_session(client, seeded):
    login(client, "manager")
    new = "granite-lantern-orchard"
    response = client.post("/auth/account", data={"current": PASSWORD, "password": new, "confirm": new},
                           follow_redirects=True)
    assert b"Password changed" in response.data
    assert client.get("/auth/account").status_code == 200


def test_admin_creates_staff_and_changes_role(app, client, seeded):
    login(client, "admin")
    with app.app_context():
        from dih4society.catalogue.models import Partner

        partner_id = db.session.scalar(sa.select(Partner.id).where(Partner.code == "UO"))
    response = client.post("/admin/users/new", data={
        "full_name": "Călin Rus", "email": "calin@uoradea.example", "role": "partner_staff",
        "partner_id": partner_id, "password": "violet-tractor-harbour"}, follow_redirects=True)
    assert b"created" in response.data
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "calin@uoradea.example"))
        assert user.role is Role.PARTNER_STAFF and user.partner_id == partner_id
        uid = user.id
    client.post(f"/admin/users/{uid}", data={"role": "manager", "partner_id": 0})
    with app.app_context():
        user = db.session.get(User, uid)
        assert user.role is Role.MANAGER and user.partner_id is None and user.session_version == 2


def test_admin_cannot_create_staff_without_partner_or_with_weak_password(app, client, seeded):
    login(client, "admin")
    response = client.post("/admin/users/new", data={
        "full_name": "X", "email": "x@example.org", "role": "partner_staff", "partner_id": 0,
        "password": "violet-tractor-harbour"})
    assert b"Partner staff belong to a partner" in response.data
    response = client.post("/admin/users/new", data={
        "full_name": "X", "email": "x@example.org", "role": "manager", "partner_id": 0,
        "password": "short"})
    assert b"at least 12" in response.data
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "x@example.org")) is None


def test_a_manager_with_a_partner_is_refused_not_silently_changed(app, client, seeded):
    login(client, "admin")
    with app.app_context():
        from dih4society.catalogue.models import Partner

        partner_id = db.session.scalar(sa.select(Partner.id).where(Partner.code == "UO"))
        staff_id = db.session.scalar(sa.select(User.id).where(User.role == Role.PARTNER_STAFF))
    response = client.post("/admin/users/new", data={
        "full_name": "X", "email": "x@example.org", "role": "manager", "partner_id": partner_id,
        "password": "violet-tractor-harbour"})
    assert b"Only partner staff belong to a partner" in response.data
    assert b"violet" not in response.data  # the password is never echoed back
    response = client.post(f"/admin/users/{staff_id}", data={"role": "manager", "partner_id": partner_id})
    assert b"Only partner staff belong to a partner" in response.data
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "x@example.org")) is None
        assert db.session.get(User, staff_id).role is Role.PARTNER_STAFF


def test_reset_link_ignores_a_forged_host_header(app, client, seeded):
    client.post("/auth/forgot", data={"email": "manager@dih4society.example"},
                headers={"Host": "evil.example"})
    with app.app_context():
        body = db.session.scalars(sa.select(OutboxEmail.body)).one()
    assert "evil.example" not in body
    assert app.config["PUBLIC_BASE_URL"] + "/auth/reset/" in body


def test_a_staff_user_form_sent_twice_creates_one_user(app, client, seeded):
    import re

    login(client, "admin")
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"',
                      client.get("/admin/users/new").get_data(as_text=True)).group(1)
    data = {"full_name": "Dana Pop", "email": "dana@dih4society.example", "role": "manager",
            "partner_id": 0, "password": "violet-tractor-harbour", "token": token}
    first = client.post("/admin/users/new", data=data)
    second = client.post("/admin/users/new", data=data)
    assert first.status_code == 302 and second.status_code == 302
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == "dana@dih4society.example"))
    assert second.headers["Location"].endswith(f"/admin/users/{user_id}")
    assert b"already been created" in client.get(second.headers["Location"]).data
