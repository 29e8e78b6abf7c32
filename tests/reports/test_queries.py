"""The data the reports are built from, checked against the database directly."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from dih4society.applications.models import Application, AppState
from dih4society.budget.models import AidGrant
from dih4society.core.db import utcnow
from dih4society.extensions import db
from dih4society.organisations.models import Organisation
from dih4society.reports import queries

SERVED = ("approved", "in_delivery", "delivered", "closed")


def test_kpi_counts_match_the_database(ctx, report_data):
    data = queries.kpi_data()
    served_apps = db.session.scalar(sa.select(sa.func.count(Application.id))
                                    .where(Application.state.in_([AppState(s) for s in SERVED])))
    served_orgs = db.session.scalar(sa.select(sa.func.count(sa.distinct(Application.organisation_id)))
                                    .where(Application.state.in_([AppState(s) for s in SERVED])))
    assert served_apps > 50
    assert data.organisations_served == served_orgs
    assert sum(data.orgs_by_kind_size.row_totals()) == served_orgs
    assert sum(c.approved for c in data.categories) == served_apps
    assert sum(data.by_month.row_totals()) == served_apps
    assert sum(c.services for c in data.counties) == served_apps
    assert sum(c.organisations for c in data.counties) == served_orgs
    delivered = db.session.scalar(sa.select(sa.func.count(Application.id))
                                  .where(Application.state.in_([AppState.DELIVERED, AppState.CLOSED])))
    assert sum(c.delivered for c in data.categories) == delivered
    # Region counties first.
    assert data.counties[0].label == "Bihor"


def test_kpi_period_limits_by_decision_date(ctx, report_data):
    everything = queries.kpi_data()
    today = utcnow().date()
    recent = queries.kpi_data(date(today.year, today.month, 1), today)
    assert 0 < sum(c.approved for c in recent.categories) < sum(c.approved for c in everything.categories)


def test_decision_letter_data(ctx, report_data):
    by_state = {st: db.session.get(Application, app_id) for app_id, org, st, _p in report_data["apps"]
                if org == report_data["applicant_org"]}
    cancelled = queries.decision_letter_data(by_state[AppState.CANCELLED])
    assert cancelled.kind == "approval" and cancelled.cancelled_at is not None and cancelled.cancel_reason
    closed = queries.decision_letter_data(by_state[AppState.CLOSED])
    assert closed.closed_at is not None and closed.actual_cost_cents is not None
    rejected = queries.decision_letter_data(by_state[AppState.REJECTED])
    assert rejected.kind == "rejection" and rejected.decision_reason
    for state in (AppState.DRAFT, AppState.SUBMITTED, AppState.WITHDRAWN):
        with pytest.raises(queries.NoLetter):
            queries.decision_letter_data(by_state[state])


def test_aid_notice_data_matches_the_grants_and_the_declarations(ctx, report_data):
    org = db.session.get(Organisation, report_data["applicant2_org"])
    notice = queries.aid_notice_data(org, utcnow().date())
    grants = db.session.scalars(sa.select(AidGrant).where(AidGrant.organisation_id == org.id)).all()
    assert len(notice.grants) == len(grants) > 0
    assert sum(1 for g in notice.grants if g.reversed_on) == sum(1 for g in grants if g.reversed_on)
    in_force = {g.legal_basis.label: 0 for g in grants}
    for g in grants:
        if g.reversed_on is None:
            in_force[g.legal_basis.label] += g.aid_cents
    for line in notice.ceilings:
        assert line.hub_cents == in_force.get(line.legal_basis_label, 0)
        assert line.ceiling_cents in (30_000_000, 22_000_000)
    de_minimis = notice.ceilings[0]
    assert de_minimis.declared_cents == sum(d.amount_cents for d in notice.declared) == 1_250_000
    assert de_minimis.remaining_cents == 30_000_000 - de_minimis.hub_cents - 1_250_000


def test_lookups(ctx, report_data):
    org = db.session.get(Organisation, report_data["applicant_org"])
    assert queries.organisation_by_fiscal_code(f" ro{org.fiscal_code} ") == org
    app_id = report_data["apps"][1][0]
    reference = db.session.get(Application, app_id).reference
    assert queries.application_by_reference(reference).id == app_id
    assert queries.application_by_reference("nope") is None
