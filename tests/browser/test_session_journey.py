"""In headless Chromium, with CSRF on: the session ends while a long justification is
being typed; saving shows a login form, and logging in puts the text back."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from conftest import PASSWORD

from dih4society.applications.models import Application
from dih4society.extensions import db

pytestmark = pytest.mark.browser

LONG = "Our maintenance team of four wants to test predictive maintenance on two presses. " * 12


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def test_text_typed_into_an_expired_session_comes_back_after_logging_in(page, app, seeded, artifacts_dir):
    with app.app_context():
        from applications.builders import service

        sid = service().id
    page.goto("/auth/login")
    page.fill("#email", "applicant@dih4society.example")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)
    page.goto(f"/applications/new?service_id={sid}")
    page.fill("#justification", LONG)
    page.fill("#requested", "12000")
    page.check("#decl_sme")
    page.fill("#outside_aid-0-grantor", "AFIR")
    page.fill("#outside_aid-0-granted_on", "2025-05-01")
    page.fill("#outside_aid-0-amount", "1000")
    page.get_by_role("button", name="Add a row").click()
    page.fill("#outside_aid-1-grantor", "Consiliul Județean Cluj")
    page.fill("#outside_aid-1-granted_on", "2025-06-01")
    page.fill("#outside_aid-1-amount", "500")
    page.context.clear_cookies()  # the session expires while the user types

    page.get_by_role("button", name="Save draft").click()
    page.wait_for_selector("[data-session-expired]")
    assert page.get_by_text("Nothing you typed is lost").is_visible()
    # Chromium logs every 4xx page as a console error; this 401 is the expected answer.
    page.console_errors[:] = [e for e in page.console_errors if "status of 401" not in e]
    page.screenshot(path=artifacts_dir / "session-01-expired.png", full_page=True)
    page.fill("#email", "applicant@dih4society.example")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in and return to the form").click()
    page.wait_for_url(re.compile(r"/applications/new\?service_id=\d+&restore="))
    page.wait_for_selector("form[data-restored]")
    assert page.input_value("#justification") == LONG
    assert page.input_value("#requested") == "12000"
    assert page.is_checked("#decl_sme") and not page.is_checked("#decl_not_in_difficulty")
    assert page.input_value("#outside_aid-1-grantor") == "Consiliul Județean Cluj"
    page.screenshot(path=artifacts_dir / "session-02-restored.png", full_page=True)
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/applications/\d+$"))
    with app.app_context():
        application = db.session.scalar(sa.select(Application))
        assert application.justification == LONG.strip()
        assert [r.grantor for r in application.outside_aid] == ["AFIR", "Consiliul Județean Cluj"]
