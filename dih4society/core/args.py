"""Query-string arguments for list filters: bad values are ignored, never a 500."""

from __future__ import annotations

from datetime import date, datetime

from flask import request


def enum_arg(name: str, enum_cls):
    """The enum member named by `?name=value`, or None if absent or unknown."""
    raw = request.args.get(name, "")
    try:
        return enum_cls(raw) if raw else None
    except ValueError:
        return None


def date_arg(name: str) -> date | None:
    """A ``YYYY-MM-DD`` date from the query string, or None if absent or malformed."""
    try:
        return datetime.strptime(request.args.get(name, ""), "%Y-%m-%d").date()
    except ValueError:
        return None
