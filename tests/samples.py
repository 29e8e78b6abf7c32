"""Small valid (and hostile) files for upload tests, built with pypdf and Pillow."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject


def pdf(subject: str = "", pad_to: int | None = None) -> bytes:
    """A one-page PDF; `pad_to` grows it to exactly that many bytes through its metadata."""
    def build(padding: str) -> bytes:
        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)
        writer.add_metadata({"/Subject": subject + padding})
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    data = build("")
    if pad_to is None:
        return data
    padding = pad_to - len(data)
    assert padding >= 0, f"a PDF needs at least {len(data)} bytes"
    data = build("x" * padding)
    # Offsets in the xref table may widen by a digit or two: trim until exact.
    while len(data) > pad_to:
        padding -= len(data) - pad_to
        data = build("x" * padding)
    assert len(data) == pad_to, (len(data), pad_to)
    return data


def pdf_with(catalog_entries: dict | None = None, page_entries: dict | None = None,
             password: str | None = None) -> bytes:
    """A one-page PDF with extra entries in its catalog or page (e.g. an /OpenAction)."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    for key, value in (page_entries or {}).items():
        page[NameObject(key)] = value
    for key, value in (catalog_entries or {}).items():
        writer._root_object[NameObject(key)] = value
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def js_action(code: str = "app.alert(1)") -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                             NameObject("/JS"): TextStringObject(code)})


def image(fmt: str = "PNG", size=(32, 24), exif: bytes | None = None) -> bytes:
    picture = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    picture.save(out, fmt, **kwargs)
    return out.getvalue()


PDF = pdf()
PNG = image("PNG")
JPEG = image("JPEG")
