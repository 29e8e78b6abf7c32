"""Three people take one application from draft to closed in headless Chromium.

The applicant applies (with two rows of outside aid, the second added by the page's
script) and attaches a signed declaration; staff of the delivering partner (UTCN)
start the review and score it, watching the live total; the manager, who did not
review it, approves; the partner starts and records the delivery; the applicant
confirms, which closes the application. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from conftest import PASSWORD

from dih4society.applications.models import Application, AppState
from dih4society.budget.services import verify
from dih4society.core.db import utcnow
from dih4society.core.models import AuditEvent
from dih4society.extensions import db

pytestmark = pytest.mark.browser

from samples import PDF  # noqa: E402


class Person:
    """One person's own browser context (cookies), failing on any console error."""

    def __init__(self, browser, base_url: str, email: str):
        self.context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("dialog", lambda dialog: dialog.accept())  # data-confirm questions: "OK"
        self.page.goto("/auth/login")
        self.page.fill("#email", email)
        self.page.fill("#password", PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_url(lambda url: "/auth/login" not in url)

    def close(self) -> None:
        self.context.close()
        assert not self.errors, f"browser console errors: {self.errors}"


def _state(page) -> str:
    return page.locator(".page-header .state-badge").first.get_attribute("data-state")


def test_apply_review_approve_deliver_confirm(browser, live_server, app, seeded, artifacts_dir, tmp_path):
    shot = lambda page, name: page.screenshot(path=artifacts_dir / f"workflow-{name}.png", full_page=True)  # noqa: E731
    applicant = Person(browser, live_server, "applicant@dih4society.example")
    partner = Person(browser, live_server, "partner@dih4society.example")
    manager = Person(browser, live_server, "manager@dih4society.example")
    try:
        # --- the applicant applies --------------------------------------------------------------
        page = applicant.page
        page.get_by_role("link", name="Catalogue").first.click()
        page.get_by_role("link", name="Collaborative robot cell trial").first.click()
        page.get_by_role("link", name="Apply").click()
        page.wait_for_url("**/applications/new?service_id=*")
        page.fill("#justification", "We want to automate the deburring of injection-moulded parts and need "
                                    "to test a cobot cell on our own parts before we invest.")
        page.fill("#requested", "16500.00")
        for box in ("#decl_sme", "#decl_not_in_difficulty", "#decl_no_recovery_order", "#decl_outside_aid_complete"):
            page.check(box)
        page.fill("#outside_aid-0-grantor", "AFIR")
        page.fill("#outside_aid-0-granted_on", "2025-03-14")
        page.fill("#outside_aid-0-amount", "12000")
        page.get_by_role("button", name="Add a row").click()
        page.fill("#outside_aid-1-grantor", "Consiliul Județean Cluj")
        page.fill("#outside_aid-1-granted_on", "2024-10-01")
        page.fill("#outside_aid-1-amount", "4500.50")
        shot(page, "01-apply")
        page.get_by_role("button", name="Save draft").click()
        page.wait_for_url(re.compile(r".*/applications/\d+$"))
        application_id = int(page.url.rstrip("/").split("/")[-1])
        assert _state(page) == "draft"
        assert page.get_by_text("Consiliul Județean Cluj").is_visible()

        declaration = tmp_path / "declaratie-semnata.pdf"
        declaration.write_bytes(PDF)
        page.select_option("#upload-kind", "signed_declaration")
        page.set_input_files("#upload-file", str(declaration))
        page.get_by_role("button", name="Upload").click()
        page.wait_for_load_state()
        assert page.get_by_role("link", name="declaratie-semnata.pdf").is_visible()
        shot(page, "02-draft-with-document")
        page.locator("#quick-actions").get_by_role("button", name="Submit").click()
        page.wait_for_load_state()
        assert _state(page) == "submitted"
        reference = page.locator(".page-header .code-label").inner_text().strip()
        assert re.fullmatch(rf"DIH-{utcnow().year}-\d{{6}}", reference)

        # --- the partner reviews --------------------------------------------------------------------
        page = partner.page
        page.get_by_role("link", name="Review queue").first.click()
        page.get_by_role("link", name=reference).click()
        page.get_by_role("button", name="Start review").click()
        page.wait_for_load_state()
        assert _state(page) == "in_review"
        page.get_by_role("link", name="Score this application").click()
        total = page.locator("#rubric-total")
        assert total.inner_text() == "—"
        for field, score in (("relevance", "5"), ("readiness", "4"), ("impact", "3")):
            page.fill(f"#score_{field}", score)
        assert total.inner_text() == "—"  # not every criterion scored yet
        page.fill("#score_region", "2")
        assert total.inner_text() == "72.00"  # (5×3 + 4×2 + 3×3 + 2×2) / 50 × 100
        page.fill("#score_impact", "5")
        assert total.inner_text() == "84.00"
        page.select_option("#recommendation", "approve")
        page.fill("#comment", "Clear need and a realistic plan; the parts are ready for the trials.")
        shot(page, "03-review")
        page.get_by_role("button", name="Complete review").click()
        page.wait_for_url(f"**/applications/{application_id}")
        assert page.get_by_text("84.00").first.is_visible()
        # The reviewer is staff of the delivering partner: no decision buttons for them.
        assert page.locator('form[data-step="approve"]').count() == 0

        # --- the manager decides ----------------------------------------------------------------------
        page = manager.page
        page.goto("/applications/queue?state=in_review")
        page.get_by_role("link", name=reference).click()
        assert page.locator(".checklist .check-ok").count() >= 5
        page.fill("#approve-amount", "16000.00")
        shot(page, "04-decision")
        page.locator('form[data-step="approve"]').get_by_role("button", name="Approve").click()
        page.wait_for_load_state()
        assert _state(page) == "approved"
        assert page.locator('[data-amount="approved"]').inner_text().startswith("€16,000.00")

        # --- delivery waits for the voucher agreement; the applicant accepts it online (issue 12) ----------
        page = partner.page
        page.goto(f"/applications/{application_id}")
        assert page.get_by_role("button", name="Start delivery").count() == 0
        page = applicant.page
        page.goto(f"/applications/{application_id}")
        page.locator("#agreement-link").click()
        page.fill("#accept-full_name", "Andrei Bălan")
        page.check("#accept-confirm")
        page.locator("#accept-agreement").click()
        page.wait_for_load_state()
        assert "Accepted on" in page.locator("#agreement-status").inner_text()

        # --- the partner delivers -----------------------------------------------------------------------
        page = partner.page
        page.goto(f"/applications/{application_id}")
        page.get_by_role("button", name="Start delivery").click()
        page.wait_for_load_state()
        assert _state(page) == "in_delivery"
        page.fill("#delivery-delivered_on", utcnow().date().isoformat())
        page.fill("#delivery-notes", "Two weeks of trials with the cobot cell on 12 part types; final report sent.")
        page.fill("#delivery-actual_cost", "15250.00")
        shot(page, "05-record-delivery")
        page.get_by_role("button", name="Record delivery").click()
        page.wait_for_load_state()
        assert _state(page) == "delivered"

        # --- the applicant confirms ---------------------------------------------------------------------
        page = applicant.page
        page.goto("/applications/mine")
        assert page.get_by_text("Please confirm the delivery").is_visible()
        page.get_by_role("link", name=reference).click()
        page.get_by_role("button", name="Confirm delivery").click()
        page.wait_for_load_state()
        assert _state(page) == "closed"
        assert page.locator('[data-amount="actual"]').inner_text().startswith("€15,250.00")
        for label in ("Draft created", "Document added", "Submitted", "Review started", "Approved",
                      "Delivery started", "Delivery recorded", "Delivery confirmed, closed"):
            assert page.locator(".timeline-entry strong", has_text=label).count() >= 1, label
        shot(page, "06-closed")
        page.get_by_role("link", name="My applications").first.click()
        shot(page, "07-my-applications")
    finally:
        for person in (applicant, partner, manager):
            person.close()

    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.state is AppState.CLOSED
        assert (application.approved_cents, application.actual_cost_cents) == (1_600_000, 1_525_000)
        assert [r.amount_cents for r in application.outside_aid] == [1_200_000, 450_050]
        verbs = db.session.scalars(sa.select(AuditEvent.verb).where(
            AuditEvent.object_type == "application", AuditEvent.object_id == application_id)
            .order_by(AuditEvent.id)).all()
        assert verbs == ["application.create", "attachment.upload", "application.submit", "application.start_review",
                         "review.complete", "agreement.generate", "application.approve", "agreement.accept",
                         "application.start_delivery",
                         "application.record_delivery", "application.confirm"]
        assert verify().ok
