"""Deny by default: every endpoint is public or listed, and every role gets what it should."""

import pytest
from access_matrix import ANON, CASES, PUBLIC, ROLES
from conftest import login

DEMO_LOGIN = {
    "applicant": "applicant",
    "partner_staff": "partner",
    "manager": "manager",
    "admin": "admin",
}


def test_every_endpoint_is_public_or_listed(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unlisted = endpoints - set(PUBLIC) - set(CASES)
    assert not unlisted, f"endpoints neither public nor in tests/access_matrix.py: {sorted(unlisted)}"
    stale = (set(PUBLIC) | set(CASES)) - endpoints
    assert not stale, f"listed endpoints that no longer exist: {sorted(stale)}"


def test_public_list_in_code_matches_the_tests():
    from dih4society.core.security import PUBLIC_ENDPOINTS

    assert set(PUBLIC_ENDPOINTS) == set(PUBLIC)


@pytest.fixture
def matrix_ids(app, seeded):
    """Ids the matrix paths refer to, from the demo data plus fixtures of the features."""
    import sqlalchemy as sa

    from dih4society.catalogue.models import Service
    from dih4society.extensions import db
    from dih4society.organisations.models import Organisation

    with app.app_context():
        ids = {f"{name.replace('.', '_')}_id": uid for name, uid in seeded.items()}
        ids["service_id"] = db.session.scalar(sa.select(Service.id).order_by(Service.id))
        applicant_org = db.session.scalar(
            sa.select(Organisation.id).join(Organisation.users).where(
                Organisation.users.any(id=seeded["applicant"])))
        ids["org_id"] = applicant_org
        ids["other_org_id"] = db.session.scalar(
            sa.select(Organisation.id).where(Organisation.id != applicant_org).order_by(Organisation.id))
        try:
            from matrix_fixtures import extra_ids
        except ImportError:
            extra_ids = None
        if extra_ids is not None:
            ids.update(extra_ids(seeded))
    return ids


@pytest.mark.parametrize("endpoint", sorted(e for e, path in PUBLIC.items() if path))
def test_public_endpoints_answer_visitors(client, seeded, endpoint):
    # Public endpoints without a path (token links, POSTs) are tested by their features.
    response = client.get(PUBLIC[endpoint])
    response.close()
    assert response.status_code == 200


def _last_audit_id(app) -> int:
    """The newest audit event's id before a request (for `audits(verb)` checks)."""
    import sqlalchemy as sa

    from dih4society.core.models import AuditEvent
    from dih4society.extensions import db

    with app.app_context():
        try:
            return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0)))
        finally:
            db.session.rollback()


def test_every_redirecting_step_has_a_check_that_it_happened():
    """A refusal redirects too (with a flash message): a 302 alone proves nothing."""
    unchecked = sorted(e for e, c in CASES.items() if 302 in c.ok_status and c.done is None)
    assert not unchecked, f"add a `done` check in tests/access_matrix.py for: {unchecked}"


@pytest.mark.parametrize("endpoint", sorted(CASES))
@pytest.mark.parametrize("role", (ANON,) + ROLES)
def test_role_against_endpoint(app, matrix_ids, endpoint, role):
    case = CASES[endpoint]
    client = app.test_client()
    if role != ANON:
        response = login(client, DEMO_LOGIN[role])
        assert b"Log out" in response.data
    path = case.path.format(**matrix_ids)
    before = _last_audit_id(app)
    # String values may name ids too (e.g. an agreement's content hash).
    data = {k: v.format(**matrix_ids) if isinstance(v, str) else v for k, v in case.data.items()}
    response = client.open(path, method=case.method, data=data)
    if role == ANON and case.method == "POST" and endpoint not in ("auth.logout", "auth.logout_everywhere"):
        # A form sent without a session: kept, with a login form (core/stash.py);
        # logging out without a session just goes to the login page.
        assert response.status_code == 401 and b"Log in to continue" in response.data
    elif role == ANON:
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]
    elif role in case.allowed:
        assert response.status_code in case.ok_status, (path, response.status_code)
        if case.done is not None:
            case.done(app, client, {**matrix_ids, "_audit_before": before}, response)
    else:
        assert response.status_code == (404 if case.hidden else 403), (path, response.status_code)
