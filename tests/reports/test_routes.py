"""Who gets which report, through the test client — including by typing URLs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from reports.helpers import pdf_text

from dih4society.applications.models import AppState
from dih4society.core.models import AuditEvent
from dih4society.extensions import db

S = AppState
MANAGER_ONLY = ["/reports/", "/reports/budget.pdf", "/reports/kpi.pdf", "/reports/find?reference=x",
                "/reports/export/applications.csv", "/reports/export/applications.xlsx",
                "/reports/export/ledger.csv", "/reports/export/ledger.xlsx",
                "/reports/export/aid-register.csv", "/reports/export/aid-register.xlsx"]


def pick(data: dict, org: str, state: AppState, partner: int | None = None, other_partner: bool = False) -> int:
    """An application of the demo organisation `org` in `state` (optionally by partner)."""
    for app_id, org_id, st, partner_id in data["apps"]:
        if org_id != data[org] or st is not state:
            continue
        if partner is not None and (partner_id == partner) == other_partner:
            continue
        return app_id
    raise LookupError((org, state, partner))


def letter_url(app_id: int) -> str:
    return f"/reports/applications/{app_id}/decision.pdf"


def notice_url(org_id: int) -> str:
    return f"/reports/organisations/{org_id}/aid-notice.pdf"


def denied_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.verb == "denied"))


def test_manager_gets_every_report_and_export(report_data, login_as):
    client = login_as("manager")
    page = client.get("/reports/")
    assert page.status_code == 200
    for path in MANAGER_ONLY[1:3] + MANAGER_ONLY[4:]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Disposition"].startswith("attachment; filename="), path
    for state in (S.APPROVED, S.CLOSED, S.CANCELLED, S.REJECTED):
        assert client.get(letter_url(pick(report_data, "applicant2_org", state))).status_code == 200
    assert client.get(notice_url(report_data["applicant2_org"])).mimetype == "application/pdf"


def test_reports_page_links_every_report_and_export(report_data, login_as):
    html = login_as("manager").get("/reports/").get_data(as_text=True)
    for href in ("/reports/budget.pdf", "/reports/kpi.pdf", "/reports/find",
                 "/reports/export/applications.xlsx", "/reports/export/applications.csv",
                 "/reports/export/ledger.csv", "/reports/export/aid-register.csv"):
        assert href in html, href
    assert "command line" not in html and "flask --app" not in html
    for name in ('name="state"', 'name="category"', 'name="partner"', 'name="county"', 'name="kind"',
                 'name="from"', 'name="to"', 'name="account"', 'name="date_from"', 'name="q"'):
        assert name in html, name


def test_letters_by_state(report_data, login_as):
    client = login_as("manager")
    approved = pdf_text(client.get(letter_url(pick(report_data, "applicant_org", S.APPROVED)) + "?lang=en").data)[0]
    assert "Decision to approve application" in approved and "Legal basis of the aid" in approved
    rejected = pdf_text(client.get(letter_url(pick(report_data, "applicant_org", S.REJECTED)) + "?lang=en").data)[0]
    assert "Decision to reject application" in rejected and "Reasons for the decision" in rejected
    assert "digital transformation" in rejected  # the reason the manager wrote
    for state in (S.SUBMITTED, S.IN_REVIEW, S.RETURNED, S.WITHDRAWN):
        response = client.get(letter_url(pick(report_data, "applicant_org", state)))
        assert response.status_code == 404, state
        assert "has no decision yet" in response.get_data(as_text=True)


def test_applicant_gets_only_its_own_letters_and_notice(app, report_data, login_as):
    client = login_as("applicant")
    own = pick(report_data, "applicant_org", S.APPROVED)
    assert client.get(letter_url(own)).status_code == 200
    assert client.get(notice_url(report_data["applicant_org"])).status_code == 200
    before = denied_count(app)
    other = pick(report_data, "applicant2_org", S.APPROVED)
    assert client.get(letter_url(other)).status_code == 404
    assert client.get(notice_url(report_data["applicant2_org"])).status_code == 404
    assert client.get(letter_url(999_999)).status_code == 404
    assert denied_count(app) == before + 2  # typed URLs are recorded
    for path in MANAGER_ONLY:
        assert client.get(path).status_code == 403, path


def test_partner_staff_get_letters_of_their_partners_services_only(report_data, login_as):
    client = login_as("partner")  # UTCN
    utcn = report_data["utcn_partner"]
    ours = pick(report_data, "applicant_org", S.IN_DELIVERY, partner=utcn)
    assert client.get(letter_url(ours)).status_code == 200
    theirs = pick(report_data, "applicant_org", S.APPROVED, partner=utcn, other_partner=True)
    assert client.get(letter_url(theirs)).status_code == 404
    assert client.get(notice_url(report_data["applicant_org"])).status_code == 404
    for path in MANAGER_ONLY:
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("path", MANAGER_ONLY + ["/reports/applications/1/decision.pdf",
                                                 "/reports/organisations/1/aid-notice.pdf"])
def test_visitors_are_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_csv_is_streamed_utf8_with_a_bom(report_data, login_as):
    response = login_as("manager").get("/reports/export/applications.csv")
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith("\ufeff".encode())
    assert "Tehnoplast Someș SRL" in response.get_data(as_text=True)


def test_unknown_export_format_is_404(report_data, login_as):
    assert login_as("manager").get("/reports/export/ledger.pdf").status_code == 404


def test_find_jumps_to_the_letter_or_the_notice(app, report_data, login_as):
    from dih4society.applications.models import Application
    from dih4society.organisations.models import Organisation

    app_id = pick(report_data, "applicant_org", S.CLOSED)
    with app.app_context():
        reference = db.session.get(Application, app_id).reference
        fiscal = db.session.get(Organisation, report_data["applicant_org"]).fiscal_code
    client = login_as("manager")
    assert client.get(f"/reports/find?reference={reference}").headers["Location"].endswith(letter_url(app_id))
    # Case and stray spaces do not matter: "dih-2026-000021" finds DIH-2026-000021.
    assert client.get(f"/reports/find?reference=+{reference.lower()}+").headers["Location"].endswith(
        letter_url(app_id))
    assert client.get(f"/reports/find?fiscal_code=RO{fiscal}").headers["Location"].endswith(
        notice_url(report_data["applicant_org"]))
    missing = client.get("/reports/find?reference=DIH-1999-000001", follow_redirects=True)
    assert "No application has the reference DIH-1999-000001" in missing.get_data(as_text=True)


def test_kpi_period_filter(report_data, login_as):
    client = login_as("manager")
    empty = pdf_text(client.get("/reports/kpi.pdf?from=1990-01-01&to=1990-12-31").data)
    assert "1 January 1990 – 31 December 1990" in empty[0]
    assert "No services in the period." in "\n".join(empty)


def test_kpi_period_that_ends_before_it_starts_is_refused(client, seeded):
    from conftest import login

    login(client, "manager")
    response = client.get("/reports/kpi.pdf?from=2026-12-31&to=2026-01-01", follow_redirects=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert b"starts after it ends" in response.data
