"""The aid is the value received without paying (DESIGN.md §4): market value less the
co-payment, committed on the budget, restated at closing, reversed by a cancellation.

Rounding rule, pinned with literal values: the co-payment is `percent` % of the value
rounded half-up to the cent; the aid is the rest, so co-payment + aid = value exactly.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from budget.helpers import EUR, approve, cancel, close, make_application
from factories import make_org, make_service

from dih4society.budget import services as budget
from dih4society.budget.models import AidGrant, LedgerEntry, LedgerKind
from dih4society.catalogue.models import Category, LegalBasis
from dih4society.core.money import aid_of, co_payment_of
from dih4society.extensions import db

DAY = date(2026, 6, 15)


def grant_of(application) -> AidGrant:
    return db.session.scalar(sa.select(AidGrant).where(AidGrant.application_id == application.id))


def ledger_of(application) -> list[tuple[LedgerKind, int]]:
    return [(e.kind, e.amount_cents) for e in db.session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.application_id == application.id).order_by(LedgerEntry.id))]


@pytest.mark.parametrize("value, percent, co_payment, aid", [
    (1_001, 50, 501, 500),          # €10.01 at 50 %: 500.5 cents rounds half-up to 501
    (1_003, 50, 502, 501),          # 501.5 → 502
    (33_333, 15, 5_000, 28_333),    # 4,999.95 → 5,000
    (10_001, 5, 500, 9_501),        # 500.05 → 500
    (3_000_000, 0, 0, 3_000_000),   # no co-payment: the aid is the whole value
    (99, 99, 98, 1),                # 98.01 → 98
])
def test_co_payment_and_aid_to_the_cent(value, percent, co_payment, aid):
    assert co_payment_of(value, percent) == co_payment
    assert aid_of(value, percent) == aid
    assert co_payment + aid == value


def test_no_co_payment_means_aid_equal_to_the_approved_amount(hub):
    app = make_application(make_org(), hub.service, 12_345_67)
    approve(hub.admin, app, 12_345_67, on=DAY)
    grant = grant_of(app)
    assert app.co_payment_cents == 0 and app.aid_cents == 12_345_67
    assert grant.aid_cents == grant.approved_aid_cents == grant.market_value_cents == 12_345_67
    assert ledger_of(app) == [(LedgerKind.COMMIT, 12_345_67)]


def test_a_co_payment_is_not_committed_and_not_aid(hub):
    service = make_service(hub.partner, Category.TEST_BEFORE_INVEST, value_cents=20_000 * EUR,
                           basis=LegalBasis.GBER_28, co_payment_percent=15)
    app = make_application(make_org(), service, 10_000_03)
    approve(hub.admin, app, 10_000_03, on=DAY)
    # 15 % of €10,000.03 = €1,500.0045 → €1,500.00 (half-up at the cent); aid €8,500.03.
    assert app.co_payment_percent == 15 and app.co_payment_cents == 1_500_00
    assert app.aid_cents == 8_500_03 == grant_of(app).aid_cents
    assert ledger_of(app) == [(LedgerKind.COMMIT, 8_500_03)]
    assert hub.refresh().committed_cents == 8_500_03


def test_closing_restates_the_aid_to_the_final_cost_covered(hub):
    service = make_service(hub.partner, Category.TEST_BEFORE_INVEST, value_cents=20_000 * EUR,
                           basis=LegalBasis.DE_MINIMIS, co_payment_percent=20)
    app = make_application(make_org(), service, 10_000 * EUR)
    approve(hub.admin, app, on=DAY)
    assert (app.co_payment_cents, app.aid_cents) == (2_000 * EUR, 8_000 * EUR)
    # Delivered for €7,500.03: co-payment 20 % = 1,500.006 → €1,500.01; aid €6,000.02.
    close(hub.admin, app, 7_500_03)
    grant = grant_of(app)
    assert (app.co_payment_cents, app.aid_cents) == (1_500_01, 6_000_02)
    assert (grant.co_payment_cents, grant.aid_cents, grant.final_value_cents) == (1_500_01, 6_000_02, 7_500_03)
    assert grant.approved_aid_cents == 8_000 * EUR and grant.restated_on is not None
    assert ledger_of(app) == [(LedgerKind.COMMIT, 8_000 * EUR), (LedgerKind.SPEND, 6_000_02),
                              (LedgerKind.RELEASE, 8_000 * EUR - 6_000_02)]
    account = hub.refresh()
    assert account.committed_cents == 0 and account.spent_cents == 6_000_02
    assert budget.verify().ok, budget.verify().problems


def test_closing_at_zero_cost_restates_the_aid_to_zero(hub):
    app = make_application(make_org(), hub.service, 1_000 * EUR)
    approve(hub.admin, app, on=DAY)
    close(hub.admin, app, 0)
    assert app.aid_cents == 0 == grant_of(app).aid_cents
    assert ledger_of(app) == [(LedgerKind.COMMIT, 1_000 * EUR), (LedgerKind.RELEASE, 1_000 * EUR)]


def test_cancelling_reverses_the_aid_and_releases_what_was_committed(hub):
    service = make_service(hub.partner, Category.TEST_BEFORE_INVEST, value_cents=20_000 * EUR,
                           co_payment_percent=10)
    app = make_application(make_org(), service, 5_000 * EUR)
    approve(hub.admin, app, on=DAY)
    cancel(hub.admin, app)
    assert grant_of(app).reversed_on is not None
    assert ledger_of(app) == [(LedgerKind.COMMIT, 4_500 * EUR), (LedgerKind.RELEASE, 4_500 * EUR)]
    assert hub.refresh().committed_cents == 0


def test_the_ceiling_counts_the_restated_aid(hub):
    """A grant restated down at closing frees headroom: the check uses the restated figure."""
    ceiling = 220_000 * EUR
    service = make_service(hub.partner, Category.TEST_BEFORE_INVEST, value_cents=100_000 * EUR,
                           basis=LegalBasis.GBER_28)
    org = make_org()
    # An earlier grant of €90,000, closed at €60,000: €60,000 counts, not €90,000.
    earlier = make_application(org, service, 90_000 * EUR)
    approve(hub.admin, earlier, on=DAY - timedelta(days=200))
    close(hub.admin, earlier, 60_000 * EUR)
    past = AidGrant(application_id=make_application(org, service, 1).id, organisation_id=org.id,
                    undertaking_group=org.undertaking_group, legal_basis=LegalBasis.GBER_28,
                    granted_on=DAY - timedelta(days=100), market_value_cents=150_000 * EUR,
                    approved_aid_cents=150_000 * EUR, aid_cents=150_000 * EUR)
    db.session.add(past)
    db.session.flush()
    # Restated: 60,000 + 150,000 = 210,000; €10,000 of headroom (with €90,000 it would be none).
    app = make_application(org, service, 10_000 * EUR + 1)
    check = budget.aid_check(app, 10_000 * EUR, DAY)
    assert check.granted_cents == 210_000 * EUR and check.headroom_cents == 0 and check.fits
    assert check.ceiling_cents == ceiling
    with pytest.raises(budget.AidCeilingExceeded):
        budget.on_approve(hub.admin, app, 10_000 * EUR + 1, DAY)
    budget.on_approve(hub.admin, app, 10_000 * EUR, DAY)
    assert app.aid_cents == 10_000 * EUR
