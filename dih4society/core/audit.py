"""The audit trail: one helper writes every event, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from ..extensions import db
from .models import AuditEvent


def _client_ip() -> str | None:
    if not has_request_context():
        return None
    return request.remote_addr


def record(
    actor, verb: str, object_type: str, object_id: int | None, data: dict[str, Any] | None = None
) -> AuditEvent:
    """Add an audit event to the session (flushed with the change it explains)."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        data=data or {},
        ip=_client_ip(),
    )
    db.session.add(event)
    return event


def record_denied(
    actor,
    what: str,
    reason: str,
    object_type: str = "endpoint",
    object_id: int | None = None,
) -> None:
    """Record a refused attempt. Whatever the refused request had changed is rolled
    back first, so only the denial itself is committed."""
    db.session.rollback()
    try:
        record(actor if getattr(actor, "is_authenticated", False) else None,
               "denied", object_type, object_id, {"what": what, "reason": reason})
        db.session.commit()
    except Exception:  # pragma: no cover - auditing must never turn a 403 into a 500
        db.session.rollback()
