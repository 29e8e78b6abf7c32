"""Supporting documents: type from the content, size limit, stored outside the web root
under generated names, served as downloads only to those who may see the application."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from applications.builders import as_user
from samples import JPEG, PDF, PNG, pdf

from dih4society.applications.attachments import sniff
from dih4society.applications.models import Attachment
from dih4society.core.models import AuditEvent
from dih4society.extensions import db

HTML = b"<html><script>alert(1)</script></html>"


def upload(client, application_id, content: bytes, name: str, kind: str = "financial_statements"):
    return client.post(f"/applications/{application_id}/attachments",
                       data={"upload-kind": kind, "upload-file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("head, expected", [
    (PDF, ("application/pdf", "pdf")), (PNG, ("image/png", "png")), (JPEG, ("image/jpeg", "jpg")),
    (HTML, None), (b"GIF89a", None), (b"PK\x03\x04", None), (b"", None),
])
def test_the_type_comes_from_the_first_bytes(head, expected):
    assert sniff(head[:16]) == expected


def test_upload_is_stored_outside_the_web_root_under_a_generated_name(app, world):
    client = as_user(app, "applicant")
    response = upload(client, world["draft"], PDF, "../../static/Bilanț 2025.pdf")
    assert response.status_code == 302
    with app.app_context():
        attachment = db.session.scalars(sa.select(Attachment).where(
            Attachment.application_id == world["draft"]).order_by(Attachment.id.desc())).first()
        assert attachment.original_name == "Bilanț 2025.pdf"
        assert attachment.content_type == "application/pdf" and attachment.size_bytes == len(PDF)
        stored = Path(app.config["UPLOAD_DIR"]) / attachment.stored_name
        assert attachment.stored_name.endswith(".pdf") and "Bilan" not in attachment.stored_name
        assert len(attachment.stored_name) == 36  # 32 hex digits + ".pdf"
        assert stored.read_bytes() == PDF
        assert oct(os.stat(stored).st_mode)[-3:] == "600"
        static = Path(app.static_folder).resolve()
        assert static not in stored.resolve().parents
        assert db.session.scalar(sa.select(AuditEvent.verb).where(
            AuditEvent.object_id == world["draft"], AuditEvent.verb == "attachment.upload")) is not None
    assert client.get(f"/static/{attachment.stored_name}").status_code == 404


def test_a_renamed_file_is_judged_by_its_content(app, world):
    client = as_user(app, "applicant")
    response = upload(client, world["draft"], HTML, "statement.pdf")
    assert response.status_code == 400
    assert b"Only PDF, PNG and JPEG" in response.data
    response = upload(client, world["draft"], PNG, "scan.txt")
    assert response.status_code == 302
    with app.app_context():
        latest = db.session.scalars(sa.select(Attachment).order_by(Attachment.id.desc())).first()
        assert latest.content_type == "image/png" and latest.stored_name.endswith(".png")


def test_size_limit_and_empty_files(app, world):
    app.config["MAX_ATTACHMENT_BYTES"] = 1024
    client = as_user(app, "applicant")
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(Attachment.id)))
    too_big = upload(client, world["draft"], pdf(pad_to=1025), "big.pdf")
    assert too_big.status_code == 400 and b"larger than" in too_big.data
    assert upload(client, world["draft"], pdf(pad_to=1024), "fits.pdf").status_code == 302
    empty = upload(client, world["draft"], b"", "empty.pdf")
    assert empty.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == before + 1
    assert len(os.listdir(app.config["UPLOAD_DIR"])) == before + 1


def test_documents_are_added_only_while_the_application_is_editable(app, world):
    client = as_user(app, "applicant")
    assert upload(client, world["returned"], PDF, "more.pdf").status_code == 302
    response = upload(client, world["submitted"], PDF, "late.pdf")
    assert response.status_code == 302  # told, nothing stored
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attachment.id)).where(
            Attachment.application_id == world["submitted"])) == 0
    # The hub never uploads on an applicant's behalf.
    assert upload(as_user(app, "manager"), world["returned"], PDF, "x.pdf").status_code == 403


def test_download_is_an_attachment_with_nosniff(app, world):
    path = f"/applications/{world['a_doc_app']}/attachments/{world['a_doc']}"
    for who in ("applicant", "partner", "manager", "admin"):
        response = as_user(app, who).get(path)
        assert response.status_code == 200, who
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "a-declaration.pdf" in response.headers["Content-Disposition"]
        assert "no-store" in response.headers["Cache-Control"]
    assert as_user(app, "applicant2").get(path).status_code == 404


def test_remove_a_document_from_a_draft(app, world):
    client = as_user(app, "applicant")
    with app.app_context():
        stored = Path(app.config["UPLOAD_DIR"]) / db.session.get(Attachment, world["a_draft_doc"]).stored_name
    assert stored.exists()
    response = client.post(f"/applications/{world['draft']}/attachments/{world['a_draft_doc']}/delete")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Attachment, world["a_draft_doc"]) is None
    assert not stored.exists()
    # On a submitted application the document stays.
    response = client.post(f"/applications/{world['a_doc_app']}/attachments/{world['a_doc']}/delete")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Attachment, world["a_doc"]) is not None


def test_file_of_a_rolled_back_upload_is_removed(app, tmp_path):
    """A document whose database row is rolled back leaves no file behind."""
    import io
    from pathlib import Path

    import sqlalchemy as sa

    from dih4society.applications import attachments
    from dih4society.applications.models import Application, AppState
    from dih4society.auth.models import User
    from dih4society.demo import seed_base
    from dih4society.extensions import db

    with app.app_context():
        seed_base("correct-horse-battery-9")
        db.session.commit()
        user = db.session.scalar(sa.select(User).where(User.email == "applicant@dih4society.example"))
        service_id = db.session.scalar(sa.text("SELECT id FROM services WHERE code = 'NET-EVT-01'"))
        application = Application(organisation_id=user.organisation_id, service_id=service_id,
                                  created_by_id=user.id, state=AppState.DRAFT, requested_cents=100_000)
        db.session.add(application)
        db.session.commit()
        attachment = attachments.store(user, application, "signed_declaration",
                                       io.BytesIO(PDF), "d.pdf")
        stored = Path(app.config["UPLOAD_DIR"]) / attachment.stored_name
        assert stored.exists()
        db.session.rollback()
        assert not stored.exists()
