"""Property-based: random approve / close / cancel / reallocate, invariants after every step.

A Hypothesis state machine drives the budget services the way requests do (each step
commits, or rolls back when refused) and keeps its own model of what every account
and every undertaking group should hold. After every step: `verify()` (cached
balances = ledger sums, nothing below zero, the accounts hold the envelope, each
application's money and aid are consistent) and the model agree with the database,
and every refusal was the right one (no money, or over the aid ceiling).
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa
from budget.helpers import EUR, make_application
from factories import make_org, make_partner, make_service, make_user
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from dih4society.applications.models import Application, AppState
from dih4society.auth.models import Role, User
from dih4society.budget import services as budget
from dih4society.budget.models import AidGrant, BudgetAccount
from dih4society.catalogue.models import Category, LegalBasis, Service
from dih4society.core.errors import DomainError
from dih4society.extensions import db
from dih4society.organisations.models import Organisation, OrgKind

pytestmark = pytest.mark.slow

TODAY = date(2026, 6, 15)
CEILINGS = {"de_minimis": 8_000 * EUR, "gber_28": 6_000 * EUR}  # low: refusals happen
FUNDING = 25_000 * EUR  # per account (small, so account refusals happen in every run)
_runs = itertools.count(1)
OUTCOMES: Counter[str] = Counter()  # what the examples did, to prove they did something


def expected_co_payment(value_cents: int, co_payment_percent: int) -> int:
    """The model's own co-payment: the percentage of the value, half a cent rounded up
    (Decimal, ROUND_HALF_UP), computed here and not by the code under test. The aid and
    the commitment are the value less this (DESIGN.md §4)."""
    exact = Decimal(value_cents) * Decimal(co_payment_percent) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


#: Co-payment per service of the model (percent): none, and two that round at half cents.
CO_PAYMENTS = (15, 33, 0)


def make_machine():
    class Books(RuleBasedStateMachine):
        """One hub cell per example: two funded accounts, a reserve, three beneficiaries."""

        @initialize()
        def open_books(self):
            run = next(_runs)
            admin = db.session.scalar(sa.select(User).where(User.role == Role.ADMIN)) or make_user(Role.ADMIN)
            settings_row = budget.get_settings()
            envelope = settings_row.envelope_cents if settings_row else 0
            budget.set_envelope(admin, envelope + 3 * FUNDING, 50)  # FUNDING to each account, FUNDING in reserve
            partner = make_partner(f"H{run}")
            reserve = budget.reserve_account()
            self.accounts = {}
            for cat in (Category.TEST_BEFORE_INVEST, Category.SKILLS_TRAINING):
                acc = budget.ensure_account(partner, cat)
                budget.transfer(admin, reserve, acc, FUNDING, f"hyp:{run}:{cat.value}")
                self.accounts[cat] = acc.id
            self.reserve_id = reserve.id
            self.services = [
                (make_service(partner, cat, value_cents=20_000 * EUR, basis=basis, co_payment_percent=pct).id,
                 self.accounts[cat], basis, pct)
                for (cat, basis), pct in zip(((Category.TEST_BEFORE_INVEST, LegalBasis.GBER_28),
                                              (Category.SKILLS_TRAINING, LegalBasis.DE_MINIMIS),
                                              (Category.SKILLS_TRAINING, LegalBasis.NO_AID)), CO_PAYMENTS, strict=True)]
            sme = make_org()
            sister = make_org(undertaking_group=sme.undertaking_group)
            town = make_org(kind=OrgKind.PUBLIC_INSTITUTION)
            self.orgs = [(o.id, o.undertaking_group, o.kind) for o in (sme, sister, town)]
            self.admin_id = admin.id
            db.session.commit()
            self.model = {acc_id: [FUNDING, 0, 0] for acc_id in self.accounts.values()}
            self.model[self.reserve_id] = None  # checked through verify() only (shared by examples)
            self.aid: dict[tuple[str, LegalBasis], int] = {}
            self.open: dict[int, dict] = {}  # approved, not closed or cancelled
            self.transfers = itertools.count(1)
            self.run = run

        def actor(self):
            return db.session.get(User, self.admin_id)

        @rule(org=st.integers(0, 2), service=st.integers(0, 2),
              euros=st.integers(1, 20_000) | st.sampled_from([5_000, 12_000, 20_000]),
              share=st.integers(1, 100) | st.just(100))
        def approve(self, org, service, euros, share):
            """A new application in review, approved for `share` % of its request."""
            organisation = db.session.get(Organisation, self.orgs[org][0])
            app_id = make_application(organisation, db.session.get(Service, self.services[service][0]),
                                      euros * EUR).id
            db.session.commit()
            application = db.session.get(Application, app_id)
            amount = max(1, application.requested_cents * share // 100)
            org_id, group, kind = next(o for o in self.orgs if o[0] == application.organisation_id)
            _svc, acc_id, basis, pct = next(s for s in self.services if s[0] == application.service_id)
            gets_aid = basis is not LegalBasis.NO_AID and kind is not OrgKind.PUBLIC_INSTITUTION
            covered = amount - expected_co_payment(amount, pct)
            aid = covered if gets_aid else 0
            aid_fits = not gets_aid or self.aid.get((group, basis), 0) + aid <= CEILINGS[basis.value]
            allocated, committed, spent = self.model[acc_id]
            money_fits = allocated - committed - spent >= covered
            application.approved_cents = amount
            try:
                budget.on_approve(self.actor(), application, amount, TODAY)
                application.state = AppState.APPROVED
                db.session.commit()
            except budget.AidCeilingExceeded:
                db.session.rollback()
                assert not aid_fits, "refused for aid although the ceiling had room"
                OUTCOMES["approve refused: aid ceiling"] += 1
                return
            except budget.InsufficientFunds:
                db.session.rollback()
                assert aid_fits and not money_fits, "refused for money although the account had room"
                OUTCOMES["approve refused: account"] += 1
                return
            assert aid_fits and money_fits, "accepted although it does not fit"
            OUTCOMES["approve accepted"] += 1
            self.model[acc_id][1] += covered
            if gets_aid:
                self.aid[(group, basis)] = self.aid.get((group, basis), 0) + aid
            self.open[app_id] = {"amount": amount, "covered": covered, "account": acc_id, "aid": aid,
                                 "key": (group, basis), "pct": pct, "gets_aid": gets_aid}

        @precondition(lambda self: self.open)
        @rule(pick=st.integers(0, 10_000), share=st.integers(0, 100))
        def close(self, pick, share):
            app_id = sorted(self.open)[pick % len(self.open)]
            info = self.open.pop(app_id)
            application = db.session.get(Application, app_id)
            application.state = AppState.DELIVERED
            application.actual_cost_cents = info["amount"] * share // 100
            budget.close_application_money(self.actor(), application)
            application.state = AppState.CLOSED
            db.session.commit()
            OUTCOMES["closed"] += 1
            # The final cost covered is spent, the rest released, the aid restated to it.
            actual = application.actual_cost_cents
            final = actual - expected_co_payment(actual, info["pct"])
            self.model[info["account"]][1] -= info["covered"]
            self.model[info["account"]][2] += final
            if info["gets_aid"]:
                self.aid[info["key"]] += final - info["aid"]

        @precondition(lambda self: self.open)
        @rule(pick=st.integers(0, 10_000))
        def cancel(self, pick):
            app_id = sorted(self.open)[pick % len(self.open)]
            info = self.open.pop(app_id)
            application = db.session.get(Application, app_id)
            budget.cancel_application_money(self.actor(), application, TODAY)
            application.state = AppState.CANCELLED
            db.session.commit()
            OUTCOMES["cancelled"] += 1
            self.model[info["account"]][1] -= info["covered"]
            if info["aid"]:
                self.aid[info["key"]] -= info["aid"]

        @rule(direction=st.booleans(), euros=st.integers(1, 50_000))
        def reallocate(self, direction, euros):
            ids = list(self.accounts.values())
            source_id, target_id = (ids[0], ids[1]) if direction else (ids[1], ids[0])
            allocated, committed, spent = self.model[source_id]
            fits = allocated - committed - spent >= euros * EUR
            source, target = db.session.get(BudgetAccount, source_id), db.session.get(BudgetAccount, target_id)
            try:
                budget.transfer(self.actor(), source, target, euros * EUR, f"hyp:{self.run}:t{next(self.transfers)}")
                db.session.commit()
            except DomainError:
                db.session.rollback()
                assert not fits, "transfer refused although the source had room"
                OUTCOMES["transfer refused"] += 1
                return
            assert fits, "transfer accepted beyond what was available"
            OUTCOMES["transfer booked"] += 1
            self.model[source_id][0] -= euros * EUR
            self.model[target_id][0] += euros * EUR

        @invariant()
        def books_balance(self):
            result = budget.verify()
            assert result.ok, result.problems
            for acc_id, expected in self.model.items():
                if expected is None:
                    continue
                acc = db.session.get(BudgetAccount, acc_id)
                db.session.refresh(acc)
                assert [acc.allocated_cents, acc.committed_cents, acc.spent_cents] == expected
                assert acc.available_cents >= 0 and acc.committed_cents >= 0
            # The aid in force per undertaking group and legal basis is what the model granted.
            groups = {o[1] for o in self.orgs}
            granted = {(group, basis): int(total) for group, basis, total in db.session.execute(
                sa.select(AidGrant.undertaking_group, AidGrant.legal_basis, sa.func.sum(AidGrant.aid_cents))
                .where(AidGrant.undertaking_group.in_(groups), AidGrant.reversed_on.is_(None))
                .group_by(AidGrant.undertaking_group, AidGrant.legal_basis))}
            assert {k: v for k, v in granted.items() if v} == {k: v for k, v in self.aid.items() if v}
            db.session.rollback()  # end the read transaction between steps

    return Books


def test_random_money_movements_keep_every_invariant(app):
    app.config["AID_CEILINGS_CENTS"] = dict(CEILINGS)
    with app.app_context():
        run_state_machine_as_test(make_machine(), settings=settings(
            max_examples=25, stateful_step_count=30, deadline=None, derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    print(f"\n[{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}] "
          f"state machine outcomes: {dict(sorted(OUTCOMES.items()))}")
    # Every kind of step, and every kind of refusal, happened (the test is not vacuous).
    for outcome in ("approve accepted", "approve refused: account", "approve refused: aid ceiling",
                    "closed", "cancelled", "transfer booked", "transfer refused"):
        assert OUTCOMES[outcome] > 0, (outcome, OUTCOMES)
