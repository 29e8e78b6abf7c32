"""Scoring on the rubric, one review per reviewer, conflicts of interest, the rubric set-up."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from applications.builders import S, as_user, build, make_cast
from sqlalchemy.exc import IntegrityError

from dih4society.applications import workflow
from dih4society.applications.models import Application
from dih4society.core.errors import DomainError
from dih4society.core.models import AuditEvent
from dih4society.extensions import db
from dih4society.reviews import services as reviews
from dih4society.reviews.models import Recommendation, Review, RubricCriterion

# Demo rubric: relevance ×3, readiness ×2, impact ×3, region ×2 (Σ weight 10, best 50 points).
SCORES = {"relevance": 5, "readiness": 4, "impact": 3, "region": 2}  # 15 + 8 + 9 + 4 = 36 → 72.00


def test_weighted_total_scaled_to_100(ctx, seeded):
    criteria = reviews.rubric()
    assert reviews.weighted_total(SCORES, criteria) == 7200
    assert reviews.weighted_total({c.code: 5 for c in criteria}, criteria) == 10000
    assert reviews.weighted_total({c.code: 0 for c in criteria}, criteria) == 0
    assert reviews.weighted_total({"relevance": 5}, criteria) is None  # incomplete
    odd = [RubricCriterion(code="a", label="A", weight=1), RubricCriterion(code="b", label="B", weight=2)]
    assert reviews.weighted_total({"a": 1, "b": 2}, odd) == 3333  # 5/15 = 33.333… → 33.33


def test_save_then_complete_one_review_per_reviewer(cast):
    application = build(cast, S.IN_REVIEW, reviewed=False)
    first = reviews.save_review(cast.reviewer, application, {"relevance": 4}, None, "Draft notes", complete=False)
    assert first.completed_at is None and first.total_hundredths is None
    second = reviews.save_review(cast.reviewer, application, SCORES, Recommendation.APPROVE, "Good fit.",
                                 complete=True)
    assert second.id == first.id and second.total_hundredths == 7200 and second.completed_at
    assert db.session.scalar(sa.select(sa.func.count(Review.id)).where(Review.application_id == application.id)) == 1
    with pytest.raises(workflow.WrongState, match="complete"):
        reviews.save_review(cast.reviewer, application, SCORES, Recommendation.REJECT, "Changed my mind.",
                            complete=True)
    verbs = db.session.scalars(sa.select(AuditEvent.verb).where(
        AuditEvent.object_id == application.id, AuditEvent.verb.like("review.%")).order_by(AuditEvent.id)).all()
    assert verbs == ["review.save", "review.complete"]


def test_the_database_refuses_a_second_review_row(cast):
    application = build(cast, S.IN_REVIEW)
    db.session.add(Review(application_id=application.id, reviewer_id=cast.reviewer.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("scores, recommendation, comment, field", [
    ({"relevance": 5}, Recommendation.APPROVE, "ok", "readiness"),
    (SCORES, None, "ok", "recommendation"),
    (SCORES, Recommendation.APPROVE, "  ", "comment"),
    ({**SCORES, "impact": 6}, Recommendation.APPROVE, "ok", "impact"),
    ({**SCORES, "impact": -1}, Recommendation.APPROVE, "ok", "impact"),
])
def test_a_complete_review_needs_every_score_a_recommendation_and_a_comment(cast, scores, recommendation,
                                                                            comment, field):
    application = build(cast, S.IN_REVIEW, reviewed=False)
    with pytest.raises(DomainError) as refused:
        reviews.save_review(cast.reviewer, application, scores, recommendation, comment, complete=True)
    assert refused.value.field == field


def test_who_reviews_and_when(cast):
    submitted = build(cast, S.SUBMITTED)
    with pytest.raises(workflow.WrongState):
        reviews.save_review(cast.reviewer, submitted, SCORES, Recommendation.APPROVE, "x", complete=True)
    application = build(cast, S.IN_REVIEW, reviewed=False)
    for outsider in (cast.applicant, cast.admin):
        assert not reviews.can_review(outsider, application)
        with pytest.raises(workflow.TransitionRefused):
            reviews.save_review(outsider, application, SCORES, Recommendation.APPROVE, "x", complete=True)
    # Any partner's staff and managers review, the delivering partner's staff included.
    for reviewer in (cast.deliverer, cast.other_staff, cast.manager2):
        reviews.save_review(reviewer, application, SCORES, Recommendation.APPROVE, "Fine.", complete=True)
    assert len(workflow.completed_reviews(application)) == 3


def test_declaring_a_conflict(cast):
    application = build(cast, S.SUBMITTED)
    with pytest.raises(DomainError) as refused:
        reviews.declare_conflict(cast.other_staff, application, " ")
    assert refused.value.field == "reason"
    reviews.declare_conflict(cast.other_staff, application, "My sister is the CFO.")
    assert workflow.has_conflict(cast.other_staff, application)
    with pytest.raises(workflow.WrongState, match="already declared"):
        reviews.declare_conflict(cast.other_staff, application, "Again.")
    with pytest.raises(workflow.TransitionRefused):
        reviews.declare_conflict(cast.applicant, application, "Me?")
    assert db.session.scalar(sa.select(AuditEvent.data).where(AuditEvent.verb == "review.conflict"))["reason"] \
        == "My sister is the CFO."
    closed = build(cast, S.CLOSED)
    assert not reviews.can_declare_conflict(cast.manager2, closed)


def test_the_review_page_and_its_live_total_fields(app, seeded):
    with app.app_context():
        cast = make_cast()
        target = build(cast, S.IN_REVIEW, reviewed=False).id
        db.session.commit()
    client = as_user(app, "partner")
    page = client.get(f"/reviews/{target}").data.decode()
    assert 'data-rubric' in page and 'id="rubric-total"' in page
    assert page.count('class="form-control rubric-score') == 4
    assert 'data-weight="3"' in page and "/static/js/workflow.js" in page
    response = client.post(f"/reviews/{target}", data={"score_relevance": "5", "comment": "Half done.", "save": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/reviews/{target}")
    assert 'value="5"' in client.get(f"/reviews/{target}").data.decode()
    response = client.post(f"/reviews/{target}", data={"score_relevance": "5", "recommendation": "approve",
                                                       "comment": "x", "complete": "1"})
    assert response.status_code == 200 and "Score every criterion" in response.data.decode()
    response = client.post(f"/reviews/{target}", data={
        "score_relevance": "5", "score_readiness": "4", "score_impact": "3", "score_region": "2",
        "recommendation": "approve", "comment": "Good.", "complete": "1"})
    assert response.status_code == 302
    with app.app_context():
        review = db.session.scalar(sa.select(Review).where(Review.application_id == target))
        assert review.total_hundredths == 7200 and review.recommendation is Recommendation.APPROVE
    # Complete: the form is closed to them now.
    assert client.get(f"/reviews/{target}").status_code == 302
    detail = as_user(app, "manager").get(f"/applications/{target}").data.decode()
    assert "72.00" in detail and "Ioana Crișan" in detail


def test_conflict_through_the_page_removes_the_person(app, seeded):
    with app.app_context():
        cast = make_cast()
        target = build(cast, S.IN_REVIEW, reviewed=False).id
        db.session.commit()
    client = as_user(app, "partner")
    response = client.post(f"/reviews/{target}/conflict", data={"conflict-reason": "I consulted for them."})
    assert response.status_code == 302 and response.headers["Location"].endswith("/applications/queue")
    assert client.get(f"/reviews/{target}").status_code == 403
    page = client.get(f"/applications/{target}").data.decode()
    assert "You declared a conflict of interest" in page
    with app.app_context():
        reference = db.session.get(Application, target).reference
    assert reference not in client.get("/applications/queue").data.decode()


def test_admins_configure_the_rubric(app, seeded):
    client = as_user(app, "admin")
    assert client.get("/reviews/rubric").status_code == 200
    response = client.post("/reviews/rubric", data={"code": "green", "label_en": "Green digitalisation",
                                                    "weight": "2", "position": "5", "active": "y"})
    assert response.status_code == 302
    response = client.post("/reviews/rubric", data={"code": "green", "label_en": "Twice", "weight": "1",
                                                    "position": "6", "active": "y"})
    assert b"Another criterion has this code." in response.data
    with app.app_context():
        region = db.session.scalar(sa.select(RubricCriterion).where(RubricCriterion.code == "region"))
        region_id = region.id
    response = client.post(f"/reviews/rubric/{region_id}", data={"code": "region", "label_en": "Regional benefit",
                                                                 "weight": "4", "position": "3"})
    assert response.status_code == 302
    with app.app_context():
        criteria = {c.code: c for c in reviews.rubric(include_inactive=True)}
        assert criteria["green"].weight == 2 and criteria["region"].weight == 4 and not criteria["region"].active
        assert [c.code for c in reviews.rubric()] == ["relevance", "readiness", "impact", "green"]
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.verb == "rubric.save")) == 2
    assert as_user(app, "manager").get("/reviews/rubric").status_code == 403
