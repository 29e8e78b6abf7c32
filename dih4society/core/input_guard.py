"""Refuse hostile input before any view sees it: a clear 400, never a 500.

PostgreSQL (psycopg) cannot store or compare a NUL character, so a NUL in any text
that reaches a query used to end in a 500 — on the public login and registration
forms too. Other control characters are never meant to be typed either. Numbers
written with non-ASCII digits (``²``, ``٣``) pass Python's ``str.isdigit`` but not
``int()``; a query value made only of such digits is refused here, and
``core/args.py`` refuses them where a number is expected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

#: C0 controls except tab, newline and carriage return (text areas hold those),
#: DEL, C1 controls, and UTF-16 surrogates (never valid in decoded text).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_characters(value: str) -> bool:
    return CONTROL.search(value) is not None


def has_foreign_digits(value: str) -> bool:
    """True if `value` holds a digit other than 0-9 (superscripts, other scripts)."""
    return any(ch.isdigit() and not ch.isascii() for ch in value)


def _texts() -> Iterable[tuple[str, str]]:
    """(where, text) for every piece of input a view could pass to the database."""
    for key, value in request.args.items(multi=True):
        yield "query", key
        yield "query", value
    for value in (request.view_args or {}).values():
        if isinstance(value, str):
            yield "path", value
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            yield "form", key
            yield "form", value
        for key, upload in request.files.items(multi=True):
            yield "form", key
            yield "form", upload.filename or ""


def init_input_guard(app: Flask) -> None:
    """Install the check as the first thing every request goes through (after CSRF)."""

    @app.before_request
    def _refuse_hostile_input():
        for where, text in _texts():
            if has_control_characters(text):
                raise BadRequest(_("The request contains control characters (such as NUL), which no "
                                   "field accepts. Remove them and try again."))
            if where == "query" and text.strip() and text.strip().isdigit() and has_foreign_digits(text):
                raise BadRequest(_("Write numbers with the digits 0-9."))
        return None
