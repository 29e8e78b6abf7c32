"""Uploaded documents checked beyond their first bytes.

A PDF must parse (pypdf), and is refused if it is encrypted or holds anything that
acts on its own in a viewer: JavaScript, an action on opening (``/OpenAction``,
``/AA``), ``/Launch``, or embedded files. Every object reachable from the trailer is
visited, so a name hidden in an object stream or written with ``#`` escapes (pypdf
decodes both) is still found. Images are decoded and re-encoded with Pillow: what is
stored is pixels we wrote, without EXIF or other metadata, and a PNG or JPEG header
followed by anything else (HTML, a script) is refused.
"""

from __future__ import annotations

import io
import warnings

from flask_babel import gettext as _

from ..core.errors import DomainError

#: Beyond this an upload is a decompression bomb, not a scanned page (A4 at 600 dpi is 35 MP).
MAX_IMAGE_PIXELS = 50_000_000
#: Objects visited in one PDF before it counts as hostile.
MAX_PDF_OBJECTS = 200_000

_JS = "javascript"
_AUTO = "auto"
_LAUNCH = "launch"
_EMBEDDED = "embedded"
_KEYS = {"/JS": _JS, "/JavaScript": _JS, "/OpenAction": _AUTO, "/AA": _AUTO, "/Launch": _LAUNCH,
         "/EmbeddedFiles": _EMBEDDED, "/EmbeddedFile": _EMBEDDED, "/EF": _EMBEDDED}
_ACTIONS = {"/JavaScript": _JS, "/Launch": _LAUNCH, "/EmbeddedGoTo": _EMBEDDED, "/EmbeddedFile": _EMBEDDED}


def _refusal(kind: str) -> DomainError:
    messages = {
        _JS: _("PDFs containing JavaScript are not accepted. Print the document to a new PDF and upload that."),
        _AUTO: _("PDFs that run actions when opened are not accepted. Print the document to a new PDF "
                 "and upload that."),
        _LAUNCH: _("PDFs that launch other programs are not accepted."),
        _EMBEDDED: _("PDFs with embedded files are not accepted; upload each document on its own."),
    }
    return DomainError(messages[kind], "file")


def _unreadable_pdf() -> DomainError:
    return DomainError(_("The PDF could not be read. Save or export it again as PDF and upload the new file."),
                       "file")


def check_pdf(data: bytes) -> None:
    """Raise DomainError unless `data` is a readable, unencrypted PDF with nothing active in it."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise DomainError(_("Encrypted or password-protected PDFs are not accepted. "
                                    "Upload an unprotected copy."), "file")
            if len(reader.pages) < 1:
                raise _unreadable_pdf()
            stack: list = [reader.trailer]
            seen: set[tuple[int, int]] = set()
            visited = 0
            while stack:
                obj = stack.pop()
                if isinstance(obj, IndirectObject):
                    if (obj.idnum, obj.generation) in seen:
                        continue
                    seen.add((obj.idnum, obj.generation))
                    obj = obj.get_object()
                visited += 1
                if visited > MAX_PDF_OBJECTS:
                    raise _unreadable_pdf()
                if isinstance(obj, DictionaryObject):
                    for key, value in obj.items():
                        if key in _KEYS:
                            raise _refusal(_KEYS[key])
                        if key in ("/S", "/Type") and isinstance(value, NameObject) and value in _ACTIONS:
                            raise _refusal(_ACTIONS[value])
                        if key != "/Parent":  # the page tree points back up; children are enough
                            stack.append(value)
                elif isinstance(obj, ArrayObject):
                    stack.extend(obj)
        except DomainError:
            raise
        except Exception as exc:  # pypdf raises many kinds on malformed input
            raise _unreadable_pdf() from exc


def reencode_image(data: bytes, content_type: str) -> bytes:
    """The image decoded and written again (same format, no metadata); DomainError if it does not decode."""
    from PIL import Image, ImageOps

    expected = {"image/png": "PNG", "image/jpeg": "JPEG"}[content_type]
    unreadable = DomainError(_("The image could not be read. Upload a PNG or JPEG picture or a PDF."), "file")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.format != expected:
                    raise unreadable
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise DomainError(_("The image is too large (%(mp)d megapixels at most).",
                                        mp=MAX_IMAGE_PIXELS // 1_000_000), "file")
                image.load()  # decodes every pixel: a header followed by HTML fails here
                upright = ImageOps.exif_transpose(image)  # keep the orientation the EXIF data gave
                out = io.BytesIO()
                if expected == "JPEG":
                    if upright.mode not in ("RGB", "L", "CMYK"):
                        upright = upright.convert("RGB")
                    upright.save(out, "JPEG", quality=90)
                else:
                    upright.save(out, "PNG")
                return out.getvalue()
        except DomainError:
            raise
        except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, DecompressionBombError…
            raise unreadable from exc
