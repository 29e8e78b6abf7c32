"""Notifications: in-app and e-mail to the people concerned at each step, over real SMTP.

The e-mails go through the outbox and are sent after the request by the app's
after_request hook to an aiosmtpd server on 127.0.0.1; the test reads what arrived.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from applications.builders import as_user

from dih4society.applications.models import Application
from dih4society.auth.models import Role, User
from dih4society.core.db import utcnow
from dih4society.core.models import Notification, OutboxEmail
from dih4society.extensions import db

D = "@dih4society.example"


@pytest.fixture
def app_config(app_config, smtp):
    return {**app_config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port}


@pytest.fixture
def world(world, app, smtp):
    """The same world, with the mail its building queued already sent (so each test
    reads only what its own requests caused)."""
    from dih4society.core.mail import deliver_pending

    with app.app_context():
        deliver_pending(limit=10_000)
    return world


def _emails_of(role: Role, partner_code: str | None = None) -> set[str]:
    stmt = sa.select(User.email).where(User.role == role, User.active.is_(True))
    if partner_code:
        from dih4society.catalogue.models import Partner

        stmt = stmt.join(Partner, Partner.id == User.partner_id).where(Partner.code == partner_code)
    return set(db.session.scalars(stmt))


def _recipients(smtp, start: int) -> set[str]:
    return {rcpt for message in smtp.messages[start:] for rcpt in message["to"]}


def test_each_step_tells_the_people_concerned(app, world, smtp):
    with app.app_context():
        managers = _emails_of(Role.MANAGER)
        utcn = _emails_of(Role.PARTNER_STAFF, "UTCN")
        org = set(db.session.scalars(sa.select(User.email).join(Application, Application.organisation_id ==
                                                                 User.organisation_id)
                                     .where(Application.id == world["draft"])))
        reference_of = lambda i: db.session.get(Application, i).reference  # noqa: E731
    applicant = as_user(app, "applicant")
    target = world["draft"]

    start = len(smtp.messages)
    assert applicant.post(f"/applications/{target}/submit").status_code == 302
    expected = managers | utcn | (org - {"applicant" + D})  # everyone concerned but the actor
    smtp.wait(start + len(expected))
    assert _recipients(smtp, start) == expected
    with app.app_context():
        ref = reference_of(target)
    assert all(ref in m["subject"] and ref in m["body"] for m in smtp.messages[start:])

    partner = as_user(app, "partner")
    start = len(smtp.messages)
    assert partner.post(f"/applications/{target}/start-review").status_code == 302
    smtp.wait(start + len(org))
    assert _recipients(smtp, start) == org
    assert "started reviewing" in smtp.messages[-1]["body"]

    clujit = as_user(app, "partner.clujit")
    start = len(smtp.messages)
    scores = {"score_relevance": "4", "score_readiness": "4", "score_impact": "4", "score_region": "4"}
    assert clujit.post(f"/reviews/{target}", data={**scores, "recommendation": "approve", "comment": "Good.",
                                                   "complete": "1"}).status_code == 302
    smtp.wait(start + len(managers))
    assert _recipients(smtp, start) == managers

    manager = as_user(app, "manager")
    start = len(smtp.messages)
    assert manager.post(f"/applications/{target}/approve", data={"approve-amount": "15000"}).status_code == 302
    smtp.wait(start + len(org | utcn))
    assert _recipients(smtp, start) == org | (utcn - {"manager" + D})
    assert any("approved" in m["subject"] for m in smtp.messages[start:])

    # The beneficiary accepts the voucher agreement (issue 12): its colleagues and the partner hear of it.
    with app.app_context():
        from dih4society.vouchers.models import VoucherAgreement

        digest = db.session.scalar(sa.select(VoucherAgreement.content_hash).where(
            VoucherAgreement.application_id == target))
    start = len(smtp.messages)
    assert applicant.post(f"/vouchers/{target}/accept", data={
        "accept-full_name": "Andrei Bălan", "accept-confirm": "y", "accept-content_hash": digest}).status_code == 302
    expected = (org - {"applicant" + D}) | utcn
    smtp.wait(start + len(expected))
    assert _recipients(smtp, start) == expected

    start = len(smtp.messages)
    assert partner.post(f"/applications/{target}/start-delivery").status_code == 302
    smtp.wait(start + len(org | managers))
    assert _recipients(smtp, start) == org | managers

    start = len(smtp.messages)
    assert partner.post(f"/applications/{target}/record-delivery", data={
        "delivery-delivered_on": utcnow().date().isoformat(), "delivery-notes": "Done.",
        "delivery-actual_cost": "14000"}).status_code == 302
    smtp.wait(start + len(org | managers))
    assert _recipients(smtp, start) == org | managers
    assert any("Please confirm" in m["body"] for m in smtp.messages[start:])

    start = len(smtp.messages)
    assert applicant.post(f"/applications/{target}/confirm", data={"confirm-note": ""}).status_code == 302
    expected = (org - {"applicant" + D}) | utcn | managers
    smtp.wait(start + len(expected) + len(org))  # and every user of the organisation is asked for satisfaction
    closing = [m for m in smtp.messages[start:] if "how satisfied" not in m["subject"]]
    asking = [m for m in smtp.messages[start:] if "how satisfied" in m["subject"]]
    assert {rcpt for m in closing for rcpt in m["to"]} == expected
    assert {rcpt for m in asking for rcpt in m["to"]} == org

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(OutboxEmail.sent_at.is_(None))) == 0
        in_app = db.session.scalars(sa.select(Notification).join(User, User.id == Notification.user_id)
                                    .where(User.email == "applicant" + D, Notification.application_id == target,
                                           Notification.message.not_like("%How satisfied%"))
                                    .order_by(Notification.id)).all()
        # applicant@ took submit and confirm; heard about start_review, approve, start/record delivery.
        assert len(in_app) == 4
        assert "approved" in in_app[1].message and "€15,000.00" in in_app[1].message


def test_the_applicant_is_told_the_question_and_the_reason(app, world, smtp):
    manager = as_user(app, "manager")
    start = len(smtp.messages)
    assert manager.post(f"/applications/{world['in_review']}/return",
                        data={"return-question": "Which machines will you use?"}).status_code == 302
    smtp.wait(start + 2)
    bodies = [m["body"] for m in smtp.messages[start:] if "applicant" + D in m["to"]]
    assert bodies and "Which machines will you use?" in bodies[0]
    start = len(smtp.messages)
    assert manager.post(f"/applications/{world['b_approved']}/cancel",
                        data={"cancel-reason": "The clinic moved the project to 2027."}).status_code == 302
    smtp.wait(start + 1)
    assert any("moved the project to 2027" in m["body"] and "applicant2" + D in m["to"]
               for m in smtp.messages[start:])


def test_a_refused_step_sends_nothing(app, world, smtp):
    start = len(smtp.messages)
    assert as_user(app, "partner.uo").post(f"/applications/{world['approved']}/start-delivery").status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(OutboxEmail.sent_at.is_(None))) == 0
    assert len(smtp.messages) == start
