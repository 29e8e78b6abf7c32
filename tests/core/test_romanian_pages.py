"""Each main page, read in Romanian, shows no English text from the catalogue."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import login

PO = Path(__file__).resolve().parents[2] / "translations" / "ro" / "LC_MESSAGES" / "messages.po"
PAGES = {
    # (/notifications is left out: a notification keeps the language it was written in.)
    "applicant": ["/", "/catalogue/", "/applications/mine", "/organisations/mine", "/budget/aid",
                  "/auth/account"],
    "manager": ["/", "/applications/queue", "/budget/", "/budget/ledger", "/budget/aid", "/reports/"],
    "admin": ["/budget/setup", "/admin/users", "/admin/audit", "/reviews/rubric", "/catalogue/new"],
}


def _english() -> list[str]:
    with open(PO, "rb") as f:
        catalog = read_po(f, locale="ro")
    return sorted({m.id for m in catalog if isinstance(m.id, str) and m.id and m.string and not m.fuzzy
                   and m.string != m.id and len(m.id) >= 8 and "%" not in m.id and "\n" not in m.id},
                  key=len, reverse=True)


def _visible_text(page: str) -> str:
    page = re.sub(r"(?s)<(script|style|svg)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<details class=\"audit-raw\">.*?</details>", " ", page)  # raw JSON, kept as stored
    page = re.sub(r"(?s)(:</span>)[^<]*(</li>)", r"\1 \2", page)  # audit values: what people typed
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
def demo(app, seeded):
    from dih4society.applications.demo import seed_applications
    from dih4society.extensions import db

    with app.app_context():
        seed_applications()
        db.session.commit()


@pytest.mark.parametrize("who", sorted(PAGES))
def test_pages_in_romanian_show_no_english_catalogue_text(app, demo, who):
    english = _english()
    client = app.test_client()
    client.post("/language", data={"lang": "ro"})
    login(client, who)
    problems = {}
    for path in PAGES[who]:
        response = client.get(path)
        assert response.status_code == 200, path
        text = _visible_text(response.get_data(as_text=True))
        found = [s for s in english if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text)]
        if found:
            problems[path] = [(s, text[max(0, text.find(s) - 60):text.find(s) + len(s) + 20]) for s in found[:6]]
    assert not problems, problems
