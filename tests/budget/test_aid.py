"""State aid: the rolling-window ceilings per undertaking group, at their edges."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from budget.helpers import EUR, approve, cancel, declare_outside_aid, make_application
from factories import make_org, make_service

from dih4society.budget import services as budget
from dih4society.budget.models import AidGrant
from dih4society.catalogue.models import Category, LegalBasis
from dih4society.extensions import db
from dih4society.organisations.models import OrgKind

DAY = date(2026, 6, 15)
DE_MINIMIS = 300_000 * EUR
GBER = 220_000 * EUR


def past_grant(org, basis: LegalBasis, aid_cents: int, on: date, *, reversed_on: date | None = None):
    """An earlier grant of this hub to the organisation's group (its own application)."""
    service = make_service(basis=basis, value_cents=2 * aid_cents)
    application = make_application(org, service, 2 * aid_cents)
    grant = AidGrant(application_id=application.id, organisation_id=org.id,
                     undertaking_group=org.undertaking_group, legal_basis=basis, granted_on=on,
                     market_value_cents=2 * aid_cents, co_payment_cents=aid_cents, approved_aid_cents=aid_cents,
                     aid_cents=aid_cents, reversed_on=reversed_on)
    db.session.add(grant)
    db.session.flush()
    return grant


def big_service(hub, basis: LegalBasis = LegalBasis.DE_MINIMIS):
    """A service on the hub's funded account with a 50 % co-payment: the aid is the other half."""
    return make_service(hub.partner, Category.TEST_BEFORE_INVEST, value_cents=100_000 * EUR, basis=basis,
                        co_payment_percent=50)


def grants_of(org) -> int:
    return db.session.scalar(sa.select(sa.func.count(AidGrant.id)).where(
        AidGrant.organisation_id == org.id, AidGrant.reversed_on.is_(None)))


@pytest.mark.parametrize("basis, ceiling", [(LegalBasis.DE_MINIMIS, DE_MINIMIS), (LegalBasis.GBER_28, GBER)])
def test_exactly_at_the_ceiling_passes_one_cent_over_is_refused(hub, basis, ceiling):
    org = make_org()
    past_grant(org, basis, ceiling - 10_000 * EUR, DAY - timedelta(days=400))
    service = big_service(hub, basis)
    # 50 % co-payment: approving 20,000.02 means a co-payment of 10,000.01 (half-up) and
    # aid of 10,000.01, one cent over.
    over = make_application(org, service, 20_000 * EUR + 2)
    with pytest.raises(budget.AidCeilingExceeded) as refused:
        budget.on_approve(hub.admin, over, 20_000 * EUR + 2, DAY)
    message = refused.value.message
    assert f"€{(ceiling - 10_000 * EUR) // 100:,}.00" in message  # granted by the hub
    assert "€10,000.01" in message  # this grant
    assert f"€{ceiling // 100:,}.00" in message  # the ceiling
    assert hub.refresh().committed_cents == 0 and over.aid_cents is None
    assert grants_of(org) == 1
    at = make_application(org, service, 20_000 * EUR)
    budget.on_approve(hub.admin, at, 20_000 * EUR, DAY)
    assert at.aid_cents == 10_000 * EUR
    assert grants_of(org) == 2
    check = budget.aid_check(make_application(org, service, 2), 2, DAY)
    assert check.total_after_cents == ceiling + 1 and not check.fits


def test_grants_older_than_the_window_do_not_count(hub):
    org = make_org()
    start = date(2023, 6, 15)  # three years before DAY: excluded, the next day counts
    past_grant(org, LegalBasis.DE_MINIMIS, DE_MINIMIS, start)
    service = big_service(hub)
    app = make_application(org, service, 2 * EUR)
    check = budget.aid_check(app, 2 * EUR, DAY)
    assert check.granted_cents == 0 and check.fits
    past_grant(org, LegalBasis.DE_MINIMIS, 1 * EUR, start + timedelta(days=1))
    check = budget.aid_check(app, 2 * EUR, DAY)
    assert check.granted_cents == 1 * EUR


def test_later_grants_and_other_bases_do_not_count(hub):
    org = make_org()
    past_grant(org, LegalBasis.DE_MINIMIS, 100 * EUR, DAY + timedelta(days=1))  # after the approval date
    past_grant(org, LegalBasis.GBER_28, 100_000 * EUR, DAY - timedelta(days=10))  # another basis
    check = budget.aid_check(make_application(org, big_service(hub), 2), 2, DAY)
    assert check.granted_cents == 0


def test_reversed_grants_do_not_count(hub):
    org = make_org()
    past_grant(org, LegalBasis.DE_MINIMIS, DE_MINIMIS, DAY - timedelta(days=100),
               reversed_on=DAY - timedelta(days=50))
    app = make_application(org, big_service(hub), 40_000 * EUR)
    budget.on_approve(hub.admin, app, 40_000 * EUR, DAY)
    assert app.aid_cents == 20_000 * EUR


def test_cancelling_frees_the_headroom(hub):
    org = make_org()
    past_grant(org, LegalBasis.DE_MINIMIS, DE_MINIMIS - 10_000 * EUR, DAY - timedelta(days=30))
    service = big_service(hub)
    first = make_application(org, service, 20_000 * EUR)
    approve(hub.admin, first, on=DAY)
    second = make_application(org, service, 20_000 * EUR)
    with pytest.raises(budget.AidCeilingExceeded):
        budget.on_approve(hub.admin, second, 20_000 * EUR, DAY)
    cancel(hub.admin, first)
    budget.on_approve(hub.admin, second, 20_000 * EUR, DAY)
    assert second.aid_cents == 10_000 * EUR


def test_declared_outside_de_minimis_counts_for_de_minimis_only(hub):
    org = make_org()
    dm_app = make_application(org, big_service(hub), 20_000 * EUR + 2)
    declare_outside_aid(dm_app, DE_MINIMIS - 10_000 * EUR, DAY - timedelta(days=200))
    declare_outside_aid(dm_app, 50_000 * EUR, DAY - timedelta(days=3 * 366))  # too old to count
    with pytest.raises(budget.AidCeilingExceeded, match="declared from elsewhere €290,000.00"):
        budget.on_approve(hub.admin, dm_app, 20_000 * EUR + 2, DAY)
    budget.on_approve(hub.admin, dm_app, 20_000 * EUR, DAY)
    gber_app = make_application(org, big_service(hub, LegalBasis.GBER_28), 40_000 * EUR)
    declare_outside_aid(gber_app, DE_MINIMIS, DAY - timedelta(days=10))
    check = budget.aid_check(gber_app, 40_000 * EUR, DAY)
    assert check.declared_cents == 0 and check.fits


def test_outside_aid_declared_earlier_still_counts_when_a_later_application_lists_none(hub):
    org = make_org()
    first = make_application(org, big_service(hub), 10_000 * EUR)
    declare_outside_aid(first, 250_000 * EUR, DAY - timedelta(days=100))
    budget.on_approve(hub.admin, first, 10_000 * EUR, DAY)  # 250k + 5k aid
    second = make_application(org, big_service(hub), 100_000 * EUR)  # declares nothing
    check = budget.aid_check(second, 100_000 * EUR, DAY)
    assert check.declared_cents == 250_000 * EUR
    with pytest.raises(budget.AidCeilingExceeded):
        budget.on_approve(hub.admin, second, 100_000 * EUR, DAY)  # 255k + 50k > 300k
    # A draft's list is no statement yet; a later submitted one with more replaces it.
    third = make_application(org, big_service(hub), 10_000 * EUR)
    declare_outside_aid(third, 280_000 * EUR, DAY - timedelta(days=50))
    assert budget.aid_check(second, 100_000 * EUR, DAY).declared_cents == 280_000 * EUR


def test_linked_enterprises_share_one_ceiling(hub):
    parent = make_org()
    subsidiary = make_org(undertaking_group=parent.undertaking_group)
    past_grant(parent, LegalBasis.GBER_28, GBER - 1_000 * EUR, DAY - timedelta(days=5))
    app = make_application(subsidiary, big_service(hub, LegalBasis.GBER_28), 2_000 * EUR + 2)
    with pytest.raises(budget.AidCeilingExceeded):
        budget.on_approve(hub.admin, app, 2_000 * EUR + 2, DAY)
    unrelated = make_org()
    other = make_application(unrelated, big_service(hub, LegalBasis.GBER_28), 2_000 * EUR + 2)
    budget.on_approve(hub.admin, other, 2_000 * EUR + 2, DAY)


def test_public_bodies_and_no_aid_services_get_no_aid_record(hub):
    town_hall = make_org(kind=OrgKind.PUBLIC_INSTITUTION)
    app = make_application(town_hall, hub.service, 10_000 * EUR)
    approve(hub.admin, app, on=DAY)
    assert app.legal_basis is LegalBasis.NO_AID and app.aid_cents == 0
    assert grants_of(town_hall) == 0
    sme = make_org()
    training = make_application(sme, hub.no_aid_service, 4_000 * EUR)
    approve(hub.admin, training, on=DAY)
    assert training.legal_basis is LegalBasis.NO_AID and grants_of(sme) == 0
    assert hub.refresh().committed_cents == 14_000 * EUR  # the money is committed all the same
    assert budget.verify().ok


def test_ceilings_come_from_the_configuration(hub):
    from flask import current_app

    current_app.config["AID_CEILINGS_CENTS"] = {**current_app.config["AID_CEILINGS_CENTS"],
                                                "de_minimis": 1_000 * EUR}
    org = make_org()
    app = make_application(org, big_service(hub), 2_000 * EUR + 2)
    with pytest.raises(budget.AidCeilingExceeded, match="ceiling of €1,000.00"):
        budget.on_approve(hub.admin, app, 2_000 * EUR + 2, DAY)


def test_the_aid_window_handles_29_february(ctx):
    assert budget.window_start(date(2028, 2, 29)) == date(2025, 3, 1)
    assert budget.window_start(DAY) == date(2023, 6, 15)


def test_an_approval_refused_for_aid_commits_nothing(hub):
    org = make_org()
    past_grant(org, LegalBasis.DE_MINIMIS, DE_MINIMIS, DAY - timedelta(days=1))
    app = make_application(org, big_service(hub), 2 * EUR)
    with pytest.raises(budget.AidCeilingExceeded):
        budget.on_approve(hub.admin, app, 2 * EUR, DAY)
    assert hub.refresh().committed_cents == 0
    assert app.budget_account_id is None
