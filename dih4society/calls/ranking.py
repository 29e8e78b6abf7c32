"""Competitive selection: the ranking, its cut-off, decide-by-ranking, and the results.

The rule (shown on the page): applications that passed eligibility (screened into
review or beyond) are ranked by their weighted review score, the average of the
completed reviews' rubric totals (0-100); ties go to the earlier submission, then
the lower id. Below the call's minimum score nothing is funded. Going down the list,
each application is funded while both the call's cap and its budget account can take
its requested amount; the first that does not fit is the **cut-off**, and it and
everything below it (above the minimum) form the reserve list, in order.

`plan()` only reads. `decide_next()` takes the single next decision of the plan
through the normal approve/reject services (four eyes, budget and aid checks,
audit, notifications), so the route commits each decision on its own and stops at
the first refusal. Money freed later (a withdrawal or a cancellation) makes the top
of the reserve list fit again: the page offers it to the approver, it never moves
by itself.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..applications.models import Application, AppState
from ..budget.models import BudgetAccount
from ..extensions import db
from .models import Call

S = AppState
HOLDING = {S.APPROVED, S.IN_DELIVERY, S.DELIVERED, S.CLOSED}
SCREENED = {S.IN_REVIEW} | HOLDING | {S.REJECTED, S.CANCELLED}


class Standing(enum.Enum):
    FUNDED = "funded"  # approved (or beyond)
    TO_FUND = "to_fund"  # above the cut-off, not yet decided
    RESERVE = "reserve"  # at or below the cut-off, above the minimum
    BELOW_MINIMUM = "below_minimum"  # to be rejected
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    AWAITING = "awaiting"  # not screened yet, or no completed review

    @property
    def label(self) -> str:
        return str(STANDING_LABELS[self])


STANDING_LABELS = {
    Standing.FUNDED: _l("Funded"),
    Standing.TO_FUND: _l("To fund"),
    Standing.RESERVE: _l("Reserve"),
    Standing.BELOW_MINIMUM: _l("Below the minimum score"),
    Standing.REJECTED: _l("Rejected"),
    Standing.CANCELLED: _l("Cancelled"),
    Standing.AWAITING: _l("Awaiting review"),
}


@dataclass
class Row:
    """One application on the ranking."""

    application: Application
    score_hundredths: int | None
    standing: Standing
    rank: int | None = None

    @property
    def score(self) -> str:
        return "—" if self.score_hundredths is None else f"{self.score_hundredths / 100:.2f}"


@dataclass
class Ranking:
    call: Call
    rows: list[Row]
    cutoff_index: int | None  # index in rows of the first reserve (the cut-off), if any
    call_room_cents: int | None  # what the cap still allows after the planned approvals

    @property
    def to_fund(self) -> list[Row]:
        return [r for r in self.rows if r.standing is Standing.TO_FUND]

    @property
    def decided(self) -> bool:
        return any(r.standing in (Standing.FUNDED, Standing.REJECTED) for r in self.rows)

    @property
    def pending(self) -> list[Row]:
        return [r for r in self.rows if r.standing in (Standing.TO_FUND, Standing.BELOW_MINIMUM)]


RULE_TEXT = _l("Ranked by the weighted review score (the average of the completed reviews, 0-100); "
               "ties go to the earlier submission. Nothing below the minimum score is funded. "
               "Applications are funded in rank order while the call's cap and the budget account "
               "can take the requested amount; the first that does not fit is the cut-off, and the "
               "applications from there down form the reserve list.")


def score_of(application: Application) -> int | None:
    """The average rubric total of the completed reviews (hundredths of a point), or None."""
    totals = [r.total_hundredths for r in application.reviews
              if r.completed_at is not None and not r.conflict_declared and r.total_hundredths is not None]
    if not totals:
        return None
    return round(sum(totals) / len(totals))


def plan(call: Call) -> Ranking:
    """The ranking of a call as it stands now (reads only)."""
    apps = db.session.scalars(
        sa.select(Application).where(Application.call_id == call.id, Application.submitted_at.is_not(None),
                                     Application.state.not_in([S.DRAFT, S.WITHDRAWN]))
        .options(selectinload(Application.reviews), selectinload(Application.organisation),
                 selectinload(Application.service))).all()
    scored = [(a, score_of(a)) for a in apps]
    ranked = sorted([x for x in scored if x[0].state in SCREENED and x[1] is not None],
                    key=lambda x: (-x[1], x[0].submitted_at, x[0].id))
    waiting = sorted([x for x in scored if not (x[0].state in SCREENED and x[1] is not None)],
                     key=lambda x: (x[0].submitted_at, x[0].id))
    room = call.available_cents
    accounts = {(a.partner_id, a.category): a.available_cents for a in db.session.scalars(
        sa.select(BudgetAccount).where(BudgetAccount.is_reserve.is_(False)))}
    minimum = call.min_score * 100
    rows: list[Row] = []
    cutoff: int | None = None
    for rank, (application, score) in enumerate(ranked, start=1):
        state = application.state
        if state in HOLDING:
            standing = Standing.FUNDED
        elif state is S.REJECTED:
            standing = Standing.REJECTED
        elif state is S.CANCELLED:
            standing = Standing.CANCELLED
        elif score < minimum:
            standing = Standing.BELOW_MINIMUM
        else:
            amount = application.requested_cents
            key = (application.service.partner_id, application.service.category)
            fits = (cutoff is None and (room is None or amount <= room)
                    and amount <= accounts.get(key, 0))
            if fits:
                standing = Standing.TO_FUND
                if room is not None:
                    room -= amount
                accounts[key] -= amount
            else:
                standing = Standing.RESERVE
                if cutoff is None:
                    cutoff = len(rows)
        rows.append(Row(application, score, standing, rank))
    for application, score in waiting:
        rows.append(Row(application, score, Standing.AWAITING))
    return Ranking(call, rows, cutoff, room)


def decide_next(actor, call: Call) -> Row | None:
    """Take the next decision of the plan (approve the best TO_FUND, else reject the first
    BELOW_MINIMUM), through the normal services. Returns the row decided, None when
    nothing is left. Raises what the service raises (four eyes, budget, aid)."""
    from ..applications import services
    from ..core.errors import DomainError
    from . import services as calls
    from .models import CallPhase

    if not call.is_competitive:
        raise DomainError(_("Only competitive calls are decided by ranking."))
    if call.phase(calls.now()) is not CallPhase.CLOSED:
        raise DomainError(_("A competitive call is decided after it closes (%(moment)s).",
                            moment=calls.moment(call.closes_at)))
    ranking = plan(call)
    for row in ranking.rows:
        if row.standing is Standing.TO_FUND:
            application = services.load_for_update(row.application.id)
            services.approve(actor, application, application.requested_cents)
            return row
    for row in ranking.rows:
        if row.standing is Standing.BELOW_MINIMUM:
            application = services.load_for_update(row.application.id)
            services.reject(actor, application, _(
                "The weighted review score, %(score)s, is below the call's minimum of %(minimum)s.",
                score=row.score, minimum=call.min_score))
            return row
    return None


def results(call: Call) -> list[Row]:
    """The results list: ranked applications with their final standing (for publication)."""
    return [r for r in plan(call).rows if r.standing is not Standing.AWAITING]


def publish(actor, call: Call, show_names: bool) -> None:
    """Publish the results on the call's public page (audited)."""
    from ..core import audit
    from ..core.db import utcnow

    call.results_published_at = utcnow()
    call.results_show_names = bool(show_names)
    db.session.flush()
    audit.record(actor, "call.results_published", "call", call.id, {"show_names": call.results_show_names})
