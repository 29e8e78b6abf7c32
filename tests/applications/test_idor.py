"""Insecure direct object references: typing URLs and posting other people's ids.

An applicant of organisation A gets 404 for anything of organisation B (its existence
is not revealed), whatever the method; the attempt is recorded; nothing changes. A
partner member cannot act for another partner. Extra posted fields are never read.
"""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from applications.builders import FORM, as_user, denied_events, service, state_of

from dih4society.applications.models import Application, AppState, Attachment
from dih4society.core.models import AuditEvent
from dih4society.extensions import db

S = AppState
from samples import PDF  # noqa: E402

GETS = ["/applications/{id}", "/applications/{id}/edit", "/reviews/{id}"]
POSTS = [
    ("/applications/{id}/submit", {}, "b_draft"),
    ("/applications/{id}/withdraw", {}, "b_submitted"),
    ("/applications/{id}/resubmit", {"resubmit-answer": "x"}, "b_returned"),
    ("/applications/{id}/confirm", {"confirm-note": "x"}, "b_delivered"),
    ("/applications/{id}/edit", {**FORM, "requested": "100", "save": "1"}, "b_draft"),
    ("/applications/{id}/edit", {**FORM, "requested": "100", "save": "1"}, "b_returned"),
    ("/applications/{id}/start-delivery", {}, "b_approved"),
    ("/applications/{id}/cancel", {"cancel-reason": "x"}, "b_approved"),
]


@pytest.mark.parametrize("path", GETS)
@pytest.mark.parametrize("key", ["b_draft", "b_submitted", "b_approved"])
def test_an_applicant_cannot_see_another_organisations_application(app, world, path, key):
    client = as_user(app, "applicant")
    assert client.get(path.format(id=world[key])).status_code == 404
    assert denied_events(app, world[key]), "the attempt is recorded"


@pytest.mark.parametrize("path, data, key", POSTS, ids=[f"{p.split('/')[-1]}-{k}" for p, _, k in POSTS])
def test_an_applicant_cannot_act_on_another_organisations_application(app, world, path, data, key):
    before = state_of(app, world[key])
    with app.app_context():
        requested = db.session.get(Application, world[key]).requested_cents
    client = as_user(app, "applicant")
    assert client.post(path.format(id=world[key]), data=data).status_code == 404
    assert state_of(app, world[key]) is before
    with app.app_context():
        assert db.session.get(Application, world[key]).requested_cents == requested


def test_documents_of_another_organisation_cannot_be_read_added_or_removed(app, world):
    client = as_user(app, "applicant")
    # B's document through B's application, and through one of A's own applications.
    assert client.get(f"/applications/{world['b_doc_app']}/attachments/{world['b_doc']}").status_code == 404
    assert client.get(f"/applications/{world['a_doc_app']}/attachments/{world['b_doc']}").status_code == 404
    assert client.get(f"/applications/{world['draft']}/attachments/{world['b_draft_doc']}").status_code == 404
    response = client.post(f"/applications/{world['draft']}/attachments/{world['b_draft_doc']}/delete")
    assert response.status_code == 404
    response = client.post(f"/applications/{world['b_draft']}/attachments/{world['b_draft_doc']}/delete")
    assert response.status_code == 404
    response = client.post(f"/applications/{world['b_draft']}/attachments",
                           data={"upload-kind": "other", "upload-file": (io.BytesIO(PDF), "x.pdf")})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Attachment, world["b_draft_doc"]) is not None
        assert db.session.scalar(sa.select(sa.func.count(Attachment.id)).where(
            Attachment.application_id == world["b_draft"])) == 1
    # Their own document is theirs to read.
    own = client.get(f"/applications/{world['a_doc_app']}/attachments/{world['a_doc']}")
    assert own.status_code == 200 and own.data == PDF


def test_another_organisation_does_not_appear_in_lists(app, world):
    client = as_user(app, "applicant")
    assert client.get("/applications/queue").status_code == 403
    page = client.get("/applications/mine").data.decode()
    assert "Clinica Sfânta Maria" not in page


def test_a_partner_member_cannot_act_for_another_partner(app, world):
    # A's applications use a UTCN service; partner.uo is staff of the University of Oradea.
    client = as_user(app, "partner.uo")
    assert client.post(f"/applications/{world['approved']}/start-delivery").status_code == 403
    from dih4society.core.db import utcnow

    response = client.post(f"/applications/{world['in_delivery']}/record-delivery", data={
        "delivery-delivered_on": utcnow().date().isoformat(), "delivery-notes": "x", "delivery-actual_cost": "1"})
    assert response.status_code == 403
    assert state_of(app, world["approved"]) is S.APPROVED
    assert state_of(app, world["in_delivery"]) is S.IN_DELIVERY
    # UTCN staff cannot deliver B's CLUJIT service either.
    response = as_user(app, "partner").post(f"/applications/{world['b_approved']}/start-delivery")
    assert response.status_code == 403 and state_of(app, world["b_approved"]) is S.APPROVED


EXTRA = {"state": "approved", "approved_amount": "18000", "approved_cents": "1800000",
         "organisation_id": "{b_org}", "reference": "DIH-2026-999999", "aid_cents": "1",
         "created_by_id": "{b_user}", "decided_by_id": "1", "budget_account_id": "1"}


def _extra(app, world) -> dict:
    with app.app_context():
        b = db.session.get(Application, world["b_submitted"])
        return {k: v.format(b_org=b.organisation_id, b_user=b.created_by_id) for k, v in EXTRA.items()}


def test_extra_fields_on_a_new_application_change_nothing(app, world):
    extra = _extra(app, world)
    client = as_user(app, "applicant")
    with app.app_context():
        service_id = service("TBI-ROB-01").id
    response = client.post(f"/applications/new?service_id={service_id}", data={**FORM, **extra, "save": "1"})
    assert response.status_code == 302
    new_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context():
        application = db.session.get(Application, new_id)
        assert application.state is S.DRAFT
        assert application.approved_cents is None and application.aid_cents is None
        assert application.reference is None and application.budget_account_id is None
        assert application.organisation.legal_name == "Tehnoplast Someș SRL"
        assert application.created_by.email == "applicant@dih4society.example"
        assert application.decided_by_id is None


def test_extra_fields_on_edit_and_steps_change_nothing(app, world):
    extra = _extra(app, world)
    client = as_user(app, "applicant")
    assert client.post(f"/applications/{world['draft']}/edit", data={**FORM, **extra, "save": "1"}).status_code == 302
    assert client.post(f"/applications/{world['returned']}/resubmit",
                       data={"resubmit-answer": "Two people.", **extra}).status_code == 302
    manager = as_user(app, "manager")
    assert manager.post(f"/applications/{world['in_review']}/reject",
                        data={"reject-reason": "No.", **extra, "approve-amount": "18000"}).status_code == 302
    with app.app_context():
        draft = db.session.get(Application, world["draft"])
        assert draft.state is S.DRAFT and draft.reference is None and draft.approved_cents is None
        assert draft.organisation.legal_name == "Tehnoplast Someș SRL"
        resubmitted = db.session.get(Application, world["returned"])
        assert resubmitted.state is S.SUBMITTED and resubmitted.reference != "DIH-2026-999999"
        assert resubmitted.approved_cents is None
        rejected = db.session.get(Application, world["in_review"])
        assert rejected.state is S.REJECTED and rejected.approved_cents is None and rejected.aid_cents is None
        assert rejected.organisation.legal_name == "Tehnoplast Someș SRL"


def test_an_applicant_cannot_take_hub_steps_on_its_own_application(app, world):
    client = as_user(app, "applicant")
    for path, data, key in [
        ("/applications/{id}/start-review", {}, "submitted"),
        ("/applications/{id}/approve", {"approve-amount": "15000"}, "in_review"),
        ("/applications/{id}/reject", {"reject-reason": "x"}, "in_review"),
        ("/applications/{id}/return", {"return-question": "x"}, "in_review"),
        ("/applications/{id}/start-delivery", {}, "approved"),
        ("/applications/{id}/record-delivery", {"delivery-notes": "x"}, "in_delivery"),
        ("/applications/{id}/cancel", {"cancel-reason": "x"}, "approved"),
    ]:
        before = state_of(app, world[key])
        assert client.post(path.format(id=world[key]), data=data).status_code == 403, path
        assert state_of(app, world[key]) is before
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.verb == "denied")) >= 7
