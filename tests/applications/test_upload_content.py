"""Uploads are checked beyond their first bytes: PDFs parse and hold nothing active,
images are decoded and re-encoded without metadata. Refusals say why and store nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from applications.builders import as_user
from PIL import Image
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject
from samples import JPEG, PDF, PNG, image, js_action, pdf_with

from dih4society.applications import filecheck
from dih4society.applications.models import Attachment
from dih4society.core.errors import DomainError
from dih4society.extensions import db


def upload(client, application_id, content: bytes, name: str):
    return client.post(f"/applications/{application_id}/attachments",
                       data={"upload-kind": "other", "upload-file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def embedded_file_tree() -> DictionaryObject:
    spec = DictionaryObject({NameObject("/Type"): NameObject("/Filespec"),
                             NameObject("/F"): TextStringObject("payload.exe")})
    return DictionaryObject({NameObject("/EmbeddedFiles"): DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("payload.exe"), spec])})})


HOSTILE_PDFS = {
    "javascript in the catalog": (pdf_with({"/Names": DictionaryObject({NameObject("/JavaScript"): js_action()})}),
                                  "JavaScript"),
    "open action": (pdf_with({"/OpenAction": DictionaryObject({NameObject("/S"): NameObject("/GoTo")})}),
                    "when opened"),
    "javascript open action": (pdf_with({"/OpenAction": js_action()}), "when opened"),
    "page additional action": (pdf_with(page_entries={"/AA": DictionaryObject({NameObject("/O"): js_action()})}),
                               "when opened"),
    "launch in an annotation": (pdf_with(page_entries={"/Annots": ArrayObject([DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/A"): DictionaryObject({NameObject("/S"): NameObject("/Launch"),
                                            NameObject("/F"): TextStringObject("calc.exe")})})])}), "launch"),
    "embedded file": (pdf_with({"/Names": embedded_file_tree()}), "embedded files"),
    "encrypted": (pdf_with(password="secret"), "Encrypted"),
    "not a pdf after the header": (b"%PDF-1.7\n<html><script>alert(1)</script></html>", "could not be read"),
    "truncated": (PDF[: len(PDF) // 2], "could not be read"),
}


@pytest.mark.parametrize("name", HOSTILE_PDFS)
def test_hostile_pdfs_are_refused_with_a_reason(name):
    data, message = HOSTILE_PDFS[name]
    assert data.startswith(b"%PDF-")  # the first-bytes check alone would accept every one
    with pytest.raises(DomainError, match=message):
        filecheck.check_pdf(data)


def test_hex_escaped_names_are_still_found():
    data = pdf_with({"/OpenAction": js_action()}).replace(b"/OpenAction", b"/Op#65nAction")
    with pytest.raises(DomainError):
        filecheck.check_pdf(data)


def test_a_plain_pdf_passes():
    filecheck.check_pdf(PDF)
    filecheck.check_pdf(Path(__file__).resolve().parents[1].joinpath("data", "declaration.pdf").read_bytes())


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
    b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>",
    PNG[: len(PNG) // 2],
])
def test_an_image_header_followed_by_something_else_is_refused(data):
    content_type = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    with pytest.raises(DomainError, match="image could not be read"):
        filecheck.reencode_image(data, content_type)


def test_images_are_re_encoded_without_metadata():
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (46.0, 46.0, 46.0)}  # GPS
    with_exif = image("JPEG", exif=exif.tobytes())
    assert b"SecretCam" in with_exif
    clean = filecheck.reencode_image(with_exif, "image/jpeg")
    assert b"SecretCam" not in clean and b"Exif" not in clean
    with Image.open(io.BytesIO(clean)) as decoded:
        assert decoded.format == "JPEG" and decoded.size == (32, 24)
    png = filecheck.reencode_image(PNG, "image/png")
    with Image.open(io.BytesIO(png)) as decoded:
        assert decoded.format == "PNG" and decoded.size == (32, 24)


def test_a_decompression_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(filecheck, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(DomainError, match="too large"):
        filecheck.reencode_image(PNG, "image/png")


def test_route_refuses_a_hostile_pdf_with_a_message_and_stores_nothing(app, world):
    client = as_user(app, "applicant")
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(Attachment.id)))
    files_before = set(Path(app.config["UPLOAD_DIR"]).glob("*")) if Path(app.config["UPLOAD_DIR"]).exists() else set()
    data, _message = HOSTILE_PDFS["javascript open action"]
    response = upload(client, world["draft"], data, "declaration.pdf")
    assert response.status_code == 400 and b"run actions when opened" in response.data
    response = upload(client, world["draft"], b"\x89PNG\r\n\x1a\n<html>hi</html>", "scan.png")
    assert response.status_code == 400 and b"image could not be read" in response.data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == before
    assert set(Path(app.config["UPLOAD_DIR"]).glob("*")) == files_before


def test_route_stores_the_re_encoded_image_and_serves_it_as_a_download(app, world):
    client = as_user(app, "applicant")
    assert upload(client, world["draft"], JPEG, "photo.jpg").status_code == 302
    with app.app_context():
        attachment = db.session.scalars(sa.select(Attachment).order_by(Attachment.id.desc())).first()
        stored = (Path(app.config["UPLOAD_DIR"]) / attachment.stored_name).read_bytes()
        assert attachment.size_bytes == len(stored)
        assert stored == filecheck.reencode_image(JPEG, "image/jpeg")
    response = client.get(f"/applications/{world['draft']}/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_control_character_in_the_file_name_is_refused(app, world):
    client = as_user(app, "applicant")
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(Attachment.id)))
    response = upload(client, world["draft"], PDF, "decl\x00aration.pdf")
    assert response.status_code == 400 and b"control characters" in response.data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == before
