"""A Romanian visitor registers, applies and reads the decision letter, all in Romanian.

Every page on the way is checked for English text from the catalogue (a translated
msgid showing instead of its Romanian msgstr) and for the English name of the service.
The decision letter PDF is written in Romanian (the organisation's language).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from reports.helpers import pdf_text

from dih4society.extensions import db

pytestmark = pytest.mark.browser

PO = Path(__file__).resolve().parents[2] / "translations" / "ro" / "LC_MESSAGES" / "messages.po"
SERVICE = "TBI-ROB-01"


def _english_strings() -> list[str]:
    """Translated catalogue entries whose English would betray a missed translation."""
    with open(PO, "rb") as f:
        catalog = read_po(f, locale="ro")
    return sorted({m.id for m in catalog if isinstance(m.id, str) and m.id and m.string and not m.fuzzy
                   and m.string != m.id and len(m.id) >= 8 and "%" not in m.id and "\n" not in m.id
                   and not m.id.isupper()}, key=len, reverse=True)


def test_registration_application_and_decision_letter_in_romanian(browser, live_server, app, seeded,
                                                                  artifacts_dir):
    from applications.builders import demo_user, review

    from dih4society.applications import services as applications
    from dih4society.applications.models import Application
    from dih4society.catalogue.models import Service
    from dih4society.demo import fiscal_code

    english = _english_strings()
    with app.app_context():
        service = db.session.scalar(sa.select(Service).where(Service.code == SERVICE))
        english_name, romanian_name = service.name_en, service.name_ro
    assert romanian_name and english_name != romanian_name
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    checked: list[str] = []

    def check(name: str) -> None:
        text = page.inner_text("body")
        found = [s for s in english if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text)]
        assert not found, f"{name}: English catalogue text on the page: {found[:5]}"
        assert english_name not in text, f"{name}: English service name"
        assert 'lang="ro"' in page.content()
        checked.append(name)
        page.screenshot(path=artifacts_dir / f"ro-{len(checked):02d}-{name}.png", full_page=True)

    try:
        page.goto("/organisations/register")
        page.select_option("#language-select", "ro")
        page.locator(".language-form button[type=submit]").click()
        page.wait_for_url("**/organisations/register")  # the switcher keeps the page
        check("register")
        page.select_option("#kind", "sme")
        page.fill("#legal_name", "Prelucrări Mecanice Dej SRL")
        page.fill("#fiscal_code", "RO" + fiscal_code(3456789))
        page.fill("#trade_register_no", "J12/1483/2015")
        page.select_option("#county", "CJ")
        page.fill("#caen_code", "2511")
        page.fill("#headcount", "12")
        page.fill("#turnover", "1500000")
        page.fill("#balance_sheet", "900000")
        page.fill("#full_name", "Ștefan Mureșan")
        page.fill("#email", "stefan@prelucrari.example")
        page.fill("#password", "violet-tractor-harbour")
        page.fill("#confirm", "violet-tractor-harbour-x")  # a mistake first: the message is Romanian
        page.locator("main form button[type=submit], main form input[type=submit]").last.click()
        page.wait_for_load_state()
        assert page.get_by_text("Parolele diferă.").is_visible()
        check("register-error")
        page.fill("#password", "violet-tractor-harbour")
        page.fill("#confirm", "violet-tractor-harbour")
        page.locator("main form button[type=submit], main form input[type=submit]").last.click()
        page.wait_for_url("**/organisations/mine")
        assert page.get_by_text("Întreprindere mică").first.is_visible()
        check("organisation")

        with app.app_context():  # its T0 self-assessment, needed before the first submission (issue 11)
            from dih4society.assessments.demo import give_t0
            from dih4society.organisations.models import Organisation

            give_t0(db.session.scalar(sa.select(Organisation).where(
                Organisation.legal_name == "Prelucrări Mecanice Dej SRL")))
            db.session.commit()

        page.get_by_role("link", name="Catalog").first.click()
        page.wait_for_url("**/catalogue/")
        check("catalogue")
        page.get_by_role("link", name=romanian_name).first.click()
        check("service")
        page.get_by_role("link", name="Aplică").click()
        page.wait_for_url("**/applications/new?service_id=*")
        check("apply")
        page.fill("#justification", "Dorim să automatizăm debavurarea pieselor injectate și să testăm mai întâi "
                                    "o celulă cu cobot pe piesele noastre.")
        page.fill("#requested", "16500.00")
        for box in ("#decl_sme", "#decl_not_in_difficulty", "#decl_no_recovery_order", "#decl_outside_aid_complete"):
            page.check(box)
        page.get_by_role("button", name="Salvează și depune").click()
        page.wait_for_url(re.compile(r".*/applications/\d+$"))
        application_id = int(page.url.rstrip("/").split("/")[-1])
        check("submitted")

        with app.app_context():  # the hub reviews and approves (their journey is tested elsewhere)
            application = db.session.get(Application, application_id)
            applications.start_review(demo_user("partner.clujit"), application)
            review(demo_user("partner.clujit"), application)
            applications.approve(demo_user("manager"), application, 1_600_000)
            db.session.commit()

        page.reload()
        check("approved")
        page.get_by_role("link", name="Cererile mele").first.click()
        check("my-applications")
        page.goto(f"/applications/{application_id}")
        href = page.get_by_role("link", name="Scrisoare de decizie").first.get_attribute("href")
        response = page.request.get(href)
        assert response.status == 200
        letter = " ".join(pdf_text(response.body())[0].split())
        (artifacts_dir / "ro-decision-letter.pdf").write_bytes(response.body())
        assert "Decizie de aprobare a cererii" in letter and romanian_name in letter
        assert "16.000,00 €" in letter and "EUR" not in letter.replace("(EUR)", "")
        assert "Decision to approve" not in letter and english_name not in letter
        assert re.search(r"\b\d{2}\.\d{2}\.\d{4}\b", letter)
        assert not errors
    finally:
        context.close()
