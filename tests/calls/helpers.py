"""Builders for call tests: a call with its rules, and applications taken through the real services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from applications.builders import data, review

from dih4society.applications import services
from dih4society.calls import services as calls
from dih4society.calls.models import SelectionMode
from dih4society.core.db import utcnow
from dih4society.extensions import db

KINDS = ["health_org", "public_institution", "small_midcap", "sme"]
COUNTIES = {"BH": "Bihor", "CJ": "Cluj", "SJ": "Sălaj", "B": "București"}


def call_data(services_=(), **over) -> calls.CallData:
    now = utcnow().replace(microsecond=0)
    values = dict(title_en="SME call 2026", title_ro="Apel IMM 2026", description_en="For SMEs.",
                  description_ro="Pentru IMM-uri.", opens_at=now - timedelta(days=1),
                  closes_at=now + timedelta(days=30), eligible_kinds=list(KINDS), eligible_counties=[],
                  service_ids=[s.id for s in services_], cap_cents=None, max_per_group=5,
                  selection_mode=SelectionMode.ROLLING, min_score=0)
    values.update(over)
    return calls.CallData(**values)


def make_call(actor, services_, **over):
    return calls.create_call(actor, call_data(services_, **over), COUNTIES)


def frozen(monkeypatch, moment: datetime) -> None:
    """Freeze the clock of every window check at `moment`."""
    monkeypatch.setattr(calls, "now", lambda: moment)


def in_review(cast, call, *, applicant=None, svc=None, requested_cents=1_500_000, scores=4):
    """An application of `applicant` in `call`, submitted, screened and reviewed by cast.reviewer."""
    applicant = applicant or cast.applicant
    application = services.create_draft(applicant, svc or cast.service, data(requested_cents), call=call)
    services.submit(applicant, application)
    services.start_review(cast.reviewer, application)
    review(cast.reviewer, application, scores=scores)
    db.session.flush()
    return application


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)
