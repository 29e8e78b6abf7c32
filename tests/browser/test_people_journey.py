"""In headless Chromium: a member invites a colleague, who joins from the e-mailed link;
the member removes them (after confirming); an admin corrects the figures."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from conftest import PASSWORD

from dih4society.core.models import OutboxEmail
from dih4society.extensions import db

pytestmark = pytest.mark.browser


def _login(page, who: str) -> None:
    page.goto("/auth/login")
    page.fill("#email", f"{who}@dih4society.example")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


def test_invite_join_remove_and_correct(page, browser, live_server, app, seeded, artifacts_dir):
    _login(page, "applicant")
    page.goto("/organisations/mine")
    page.fill("#email", "ioana@tehnoplast.example")
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_selector("text=Invitation sent to ioana@tehnoplast.example")
    page.screenshot(path=artifacts_dir / "people-01-invited.png", full_page=True)
    with app.app_context():
        body = db.session.scalars(sa.select(OutboxEmail.body).order_by(OutboxEmail.id.desc())).first()
    path = re.search(r"/organisations/join/[A-Za-z0-9_-]+", body).group(0)

    colleague = browser.new_context(base_url=live_server)
    other = colleague.new_page()
    other.goto(path)
    other.fill("#full_name", "Ioana Pop")
    other.fill("#password", "amber-lathe-compass-77")
    other.fill("#confirm", "amber-lathe-compass-77")
    other.screenshot(path=artifacts_dir / "people-02-join.png", full_page=True)
    other.get_by_role("button", name="Join").click()
    other.wait_for_url("**/organisations/mine")
    assert other.get_by_text("you are a member of Tehnoplast").is_visible()
    colleague.close()

    page.reload()
    row = page.locator("tr", has_text="Ioana Pop")
    page.confirm_answer = False
    row.get_by_role("button", name="Remove").click()
    assert page.dialogs == ["Remove Ioana Pop? They will no longer be able to log in."]
    assert page.locator("tr", has_text="Ioana Pop").get_by_role("button", name="Remove").is_visible()
    page.confirm_answer = True
    row.get_by_role("button", name="Remove").click()
    page.wait_for_selector("text=Ioana Pop no longer has access")
    page.screenshot(path=artifacts_dir / "people-03-removed.png", full_page=True)

    page.get_by_role("button", name=re.compile("Andrei")).click()
    page.get_by_role("button", name="Log out").click()
    _login(page, "admin")
    with app.app_context():
        from dih4society.organisations.models import Organisation

        org_id = db.session.scalar(sa.select(Organisation.id).where(Organisation.legal_name.like("Tehnoplast%")))
    page.goto(f"/organisations/{org_id}")
    page.get_by_role("link", name="Correct the data").click()
    page.fill("#headcount", "120")
    page.fill("#turnover", "30000000")
    page.fill("#balance_sheet", "20000000")
    page.fill("#reason", "2025 financial statements")
    page.screenshot(path=artifacts_dir / "people-04-correct.png", full_page=True)
    page.get_by_role("button", name="Save the correction").click()
    page.wait_for_selector("text=The size class is now")
    assert page.get_by_text("Medium-sized enterprise").first.is_visible()
    page.screenshot(path=artifacts_dir / "people-05-corrected.png", full_page=True)
