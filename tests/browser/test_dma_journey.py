"""The impact cycle in headless Chromium: T0 → apply → delivery closed → T1 → result with both.

A new applicant organisation takes its T0 over two sittings, applies (the first submit
needs the T0), the hub reviews, approves and delivers (through the services), the
applicant confirms the delivery and rates the service, takes the T1, and the result
page's radar chart shows T0 and T1. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from applications.builders import accept_agreement, make_cast, review
from browser.test_workflow_journey import Person
from conftest import PASSWORD
from factories import make_org, make_user

from dih4society.applications import services as apps
from dih4society.applications.models import Application, AppState
from dih4society.assessments.models import Assessment, Satisfaction
from dih4society.auth.models import Role
from dih4society.core.db import utcnow
from dih4society.extensions import db
from dih4society.organisations.models import OrgKind

pytestmark = pytest.mark.browser


def answer_page(page, values: tuple[str, ...], ticks: int) -> None:
    """Answer every row with the first of `values` it offers; tick the first `ticks` options."""
    for question in page.locator("fieldset.dma-question").all():
        rows = question.locator("table.dma-rows tbody tr")
        if rows.count():
            for i in range(rows.count()):
                radios = rows.nth(i).locator("input[type=radio]")
                offered = [radios.nth(k).get_attribute("value") for k in range(radios.count())]
                radios.nth(offered.index(next(v for v in values if v in offered))).check()
        else:
            boxes = question.locator("input[type=checkbox]:not([value=none]):not([value=nodigital])")
            for i in range(min(ticks, boxes.count())):
                boxes.nth(i).check()


MODEST = ("planned", "partial", "1")
STRONG = ("invested", "implemented", "yes", "4")


def test_t0_apply_close_t1_result(browser, live_server, app, seeded, artifacts_dir):
    shot = lambda page, name: page.screenshot(path=artifacts_dir / f"dma-{name}.png", full_page=True)  # noqa: E731
    with app.app_context():
        user = make_user(Role.APPLICANT, org=make_org(OrgKind.SME, t0=False, legal_name="Mobila Dej SRL"),
                         email="owner@mobila-dej.example", password=PASSWORD)
        db.session.commit()
        org_id = user.organisation_id
    applicant = Person(browser, live_server, "owner@mobila-dej.example")
    try:
        page = applicant.page
        # --- T0 over two sittings -----------------------------------------------------------------
        page.get_by_role("link", name="Digital maturity").click()
        page.get_by_role("button", name="Start the assessment (T0)").click()
        page.wait_for_url(re.compile(r".*/assessments/\d+$"))
        first = page.locator("fieldset.dma-question").first
        first.locator("table.dma-rows tbody tr input[value=planned]").first.check()
        page.locator("#q-S2-needs").check()
        page.get_by_role("button", name="Save draft").click()
        assert "1 of 11 questions answered" in page.locator("#dma-progress").inner_text()
        page.goto("/")  # a later sitting
        page.get_by_role("link", name="Digital maturity").click()
        page.get_by_role("link", name="Continue your T0 assessment").click()
        assert page.locator("#q-S2-needs").is_checked()
        # Submitting early is refused with what is missing.
        page.get_by_role("button", name="Submit the assessment").click()
        assert "still open" in page.locator(".alert").first.inner_text()
        answer_page(page, MODEST, ticks=3)
        shot(page, "01-t0-form")
        page.get_by_role("button", name="Submit the assessment").click()
        page.wait_for_url("**/result")
        assert page.locator("#dma-radar").is_visible()
        assert "T0 (before)" in page.locator("#dma-radar").inner_html()
        assert "T1 (after)" not in page.locator("#dma-radar").inner_html()
        t0_overall = float(page.locator("#dma-overall").inner_text().split()[0])
        shot(page, "02-t0-result")

        # --- apply: the first submit now goes through ---------------------------------------------
        page.get_by_role("link", name="Catalogue").first.click()
        page.get_by_role("link", name="Collaborative robot cell trial").first.click()
        page.get_by_role("link", name="Apply").click()
        page.fill("#justification", "We make kitchen furniture and want to test a cobot for sanding panels.")
        page.fill("#requested", "15000.00")
        for box in ("#decl_sme", "#decl_not_in_difficulty", "#decl_no_recovery_order", "#decl_outside_aid_complete"):
            page.check(box)
        page.get_by_role("button", name="Submit").last.click()
        page.wait_for_url(re.compile(r".*/applications/\d+$"))
        application_id = int(page.url.rsplit("/", 1)[1])
        assert page.locator("#dma-t0-overall").inner_text() == f"{t0_overall:.1f}"

        # --- the hub reviews, approves and delivers ------------------------------------------------
        with app.app_context():
            cast = make_cast()
            application = db.session.get(Application, application_id)
            assert application.state is AppState.SUBMITTED
            apps.start_review(cast.reviewer, application)
            review(cast.reviewer, application)
            apps.approve(cast.manager, application, application.requested_cents)
            accept_agreement(application.created_by, application)  # the voucher agreement first (issue 12)
            apps.start_delivery(cast.deliverer, application)
            apps.record_delivery(cast.deliverer, application, utcnow().date(), "Two weeks of sanding trials.",
                                 application.approved_cents)
            db.session.commit()

        # --- the applicant confirms (closed) and rates the service ---------------------------------
        page.reload()
        page.locator("form[data-step=confirm] button[type=submit]").click()
        page.wait_for_url(re.compile(r".*/applications/\d+$"))
        page.get_by_role("link", name="Rate the service").click()
        page.fill("#sat-score", "9")
        page.check("input[name=sat-would_recommend][value=yes]")
        page.fill("#sat-comment", "The trials convinced us to buy the cobot.")
        page.get_by_role("button", name="Send").click()
        assert "Rated 9 / 10" in page.locator("#satisfaction").inner_text()

        # --- T1 and the result with both ---------------------------------------------------------
        page.get_by_role("link", name="Digital maturity").click()
        page.get_by_role("button", name="Take the follow-up assessment (T1)").click()
        page.wait_for_url(re.compile(r".*/assessments/\d+$"))
        answer_page(page, STRONG, ticks=6)
        page.get_by_role("button", name="Submit the assessment").click()
        page.wait_for_url("**/result")
        radar = page.locator("#dma-radar").inner_html()
        assert "T0 (before)" in radar and "T1 (after)" in radar
        assert page.locator("#dma-radar polygon").count() == 4 + 2  # four rings, T0 and T1
        assert page.locator("#dma-dimensions tbody tr").count() == 6
        assert page.locator("#dma-change").inner_text().startswith("+")  # the service made a difference
        shot(page, "03-t1-result")
    finally:
        applicant.close()
    with app.app_context():
        stages = db.session.execute(sa.select(Assessment.cycle, Assessment.stage, Assessment.status)
                                    .where(Assessment.organisation_id == org_id).order_by(Assessment.stage)).all()
        assert [tuple(s) for s in stages] == [(1, "T0", "submitted"), (1, "T1", "submitted")]
        assert db.session.scalar(sa.select(Satisfaction.score).where(Satisfaction.application_id == application_id)) == 9
