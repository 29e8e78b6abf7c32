"""The budget pages in headless Chromium: charts render, nothing breaks the CSP."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


#: The elements that stick out of a 390 px screen (shown when the phone test fails).
WIDEST = """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391 && !(() => {
    for (let n = e.parentElement; n; n = n.parentElement) { const o = getComputedStyle(n).overflowX;
      if (o === 'auto' || o === 'hidden' || o === 'scroll') return true; } return false; })())
    .slice(0, 3).map(e => { const out = []; for (let n = e; n && n.tagName !== 'BODY'; n = n.parentElement)
      out.push(n.tagName + '#' + n.id + '.' + n.className + ' ' + Math.round(n.getBoundingClientRect().right)); return out.join(' < '); })"""


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


def _headroom_of(app, legal_name: str) -> dict[str, str]:
    """The headroom figures the page must show, computed by hand-written SQL."""
    import sqlalchemy as sa
    from budget.helpers import expected_headroom

    from dih4society.core.db import utcnow
    from dih4society.core.money import eur_plain
    from dih4society.extensions import db

    with app.app_context():
        org_id = db.session.execute(sa.text("SELECT id FROM organisations WHERE legal_name = :n"),
                                    {"n": legal_name}).scalar_one()
        return {basis: f"€{eur_plain(cents)}" for basis, cents in expected_headroom(org_id, utcnow().date()).items()}


def test_manager_reads_the_dashboard_and_the_aid_register(page, app, books, artifacts_dir):
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
    expected = _headroom_of(app, "Clinica Sfânta Maria Oradea SRL")
    assert page.locator("#headroom-de_minimis").inner_text().strip() == expected["de_minimis"]
    assert page.locator("#headroom-gber_28").inner_text().strip() == expected["gber_28"]
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


def test_partner_tracks_spending_and_downloads_the_partner_report(page, books, artifacts_dir):
    from io import BytesIO

    from pypdf import PdfReader

    _login(page, "partner")
    page.get_by_role("link", name="Budget").first.click()
    page.wait_for_url("**/budget/")
    assert page.get_by_role("heading", name="Budget of Technical University of Cluj-Napoca").is_visible()
    assert page.locator("#partner-committed").is_visible()
    assert page.locator("#partner-ledger tbody tr").count() > 0
    assert page.locator("#partner-pipeline tbody tr").count() > 0
    assert page.locator("#chart-partner-accounts rect").count() >= 3
    committed = page.locator("#partner-committed").inner_text()
    page.screenshot(path=artifacts_dir / "budget-04-partner.png", full_page=True)

    with page.expect_download() as info:
        page.locator("#partner-report").click()
    download = info.value
    assert download.suggested_filename.startswith("budget-report-UTCN-")
    path = artifacts_dir / "budget-05-partner-report.pdf"
    download.save_as(path)
    cover = PdfReader(BytesIO(path.read_bytes())).pages[0].extract_text()
    assert "Budget report of Technical University of" in cover
    # The page's committed figure (€1,234.00) is the report's (EUR 1,234.00).
    assert f"EUR {committed.lstrip('€')}" in cover


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
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.evaluate(WIDEST)
    page.screenshot(path=artifacts_dir / "budget-04-dashboard-phone.png", full_page=True)
    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("button", name="Mihai Pop").or_(page.locator("#account-menu")).first.click()
    page.get_by_role("button", name="Log out").click()
    _login(page, "admin")
    page.goto("/budget/setup")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.evaluate(WIDEST)
    for select in ("#source", "#target"):  # the chosen account's text fits its drop-down
        assert page.evaluate(f"""() => {{ const s = document.querySelector('{select}');
            const c = document.createElement('canvas').getContext('2d'); c.font = getComputedStyle(s).font;
            return c.measureText(s.options[s.selectedIndex].text).width < s.clientWidth - 30; }}""")
