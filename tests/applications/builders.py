"""Builders for workflow tests: a cast of people and applications taken to any state
through the real services (so each carries its audit trail, ledger and aid records).

Call inside an app context, after the demo base data (`seeded`) is loaded: the
demo services, budget accounts, partners, manager and applicants are used.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from conftest import login
from factories import make_org, make_user

from dih4society.applications import services
from dih4society.applications.models import Application, AppState
from dih4society.auth.models import Role, User
from dih4society.catalogue.models import Service
from dih4society.core.db import utcnow
from dih4society.core.models import AuditEvent
from dih4society.extensions import db
from dih4society.organisations.models import Organisation, OrgKind
from dih4society.reviews import services as reviews
from dih4society.reviews.models import Recommendation

S = AppState
DOMAIN = "@dih4society.example"


def demo_user(name: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == name + DOMAIN))


def service(code: str = "TBI-ROB-01") -> Service:
    """A demo service (TBI-ROB-01: UTCN, test before invest, GBER 28, enterprises, €18,000)."""
    return db.session.scalar(sa.select(Service).where(Service.code == code))


@dataclass
class Cast:
    """Everyone a workflow test needs, relative to `service` (delivered by UTCN)."""

    applicant: User  # demo SME in Cluj
    colleague: User  # a second user of the same organisation
    other_applicant: User  # demo health organisation in Bihor
    reviewer: User  # partner staff of another partner (CLUJIT)
    deliverer: User  # partner staff of the delivering partner (UTCN): demo partner@
    other_staff: User  # partner staff of a third partner (UO)
    manager: User  # demo manager@
    manager2: User  # a second manager
    admin: User
    service: Service

    @property
    def org(self) -> Organisation:
        return self.applicant.organisation


def make_cast() -> Cast:
    applicant = demo_user("applicant")
    colleague = make_user(Role.APPLICANT, org=applicant.organisation)
    cast = Cast(applicant=applicant, colleague=colleague, other_applicant=demo_user("applicant2"),
                reviewer=demo_user("partner.clujit"), deliverer=demo_user("partner"),
                other_staff=demo_user("partner.uo"), manager=demo_user("manager"),
                manager2=make_user(Role.MANAGER), admin=demo_user("admin"), service=service())
    db.session.flush()
    return cast


def data(requested_cents: int = 1_500_000, **over) -> services.ApplicationData:
    """A complete application: justification, amount and every declaration."""
    values = dict(justification="We want to automate deburring with a cobot cell and test it first.",
                  requested_cents=requested_cents, decl_sme=True, decl_not_in_difficulty=True,
                  decl_no_recovery_order=True, decl_outside_aid_complete=True, outside_aid=[])
    values.update(over)
    return services.ApplicationData(**values)


def other_org_applicant() -> User:
    """An applicant of a fresh SME (neither demo organisation)."""
    return make_user(Role.APPLICANT, org=make_org(OrgKind.SME))


def review(reviewer: User, application: Application,
           recommendation: Recommendation = Recommendation.APPROVE, scores: int = 4) -> None:
    scores = {c.code: scores for c in reviews.rubric()}
    reviews.save_review(reviewer, application, scores, recommendation, "Solid request.", complete=True)


@contextmanager
def second_approval_above(eur: int):
    """Lower APPROVAL_SECOND_ABOVE_EUR for a block (the demo services are small)."""
    from flask import current_app

    before = current_app.config["APPROVAL_SECOND_ABOVE_EUR"]
    current_app.config["APPROVAL_SECOND_ABOVE_EUR"] = eur
    try:
        yield
    finally:
        current_app.config["APPROVAL_SECOND_ABOVE_EUR"] = before


def second_approver() -> User:
    """A partner approver of CCIBN: neither the cast's reviewer's nor the deliverer's partner."""
    from dih4society.catalogue.models import Partner

    partner = db.session.scalar(sa.select(Partner).where(Partner.code == "CCIBN"))
    user = make_user(Role.PARTNER_STAFF, partner=partner)
    user.is_approver = True
    db.session.flush()
    return user


def build(cast: Cast, target: AppState, *, applicant: User | None = None, svc: Service | None = None,
          requested_cents: int = 1_500_000, approved_cents: int | None = None,
          actual_cents: int | None = None, reviewed: bool = True, accepted: bool = True) -> Application:
    """An application of `applicant`'s organisation taken to `target` by the real services.

    In review, it has one completed review by `cast.reviewer` unless `reviewed=False`.
    Approved, its voucher agreement is accepted online by the applicant unless `accepted=False`
    (delivery cannot start before that)."""
    applicant = applicant or cast.applicant
    svc = svc or cast.service
    application = services.create_draft(applicant, svc, data(requested_cents), call=call_for(svc))
    if target is S.DRAFT:
        return _done(application)
    services.submit(applicant, application)
    if target is S.SUBMITTED:
        return _done(application)
    if target is S.WITHDRAWN:
        services.withdraw(applicant, application)
        return _done(application)
    services.start_review(cast.reviewer, application)
    if target is S.IN_REVIEW and not reviewed:
        return _done(application)
    review(cast.reviewer, application)
    if target is S.IN_REVIEW:
        return _done(application)
    if target is S.RETURNED:
        services.return_for_info(cast.manager, application, "Who will take part?")
        return _done(application)
    if target is S.REJECTED:
        services.reject(cast.manager, application, "Not a digital transformation need.")
        return _done(application)
    if target is S.AWAITING_SECOND:
        with second_approval_above(1):
            services.approve(cast.manager, application, approved_cents or application.requested_cents)
        return _done(application)
    services.approve(cast.manager, application, approved_cents or application.requested_cents)
    if accepted or target not in (S.APPROVED, S.CANCELLED):
        accept_agreement(applicant, application)
    if target is S.APPROVED:
        return _done(application)
    if target is S.CANCELLED:
        services.cancel(cast.manager, application, "Postponed by the beneficiary.")
        return _done(application)
    deliverer = _deliverer(cast, svc)
    services.start_delivery(deliverer, application)
    if target is S.IN_DELIVERY:
        return _done(application)
    actual = application.approved_cents if actual_cents is None else actual_cents
    services.record_delivery(deliverer, application, utcnow().date(), "Two weeks of trials.", actual)
    if target is S.DELIVERED:
        return _done(application)
    services.confirm(applicant, application, "")
    return _done(application)


def accept_agreement(applicant: User, application: Application) -> None:
    """The beneficiary accepts the voucher agreement online (issue 12)."""
    from dih4society.vouchers import services as vouchers

    agreement = vouchers.agreement_of(application)
    vouchers.accept_online(applicant, agreement, applicant.full_name, True, agreement.content_hash,
                           "127.0.0.1", "pytest")


def call_for(svc: Service):
    """The base data's open rolling call, offering `svc` (added to it when a test made it)."""
    from dih4society.calls.demo import default_call

    call = default_call()
    if not call.offers(svc):
        call.services.append(svc)
        db.session.flush()
    return call


def _deliverer(cast: Cast, svc: Service) -> User:
    if svc.partner_id == cast.deliverer.partner_id:
        return cast.deliverer
    return db.session.scalar(sa.select(User).where(User.role == Role.PARTNER_STAFF,
                                                   User.partner_id == svc.partner_id))


def _done(application: Application) -> Application:
    db.session.flush()
    return application


def count_rows(model, *where) -> int:
    """Rows of `model` matching `where`."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# --- helpers of the route tests ------------------------------------------------------------

def as_user(app, who: str):
    client = app.test_client()
    response = login(client, who)
    assert b"Log out" in response.data, who
    return client


def state_of(app, application_id: int) -> AppState:
    with app.app_context():
        return db.session.get(Application, application_id).state


def denied_events(app, application_id: int) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.verb == "denied", AuditEvent.object_type == "application",
            AuditEvent.object_id == application_id)))


def service_id(app, code="TBI-ROB-01") -> int:
    with app.app_context():
        return service(code).id


FORM = {
    "justification": "We want to automate deburring with a cobot cell and test it on our own parts first.",
    "requested": "15000.00",
    "decl_sme": "y", "decl_not_in_difficulty": "y", "decl_no_recovery_order": "y", "decl_outside_aid_complete": "y",
    "outside_aid-0-grantor": "AFIR", "outside_aid-0-granted_on": "2025-03-01", "outside_aid-0-amount": "12000.50",
    "outside_aid-1-grantor": "Consiliul Județean Cluj", "outside_aid-1-granted_on": "2024-11-15",
    "outside_aid-1-amount": "5000",
    "outside_aid-2-grantor": "", "outside_aid-2-granted_on": "", "outside_aid-2-amount": "",
}
