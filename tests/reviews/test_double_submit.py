"""A review form sent twice at once stores one review, and neither send errors."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from applications.builders import S, as_user, build, make_cast

from dih4society.extensions import db
from dih4society.reviews.models import Review

SCORES = {"score_relevance": "5", "score_readiness": "4", "score_impact": "3", "score_region": "2"}


def test_two_concurrent_sends_of_a_first_review_store_one(app, seeded):
    with app.app_context():
        application = build(make_cast(), S.IN_REVIEW, reviewed=False)
        app_id = application.id
        db.session.commit()
    clients = [as_user(app, "partner.clujit") for _ in range(2)]
    data = {**SCORES, "recommendation": "approve", "comment": "Good fit.", "save": "1"}
    barrier = threading.Barrier(2)
    statuses: list = [None, None]

    def send(i: int) -> None:
        barrier.wait()
        statuses[i] = clients[i].post(f"/reviews/{app_id}", data=data).status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302, 302]
    with app.app_context():
        reviews = db.session.scalars(sa.select(Review).where(Review.application_id == app_id)).all()
        assert len(reviews) == 1 and reviews[0].comment == "Good fit."
