"""Supporting documents: checked by content, stored outside the web root under random names.

The type comes from the file's first bytes (PDF, PNG, JPEG), never from its name or
the browser's Content-Type, and is then proven (``filecheck``: a PDF must parse and
hold nothing active, an image is decoded and re-encoded without metadata); the stored name is a UUID, so nothing the user typed
reaches the file system. Files are served only through the download route, which
checks that the viewer may see the application.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..core import audit
from ..core.errors import DomainError
from ..extensions import db
from . import filecheck, workflow
from .models import Application, Attachment

KINDS = {
    "signed_declaration": _l("Signed declaration"),
    "financial_statements": _l("Financial statements"),
    "other": _l("Other supporting document"),
}

#: (leading bytes, content type, extension)
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the first bytes, or None for anything else."""
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    return None


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def path_of(attachment: Attachment) -> Path:
    """Where the file lives (the stored name is ours: a UUID plus the sniffed extension)."""
    return upload_dir() / attachment.stored_name


def _clean_name(filename: str | None, ext: str) -> str:
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>')[:200]
    return name or f"document.{ext}"


def store(actor, application: Application, kind: str, stream: BinaryIO, filename: str | None) -> Attachment:
    """Check and store an uploaded file for `application` (applicant users, while editable)."""
    if not workflow.is_member(actor, application):
        raise workflow.TransitionRefused(_("Only the applicant organisation's users can add documents."))
    if not workflow.can_edit(actor, application):
        raise workflow.WrongState(_("Documents can be added only to a draft or a returned application."))
    if kind not in KINDS:
        raise DomainError(_("Choose what kind of document this is."), "kind")
    if len(application.attachments) >= MAX_ATTACHMENTS:
        raise DomainError(_("An application holds at most %(n)d documents; remove one first.",
                            n=MAX_ATTACHMENTS), "file")
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    data = stream.read(limit + 1)
    if not data:
        raise DomainError(_("The file is empty."), "file")
    if len(data) > limit:
        raise DomainError(_("The file is larger than %(mb)s MB.", mb=round(limit / 1024 / 1024, 1)), "file")
    sniffed = sniff(data[:16])
    if sniffed is None:
        raise DomainError(_("Only PDF, PNG and JPEG files are accepted (checked from the content)."), "file")
    content_type, ext = sniffed
    if content_type == "application/pdf":
        filecheck.check_pdf(data)
    else:
        data = filecheck.reencode_image(data, content_type)  # stored without metadata
    stored_name = f"{uuid.uuid4().hex}.{ext}"
    target = upload_dir() / stored_name
    with open(target, "xb") as fh:
        fh.write(data)
    os.chmod(target, 0o600)
    # If the transaction that records it is rolled back, the file goes too (no orphans).
    db.session.info.setdefault("new_files", []).append(target)
    attachment = Attachment(application_id=application.id, kind=kind,
                            original_name=_clean_name(filename, ext), stored_name=stored_name,
                            content_type=content_type, size_bytes=len(data), uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    audit.record(actor, "attachment.upload", "application", application.id,
                 {"attachment_id": attachment.id, "kind": kind, "name": attachment.original_name,
                  "content_type": content_type, "size_bytes": len(data)})
    return attachment


MAX_ATTACHMENTS = 20


@event.listens_for(Session, "after_commit")
def _keep_new_files(session) -> None:
    session.info.pop("new_files", None)


@event.listens_for(Session, "after_soft_rollback")
def _drop_new_files(session, _previous_transaction) -> None:
    for path in session.info.pop("new_files", []):
        Path(path).unlink(missing_ok=True)


def remove(actor, application: Application, attachment: Attachment) -> Path:
    """Delete a document of an editable application; returns the file to unlink after commit."""
    if not workflow.is_member(actor, application):
        raise workflow.TransitionRefused(_("Only the applicant organisation's users can remove documents."))
    if not workflow.can_edit(actor, application):
        raise workflow.WrongState(_("Documents can be removed only from a draft or a returned application."))
    path = path_of(attachment)
    audit.record(actor, "attachment.delete", "application", application.id,
                 {"attachment_id": attachment.id, "kind": attachment.kind, "name": attachment.original_name})
    db.session.delete(attachment)
    db.session.flush()
    return path
