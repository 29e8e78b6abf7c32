"""Budget test helpers: a small hub with one funded account and a way to make applications.

Applications are written straight into the state a test needs (the workflow has its
own tests); the money effects go through `dih4society.budget.services`, exactly as
the workflow calls them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from factories import make_partner, make_service, make_user

from dih4society.applications.models import Application, AppState, OutsideAid
from dih4society.auth.models import Role
from dih4society.budget import services as budget
from dih4society.budget.models import BudgetAccount
from dih4society.catalogue.models import Category, LegalBasis
from dih4society.extensions import db

EUR = 100
_refs = itertools.count(1)


def make_application(org, service, requested_cents: int, *, state: AppState = AppState.IN_REVIEW,
                     created_by=None) -> Application:
    """An application in `state` (reference set once submitted), flushed."""
    creator = created_by or make_user(Role.APPLICANT, org=org)
    n = next(_refs)
    application = Application(
        reference=None if state is AppState.DRAFT else f"DIH-2026-{900000 + n:06d}",
        organisation_id=org.id, service_id=service.id, created_by_id=creator.id, state=state,
        requested_cents=requested_cents, justification="test")
    db.session.add(application)
    db.session.flush()
    return application


def declare_outside_aid(application, amount_cents: int, granted_on: date, grantor: str = "Other grantor"):
    row = OutsideAid(application_id=application.id, undertaking_group=application.organisation.undertaking_group,
                     grantor=grantor, granted_on=granted_on, amount_cents=amount_cents)
    db.session.add(row)
    db.session.flush()
    return row


def approve(actor, application, amount_cents: int | None = None, on: date | None = None) -> None:
    """What the workflow's approve does with money, then the state change."""
    amount = amount_cents or application.requested_cents
    application.approved_cents = amount
    budget.on_approve(actor, application, amount, on or date.today())
    application.state = AppState.APPROVED


def close(actor, application, actual_cents: int) -> None:
    application.state = AppState.DELIVERED
    application.actual_cost_cents = actual_cents
    budget.close_application_money(actor, application)
    application.state = AppState.CLOSED


def cancel(actor, application) -> None:
    budget.cancel_application_money(actor, application)
    application.state = AppState.CANCELLED


@dataclass
class Hub:
    """A minimal hub: an envelope, one partner with a funded account, services, an admin."""

    admin: object
    partner: object
    account: BudgetAccount
    reserve: BudgetAccount
    service: object  # de minimis, no co-payment (aid = the whole value), on `account`
    gber_service: object
    no_aid_service: object

    def refresh(self) -> BudgetAccount:
        db.session.refresh(self.account)
        return self.account


def build_hub(envelope_cents: int = 1_000_000 * EUR, account_cents: int = 100_000 * EUR) -> Hub:
    admin = make_user(Role.ADMIN)
    budget.set_envelope(admin, envelope_cents, 50)
    partner = make_partner()
    account = budget.ensure_account(partner, Category.TEST_BEFORE_INVEST)
    reserve = budget.reserve_account()
    if account_cents:
        budget.transfer(admin, reserve, account, account_cents, f"fund:{account.id}", note="funding")
    service = make_service(partner, Category.TEST_BEFORE_INVEST, value_cents=10_000 * EUR)
    gber = make_service(partner, Category.TEST_BEFORE_INVEST, value_cents=10_000 * EUR, basis=LegalBasis.GBER_28)
    no_aid = make_service(partner, Category.TEST_BEFORE_INVEST, value_cents=4_000 * EUR, basis=LegalBasis.NO_AID)
    db.session.flush()
    return Hub(admin, partner, account, reserve, service, gber, no_aid)


def ledger_count() -> int:
    from dih4society.budget.models import LedgerEntry

    return db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)))

