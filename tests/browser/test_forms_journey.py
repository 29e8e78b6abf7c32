"""Forms in headless Chromium: a double click sends once, destructive steps ask first."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from conftest import PASSWORD

from dih4society.applications.models import Application, AppState
from dih4society.extensions import db

pytestmark = pytest.mark.browser

JUSTIFICATION = "We want to automate deburring with a cobot cell and test it on our own parts first."


def _login(page, who: str) -> None:
    page.goto("/auth/login")
    page.fill("#email", f"{who}@dih4society.example")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


def test_a_double_click_on_save_and_submit_submits_one_application(page, app, seeded, artifacts_dir):
    with app.app_context():
        from applications.builders import service

        sid = service().id
    _login(page, "applicant")
    page.goto(f"/applications/new?service_id={sid}")
    page.fill("#justification", JUSTIFICATION)
    page.fill("#requested", "15000")
    for box in ("decl_sme", "decl_not_in_difficulty", "decl_no_recovery_order", "decl_outside_aid_complete"):
        page.check(f"#{box}")
    button = page.get_by_role("button", name="Save and submit")
    button.dblclick()
    page.wait_for_url(re.compile(r"/applications/\d+$"))
    assert page.get_by_text("submitted").first.is_visible()
    page.screenshot(path=artifacts_dir / "forms-01-double-click.png", full_page=True)
    with app.app_context():
        states = db.session.scalars(sa.select(Application.state)).all()
    assert states == [AppState.SUBMITTED]  # the clicked button's "submit" survived the disabling


def test_log_out_everywhere_asks_first_and_no_keeps_the_session(page, seeded):
    _login(page, "manager")
    page.goto("/auth/account")
    page.confirm_answer = False
    page.get_by_role("button", name="Log out everywhere").click()
    assert page.dialogs == ["Log out of every session, this one included?"]
    page.goto("/auth/account")
    assert "/auth/account" in page.url  # still logged in
    page.confirm_answer = True
    page.get_by_role("button", name="Log out everywhere").click()
    page.wait_for_url("**/auth/login")
    assert len(page.dialogs) == 2
