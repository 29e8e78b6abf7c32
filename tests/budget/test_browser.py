"""The budget pages in headless Chromium: charts render, nothing breaks the CSP."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def books(app, seeded):
    from dih4society.applications.demo import seed_applications
    from dih4society.demo import seed_scale
    from dih4society.extensions import db

    with app.app_context():
        seed_applications()
        db.session.commit()
        seed_scale(40)
    return seeded


def _login(page, who: str) -> None:
    from conftest import PASSWORD

    page.goto("/auth/login")
    page.fill("#email", f"{who}@dih4society.example")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


def test_manager_reads_the_dashboard_and_the_aid_register(page, books, artifacts_dir):
    _login(page, "manager")
    page.get_by_role("link", name="Budget").first.click()
    page.wait_for_url("**/budget/")
    chart = page.locator("#chart-monthly")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 600 and 150 < box["height"] < 500  # scaled to the card, proportions kept
    assert page.get_by_role("img", name="Allocation per partner: spent, committed, available").is_visible()
    assert page.locator("#chart-partners rect").count() >= 12  # 4 partners × 3 segments
    page.get_by_text("The figures per period").click()
    assert page.locator("details table").is_visible()
    page.screenshot(path=artifacts_dir / "budget-01-dashboard.png", full_page=True)

    page.get_by_role("link", name="Aid register").first.click()
    page.wait_for_url("**/budget/aid")
    page.select_option("#filter-county", "BH")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**county=BH**")
    page.get_by_role("link", name="Clinica Sfânta Maria Oradea SRL").click()
    assert page.locator("#headroom-de_minimis").is_visible()
    page.screenshot(path=artifacts_dir / "budget-02-aid-detail.png", full_page=True)
    # page fixture: any console error (a CSP violation by an inline style) fails the test


def test_admin_moves_money_between_accounts(page, books, artifacts_dir):
    _login(page, "admin")
    page.goto("/budget/setup")
    page.select_option("#source", label="Reserve · €200,000.00 available")
    page.select_option("#target", index=3)
    page.fill("#amount", "25000")
    page.fill("#note", "extra for robotics")
    page.get_by_role("button", name="Transfer").click()
    page.wait_for_url("**/budget/setup")
    assert page.get_by_text("€25,000.00 moved from Unallocated reserve").is_visible()
    assert page.locator("td", has_text="€175,000.00").first.is_visible()  # the reserve's new balance
    page.screenshot(path=artifacts_dir / "budget-03-setup.png", full_page=True)


def test_on_a_phone_the_dashboard_and_the_set_up_fit_the_screen(page, books, artifacts_dir):
    page.set_viewport_size({"width": 390, "height": 844})
    _login(page, "manager")
    page.goto("/budget/")
    for key in ("monthly", "partners", "counties"):
        assert page.locator(f"#chart-{key}-phone").is_visible(), key
        assert not page.locator(f"#chart-{key}").is_visible(), key
        # Phone text is readable: at least 11 CSS px once the drawing is scaled to the screen.
        size = page.evaluate(f"""() => {{ const svg = document.querySelector('#chart-{key}-phone');
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            return Math.min(...[...svg.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')) * scale)); }}""")
        assert size >= 10, (key, size)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=artifacts_dir / "budget-04-dashboard-phone.png", full_page=True)
    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("button", name="Mihai Pop").or_(page.locator("#account-menu")).first.click()
    page.get_by_role("button", name="Log out").click()
    _login(page, "admin")
    page.goto("/budget/setup")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for select in ("#source", "#target"):  # the chosen account's text fits its drop-down
        assert page.evaluate(f"""() => {{ const s = document.querySelector('{select}');
            const c = document.createElement('canvas').getContext('2d'); c.font = getComputedStyle(s).font;
            return c.measureText(s.options[s.selectedIndex].text).width < s.clientWidth - 30; }}""")
