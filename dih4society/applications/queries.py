"""Read side: the review queue with its filters and counts, an organisation's list,
one application with everything its page shows, and its timeline.

Related rows are loaded in the same query (joinedload / selectinload), so a page's
query count does not grow with its rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload, selectinload

from ..auth.models import User
from ..catalogue.models import Category, Service
from ..core import marks
from ..core.models import AuditEvent
from ..extensions import db
from ..organisations.models import Organisation, OrgKind
from ..reviews.models import Review
from .models import Application, Approval, AppState


@dataclass
class QueueFilters:
    """The queue's filters (all optional)."""

    state: AppState | None = None
    category: Category | None = None
    partner_id: int | None = None
    county: str | None = None
    kind: OrgKind | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    #: Only what waits for the viewer's own decision (or, for reviewers, their review).
    waiting: bool = False

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for pagination links)."""
        return {
            "state": self.state.value if self.state else "",
            "category": self.category.value if self.category else "",
            "partner": str(self.partner_id or ""),
            "county": self.county or "",
            "kind": self.kind.value if self.kind else "",
            "from": self.submitted_from.isoformat() if self.submitted_from else "",
            "to": self.submitted_to.isoformat() if self.submitted_to else "",
            "waiting": "1" if self.waiting else "",
        }


def _filtered(stmt, f: QueueFilters, viewer: User, with_state: bool = True):
    """Apply the filters; drafts are never in the queue, nor applications the viewer
    declared a conflict of interest for."""
    # Submitted once (a draft withdrawn before submission never reached the hub); the
    # condition also lets the (submitted_at, id) index serve the queue's order.
    stmt = stmt.where(Application.state != AppState.DRAFT, Application.submitted_at.is_not(None))
    stmt = stmt.where(~sa.exists().where(
        Review.application_id == Application.id, Review.reviewer_id == viewer.id,
        Review.conflict_declared.is_(True)))
    if with_state and f.state:
        stmt = stmt.where(Application.state == f.state)
    if f.category or f.partner_id:
        stmt = stmt.join(Service, Service.id == Application.service_id)
        if f.category:
            stmt = stmt.where(Service.category == f.category)
        if f.partner_id:
            stmt = stmt.where(Service.partner_id == f.partner_id)
    if f.county or f.kind:
        stmt = stmt.join(Organisation, Organisation.id == Application.organisation_id)
        if f.county:
            stmt = stmt.where(Organisation.county == f.county)
        if f.kind:
            stmt = stmt.where(Organisation.kind == f.kind)
    if f.waiting:
        stmt = stmt.where(waiting_for(viewer))
    if f.submitted_from:
        stmt = stmt.where(Application.submitted_at >= datetime.combine(f.submitted_from, time.min, UTC))
    if f.submitted_to:
        stmt = stmt.where(Application.submitted_at <= datetime.combine(f.submitted_to, time.max, UTC))
    return stmt


def waiting_for(viewer: User):
    """SQL condition: the application waits for this person's decision (the workflow's
    four-eyes rules as a query), or, for staff who do not decide, for their review."""
    from flask import current_app

    from ..auth.models import Role

    reviewed_by_viewer = sa.exists().where(Review.application_id == Application.id,
                                           Review.reviewer_id == viewer.id)
    if not viewer.is_decider:
        if viewer.role is not Role.PARTNER_STAFF:
            return sa.false()
        completed_by_viewer = sa.exists().where(Review.application_id == Application.id,
                                                Review.reviewer_id == viewer.id,
                                                Review.completed_at.is_not(None))
        return sa.and_(Application.state.in_([AppState.SUBMITTED, AppState.IN_REVIEW]), ~completed_by_viewer)
    completed = sa.exists().where(Review.application_id == Application.id, Review.completed_at.is_not(None),
                                  Review.conflict_declared.is_(False))
    same_body = sa.exists().where(Approval.application_id == Application.id,
                                  Approval.decision_body == viewer.decision_body)
    conditions = [Application.state.in_([AppState.IN_REVIEW, AppState.AWAITING_SECOND]), completed,
                  ~reviewed_by_viewer, ~same_body]
    if viewer.partner_id is not None and not current_app.config.get("OWN_PARTNER_APPROVAL_WITH_SECOND"):
        conditions.append(Application.service_id.in_(
            sa.select(Service.id).where(Service.partner_id != viewer.partner_id)))
    return sa.and_(*conditions)


def waiting_count(viewer: User) -> int:
    """How many applications wait for this person (the queue's "Waiting for me" tab)."""
    stmt = sa.select(sa.func.count(Application.id))
    return int(db.session.scalar(_filtered(stmt, QueueFilters(waiting=True), viewer)) or 0)


def queue_statement(f: QueueFilters, viewer: User):
    """The filtered queue, oldest submission first, with organisation, service and partner."""
    stmt = sa.select(Application).options(
        joinedload(Application.organisation),
        joinedload(Application.service).joinedload(Service.partner),
    )
    return _filtered(stmt, f, viewer).order_by(Application.submitted_at.asc(), Application.id.asc())


def state_counts(f: QueueFilters, viewer: User) -> dict[AppState, int]:
    """How many applications per state under the other filters (one GROUP BY, computed
    once per change mark, filters and viewer: see core/marks.py)."""
    def compute() -> dict[AppState, int]:
        stmt = sa.select(Application.state, sa.func.count(Application.id)).group_by(Application.state)
        rows = db.session.execute(_filtered(stmt, f, viewer, with_state=False)).all()
        return {state: count for state, count in rows}

    key = tuple(sorted((k, v) for k, v in f.as_args().items() if k != "state"))
    return marks.cached(("applications.queue.counts", viewer.id, key), compute)


class QueuePage(Pagination):
    """One page of the queue. "Next" links carry the last row's (submitted_at, id), so
    the next page starts there through the index (keyset) whatever its depth; a page
    asked for by number uses an offset. The total is given (from the state counts),
    so no count query runs."""

    def _query_items(self) -> list:
        stmt = self._query_args["select"].limit(self.per_page)
        after = self._query_args.get("after")
        if after is not None and self.page > 1:
            when, ident = after
            stmt = stmt.where(sa.tuple_(Application.submitted_at, Application.id)
                              > sa.tuple_(sa.literal(when, Application.submitted_at.type), sa.literal(ident)))
        else:
            stmt = stmt.offset((self.page - 1) * self.per_page)
        return list(db.session.scalars(stmt).unique())

    def _query_count(self) -> int:
        return self._query_args["total"]

    @property
    def cursor(self) -> str:
        """The keyset of the last row, for the next page's link."""
        last = self.items[-1]
        return f"{last.submitted_at.astimezone(UTC).isoformat()}~{last.id}"


def parse_cursor(value: str | None) -> tuple[datetime, int] | None:
    """``2026-05-01T10:00:00+00:00~123`` -> (datetime, id); None when malformed."""
    try:
        stamp, ident = (value or "").split("~")
        when = datetime.fromisoformat(stamp)
        return (when if when.tzinfo else when.replace(tzinfo=UTC)), int(ident)
    except ValueError:
        return None


def queue_page(f: QueueFilters, viewer: User, per_page: int, page: int, after: str | None = None) -> tuple[
        QueuePage, dict[AppState, int]]:
    """The page of the queue and the counts per state (the page's total comes from them)."""
    counts = state_counts(f, viewer)
    total = counts.get(f.state, 0) if f.state else sum(counts.values())
    return QueuePage(page=page, per_page=per_page, error_out=False, select=queue_statement(f, viewer),
                     total=total, after=parse_cursor(after)), counts


def for_organisation(organisation_id: int) -> list[Application]:
    """An organisation's applications, newest first, with service and partner."""
    return list(db.session.scalars(
        sa.select(Application)
        .options(joinedload(Application.service).joinedload(Service.partner))
        .where(Application.organisation_id == organisation_id)
        .order_by(Application.created_at.desc(), Application.id.desc())
    ).unique())


#: Audit verbs shown beside the milestone dates on "My applications" (no timestamp column of their own).
OUTCOME_VERBS = ("application.withdraw", "application.return_for_info", "application.resubmit",
                 "application.approve", "application.reject")


def milestones(applications: list[Application]) -> dict[int, list[tuple[str, datetime]]]:
    """Per application, what happened when, oldest first: milestone dates plus the
    withdraw / return / resubmit / approve / reject events (one query for all)."""
    ids = [a.id for a in applications]
    events: dict[int, list[tuple[str, datetime]]] = {i: [] for i in ids}
    if ids:
        rows = db.session.execute(
            sa.select(AuditEvent.object_id, AuditEvent.verb, AuditEvent.created_at)
            .where(AuditEvent.object_type == "application", AuditEvent.object_id.in_(ids),
                   AuditEvent.verb.in_(OUTCOME_VERBS))
            .order_by(AuditEvent.id))
        for object_id, verb, at in rows:
            events[object_id].append((str(EVENT_LABELS[verb]), at))
    result = {}
    for a in applications:
        dated = [(_l("Created"), a.created_at), (_l("Submitted"), a.submitted_at),
                 (_l("Review started"), a.review_started_at), (_l("Delivery started"), a.delivery_started_at),
                 (_l("Delivered"), a.delivered_at), (_l("Closed"), a.closed_at), (_l("Cancelled"), a.cancelled_at)]
        rows = [(str(label), when) for label, when in dated if when] + events[a.id]
        result[a.id] = sorted(rows, key=lambda row: row[1])
    return result


def for_page(application_id: int) -> Application | None:
    """One application with what its page shows, in a fixed number of queries."""
    return db.session.scalar(_page_statement(), {"application_id": application_id})


@lru_cache(maxsize=1)
def _page_statement():
    """Built once: SQLAlchemy memoises a statement's cache key on the statement object,
    and this one's seven loader options cost milliseconds to key on every request."""
    return (
        sa.select(Application)
        .options(
            joinedload(Application.organisation),
            joinedload(Application.service).joinedload(Service.partner),
            joinedload(Application.decided_by),
            selectinload(Application.outside_aid),
            selectinload(Application.attachments),
            selectinload(Application.reviews).joinedload(Review.reviewer),
            selectinload(Application.approvals).joinedload(Approval.approver).joinedload(User.partner),
        )
        .where(Application.id == sa.bindparam("application_id"))
    )


EVENT_LABELS = {
    "application.create": _l("Draft created"),
    "application.update": _l("Application changed"),
    "application.submit": _l("Submitted"),
    "application.withdraw": _l("Withdrawn"),
    "application.start_review": _l("Review started"),
    "application.return_for_info": _l("Returned for information"),
    "application.resubmit": _l("Answered and resubmitted"),
    "application.approve_first": _l("First approval (a second approval is needed)"),
    "application.approve": _l("Approved"),
    "application.decision_refused": _l("Decision refused by the rules"),
    "application.reject": _l("Rejected"),
    "application.start_delivery": _l("Delivery started"),
    "application.record_delivery": _l("Delivery recorded"),
    "application.confirm": _l("Delivery confirmed, closed"),
    "application.cancel": _l("Cancelled"),
    "attachment.upload": _l("Document added"),
    "attachment.delete": _l("Document removed"),
    "review.save": _l("Review saved"),
    "review.complete": _l("Review completed"),
    "review.conflict": _l("Conflict of interest declared"),
    "denied": _l("Refused attempt"),
}


@dataclass
class TimelineEntry:
    """One audit event of the application, ready to show."""

    at: datetime
    verb: str
    actor: User | None
    data: dict

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.verb, self.verb))


#: Verbs only hub people see (reviews, conflicts, refused attempts).
INTERNAL_VERBS = ("review.", "denied", "application.decision_refused")


def timeline(application: Application, internal: bool) -> list[TimelineEntry]:
    """The application's audit events, oldest first; applicants see no internal ones."""
    stmt = (sa.select(AuditEvent)
            .where(AuditEvent.object_type == "application", AuditEvent.object_id == application.id)
            .order_by(AuditEvent.id))
    events = db.session.scalars(stmt).all()
    if not internal:
        events = [e for e in events if not e.verb.startswith(INTERNAL_VERBS)]
    actor_ids = {e.actor_id for e in events if e.actor_id}
    actors = ({u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(actor_ids)))}
              if actor_ids else {})
    return [TimelineEntry(e.created_at, e.verb, actors.get(e.actor_id), e.data or {}) for e in events]
