"""Letters and notices in the beneficiary's language: Romanian by default, English on request."""

from __future__ import annotations

import re

import sqlalchemy as sa
from reports.helpers import pdf_text
from reports.test_routes import letter_url, notice_url, pick

from dih4society.applications.models import Application, AppState
from dih4society.extensions import db
from dih4society.organisations.models import Organisation

S = AppState
RO_DATE = re.compile(r"\b\d{2}\.\d{2}\.\d{4}\b")
EN_DATE = re.compile(r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|"
                     r"November|December) \d{4}\b")
RO_MONEY = re.compile(r"\b\d{1,3}(\.\d{3})*,\d{2}\s€")


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_a_romanian_organisation_gets_a_romanian_letter_by_default(report_data, login_as):
    client = login_as("manager")
    text = _flat(pdf_text(client.get(letter_url(pick(report_data, "applicant_org", S.CLOSED))).data)[0])
    assert "Decizie de aprobare a cererii" in text and "Temeiul juridic al ajutorului" in text
    assert "Regulamentul (UE) nr. 651/2014" in text or "Regulamentul (UE) 2023/2831" in text
    assert "echivalent subvenție brută" in text.lower() or "Echivalentul subvenție brută" in text
    assert RO_DATE.search(text) and not EN_DATE.search(text)
    amounts = RO_MONEY.findall(text)
    assert RO_MONEY.search(text), text
    assert len(amounts) >= 3  # table rows and the text alike
    assert "EUR " not in text and "Decision to approve" not in text
    rejected = _flat(pdf_text(client.get(letter_url(pick(report_data, "applicant_org", S.REJECTED))).data)[0])
    assert "Decizie de respingere a cererii" in rejected and "Motivele deciziei" in rejected


def test_english_on_request_and_for_organisations_that_prefer_it(app, report_data, login_as):
    client = login_as("manager")
    app_id = pick(report_data, "applicant_org", S.CLOSED)
    text = _flat(pdf_text(client.get(letter_url(app_id) + "?lang=en").data)[0])
    assert "Decision to approve application" in text and "Regulation (EU)" in text
    assert EN_DATE.search(text) and not RO_DATE.search(text)
    assert re.search(r"€\d{1,3}(,\d{3})*\.\d{2}", text)
    with app.app_context():
        db.session.get(Organisation, report_data["applicant_org"]).preferred_locale = "en"
        db.session.commit()
    assert "Decision to approve application" in _flat(pdf_text(client.get(letter_url(app_id)).data)[0])
    notice = _flat(pdf_text(client.get(notice_url(report_data["applicant_org"])).data)[0])
    assert "State-aid notice" in notice
    notice = _flat(pdf_text(client.get(notice_url(report_data["applicant_org"]) + "?lang=ro").data)[0])
    assert "Notificare privind ajutorul de stat" in notice and RO_MONEY.search(notice)


def test_the_cli_writes_the_letter_in_the_language_asked(app, report_data, tmp_path):
    with app.app_context():
        reference = db.session.scalar(sa.select(Application.reference).where(
            Application.id == pick(report_data, "applicant_org", S.CLOSED)))
    runner = app.test_cli_runner()
    for lang, title in (("en", "Decision to approve application"), ("ro", "Decizie de aprobare a cererii")):
        target = tmp_path / f"letter-{lang}.pdf"
        result = runner.invoke(args=["report", "decision", "--application", reference, "--lang", lang,
                                     "--output", str(target)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert title in _flat(pdf_text(target.read_bytes())[0])
    result = runner.invoke(args=["report", "decision", "--application", reference, "--lang", "de",
                                 "--output", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2
