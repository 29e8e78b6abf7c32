"""Competitive selection: the ranking (score, ties by submission, minimum, cut-off, reserve),
decide-by-ranking through the normal services (stops at the first refusal), freed money
offered to the reserve, and the results list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from applications.builders import S, other_org_applicant, review
from calls.helpers import frozen, in_review, make_call

from dih4society.applications import services
from dih4society.calls import documents, ranking
from dih4society.calls.models import SelectionMode
from dih4society.core.db import utcnow
from dih4society.core.errors import DomainError
from dih4society.extensions import db

AMOUNT = 1_500_000
Standing = ranking.Standing


@pytest.fixture
def contest(cast, monkeypatch):
    """A competitive call (cap for 2.5 vouchers, minimum 50) with four reviewed applications:
    scores 100, 80, 80 (submitted later), 40; then the call closes."""
    now = utcnow().replace(microsecond=0)
    call = make_call(cast.manager, [cast.service], selection_mode=SelectionMode.COMPETITIVE,
                     cap_cents=AMOUNT * 5 // 2, min_score=50, opens_at=now - timedelta(days=5),
                     closes_at=now + timedelta(days=5))
    apps = {}
    for name, applicant, score in (("best", other_org_applicant(), 5), ("early80", cast.applicant, 4),
                                   ("late80", other_org_applicant(), 4), ("weak", other_org_applicant(), 2)):
        frozen(monkeypatch, now + timedelta(minutes=len(apps)))
        apps[name] = in_review(cast, call, applicant=applicant, requested_cents=AMOUNT, scores=score)
        apps[name].submitted_at = now + timedelta(minutes=len(apps))
    db.session.commit()
    frozen(monkeypatch, call.closes_at)  # closed
    return call, apps


def _standings(call) -> dict:
    return {r.application.id: r.standing for r in ranking.plan(call).rows}


def test_the_ranking_orders_by_score_then_submission_with_cutoff_and_reserve(contest):
    call, apps = contest
    plan = ranking.plan(call)
    assert [r.application.id for r in plan.rows] == [apps[n].id for n in ("best", "early80", "late80", "weak")]
    assert [r.standing for r in plan.rows] == [Standing.TO_FUND, Standing.TO_FUND, Standing.RESERVE,
                                               Standing.BELOW_MINIMUM]
    assert plan.cutoff_index == 2
    assert [r.score for r in plan.rows] == ["100.00", "80.00", "80.00", "40.00"]


def test_decide_by_ranking_approves_the_funded_and_rejects_below_the_minimum(cast, contest):
    call, apps = contest
    decided = []
    while (row := ranking.decide_next(cast.manager, call)) is not None:
        decided.append((row.application.id, row.standing))
        db.session.commit()
    assert decided == [(apps["best"].id, Standing.TO_FUND), (apps["early80"].id, Standing.TO_FUND),
                       (apps["weak"].id, Standing.BELOW_MINIMUM)]
    states = {n: db.session.get(type(a), a.id).state for n, a in apps.items()}
    assert states == {"best": S.APPROVED, "early80": S.APPROVED, "late80": S.IN_REVIEW, "weak": S.REJECTED}
    assert "below the call's minimum of 50" in db.session.get(type(apps["weak"]), apps["weak"].id).decision_reason
    assert call.committed_cents == 2 * AMOUNT

    # A voucher is cancelled: the money freed is offered to the next on the reserve list, not moved.
    services.cancel(cast.manager, db.session.get(type(apps["best"]), apps["best"].id), "Withdrew.")
    db.session.commit()
    plan = ranking.plan(call)
    assert plan.decided and [r.application.id for r in plan.to_fund] == [apps["late80"].id]
    assert db.session.get(type(apps["late80"]), apps["late80"].id).state is S.IN_REVIEW
    ranking.decide_next(cast.manager, call)
    db.session.commit()
    assert db.session.get(type(apps["late80"]), apps["late80"].id).state is S.APPROVED


def test_decide_by_ranking_stops_at_the_first_refusal_four_eyes(cast, contest):
    call, apps = contest
    review(cast.manager, apps["early80"])  # the manager reviewed it: cannot decide it
    db.session.commit()
    assert ranking.decide_next(cast.manager, call).application.id == apps["best"].id
    db.session.commit()
    with pytest.raises(DomainError, match="four eyes"):
        ranking.decide_next(cast.manager, call)
    db.session.rollback()
    assert db.session.get(type(apps["early80"]), apps["early80"].id).state is S.IN_REVIEW
    assert db.session.get(type(apps["weak"]), apps["weak"].id).state is S.IN_REVIEW  # not reached


def test_not_before_closing(cast, contest, monkeypatch):
    call, _apps = contest
    frozen(monkeypatch, call.closes_at - timedelta(seconds=1))
    with pytest.raises(DomainError, match="after it closes"):
        ranking.decide_next(cast.manager, call)


def test_results_list_with_or_without_names(contest):
    call, apps = contest
    named = documents.results_csv(call, show_names=True).decode("utf-8-sig")
    anonymous = documents.results_csv(call, show_names=False).decode("utf-8-sig")
    name = apps["best"].organisation.legal_name
    assert name in named and name not in anonymous
    assert apps["best"].organisation.fiscal_code in anonymous
    assert "Reserve" in anonymous and "Below the minimum score" in anonymous
    assert documents.results_pdf(call, show_names=True)[:4] == b"%PDF"
