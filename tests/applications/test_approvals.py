"""Partner approvers and the second approval (DESIGN.md §3): who may approve what, when a
second approval is needed, that money is committed once, at the final approval."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from applications.builders import S, as_user, build, count_rows, review, service, state_of
from factories import make_user

from dih4society.applications import queries, services, workflow
from dih4society.applications.models import Application, Approval
from dih4society.auth.models import Role, User
from dih4society.budget.models import AidGrant, LedgerEntry
from dih4society.core.models import AuditEvent
from dih4society.extensions import db

BIG = 3_000_000  # €30,000: above the default APPROVAL_SECOND_ABOVE_EUR of €25,000
DT = "TBI-DT-01"  # demo service of CLUJIT, €38,000


def approver_of(partner_code: str) -> User:
    """A fresh partner-staff user of `partner_code` holding the approver right."""
    from dih4society.catalogue.models import Partner

    partner = db.session.scalar(sa.select(Partner).where(Partner.code == partner_code))
    user = make_user(Role.PARTNER_STAFF, partner=partner)
    user.is_approver = True
    db.session.flush()
    return user


def commitments(application) -> int:
    return count_rows(LedgerEntry, LedgerEntry.application_id == application.id)


def test_a_partner_approver_approves_another_partners_service(cast):
    """partner@ (UTCN, approver) decides a CLUJIT service reviewed by someone else."""
    application = build(cast, S.IN_REVIEW, svc=service("TBI-CYB-01"), requested_cents=1_000_000,
                        applicant=cast.other_applicant)
    assert [r.reviewer_id for r in application.reviews] == [cast.reviewer.id]  # CLUJIT staff, not partner@
    assert workflow.can_approve(cast.deliverer, application)
    assert services.approve(cast.deliverer, application, 1_000_000) == "approve"
    assert application.state is S.APPROVED and application.decided_by_id == cast.deliverer.id
    assert commitments(application) == 1
    assert [(a.stage, a.decision_body) for a in application.approvals] == [(1, f"partner:{cast.deliverer.partner_id}")]


def test_partner_staff_without_the_right_cannot_decide(cast):
    application = build(cast, S.IN_REVIEW, svc=service("TBI-CYB-01"), applicant=cast.other_applicant,
                        requested_cents=1_000_000)
    kind, message = workflow.refusal(cast.other_staff, application, "approve")
    assert kind == "who" and "approver right" in message
    for step in ("approve", "reject", "return_for_info"):
        assert not workflow.can(cast.other_staff, application, step)
    with pytest.raises(workflow.TransitionRefused):
        services.approve(cast.other_staff, application, 1_000_000)
    assert application.state is S.IN_REVIEW and commitments(application) == 0


def test_four_eyes_for_partner_approvers(cast):
    """Not the reviewer, not with a conflict, never their own partner's service alone."""
    own = build(cast, S.IN_REVIEW)  # TBI-ROB-01 is delivered by UTCN, partner@'s partner
    assert "delivering partner" in workflow.refusal(cast.deliverer, own, "approve")[1]
    clujit_approver = approver_of("CLUJIT")
    cyb = build(cast, S.IN_REVIEW, svc=service("TBI-CYB-01"), applicant=cast.other_applicant,
                requested_cents=1_000_000)
    assert "delivering partner" in workflow.refusal(clujit_approver, cyb, "approve")[1]
    reviewed = build(cast, S.IN_REVIEW, svc=service("TBI-CYB-01"), applicant=cast.other_applicant,
                     requested_cents=1_000_000)
    review(cast.deliverer, reviewed)
    assert "four eyes" in workflow.refusal(cast.deliverer, reviewed, "approve")[1]
    from dih4society.reviews import services as reviews

    conflicted = build(cast, S.IN_REVIEW, svc=service("TBI-CYB-01"), applicant=cast.other_applicant,
                       requested_cents=1_000_000)
    reviews.declare_conflict(cast.deliverer, conflicted, "My brother works there.")
    assert "conflict" in workflow.refusal(cast.deliverer, conflicted, "approve")[1]
    unreviewed = build(cast, S.IN_REVIEW, svc=service("TBI-CYB-01"), applicant=cast.other_applicant,
                       requested_cents=1_000_000, reviewed=False)
    assert "completed review" in workflow.refusal(cast.deliverer, unreviewed, "approve")[1]


def test_own_partner_approval_needs_a_second_from_outside_where_the_hub_allows_it(cast, app):
    app.config["OWN_PARTNER_APPROVAL_WITH_SECOND"] = True
    own = build(cast, S.IN_REVIEW, requested_cents=1_000_000)  # UTCN service, small amount
    assert services.approve(cast.deliverer, own, 1_000_000) == "approve_first"
    assert own.state is S.AWAITING_SECOND and commitments(own) == 0
    colleague = approver_of("UTCN")  # same partner: not a second organisation
    assert "another organisation" in workflow.refusal(colleague, own, "approve")[1]
    services.approve(cast.manager, own, 0)  # the hub management, from outside UTCN
    assert own.state is S.APPROVED and own.approved_cents == 1_000_000 and commitments(own) == 1


def test_above_the_threshold_two_approvals_from_two_organisations(cast):
    application = build(cast, S.IN_REVIEW, svc=service(DT), requested_cents=BIG)
    grants_before = count_rows(AidGrant)
    assert services.approve(cast.manager, application, BIG) == "approve_first"
    assert application.state is S.AWAITING_SECOND and application.approved_cents is None
    assert commitments(application) == 0 and count_rows(AidGrant) == grants_before
    # Not the same person, not the same organisation (the hub management counts as one).
    assert "first approval" in workflow.refusal(cast.manager, application, "approve")[1]
    assert "another organisation" in workflow.refusal(cast.manager2, application, "approve")[1]
    # partner@ (UTCN) did not review it (CLUJIT staff did) and is not of CLUJIT: may confirm.
    assert services.approve(cast.deliverer, application, 1) == "approve"  # the amount is the first's
    assert application.state is S.APPROVED and application.approved_cents == BIG
    assert commitments(application) == 1 and count_rows(AidGrant) == grants_before + 1
    assert [(a.stage, a.approver_id) for a in application.approvals] == [(1, cast.manager.id),
                                                                          (2, cast.deliverer.id)]
    verbs = list(db.session.scalars(sa.select(AuditEvent.verb).where(
        AuditEvent.object_type == "application", AuditEvent.object_id == application.id)))
    assert "application.approve_first" in verbs and "application.approve" in verbs
    labels = [e.label for e in queries.timeline(application, internal=False)]
    assert "First approval (a second approval is needed)" in labels and "Approved" in labels


def test_at_the_threshold_one_approval_is_enough(cast):
    application = build(cast, S.IN_REVIEW, svc=service(DT), requested_cents=2_500_000)
    assert services.approve(cast.manager, application, 2_500_000) == "approve"
    assert application.state is S.APPROVED


def test_either_approver_may_reject_at_the_second_stage(cast):
    first_rejects = build(cast, S.IN_REVIEW, svc=service(DT), requested_cents=BIG)
    services.approve(cast.manager, first_rejects, BIG)
    assert workflow.can_reject(cast.manager, first_rejects)
    services.reject(cast.manager, first_rejects, "On reflection the plan is not ready.")
    assert first_rejects.state is S.REJECTED and commitments(first_rejects) == 0
    second_rejects = build(cast, S.IN_REVIEW, svc=service(DT), requested_cents=BIG)
    services.approve(cast.manager, second_rejects, BIG)
    assert not workflow.can_reject(cast.manager2, second_rejects)  # same body, not the first approver
    services.reject(cast.deliverer, second_rejects, "The value is not justified.")
    assert second_rejects.state is S.REJECTED


def test_a_budget_refusal_at_the_second_approval_changes_nothing_and_is_audited(cast, app):
    from dih4society.budget import services as budget

    application = build(cast, S.IN_REVIEW, svc=service(DT), requested_cents=BIG)
    services.approve(cast.manager, application, BIG)
    db.session.commit()
    account = budget.account_for(application.service.partner_id, application.service.category)
    # Spend the account's room elsewhere: the second approval must be refused with figures.
    reserve = budget.reserve_account()
    budget.transfer(cast.admin, account, reserve, account.available_cents - 100, "drain-test")
    db.session.commit()
    client = as_user(app, cast.deliverer.email)
    response = client.post(f"/applications/{application.id}/approve",
                           data={"approve-amount": "30000.00"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "cannot take €30,000.00: available €1.00" in html
    db.session.expire_all()
    assert state_of(app, application.id) is S.AWAITING_SECOND
    assert count_rows(Approval, Approval.application_id == application.id) == 1
    assert count_rows(AuditEvent, AuditEvent.verb == "application.decision_refused",
                      AuditEvent.object_id == application.id) == 1


def test_the_queue_shows_what_waits_for_each_persons_decision(cast):
    waiting_manager = build(cast, S.IN_REVIEW, svc=service("TBI-CYB-01"), applicant=cast.other_applicant,
                            requested_cents=1_000_000)
    second = build(cast, S.IN_REVIEW, svc=service(DT), requested_cents=BIG)
    services.approve(cast.manager, second, BIG)
    db.session.flush()

    def waiting(user) -> set[int]:
        stmt = queries.queue_statement(queries.QueueFilters(waiting=True), user)
        return {a.id for a in db.session.scalars(stmt).unique()}

    assert waiting_manager.id in waiting(cast.manager) and second.id not in waiting(cast.manager)
    assert {waiting_manager.id, second.id} <= waiting(cast.deliverer)  # partner@, approver of UTCN
    assert waiting_manager.id not in waiting(cast.reviewer)  # CLUJIT staff reviewed it
    # Each decision the queue offers is one the workflow accepts.
    for user in (cast.manager, cast.deliverer):
        for app_id in waiting(user):
            assert workflow.can_approve(user, db.session.get(Application, app_id))
    assert queries.waiting_count(cast.deliverer) == len(waiting(cast.deliverer))


def test_approver_right_is_granted_and_removed_by_an_admin_only(app, seeded):
    admin = as_user(app, "admin")
    partner_uo = seeded["partner.uo"]
    assert admin.post(f"/admin/users/{partner_uo}/approver/1", data={}).status_code == 302
    with app.app_context():
        assert db.session.get(User, partner_uo).is_approver
        assert count_rows(AuditEvent, AuditEvent.verb == "user.approver_granted", AuditEvent.object_id == partner_uo) == 1
    admin.post(f"/admin/users/{partner_uo}/approver/1", data={})  # a repeat changes nothing
    with app.app_context():
        assert count_rows(AuditEvent, AuditEvent.verb == "user.approver_granted", AuditEvent.object_id == partner_uo) == 1
    admin.post(f"/admin/users/{partner_uo}/approver/0", data={})
    with app.app_context():
        assert not db.session.get(User, partner_uo).is_approver
        assert count_rows(AuditEvent, AuditEvent.verb == "user.approver_removed", AuditEvent.object_id == partner_uo) == 1
    manager = as_user(app, "manager")
    assert manager.post(f"/admin/users/{partner_uo}/approver/1", data={}).status_code == 403
    with app.app_context():
        assert not db.session.get(User, partner_uo).is_approver
    # Managers decide by their role; the right is refused for them.
    admin.post(f"/admin/users/{seeded['manager']}/approver/1", data={}, follow_redirects=True)
    with app.app_context():
        assert not db.session.get(User, seeded["manager"]).is_approver


def test_a_partner_approver_approves_through_the_page(app, seeded):
    with app.app_context():
        from applications.builders import make_cast

        cast = make_cast()
        application = build(cast, S.IN_REVIEW, svc=service("TBI-CYB-01"), applicant=cast.other_applicant,
                            requested_cents=1_000_000)
        app_id = application.id
        db.session.commit()
    partner = as_user(app, "partner")
    page = partner.get(f"/applications/{app_id}").get_data(as_text=True)
    assert 'data-step="approve"' in page and "data-confirm" in page
    response = partner.post(f"/applications/{app_id}/approve", data={"approve-amount": "10000.00"})
    assert response.status_code == 302
    assert state_of(app, app_id) is S.APPROVED
    staff = as_user(app, "partner.uo")  # partner staff without the right
    with app.app_context():
        application = build(make_cast(), S.IN_REVIEW, svc=service("TBI-CYB-01"),
                            applicant=db.session.get(User, seeded["applicant2"]), requested_cents=1_000_000)
        other_id = application.id
        db.session.commit()
    assert staff.post(f"/applications/{other_id}/approve", data={"approve-amount": "10000.00"}).status_code == 403
    assert state_of(app, other_id) is S.IN_REVIEW


def test_a_deciders_main_action_is_to_decide_and_says_why_not_to_score(app, seeded):
    """Issue 10: the manager's primary button on an application they may decide is
    "Decide", and scoring is offered second, with the four-eyes reason."""
    with app.app_context():
        from applications.builders import make_cast

        application = build(make_cast(), S.IN_REVIEW, svc=service("TBI-CYB-01"), requested_cents=1_000_000)
        app_id = application.id
        db.session.commit()
    page = as_user(app, "manager").get(f"/applications/{app_id}").get_data(as_text=True)
    actions = page[page.index('id="quick-actions"'):page.index("</div>", page.index('id="quick-actions"'))]
    assert 'class="btn btn-primary" href="#steps" id="decide-action"' in actions
    assert "btn-outline-secondary" in actions and "Score this application" in actions
    assert 'id="four-eyes-note"' in page
    staff = as_user(app, "partner.uo").get(f"/applications/{app_id}").get_data(as_text=True)
    assert 'id="decide-action"' not in staff  # no approver right: scoring is their main action
