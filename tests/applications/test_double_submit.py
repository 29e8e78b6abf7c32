"""A create form sent twice creates one application (one-time form token, core/once.py).

The concurrent case runs on whichever database the suite runs on: SQLite by default,
PostgreSQL with TEST_DATABASE_URL (see README "Tests")."""

from __future__ import annotations

import re
import threading

import sqlalchemy as sa
from applications.builders import FORM, as_user, service_id
from samples import PDF

from dih4society.applications.models import Application, AppState
from dih4society.core.models import AuditEvent, FormSubmission
from dih4society.extensions import db


def _token(client, sid: int) -> str:
    page = client.get(f"/applications/new?service_id={sid}").data.decode()
    match = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', page)
    assert match, "the form carries a one-time token"
    return match.group(1)


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Application.id)))


def test_each_rendered_form_gets_its_own_token(app, seeded):
    client = as_user(app, "applicant")
    sid = service_id(app)
    assert _token(client, sid) != _token(client, sid)


def test_sending_the_same_form_twice_creates_one_submitted_application(app, seeded):
    client = as_user(app, "applicant")
    sid = service_id(app)
    data = {**FORM, "submit": "1", "token": _token(client, sid)}
    first = client.post(f"/applications/new?service_id={sid}", data=data)
    second = client.post(f"/applications/new?service_id={sid}", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app) == 1
    page = client.get(second.headers["Location"])
    assert b"already been sent" in page.data
    with app.app_context():
        application = db.session.scalar(sa.select(Application))
        assert application.state is AppState.SUBMITTED
        verbs = db.session.scalars(sa.select(AuditEvent.verb).where(AuditEvent.object_id == application.id,
                                                                    AuditEvent.object_type == "application"))
        assert list(verbs) == ["application.create", "application.submit"]


def test_a_refused_send_does_not_use_up_the_token(app, seeded):
    client = as_user(app, "applicant")
    sid = service_id(app)
    token = _token(client, sid)
    bad = client.post(f"/applications/new?service_id={sid}",
                      data={**FORM, "requested": "99999999.00", "save": "1", "token": token})
    assert bad.status_code == 200 and f'value="{token}"'.encode() in bad.data
    good = client.post(f"/applications/new?service_id={sid}", data={**FORM, "save": "1", "token": token})
    assert good.status_code == 302 and _count(app) == 1


def test_another_users_token_is_not_theirs_to_replay(app, seeded):
    applicant = as_user(app, "applicant")
    sid = service_id(app)
    token = _token(applicant, sid)
    assert applicant.post(f"/applications/new?service_id={sid}",
                          data={**FORM, "save": "1", "token": token}).status_code == 302
    other = as_user(app, "applicant2")
    cyb = service_id(app, "TBI-CYB-01")
    response = other.post(f"/applications/new?service_id={cyb}", data={**FORM, "save": "1", "token": token})
    assert response.status_code == 200 and b"This form has expired" in response.data
    assert _count(app) == 1


def test_two_concurrent_posts_of_the_same_form_create_exactly_one(app, seeded):
    sid = service_id(app)
    clients = [as_user(app, "applicant") for _ in range(2)]
    data = {**FORM, "submit": "1", "token": _token(clients[0], sid)}
    barrier = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)

    def post(i: int) -> None:
        barrier.wait()
        responses[i] = clients[i].post(f"/applications/new?service_id={sid}", data=data)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0].headers["Location"] == responses[1].headers["Location"]
    assert _count(app) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FormSubmission)) == 1
        assert db.session.scalar(sa.select(Application.state)) is AppState.SUBMITTED


def test_a_document_sent_twice_is_added_once(app, seeded):
    import io

    from applications.builders import S, build, make_cast

    from dih4society.applications.models import Attachment

    with app.app_context():
        cast = make_cast()
        draft_id = build(cast, S.DRAFT).id
        db.session.commit()
    client = as_user(app, "applicant")
    page = client.get(f"/applications/{draft_id}").data.decode()
    token = re.search(r'name="upload-token" type="hidden" value="([0-9a-f]{32})"', page).group(1)
    for _ in range(2):
        response = client.post(f"/applications/{draft_id}/attachments", data={
            "upload-kind": "other", "upload-token": token,
            "upload-file": (io.BytesIO(PDF), "a.pdf")})
        assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 1


def test_used_tokens_are_forgotten_after_a_week(ctx, seeded):
    from datetime import timedelta

    import pytest

    from dih4society.core import once
    from dih4society.core.db import utcnow

    db.session.add(FormSubmission(token="a" * 32, purpose="application.create", actor_id=1, object_id=7,
                                  created_at=utcnow() - timedelta(days=8)))
    db.session.add(FormSubmission(token="b" * 32, purpose="application.create", actor_id=1, object_id=8,
                                  created_at=utcnow() - timedelta(days=6)))
    db.session.flush()
    once.claim("c" * 32, "application.create", 1)
    assert db.session.scalars(sa.select(FormSubmission.token).execution_options(populate_existing=True)
                              .order_by(FormSubmission.token)).all() == ["b" * 32, "c" * 32]
    with pytest.raises(once.AlreadySubmitted) as done:
        once.claim("b" * 32, "application.create", 1)
    assert done.value.object_id == 8
