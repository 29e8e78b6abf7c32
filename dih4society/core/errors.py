"""Domain exceptions and the error pages (403/404/500 in the site's look)."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from ..extensions import db


class DomainError(Exception):
    """A rule refused the action; the message is safe to show to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class DomainErrors(DomainError):
    """Several rules refused at once, each with its field: a form shows them all in one
    round-trip. `errors` is a list of (field or None, message)."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__(errors[0][1], errors[0][0])
        self.errors = list(errors)

    @classmethod
    def raise_if(cls, errors: list[tuple[str | None, str]]) -> None:
        """Raise when `errors` holds anything."""
        if errors:
            raise cls(errors)


class PermissionDenied(DomainError):
    """The actor may not take this action on this object."""


def init_errors(app: Flask) -> None:
    """Register the HTML error handlers."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        if exc.code >= 500:
            db.session.rollback()
        template = f"errors/{exc.code}.html" if exc.code in (403, 404, 500) else "errors/generic.html"
        return render_template(template, error=exc), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        db.session.rollback()
        return render_template("errors/500.html", error=None), 500
