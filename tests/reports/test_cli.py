"""``flask report …`` for scheduled use: the same documents, written atomically."""

from __future__ import annotations

import csv
import io
import os

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader
from reports.helpers import ledger_reference, pdf_text

from dih4society.applications.models import Application, AppState
from dih4society.extensions import db
from dih4society.organisations.models import Organisation
from dih4society.reports.pdf import money


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def _run(*args: str):
        return runner.invoke(args=["report", *args], catch_exceptions=False)

    return _run


def _reference(app, state: AppState) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Application.reference).where(Application.state == state)
                                 .order_by(Application.id))


def test_budget_and_kpi_reports(app, report_data, run, tmp_path):
    with app.app_context():
        spent = money(ledger_reference()["spent"])
    target = tmp_path / "out" / "budget.pdf"
    result = run("budget", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert "pages) in" in result.output
    assert f"EUR {spent}" in pdf_text(target.read_bytes())[0]
    result = run("kpi", "--output", str(tmp_path / "kpi.pdf"), "--from", "2000-01-01")
    assert result.exit_code == 0, result.output
    assert PdfReader(str(tmp_path / "kpi.pdf")).pages
    assert run("kpi", "--output", str(tmp_path / "k.pdf"), "--from", "May 1st").exit_code == 2


def test_decision_letter_and_aid_notice(app, report_data, run, tmp_path):
    closed = _reference(app, AppState.CLOSED)
    result = run("decision", "--application", closed, "--output", str(tmp_path / "letter.pdf"))
    assert result.exit_code == 0, result.output
    assert closed in pdf_text((tmp_path / "letter.pdf").read_bytes())[0]
    with app.app_context():
        code = db.session.get(Organisation, report_data["applicant_org"]).fiscal_code
    result = run("aid-notice", "--organisation", f"RO{code}", "--output", str(tmp_path / "aid.pdf"))
    assert result.exit_code == 0, result.output
    assert "Tehnoplast Someș SRL" in pdf_text((tmp_path / "aid.pdf").read_bytes())[0]


def test_nothing_is_written_when_there_is_no_document(app, report_data, run, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    target = out / "letter.pdf"
    result = run("decision", "--application", _reference(app, AppState.SUBMITTED), "--output", str(target))
    assert result.exit_code == 1 and "no decision yet" in result.output
    result = run("decision", "--application", "DIH-1999-000001", "--output", str(target))
    assert result.exit_code == 1
    result = run("aid-notice", "--organisation", "123", "--output", str(target))
    assert result.exit_code == 1
    assert os.listdir(out) == []


def test_a_failing_build_leaves_the_previous_file_untouched(app, report_data, run, tmp_path, monkeypatch):
    from dih4society.reports import documents

    out = tmp_path / "out"
    out.mkdir()
    target = out / "budget.pdf"
    target.write_bytes(b"yesterday's report")

    def broken(*_a, **_k):
        raise RuntimeError("database went away")

    monkeypatch.setattr(documents, "budget_report", broken)
    with pytest.raises(RuntimeError):
        run("budget", "--output", str(target))
    assert target.read_bytes() == b"yesterday's report"
    assert os.listdir(out) == ["budget.pdf"], "a temporary file was left behind"


def test_exports(app, report_data, run, tmp_path):
    with app.app_context():
        ref = ledger_reference()
    assert run("export", "ledger", "--output", str(tmp_path / "ledger.csv")).exit_code == 0
    text = (tmp_path / "ledger.csv").read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert sum(int(round(float(r["Amount (EUR)"]) * 100)) for r in rows if r["Kind"] == "Spending") == ref["spent"]
    assert run("export", "applications", "--output", str(tmp_path / "apps.xlsx")).exit_code == 0
    sheet = load_workbook(tmp_path / "apps.xlsx").worksheets[0]
    assert sheet["A1"].value == "Reference" and sheet.max_row > 100
    assert run("export", "aid-register", "--output", str(tmp_path / "aid.txt")).exit_code == 1
    assert run("export", "aid-register", "--format", "csv", "--output", str(tmp_path / "aid.txt")).exit_code == 0
