"""A second approval in headless Chromium: the manager approves above the threshold, the
application waits, a partner approver of another organisation finds it in their queue
and gives the second approval, which commits the budget. Screenshots in test-artifacts/."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from browser.test_workflow_journey import Person

from dih4society.applications.models import Application, AppState
from dih4society.budget.models import LedgerEntry, LedgerKind
from dih4society.budget.services import verify
from dih4society.extensions import db

pytestmark = pytest.mark.browser


def _in_review_above_threshold(app) -> int:
    from applications.builders import S, build, make_cast, service

    with app.app_context():
        cast = make_cast()
        application = build(cast, S.IN_REVIEW, svc=service("TBI-DT-01"), requested_cents=3_000_000)
        db.session.commit()
        return application.id


def _state(page) -> str:
    return page.locator(".page-header .state-badge").first.get_attribute("data-state")


def test_second_approval_journey(browser, live_server, app, seeded, artifacts_dir):
    shot = lambda page, name: page.screenshot(path=artifacts_dir / f"approval-{name}.png", full_page=True)  # noqa: E731
    app_id = _in_review_above_threshold(app)
    manager = Person(browser, live_server, "manager@dih4society.example")
    partner = Person(browser, live_server, "partner@dih4society.example")
    try:
        page = manager.page
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto("/applications/queue?waiting=1")
        page.locator(f'a[href$="/applications/{app_id}"]').first.click()
        page.wait_for_url(f"**/applications/{app_id}")
        assert "second approval from another organisation" in page.locator("#steps").inner_text()
        page.fill("#approve-amount", "30000.00")
        page.locator('form[data-step="approve"] button[type="submit"]').click()
        page.wait_for_url(f"**/applications/{app_id}")
        assert _state(page) == "awaiting_second"
        assert "First approval recorded" in page.locator(".alert-success").inner_text()
        assert page.locator('form[data-step="approve"]').count() == 0  # not twice by the same body
        assert "another organisation" in page.locator("main").inner_text()
        shot(page, "01-first-approval")
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(
                LedgerEntry.application_id == app_id)) == 0

        page = partner.page
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto("/applications/queue")
        page.locator('[data-state="waiting"]').click()
        page.locator(f'a[href$="/applications/{app_id}"]').first.click()
        page.wait_for_url(f"**/applications/{app_id}")
        assert page.locator("#approvals li").count() == 1
        assert page.locator("#approve-amount").get_attribute("readonly") is not None
        shot(page, "02-second-approval-form")
        page.get_by_role("button", name="Give the second approval").click()
        page.wait_for_url(f"**/applications/{app_id}")
        assert _state(page) == "approved"
        assert page.locator("#approvals li").count() == 2
        assert page.locator('[data-amount="aid"]').inner_text().startswith("State aid €30,000.00")
        shot(page, "03-approved")
        with app.app_context():
            application = db.session.get(Application, app_id)
            assert application.state is AppState.APPROVED and application.approved_cents == 3_000_000
            entries = db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.application_id == app_id)).all()
            assert [(e.kind, e.amount_cents) for e in entries] == [(LedgerKind.COMMIT, 3_000_000)]
            assert verify().ok
    finally:
        manager.close()
        partner.close()


def test_partner_approver_decides_another_partners_application_and_tracks_it(browser, live_server, app, seeded,
                                                                            artifacts_dir):
    """partner@ (TU Cluj-Napoca, approver) approves a Cluj IT Cluster service reviewed by
    someone else, then sees the hub's committed figure grow by exactly that amount on the
    partner budget page."""
    from applications.builders import S, build, make_cast, service

    with app.app_context():
        cast = make_cast()
        application = build(cast, S.IN_REVIEW, svc=service("TBI-CYB-01"), applicant=cast.other_applicant,
                            requested_cents=1_000_000)
        app_id = application.id
        db.session.commit()
    partner = Person(browser, live_server, "partner@dih4society.example")
    try:
        page = partner.page
        page.on("dialog", lambda dialog: dialog.accept())
        page.get_by_role("link", name="Budget").first.click()
        page.wait_for_url("**/budget/**")
        committed_before = page.locator("#hub-committed").inner_text()
        page.goto("/applications/queue")
        page.locator('[data-state="waiting"]').click()
        page.locator(f'a[href$="/applications/{app_id}"]').first.click()
        page.wait_for_url(f"**/applications/{app_id}")
        page.fill("#approve-amount", "9500.00")
        shot = lambda name: page.screenshot(path=artifacts_dir / f"approval-partner-{name}.png", full_page=True)  # noqa: E731
        shot("01-decide")
        page.locator('form[data-step="approve"] button[type="submit"]').click()
        page.wait_for_url(f"**/applications/{app_id}")
        assert _state(page) == "approved"
        assert "committed on the budget" in page.locator(".alert-success").inner_text()
        page.get_by_role("link", name="Budget").first.click()
        page.wait_for_url("**/budget/**")
        committed_after = page.locator("#hub-committed").inner_text()
        to_cents = lambda text: int(text.replace("€", "").replace(",", "").replace(".", ""))  # noqa: E731
        assert to_cents(committed_after) - to_cents(committed_before) == 950_000
        shot("02-budget")
        with app.app_context():
            assert db.session.get(Application, app_id).decided_by.email == "partner@dih4society.example"
            assert verify().ok
    finally:
        partner.close()
