"""The demo applications: every state, both demo organisations, built by the real workflow."""

from __future__ import annotations

import sqlalchemy as sa

from dih4society.applications.demo import seed_applications
from dih4society.applications.models import Application, AppState
from dih4society.budget.services import verify
from dih4society.core.models import AuditEvent
from dih4society.extensions import db
from dih4society.organisations.models import Organisation
from dih4society.reviews.models import Review


def test_demo_applications_in_every_state_for_both_organisations(ctx, seeded):
    lines = seed_applications()
    assert "every state" in lines[0]
    rows = db.session.execute(sa.select(Organisation.legal_name, Application.state)
                              .join(Application.organisation)).all()
    for name in ("Tehnoplast Someș SRL", "Clinica Sfânta Maria Oradea SRL"):
        assert {state for org, state in rows if org == name} == set(AppState), name
    reviewed = db.session.scalar(sa.select(sa.func.count(Review.id)).where(Review.completed_at.is_not(None)))
    assert reviewed >= 12
    assert db.session.scalar(sa.select(sa.func.count(Review.id)).where(Review.conflict_declared.is_(True))) == 1
    # Built by the workflow: each application has the audit trail of its path.
    closed = db.session.scalars(sa.select(Application).where(Application.state == AppState.CLOSED)).all()
    for application in closed:
        verbs = set(db.session.scalars(sa.select(AuditEvent.verb).where(
            AuditEvent.object_type == "application", AuditEvent.object_id == application.id)))
        assert {"application.submit", "application.approve", "application.confirm", "review.complete"} <= verbs
    assert verify().ok, verify().problems


def test_demo_applications_are_idempotent(ctx, seeded):
    seed_applications()
    count = db.session.scalar(sa.select(sa.func.count(Application.id)))
    assert "already present" in seed_applications()[0]
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == count


def test_full_demo_seed_command(app, seeded):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--password", "correct-horse-battery-9"])
    assert result.exit_code == 0, result.output
    assert "24 demo applications" in result.output
    again = runner.invoke(args=["seed-demo", "--password", "correct-horse-battery-9"])
    assert "already present" in again.output


def test_demo_has_work_for_the_partner_approver(ctx, seeded):
    """partner@ (TU Cluj-Napoca) is an approver, and the demo gives them an application in
    review, reviewed by someone else, to decide, and one waiting for a second approval."""
    from dih4society.applications import workflow
    from dih4society.auth.models import User

    seed_applications()
    partner = db.session.scalar(sa.select(User).where(User.email == "partner@dih4society.example"))
    assert partner.is_approver and partner.is_decider
    apps = db.session.scalars(sa.select(Application)).all()
    decidable = [a for a in apps if a.state is AppState.IN_REVIEW and workflow.can_approve(partner, a)]
    assert decidable and all(workflow.own_review(partner, a) is None for a in decidable)
    assert all(a.service.partner_id != partner.partner_id for a in decidable)
    second = [a for a in apps if a.state is AppState.AWAITING_SECOND and workflow.can_approve(partner, a)]
    assert len(second) == 1
    assert second[0].approvals[0].decision_body == "hub" and second[0].approved_cents is None


def test_seed_prints_one_mail_summary_and_the_accounts_last(ctx, caplog):
    import logging

    from dih4society.demo import seed

    with caplog.at_level(logging.INFO):
        report = seed(password="demo-password-2026")
    assert not [r for r in caplog.records if r.getMessage().startswith("MAIL to=")]
    lines = report.splitlines()
    assert any(line.startswith("outbox: ") for line in lines)
    assert lines[-6].startswith("demo accounts") and lines[-1].strip() == "applicant2@dih4society.example"
