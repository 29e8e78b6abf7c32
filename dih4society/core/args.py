"""Query-string arguments for list filters: bad values are ignored, never a 500.

Numbers written with digits other than 0-9 (``²``, ``٣``) are refused with a 400 and
a message rather than ignored: they look like numbers to a person and to
``str.isdigit``, but not to ``int()``.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from .input_guard import has_foreign_digits

#: Ids and numbers in query strings stay far inside 64-bit integers.
MAX_ARG_INT = 10**15


def enum_arg(name: str, enum_cls):
    """The enum member named by `?name=value`, or None if absent or unknown."""
    raw = request.args.get(name, "")
    try:
        return enum_cls(raw) if raw else None
    except ValueError:
        return None


def int_arg(name: str) -> int | None:
    """A non-negative integer from `?name=`, written in ASCII digits; None if absent or not a number.

    A value in other digits is refused (400) so the user learns why the filter did nothing."""
    raw = request.args.get(name, "").strip()
    if has_foreign_digits(raw):
        raise BadRequest(_("Write numbers with the digits 0-9."))
    if not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if value <= MAX_ARG_INT else None


def date_arg(name: str) -> date | None:
    """A ``YYYY-MM-DD`` date from the query string, or None if absent or malformed."""
    raw = request.args.get(name, "")
    if not raw.isascii():
        return None  # strptime reads "²" and "٣" as digits
    try:
        return datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        return None
