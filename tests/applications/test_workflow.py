"""The state machine (DESIGN.md §3), through the services: every allowed step, every refused one.

A refused step raises and changes nothing: same state, no audit event, no ledger entry.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from applications.builders import S, build, count_rows, review, second_approval_above, second_approver
from factories import make_user

from dih4society.applications import services, workflow
from dih4society.applications.models import Application
from dih4society.auth.models import Role
from dih4society.budget.models import AidGrant, LedgerEntry, LedgerKind
from dih4society.core.db import utcnow
from dih4society.core.errors import DomainError
from dih4society.core.models import AuditEvent
from dih4society.extensions import db
from dih4society.reviews import services as reviews

# How each step is taken by the person it belongs to (the cast's usual actor).
STEPS = {
    "submit": lambda c, a: services.submit(c.applicant, a),
    "withdraw": lambda c, a: services.withdraw(c.applicant, a),
    "start_review": lambda c, a: services.start_review(c.other_staff, a),
    "return_for_info": lambda c, a: services.return_for_info(c.manager, a, "Who will take part?"),
    "resubmit": lambda c, a: services.resubmit(c.applicant, a, "Three engineers."),
    "approve_first": lambda c, a: _approve_first(c, a),
    "approve": lambda c, a: services.approve(second_approver() if a.state is S.AWAITING_SECOND else c.manager, a,
                                             a.requested_cents),
    "reject": lambda c, a: services.reject(c.manager, a, "Out of scope."),
    "start_delivery": lambda c, a: services.start_delivery(c.deliverer, a),
    "record_delivery": lambda c, a: services.record_delivery(c.deliverer, a, utcnow().date(), "Done.",
                                                             a.approved_cents or 100),
    "confirm": lambda c, a: services.confirm(c.applicant, a, ""),
    "cancel": lambda c, a: services.cancel(c.manager, a, "Postponed."),
}

def _approve_first(c, a):
    """A first approval: the manager, above a (lowered) second-approval threshold."""
    workflow.check(c.manager, a, "approve_first")
    with second_approval_above(1):
        return services.approve(c.manager, a, a.requested_cents)


ALLOWED = [(name, source) for name, t in workflow.TRANSITIONS.items() for source in sorted(t.sources, key=str)]


def db_scalars(stmt):
    return db.session.scalars(stmt)


def _events(application: Application) -> list[AuditEvent]:
    return list(db_scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "application",
                                                        AuditEvent.object_id == application.id)
                           .order_by(AuditEvent.id)))


def test_the_table_covers_the_design_diagram():
    table = {(name, source, t.target) for name, t in workflow.TRANSITIONS.items() for source in t.sources}
    assert table == {
        ("submit", S.DRAFT, S.SUBMITTED), ("withdraw", S.DRAFT, S.WITHDRAWN),
        ("withdraw", S.SUBMITTED, S.WITHDRAWN), ("start_review", S.SUBMITTED, S.IN_REVIEW),
        ("return_for_info", S.IN_REVIEW, S.RETURNED), ("resubmit", S.RETURNED, S.SUBMITTED),
        ("approve", S.IN_REVIEW, S.APPROVED), ("reject", S.IN_REVIEW, S.REJECTED),
        ("approve_first", S.IN_REVIEW, S.AWAITING_SECOND), ("approve", S.AWAITING_SECOND, S.APPROVED),
        ("reject", S.AWAITING_SECOND, S.REJECTED),
        ("start_delivery", S.APPROVED, S.IN_DELIVERY), ("record_delivery", S.IN_DELIVERY, S.DELIVERED),
        ("confirm", S.DELIVERED, S.CLOSED), ("cancel", S.APPROVED, S.CANCELLED),
        ("cancel", S.IN_DELIVERY, S.CANCELLED),
    }


@pytest.mark.parametrize("name, source", ALLOWED, ids=[f"{n}-from-{s.value}" for n, s in ALLOWED])
def test_every_allowed_transition(cast, name, source):
    application = build(cast, source)
    before_events = len(_events(application))
    STEPS[name](cast, application)
    transition = workflow.TRANSITIONS[name]
    assert application.state is transition.target
    if transition.stamp:
        assert getattr(application, transition.stamp) is not None
    events = _events(application)
    step_events = [e for e in events[before_events:] if e.verb == f"application.{name}"]
    assert len(step_events) == 1
    assert step_events[0].data["from"] == source.value
    assert step_events[0].data["to"] == transition.target.value
    assert step_events[0].actor_id is not None


@pytest.mark.parametrize("state", list(S), ids=[s.value for s in S])
def test_every_other_transition_is_refused_and_changes_nothing(cast, state):
    application = build(cast, state)
    for name, transition in workflow.TRANSITIONS.items():
        if state in transition.sources:
            continue
        events, ledger = len(_events(application)), count_rows(LedgerEntry)
        with pytest.raises(workflow.WrongState) as refused:
            STEPS[name](cast, application)
        assert "not possible now" in refused.value.message
        assert application.state is state, name
        assert len(_events(application)) == events, name
        assert count_rows(LedgerEntry) == ledger, name


# --- who ------------------------------------------------------------------------------------

WRONG_ROLES = [
    ("submit", S.DRAFT, ["reviewer", "manager", "admin"]),
    ("withdraw", S.SUBMITTED, ["reviewer", "manager", "admin"]),
    ("start_review", S.SUBMITTED, ["applicant", "admin"]),
    ("return_for_info", S.IN_REVIEW, ["applicant", "other_staff", "deliverer", "admin"]),
    ("resubmit", S.RETURNED, ["reviewer", "manager", "admin"]),
    ("approve", S.IN_REVIEW, ["applicant", "other_staff", "deliverer", "admin"]),
    ("reject", S.IN_REVIEW, ["applicant", "other_staff", "deliverer", "admin"]),
    ("start_delivery", S.APPROVED, ["applicant", "manager", "admin"]),
    ("record_delivery", S.IN_DELIVERY, ["applicant", "manager", "admin"]),
    ("confirm", S.DELIVERED, ["deliverer", "other_staff", "admin"]),
    ("cancel", S.APPROVED, ["applicant", "deliverer", "admin"]),
]


def _take(name: str, actor, application: Application):
    """Take step `name` as `actor`, with valid inputs."""
    calls = {
        "submit": lambda: services.submit(actor, application),
        "withdraw": lambda: services.withdraw(actor, application),
        "start_review": lambda: services.start_review(actor, application),
        "return_for_info": lambda: services.return_for_info(actor, application, "Why?"),
        "resubmit": lambda: services.resubmit(actor, application, "Because."),
        "approve": lambda: services.approve(actor, application, application.requested_cents),
        "reject": lambda: services.reject(actor, application, "No."),
        "start_delivery": lambda: services.start_delivery(actor, application),
        "record_delivery": lambda: services.record_delivery(actor, application, utcnow().date(), "Done.", 100),
        "confirm": lambda: services.confirm(actor, application, "On the applicant's behalf."),
        "cancel": lambda: services.cancel(actor, application, "Postponed."),
    }
    return calls[name]()


def _refused(name, actor, application, match: str | None = None):
    state, events, ledger = application.state, len(_events(application)), count_rows(LedgerEntry)
    assert not workflow.can(actor, application, name)
    with pytest.raises(workflow.TransitionRefused) as refused:
        _take(name, actor, application)
    assert application.state is state
    assert len(_events(application)) == events
    assert count_rows(LedgerEntry) == ledger
    if match:
        assert re.search(match, refused.value.message), refused.value.message
    return refused.value


@pytest.mark.parametrize("name, source, roles", WRONG_ROLES, ids=[w[0] for w in WRONG_ROLES])
def test_wrong_role_is_refused(cast, name, source, roles):
    application = build(cast, source)
    for who in roles:
        _refused(name, getattr(cast, who), application)


@pytest.mark.parametrize("name, source", [("submit", S.DRAFT), ("withdraw", S.SUBMITTED),
                                          ("resubmit", S.RETURNED), ("confirm", S.DELIVERED)])
def test_another_organisation_cannot_act(cast, name, source):
    application = build(cast, source)
    _refused(name, cast.other_applicant, application, "applicant organisation")
    assert not workflow.can_view(cast.other_applicant, application)
    assert not workflow.can_edit(cast.other_applicant, application)


def test_a_colleague_of_the_same_organisation_can_act(cast):
    application = build(cast, S.DRAFT)
    services.submit(cast.colleague, application)
    assert application.state is S.SUBMITTED


def test_staff_of_another_partner_cannot_deliver(cast):
    application = build(cast, S.APPROVED)
    _refused("start_delivery", cast.other_staff, application, "delivering partner")
    services.start_delivery(cast.deliverer, application)
    _refused("record_delivery", cast.other_staff, application, "delivering partner")


def test_a_reviewer_cannot_approve_what_they_reviewed(cast):
    application = build(cast, S.IN_REVIEW, reviewed=False)
    review(cast.manager2, application)
    for name in ("approve", "reject", "return_for_info"):
        _refused(name, cast.manager2, application, "four eyes")
    services.approve(cast.manager, application, application.requested_cents)
    assert application.state is S.APPROVED


def test_a_saved_but_unfinished_review_also_excludes_the_decider(cast):
    application = build(cast, S.IN_REVIEW)
    reviews.save_review(cast.manager2, application, {}, None, "", complete=False)
    _refused("approve", cast.manager2, application, "four eyes")


def test_no_decision_before_a_completed_review(cast):
    application = build(cast, S.IN_REVIEW, reviewed=False)
    for name in ("approve", "reject", "return_for_info"):
        _refused(name, cast.manager, application, "completed review")
    review(cast.reviewer, application)
    assert workflow.can_approve(cast.manager, application)


def test_people_of_the_delivering_partner_never_decide(cast):
    application = build(cast, S.IN_REVIEW)
    _refused("approve", cast.deliverer, application)  # partner staff: not a decider at all
    utcn_manager = make_user(Role.MANAGER, partner=cast.deliverer.partner)
    _refused("approve", utcn_manager, application, "delivering partner")
    _refused("reject", utcn_manager, application, "delivering partner")


def test_a_conflicted_person_is_out_of_the_application(cast):
    application = build(cast, S.SUBMITTED)
    reviews.declare_conflict(cast.other_staff, application, "My cousin runs the company.")
    _refused("start_review", cast.other_staff, application, "conflict of interest")
    services.start_review(cast.reviewer, application)
    assert not reviews.can_review(cast.other_staff, application)
    with pytest.raises(workflow.TransitionRefused):
        reviews.save_review(cast.other_staff, application, {}, None, "", complete=False)
    review(cast.reviewer, application)
    reviews.declare_conflict(cast.manager2, application, "I advised them last year.")
    _refused("approve", cast.manager2, application, "conflict of interest")
    services.approve(cast.manager, application, application.requested_cents)
    reviews.declare_conflict(cast.deliverer, application, "Former employer.")
    _refused("start_delivery", cast.deliverer, application, "conflict of interest")


def test_a_conflict_declared_after_reviewing_voids_the_review(cast):
    application = build(cast, S.IN_REVIEW)  # reviewed by cast.reviewer
    reviews.declare_conflict(cast.reviewer, application, "Discovered a family link.")
    assert workflow.completed_reviews(application) == []
    _refused("approve", cast.manager, application, "completed review")


# --- inputs and money -------------------------------------------------------------------------

def test_submit_needs_every_declaration_and_a_justification(cast):
    from applications.builders import data

    application = services.create_draft(cast.applicant, cast.service, data(decl_no_recovery_order=False))
    with pytest.raises(DomainError) as refused:
        services.submit(cast.applicant, application)
    assert refused.value.field == "decl_no_recovery_order"
    assert application.state is S.DRAFT and application.reference is None
    short = services.create_draft(cast.applicant, cast.service, data(justification="Because."))
    with pytest.raises(DomainError, match="few sentences"):
        services.submit(cast.applicant, short)


def test_requested_amount_is_at_most_the_market_value(cast):
    from applications.builders import data

    with pytest.raises(DomainError) as refused:
        services.create_draft(cast.applicant, cast.service, data(cast.service.market_value_cents + 1))
    assert refused.value.field == "requested"


def test_ineligible_kind_cannot_apply(cast):
    from applications.builders import data, service

    public_only = service("SKL-DIG-01")  # public institutions only
    with pytest.raises(DomainError, match="is not open to this kind of organisation"):
        services.create_draft(cast.applicant, public_only, data(300_000))


def test_approve_at_most_the_requested_amount(cast):
    application = build(cast, S.IN_REVIEW)
    with pytest.raises(DomainError) as refused:
        services.approve(cast.manager, application, application.requested_cents + 1)
    assert refused.value.field == "amount"


def test_actual_cost_at_most_the_approved_amount(cast):
    application = build(cast, S.IN_DELIVERY, approved_cents=1_000_000)
    with pytest.raises(DomainError) as refused:
        services.record_delivery(cast.deliverer, application, utcnow().date(), "Done.", 1_000_001)
    assert refused.value.field == "actual_cost"


@pytest.mark.parametrize("days, ok", [(1, False), (0, True), (-1, True), (-2, False)])
def test_the_delivery_date_is_between_the_approval_and_today(cast, days, ok):
    from datetime import timedelta

    application = build(cast, S.IN_DELIVERY)
    application.decided_at = utcnow() - timedelta(days=30) if days == -2 else application.decided_at
    when = utcnow().date() + timedelta(days=days) if days != -2 else (utcnow() - timedelta(days=32)).date()
    if ok:
        services.record_delivery(cast.deliverer, application, when, "Done.", 100)
        assert application.state is S.DELIVERED and application.delivered_on == when
    else:
        with pytest.raises(DomainError) as refused:
            services.record_delivery(cast.deliverer, application, when, "Done.", 100)
        assert refused.value.field == "delivered_on" and application.state is S.IN_DELIVERY


def test_reasons_and_questions_are_required(cast):
    application = build(cast, S.IN_REVIEW)
    for call, field in ((lambda: services.reject(cast.manager, application, "  "), "reason"),
                        (lambda: services.return_for_info(cast.manager, application, ""), "question")):
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.field == field
    approved = build(cast, S.APPROVED)
    with pytest.raises(DomainError) as refused:
        services.cancel(cast.manager, approved, "")
    assert refused.value.field == "reason"


def test_a_manager_confirming_must_leave_a_note(cast):
    application = build(cast, S.DELIVERED)
    with pytest.raises(DomainError) as refused:
        services.confirm(cast.manager, application, "")
    assert refused.value.field == "note"
    services.confirm(cast.manager, application, "The applicant confirmed by phone.")
    assert application.state is S.CLOSED and application.closing_note


def test_approve_commits_the_amount_and_records_the_aid(cast):
    application = build(cast, S.APPROVED, requested_cents=1_600_000, approved_cents=1_200_000)
    entries = list(db_scalars(sa.select(LedgerEntry).where(LedgerEntry.application_id == application.id)))
    assert [(e.kind, e.amount_cents) for e in entries] == [(LedgerKind.COMMIT, 1_200_000)]
    grant = db_scalars(sa.select(AidGrant).where(AidGrant.application_id == application.id)).one()
    # No co-payment: the aid is the whole value received without paying.
    assert grant.aid_cents == 1_200_000 == application.aid_cents == grant.approved_aid_cents
    assert application.co_payment_cents == 0 and grant.co_payment_cents == 0
    assert application.legal_basis.value == "gber_28"
    event = [e for e in _events(application) if e.verb == "application.approve"][0]
    assert event.data["approved_cents"] == 1_200_000 and event.data["aid_cents"] == 1_200_000


def test_confirm_spends_the_actual_cost_and_releases_the_rest(cast):
    from dih4society.budget.services import verify

    application = build(cast, S.CLOSED, approved_cents=1_200_000, actual_cents=1_000_000)
    kinds = {e.kind: e.amount_cents for e in db_scalars(
        sa.select(LedgerEntry).where(LedgerEntry.application_id == application.id))}
    assert kinds == {LedgerKind.COMMIT: 1_200_000, LedgerKind.SPEND: 1_000_000, LedgerKind.RELEASE: 200_000}
    assert verify().ok


def test_cancel_releases_the_commitment_and_reverses_the_aid(cast):
    from dih4society.budget.services import verify

    application = build(cast, S.IN_DELIVERY)
    services.cancel(cast.manager, application, "The company closed the line.")
    entries = [(e.kind, e.amount_cents) for e in db_scalars(
        sa.select(LedgerEntry).where(LedgerEntry.application_id == application.id))]
    assert (LedgerKind.RELEASE, application.approved_cents) in entries
    grant = db_scalars(sa.select(AidGrant).where(AidGrant.application_id == application.id)).one()
    assert grant.reversed_on is not None
    assert verify().ok


def test_approving_twice_books_once(cast):
    application = build(cast, S.APPROVED)
    with pytest.raises(workflow.WrongState):
        services.approve(cast.manager, application, application.requested_cents)
    assert count_rows(LedgerEntry, LedgerEntry.application_id == application.id) == 1


def test_references_are_per_year_sequences(cast):
    first = build(cast, S.SUBMITTED)
    second = build(cast, S.SUBMITTED)
    year = utcnow().year
    assert re.fullmatch(rf"DIH-{year}-\d{{6}}", first.reference)
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1
    draft = build(cast, S.DRAFT)
    assert draft.reference is None
    assert services.next_reference(1999) == "DIH-1999-000001"
    assert services.next_reference(1999) == "DIH-1999-000002"


def test_a_resubmitted_application_keeps_its_reference(cast):
    application = build(cast, S.RETURNED)
    reference = application.reference
    services.resubmit(cast.applicant, application, "Three engineers and the plant manager.")
    assert application.reference == reference and application.info_answer


def test_update_is_only_for_drafts_and_returned(cast):
    from applications.builders import data

    returned = build(cast, S.RETURNED)
    services.update_application(cast.applicant, returned, data(1_000_000))
    assert returned.requested_cents == 1_000_000
    submitted = build(cast, S.SUBMITTED)
    with pytest.raises(workflow.WrongState):
        services.update_application(cast.applicant, submitted, data(1_000_000))
    with pytest.raises(workflow.TransitionRefused):
        services.update_application(cast.other_applicant, returned, data(900_000))
