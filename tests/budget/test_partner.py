"""Partner staff track spending (issue #8 §2): the hub's totals, their own partner's
accounts, ledger lines and pipeline; other partners' beneficiaries by name only with
PARTNERS_SEE_ALL; another partner's page and report are not revealed."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from budget.test_routes import count_queries, scale

from dih4society.applications.models import Application, AppState
from dih4society.auth.models import User
from dih4society.budget.models import BudgetAccount, LedgerEntry
from dih4society.catalogue.models import Partner, Service
from dih4society.core.money import eur
from dih4society.extensions import db
from dih4society.organisations.models import Organisation


@pytest.fixture
def demo(app, seeded):
    from dih4society.applications.demo import seed_applications

    with app.app_context():
        seed_applications()
        db.session.commit()
    scale(app, 30)
    return seeded


def _partners(app) -> tuple[int, int]:
    """partner@'s own partner (UTCN) and another partner with ledger entries."""
    with app.app_context():
        own = db.session.scalar(sa.select(User.partner_id).where(User.email == "partner@dih4society.example"))
        other = db.session.scalar(
            sa.select(BudgetAccount.partner_id).join(LedgerEntry, LedgerEntry.account_id == BudgetAccount.id)
            .where(BudgetAccount.partner_id.is_not(None), BudgetAccount.partner_id != own,
                   LedgerEntry.application_id.is_not(None)).limit(1))
    return own, other


def _beneficiary_names(app, partner_id: int, *, any_application: bool = False) -> set[str]:
    """Organisations with money on `partner_id`'s accounts (or any application, even
    without money, for one of its services)."""
    with app.app_context():
        stmt = sa.select(Organisation.legal_name).join(Application, Application.organisation_id == Organisation.id)
        if any_application:
            stmt = (stmt.join(Service, Service.id == Application.service_id)
                    .where(Service.partner_id == partner_id, Application.state != AppState.DRAFT))
        else:
            stmt = (stmt.join(LedgerEntry, LedgerEntry.application_id == Application.id)
                    .join(BudgetAccount, BudgetAccount.id == LedgerEntry.account_id)
                    .where(BudgetAccount.partner_id == partner_id))
        return set(db.session.scalars(stmt))


def _kpi(html: str, key: str) -> str:
    return re.search(rf'id="{key}">([^<]+)<', html).group(1)


def test_partner_staff_see_the_hub_totals_and_their_own_accounts(app, demo, login_as):
    own, _other = _partners(app)
    html = login_as("partner").get("/budget/").get_data(as_text=True)
    with app.app_context():
        acc = db.session.execute(
            sa.select(sa.func.sum(BudgetAccount.allocated_cents), sa.func.sum(BudgetAccount.committed_cents),
                      sa.func.sum(BudgetAccount.spent_cents)).where(BudgetAccount.partner_id == own)).one()
        hub = db.session.execute(
            sa.select(sa.func.sum(BudgetAccount.committed_cents), sa.func.sum(BudgetAccount.spent_cents))).one()
        waiting = db.session.execute(
            sa.select(sa.func.count(Application.id), sa.func.sum(Application.requested_cents))
            .join(Service, Service.id == Application.service_id)
            .where(Service.partner_id == own,
                   Application.state.in_([AppState.SUBMITTED, AppState.IN_REVIEW]))).one()
        name = db.session.get(Partner, own).name
        assert acc[1] > 0 and waiting[0] > 0, "the demo must give UTCN commitments and a pipeline"
        assert _kpi(html, "partner-allocated") == eur(acc[0])
        assert _kpi(html, "partner-committed") == eur(acc[1])
        assert _kpi(html, "partner-spent") == eur(acc[2])
        assert _kpi(html, "partner-available") == eur(acc[0] - acc[1] - acc[2])
        assert _kpi(html, "partner-pipeline") == eur(waiting[1])
        assert _kpi(html, "hub-committed") == eur(hub[0])
        assert _kpi(html, "hub-spent") == eur(hub[1])
        for key in ("hub-envelope", "hub-allocated", "hub-available", "hub-pipeline"):
            assert f'id="{key}"' in html
    assert f"Budget of {name}" in html
    assert 'id="partner-ledger"' in html and 'id="partner-pipeline"' in html
    assert f'href="/reports/partners/{own}/budget.pdf"' in html
    assert "Budget set-up" not in html


def test_other_partners_beneficiaries_are_not_named_unless_the_hub_says_so(app, demo, login_as):
    own, other = _partners(app)
    theirs = _beneficiary_names(app, other) - _beneficiary_names(app, own, any_application=True)
    ours = _beneficiary_names(app, own)
    assert theirs and ours
    client = login_as("partner")
    html = client.get("/budget/").get_data(as_text=True)
    pdf = client.get(f"/reports/partners/{own}/budget.pdf")
    assert pdf.status_code == 200
    from reports.helpers import pdf_text

    text = "\n".join(pdf_text(pdf.data))
    assert any(name in html for name in ours)
    for name in theirs:
        assert name not in html, name
        assert name not in text, name
    assert "not shown by name" in html

    app.config["PARTNERS_SEE_ALL"] = True
    try:
        html = client.get("/budget/").get_data(as_text=True)
        text = "\n".join(pdf_text(client.get(f"/reports/partners/{own}/budget.pdf").data))
    finally:
        app.config["PARTNERS_SEE_ALL"] = False
    assert 'id="hub-beneficiaries"' in html
    assert any(name in html for name in theirs)
    assert "Largest beneficiaries of the hub" in text


def test_another_partners_page_and_report_are_not_revealed(app, demo, login_as):
    from dih4society.core.models import AuditEvent

    own, other = _partners(app)
    client = login_as("partner")
    assert client.get(f"/budget/partners/{own}").status_code == 200
    assert client.get(f"/budget/partners/{other}").status_code == 404
    assert client.get(f"/reports/partners/{other}/budget.pdf").status_code == 404
    assert client.get("/budget/partners/999999").status_code == 404
    assert client.get("/reports/budget.pdf").status_code == 403  # the hub's report stays with managers
    with app.app_context():
        denied = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.verb == "denied"))
    assert denied >= 3


def test_managers_open_any_partners_page_from_the_dashboard(app, demo, login_as):
    _own, other = _partners(app)
    client = login_as("manager")
    assert f'href="/budget/partners/{other}"' in client.get("/budget/").get_data(as_text=True)
    html = client.get(f"/budget/partners/{other}").get_data(as_text=True)
    assert 'id="partner-ledger"' in html
    assert client.get(f"/reports/partners/{other}/budget.pdf").status_code == 200


def test_partner_staff_ledger_lists_their_own_accounts_only(app, demo, login_as):
    own, other = _partners(app)
    with app.app_context():
        theirs = db.session.scalar(sa.select(BudgetAccount.id).where(BudgetAccount.partner_id == other).limit(1))
        own_count = db.session.scalar(
            sa.select(sa.func.count(LedgerEntry.id)).join(BudgetAccount, BudgetAccount.id == LedgerEntry.account_id)
            .where(BudgetAccount.partner_id == own))
        other_names = set(db.session.scalars(sa.select(BudgetAccount.name).where(
            sa.or_(BudgetAccount.partner_id != own, BudgetAccount.partner_id.is_(None)))))
    client = login_as("partner")
    html = client.get("/budget/ledger").get_data(as_text=True)
    assert f"{own_count} entries" in html
    for name in other_names:
        assert f"<td>{name}</td>" not in html and f">{name}</option>" not in html
    # Asking for another partner's account shows nothing of it.
    html = client.get(f"/budget/ledger?account={theirs}").get_data(as_text=True)
    assert f"{own_count} entries" in html
    assert "<td>Unallocated reserve</td>" not in html


@pytest.mark.parametrize("cache", [False, True], ids=["computed", "cached"])
def test_partner_page_query_count_does_not_grow_with_the_data(app, demo, client, cache):
    from conftest import login

    app.config["SUMMARY_CACHE"] = cache
    login(client, "partner")
    client.get("/budget/")
    with count_queries(app) as small:
        assert client.get("/budget/").status_code == 200
    scale(app, 150)
    client.get("/budget/")
    with count_queries(app) as large:
        assert client.get("/budget/").status_code == 200
    assert len(small) == len(large), (len(small), len(large))
    assert len(small) <= (6 + 1 if cache else 16 + 1)  # + 1: the server-side session row (issue 9)
