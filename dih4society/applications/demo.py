"""Demo applications in every state, for both demo applicant organisations.

Built by the real workflow (services and reviews), so every demo application has the
audit trail, ledger entries, aid records and notifications a real one would have.
Idempotent: nothing is added when the demo organisations already have applications.
Flushes, never commits (`demo.seed` commits).
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ..auth.models import User
from ..catalogue.models import Service
from ..core.db import utcnow
from ..extensions import db
from ..reviews import services as reviews
from ..reviews.models import Recommendation
from . import services, workflow
from .models import Application, AppState

S = AppState
DOMAIN = "@dih4society.example"
#: Staff of each partner who deliver its services.
DELIVERY_STAFF = {"UTCN": "partner", "CLUJIT": "partner.clujit", "UO": "partner.uo", "CCIBN": "partner.ccibn"}

# (applicant, service code, target state, justification)
PLAN = [
    ("applicant", "TBI-AI-01", S.DRAFT,
     "We want to predict scrap on our injection-moulding line from machine data we already log."),
    ("applicant", "SKL-CYB-01", S.SUBMITTED,
     "Our office and production staff (18 people) need phishing and password training after a recent incident."),
    ("applicant", "TBI-ROB-01", S.IN_REVIEW,
     "We plan to automate the deburring of plastic parts and need to test a cobot cell on our own parts first."),
    ("applicant", "INV-PLAN-01", S.RETURNED,
     "We need a costed digital investment plan for a new MES, to support a bank loan application."),
    ("applicant", "TBI-CYB-01", S.APPROVED,
     "Our ERP and the machine network share one flat network; we need a penetration test and a remediation plan."),
    ("applicant", "INV-PITCH-01", S.REJECTED,
     "We would like introductions to investors for a new product line of recycled-plastic packaging."),
    ("applicant", "NET-EVT-01", S.WITHDRAWN,
     "Two engineers would attend the Industry 4.0 demo day to meet automation suppliers."),
    ("applicant", "SKL-ROB-01", S.IN_DELIVERY,
     "Three maintenance technicians must learn to program the robots we are buying this year."),
    ("applicant", "NET-MATCH-01", S.DELIVERED,
     "We are looking for a research group to help us with machine-vision quality inspection."),
    ("applicant", "TBI-IOT-01", S.CLOSED,
     "We want to retrofit energy and vibration sensors on our oldest press line and see the data live."),
    ("applicant", "INV-FUND-01", S.CANCELLED,
     "We want coaching for an application to the PNRR digitalisation call."),
    ("applicant2", "SKL-DATA-01", S.DRAFT,
     "Our ward managers need to read and use the clinical dashboards we introduced this spring."),
    ("applicant2", "TBI-CYB-01", S.SUBMITTED,
     "The clinic's patient-record system is reachable from the internet; we need a security audit."),
    ("applicant2", "TBI-IOT-01", S.IN_REVIEW,
     "We want to monitor the temperature of drug refrigerators and the operating rooms continuously."),
    ("applicant2", "INV-FUND-01", S.RETURNED,
     "We are preparing an application for EU4Health funding for telemedicine equipment."),
    ("applicant2", "SKL-CYB-01", S.APPROVED,
     "Reception and nursing staff (20 people) handle patient data daily and need security awareness training."),
    ("applicant2", "NET-EVT-01", S.REJECTED,
     "Our IT lead would like to attend the demo day."),
    ("applicant2", "NET-MATCH-01", S.WITHDRAWN,
     "We are looking for a partner to develop an appointment app."),
    ("applicant2", "SKL-DATA-01", S.IN_DELIVERY,
     "Doctors and nurses of two departments need training on working with clinical data and privacy."),
    ("applicant2", "TBI-CYB-01", S.DELIVERED,
     "A penetration test of the new laboratory information system before it goes live."),
    ("applicant2", "SKL-CYB-01", S.CLOSED,
     "Awareness training for the administrative staff of our second clinic."),
    ("applicant2", "NET-MATCH-01", S.CANCELLED,
     "We need a technology partner for digitising our paper archive."),
    # Above the second-approval threshold: the manager approved first; an approver of a
    # partner (partner@, TU Cluj-Napoca) gives the second approval that commits the money.
    ("applicant", "TBI-DT-01", S.AWAITING_SECOND,
     "We want to test a digital twin of our extrusion line before investing in a new MES and sensors."),
    ("applicant2", "TBI-DT-01", S.AWAITING_SECOND,
     "A digital twin of our sterilisation unit, to plan capacity before we extend the operating block."),
]

#: How far along the path each target state goes.
PATH = [S.SUBMITTED, S.IN_REVIEW, S.APPROVED, S.IN_DELIVERY, S.DELIVERED, S.CLOSED]
SCORES = {Recommendation.APPROVE: 4, Recommendation.MORE_INFO: 3, Recommendation.REJECT: 1}


def _user(name: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == name + DOMAIN))


def _approvers() -> list[User]:
    """Partner staff with the approver right (for second approvals)."""
    return list(db.session.scalars(sa.select(User).where(User.is_approver.is_(True)).order_by(User.id)))


def _review(reviewer: User, application: Application, recommendation: Recommendation, comment: str) -> None:
    base = SCORES[recommendation]
    scores = {c.code: min(5, base + (i % 2)) for i, c in enumerate(reviews.rubric())}
    reviews.save_review(reviewer, application, scores, recommendation, comment, complete=True)


def _build(applicant: User, service: Service, target: AppState, justification: str, n: int) -> Application:
    manager, reviewer = _user("manager"), _user("partner.clujit" if n % 2 else "partner.uo")
    if reviewer.partner_id == service.partner_id:  # any partner may review; vary who does
        reviewer = _user("partner")
    deliverer = _user(DELIVERY_STAFF[service.partner.code])
    requested = service.market_value_cents - (n % 3) * 50_000 if service.market_value_cents > 200_000 \
        else service.market_value_cents
    rows = []
    if applicant.organisation.kind.value == "health_org" and n % 2 == 0:
        rows = [services.AidRow("Ministerul Sănătății", (utcnow() - timedelta(days=400)).date(), 1_250_000)]
    data = services.ApplicationData(justification=justification, requested_cents=requested, decl_sme=True,
                                    decl_not_in_difficulty=True, decl_no_recovery_order=True,
                                    decl_outside_aid_complete=True, outside_aid=rows)
    application = services.create_draft(applicant, service, data, submit_now=target is not S.DRAFT)
    if target in (S.DRAFT, S.SUBMITTED):
        return application
    if target is S.WITHDRAWN:
        services.withdraw(applicant, application)
        return application
    services.start_review(reviewer, application)
    if target is S.IN_REVIEW:
        _review(reviewer, application, Recommendation.APPROVE,
                "Clear need, realistic plan; the team has the data the service needs.")
        return application
    if target is S.RETURNED:
        _review(reviewer, application, Recommendation.MORE_INFO, "The expected result is not clear yet.")
        services.return_for_info(manager, application, "Which people will take part, and what will you "
                                 "do with the result in the next twelve months?")
        return application
    if target is S.REJECTED:
        _review(reviewer, application, Recommendation.REJECT, "The request is not linked to a digital change.")
        services.reject(manager, application, "The request does not describe a digital transformation "
                        "need; you are welcome to apply for a networking event instead.")
        return application
    _review(reviewer, application, Recommendation.APPROVE, "Strong fit with the hub's focus areas.")
    services.approve(manager, application, application.requested_cents)
    if application.state is S.AWAITING_SECOND:
        if target is S.AWAITING_SECOND:
            return application
        second = next(u for u in _approvers() if workflow.can_approve(u, application))
        services.approve(second, application, application.requested_cents)
    if target is S.CANCELLED:
        services.cancel(manager, application, "The beneficiary asked to postpone the service to next year.")
        return application
    if target is S.APPROVED and n % 2:
        return application  # some approved vouchers still wait for the beneficiary's acceptance
    from ..vouchers import services as vouchers  # the agreement is accepted before delivery (issue 12)

    agreement = vouchers.agreement_of(application)
    vouchers.accept_online(applicant, agreement, applicant.full_name, True, agreement.content_hash,
                           "127.0.0.1", "seed-demo")
    if target is S.APPROVED:
        return application
    services.start_delivery(deliverer, application)
    if target is S.IN_DELIVERY:
        return application
    actual = application.approved_cents - (n % 2) * 20_000
    services.record_delivery(deliverer, application, utcnow().date(),
                             "Delivered as agreed: kick-off, work sessions and a final report.", actual)
    if target is S.CLOSED:
        services.confirm(applicant, application, "Thank you, the service was delivered as described.")
    return application


def seed_applications() -> list[str]:
    """Demo applications in every state for applicant@ and applicant2@ (skipped if present)."""
    applicants = {name: _user(name) for name in ("applicant", "applicant2")}
    if any(u is None for u in applicants.values()):
        return ["applications: demo applicants missing, skipped"]
    org_ids = [u.organisation_id for u in applicants.values()]
    if db.session.scalar(sa.select(sa.func.count(Application.id)).where(Application.organisation_id.in_(org_ids))):
        return ["applications: demo applications already present"]
    catalogue = {s.code: s for s in db.session.scalars(sa.select(Service))}
    built = []
    for n, (who, code, target, justification) in enumerate(PLAN):
        application = _build(applicants[who], catalogue[code], target, justification, n)
        assert application.state is target, (code, target, application.state)
        built.append(application)
    # One conflict of interest, so the queue and the page show what it does.
    conflicted = next(a for a in built if a.state is S.IN_REVIEW)
    reviews.declare_conflict(_user("partner.ccibn"), conflicted,
                             "A relative works in the applicant organisation's management.")
    db.session.flush()
    return [f"applications: {len(built)} demo applications in every state, with reviews "
            f"({', '.join(sorted({a.state.value for a in built}))})"]
