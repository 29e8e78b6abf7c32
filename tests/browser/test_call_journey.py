"""Issue 12's journey in headless Chromium: a manager creates a competitive call, two
organisations apply, the call closes, the ranking shows the cut-off, the manager decides
by ranking, the beneficiary accepts the voucher agreement, and the partner starts delivery.

Reviews are written through the services (the review page has its own journey); the
closing is simulated by moving the server's clock for window checks past the closing
moment (the live server runs in this process). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from browser.test_workflow_journey import Person

from dih4society.applications.models import Application, AppState
from dih4society.budget.services import verify
from dih4society.calls import services as calls
from dih4society.calls.models import Call
from dih4society.core.db import utcnow
from dih4society.extensions import db

pytestmark = pytest.mark.browser
D = "@dih4society.example"


def test_competitive_call_from_creation_to_delivery(browser, live_server, app, seeded, artifacts_dir, monkeypatch):
    shot = lambda page, name: page.screenshot(path=artifacts_dir / f"call-{name}.png", full_page=True)  # noqa: E731
    manager = Person(browser, live_server, "manager" + D)
    sme = Person(browser, live_server, "applicant" + D)
    clinic = Person(browser, live_server, "applicant2" + D)
    partner = Person(browser, live_server, "partner.clujit" + D)  # CLUJIT delivers TBI-CYB-01
    try:
        # --- the manager creates a competitive call -------------------------------------------------
        page = manager.page
        page.goto("/calls/")
        page.get_by_role("link", name="New call").click()
        now = calls.to_local(utcnow()).replace(tzinfo=None)
        page.fill("#title_en", "Cybersecurity vouchers 2026")
        page.fill("#title_ro", "Vouchere de securitate cibernetică 2026")
        page.fill("#opens_at", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
        page.fill("#closes_at", (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
        for kind in ("sme", "health_org"):
            page.check(f"input[name=eligible_kinds][value={kind}]")
        page.get_by_label(re.compile("TBI-CYB-01")).check()
        page.fill("#cap", "15000")
        page.select_option("#selection_mode", "competitive")
        page.fill("#min_score", "50")
        shot(page, "01-new-call")
        page.locator("#call-save").click()
        page.wait_for_url(re.compile(r".*/calls/\d+$"))
        call_id = int(page.url.rsplit("/", 1)[-1])
        assert page.locator("#call-phase").inner_text() == "Open"

        # --- two organisations apply within the call ------------------------------------------------
        for person in (sme, clinic):
            page = person.page
            page.goto(f"/calls/{call_id}")
            page.get_by_role("link", name="Apply").click()
            page.fill("#justification", "Our network and our records system need an external penetration test "
                                        "and a remediation plan before the next audit.")
            page.fill("#requested", "12000.00")
            for box in ("#decl_sme", "#decl_not_in_difficulty", "#decl_no_recovery_order",
                        "#decl_outside_aid_complete"):
                page.check(box)
            page.get_by_role("button", name="Save and submit").click()
            page.wait_for_url(re.compile(r".*/applications/\d+$"))
            assert page.locator("#application-call").inner_text() == "Cybersecurity vouchers 2026"
        shot(clinic.page, "02-applied")

        # --- reviews (services), then the call closes ------------------------------------------------
        with app.app_context():
            from applications.builders import demo_user, review

            from dih4society.applications import services

            reviewer = demo_user("partner.uo")
            ids = {}
            for who, score in (("applicant", 5), ("applicant2", 3)):
                application = db.session.scalar(sa.select(Application).join(Application.created_by)
                                                .where(Application.call_id == call_id,
                                                       Application.created_by.has(email=who + D)))
                services.start_review(reviewer, application)
                review(reviewer, application, scores=score)
                ids[who] = application.id
            closes = db.session.get(Call, call_id).closes_at
            db.session.commit()
        monkeypatch.setattr(calls, "now", lambda: closes + timedelta(minutes=1))

        # --- the ranking shows the cut-off; the manager decides by ranking ---------------------------
        page = manager.page
        page.goto(f"/calls/{call_id}")
        assert page.locator("#call-phase").inner_text() == "Closed"
        page.get_by_role("link", name="Ranking").click()
        rows = page.locator("#ranking tbody tr[data-standing]")
        assert [rows.nth(i).get_attribute("data-standing") for i in range(rows.count())] == ["to_fund", "reserve"]
        assert page.locator("#cutoff").is_visible()
        shot(page, "03-ranking")
        page.locator("#decide-by-ranking").click()
        page.wait_for_load_state()
        assert "1 approved, 0 rejected" in page.locator(".flash-messages").inner_text()
        assert [rows.nth(i).get_attribute("data-standing") for i in range(rows.count())] == ["funded", "reserve"]
        shot(page, "04-decided")

        # --- the beneficiary accepts the agreement; the partner starts delivery ------------------------
        page = partner.page
        page.goto(f"/applications/{ids['applicant']}")
        assert page.get_by_role("button", name="Start delivery").count() == 0
        page = sme.page
        page.goto(f"/applications/{ids['applicant']}")
        page.locator("#agreement-link").click()
        page.fill("#accept-full_name", "Andrei Bălan")
        page.check("#accept-confirm")
        shot(page, "05-agreement")
        page.locator("#accept-agreement").click()
        page.wait_for_load_state()
        assert "Accepted on" in page.locator("#agreement-status").inner_text()
        page = partner.page
        page.goto(f"/applications/{ids['applicant']}")
        page.get_by_role("button", name="Start delivery").click()
        page.wait_for_load_state()
        shot(page, "06-in-delivery")
    finally:
        for person in (manager, sme, clinic, partner):
            person.close()

    with app.app_context():
        assert db.session.get(Application, ids["applicant"]).state is AppState.IN_DELIVERY
        assert db.session.get(Application, ids["applicant2"]).state is AppState.IN_REVIEW  # reserve list
        call = db.session.get(Call, call_id)
        assert call.committed_cents == 1_200_000
        assert verify().ok
