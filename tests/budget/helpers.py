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



def expected_headroom(org_id: int, today: date) -> dict[str, int]:
    """The aid headroom of an organisation's undertaking group, by hand-written SQL.

    De minimis: ceiling − the group's grants not reversed, granted in the window
    (the AID_WINDOW_YEARS before `today`, that day excluded) − the outside aid listed on
    the group's latest submitted declaration, granted in the window. GBER Article 28:
    ceiling − the group's grants in the window. Written independently of
    `budget.queries` so that a page showing the wrong figure fails."""
    from flask import current_app

    years = current_app.config["AID_WINDOW_YEARS"]
    ceilings = current_app.config["AID_CEILINGS_CENTS"]
    try:
        start = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        start = date(today.year - years, 3, 1)
    params = {"org": org_id, "start": start, "today": today}
    group = db.session.execute(sa.text("SELECT undertaking_group FROM organisations WHERE id = :org"),
                               params).scalar_one()
    params["grp"] = group

    def granted(basis: str) -> int:
        return int(db.session.execute(sa.text(
            "SELECT COALESCE(SUM(aid_cents), 0) FROM aid_grants WHERE undertaking_group = :grp "
            "AND legal_basis = :basis AND reversed_on IS NULL AND granted_on > :start AND granted_on <= :today"),
            {**params, "basis": basis}).scalar_one())

    declared = int(db.session.execute(sa.text(
        "SELECT COALESCE(SUM(o.amount_cents), 0) FROM outside_aid o WHERE o.undertaking_group = :grp "
        "AND o.granted_on > :start AND o.granted_on <= :today AND o.application_id = ("
        "  SELECT MAX(o2.application_id) FROM outside_aid o2 JOIN applications a ON a.id = o2.application_id"
        "  WHERE o2.undertaking_group = :grp AND a.state <> 'draft')"), params).scalar_one())
    return {"de_minimis": ceilings["de_minimis"] - granted("de_minimis") - declared,
            "gber_28": ceilings["gber_28"] - granted("gber_28")}
