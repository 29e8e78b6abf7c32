"""A newcomer in headless Chromium: register, log out, log in, browse and filter the catalogue."""

import pytest

pytestmark = pytest.mark.browser


def _logout(page):
    toggle = page.locator("#account-menu")
    if toggle.count() and toggle.is_visible():
        toggle.click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/auth/login")


def test_register_logout_login_browse(page, seeded, artifacts_dir):
    page.goto("/")
    page.get_by_role("link", name="Register organisation").first.click()
    page.select_option("#kind", "sme")
    page.fill("#legal_name", "Țesătoria Sălăjeană SRL")
    page.fill("#fiscal_code", "RO14399840")
    page.fill("#trade_register_no", "J31/245/2011")
    page.select_option("#county", "SJ")
    page.fill("#caen_code", "1320")
    page.fill("#headcount", "35")
    page.fill("#turnover", "4200000")
    page.fill("#balance_sheet", "3100000")
    page.fill("#full_name", "Irina Sălăjan")
    page.fill("#email", "irina@tesatoria.example")
    page.fill("#password", "bright-loom-weaving-42")
    page.fill("#confirm", "bright-loom-weaving-42")
    page.screenshot(path=artifacts_dir / "foundation-01-register.png", full_page=True)
    page.get_by_role("button", name="Register").click()
    page.wait_for_url("**/organisations/mine")
    assert page.get_by_text("Small enterprise").first.is_visible()
    assert page.get_by_text("Țesătoria Sălăjeană SRL").first.is_visible()
    page.screenshot(path=artifacts_dir / "foundation-02-organisation.png", full_page=True)

    _logout(page)
    page.fill("#email", "irina@tesatoria.example")
    page.fill("#password", "bright-loom-weaving-42")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)

    page.get_by_role("link", name="Catalogue").first.click()
    assert page.get_by_text("Collaborative robot cell trial").first.is_visible()
    page.screenshot(path=artifacts_dir / "foundation-03-catalogue.png", full_page=True)
    page.select_option("#filter-category", "skills_training")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**category=skills_training**")
    assert page.get_by_text("Cybersecurity awareness training").first.is_visible()
    assert page.get_by_text("Collaborative robot cell trial").count() == 0
    page.screenshot(path=artifacts_dir / "foundation-04-filtered.png", full_page=True)


def test_phone_layout_has_collapsed_navigation(browser, live_server, seeded, artifacts_dir):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto("/auth/login")
    assert page.locator(".navbar-toggler").is_visible()
    page.screenshot(path=artifacts_dir / "foundation-05-phone-login.png", full_page=True)
    context.close()
