"""Reports: `flask report dma`, the logs (CSV/XLSX), the KPI PDF and the dashboard's Impact
section tell the same story, computed from the same assessments."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from applications.builders import as_user
from conftest import PASSWORD

from dih4society.assessments import impact, scoring
from dih4society.assessments.models import Assessment, Satisfaction
from dih4society.extensions import db

DIMS = ["D1", "D2", "D3", "D4", "D5", "D6"]


@pytest.fixture
def hub(app, seeded):
    """The demo (T0s, T1s and satisfaction on closed applications) plus 60 bulk organisations."""
    from dih4society.demo import seed

    with app.app_context():
        seed(PASSWORD, scale=60)
        counts = dict(db.session.execute(sa.select(Assessment.stage, sa.func.count(Assessment.id))
                                         .group_by(Assessment.stage)).all())
        assert counts["T0"] > 40 and counts["T1"] > 5  # proportional to the scale
        assert db.session.scalar(sa.select(sa.func.count(Satisfaction.id))) > 5
    return app


def read_csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_report_dma_cli_rows_obey_the_rule(hub, tmp_path):
    out = tmp_path / "dma.csv"
    result = hub.test_cli_runner().invoke(args=["report", "dma", "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_csv(out.read_bytes())
    with hub.app_context():
        assert len(rows) == db.session.scalar(sa.select(sa.func.count(Assessment.id)).where(
            Assessment.status == "submitted"))
    assert set(rows[0]) >= {"Fiscal code", "Kind", "DMA Timing", "Submitted", "Questionnaire version",
                            *DIMS, "DMA Score", "Band"}
    for row in rows:
        dims = [row[d] for d in DIMS]
        assert all(re.fullmatch(r"\d{1,3}\.\d\d", v) for v in dims + [row["DMA Score"]]), row
        assert Decimal(row["DMA Score"]) == scoring.overall_of(dims), row
        assert row["Band"] == scoring.band_of(row["DMA Score"]), row
        assert row["DMA Timing"] in ("T0", "T1")
    xlsx = tmp_path / "dma.xlsx"
    assert hub.test_cli_runner().invoke(args=["report", "dma", "--output", str(xlsx)]).exit_code == 0
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).active
    assert sheet.max_row == len(rows) + 1
    bad = hub.test_cli_runner().invoke(args=["report", "dma", "--output", str(tmp_path / "dma.txt")])
    assert bad.exit_code != 0 and not (tmp_path / "dma.txt").exists()


def test_exports_kpi_pdf_and_dashboard_reconcile(hub):
    from pypdf import PdfReader

    manager = as_user(hub, "manager")
    assessments = read_csv(manager.get("/assessments/export/assessments.csv").data)
    services = read_csv(manager.get("/assessments/export/services.csv").data)
    customers = read_csv(manager.get("/assessments/export/customers.csv").data)
    with hub.app_context():
        figures = impact.impact_data()
    # T0 / T1 organisations.
    assert figures.t0_orgs == len({r["Fiscal code"] for r in assessments if r["DMA Timing"] == "T0"})
    assert figures.t1_orgs == len({r["Fiscal code"] for r in assessments if r["DMA Timing"] == "T1"})
    assert figures.t0_orgs == sum(1 for c in customers if c["T0 score"])
    # The average change per dimension, recomputed from the export's rows.
    by_org: dict = {}
    for r in assessments:
        by_org.setdefault((r["Fiscal code"], r["Cycle"]), {})[r["DMA Timing"]] = r
    pairs = [(p["T0"], p["T1"]) for p in by_org.values() if "T0" in p and "T1" in p]
    assert figures.pairs == len(pairs) > 0
    for d in DIMS + ["DMA Score"]:
        key = "overall" if d == "DMA Score" else d
        mean = lambda vals: scoring.round2(sum(vals, Decimal(0)) / len(vals))  # noqa: E731
        expected = mean([Decimal(b[d]) for _a, b in pairs]) - mean([Decimal(a[d]) for a, _b in pairs])
        assert figures.avg_change[key] == expected, d
    order = [band for _u, band in scoring.BANDS]
    assert figures.band_up == sum(1 for a, b in pairs if order.index(b["Band"]) > order.index(a["Band"]))
    # Satisfaction from the services log.
    scores = [int(r["Satisfaction (1-10)"]) for r in services if r["Satisfaction (1-10)"]]
    assert figures.responses == len(scores)
    assert figures.avg_score == scoring.round2(Decimal(sum(scores)) / len(scores))
    assert sum(figures.delivered_by_category.values()) == len(services)
    # The dashboard's Impact section shows the same figures.
    page = manager.get("/budget/").data.decode()
    assert f'id="impact-t0">{figures.t0_orgs}<' in page
    assert f'id="impact-t1">{figures.t1_orgs}<' in page
    assert f'id="impact-change">{figures.avg_change["overall"]:+.2f}<' in page
    assert f'id="impact-sat-avg">{figures.avg_score}<' in page
    # And so does the KPI PDF.
    pdf = manager.get("/reports/kpi.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    text = re.sub(r"\s+", " ", text)
    assert f"Organisations assessed at T0 {figures.t0_orgs}" in text
    assert f"Organisations assessed at T1 {figures.t1_orgs}" in text
    assert f"Average overall change T0 → T1 {figures.avg_change['overall']:.2f}" in text
    assert f"Average satisfaction (1-10) {figures.avg_score:.2f}" in text


def test_partner_staff_see_the_impact_of_their_own_customers(hub):
    with hub.app_context():
        from dih4society.auth.models import User

        partner_id = db.session.scalar(sa.select(User.partner_id).where(
            User.email == "partner@dih4society.example"))
        own = impact.impact_data(partner_id)
        everyone = impact.impact_data()
    assert 0 < own.t0_orgs < everyone.t0_orgs
    page = as_user(hub, "partner").get("/assessments/impact").data.decode()
    assert f'id="impact-t0">{own.t0_orgs}<' in page
    assert as_user(hub, "partner").get("/assessments/export/assessments.csv").status_code == 403


def test_dma_remind_command_is_idempotent(app, seeded):
    from datetime import timedelta

    from applications.builders import build, make_cast

    from dih4society.applications.models import AppState
    from dih4society.assessments.models import T1Reminder
    from dih4society.core.db import utcnow

    with app.app_context():
        cast = make_cast()
        application = build(cast, AppState.CLOSED)
        t0 = db.session.scalar(sa.select(Assessment).where(Assessment.organisation_id == cast.org.id))
        t0.submitted_at = utcnow() - timedelta(days=500)  # the T0, then a service closed 400 days ago
        application.closed_at = utcnow() - timedelta(days=400)
        db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["dma", "remind"])
    assert first.exit_code == 0 and "T1 reminders sent: 1" in first.output, first.output
    again = runner.invoke(args=["dma", "remind"])
    assert "T1 reminders sent: 0" in again.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(T1Reminder.id))) == 1


def test_the_dashboards_impact_section_is_cached_yet_follows_a_new_assessment(hub):
    """Rendered once per change mark (issue 13), the section still shows a T0 submitted
    after it was cached, and the dashboard's query count does not depend on the history."""
    from assessments.conftest import full_answers
    from budget.test_routes import count_queries
    from factories import make_org, make_user

    from dih4society.assessments import services
    from dih4society.auth.models import Role
    from dih4society.organisations.models import OrgKind

    manager = as_user(hub, "manager")
    with hub.app_context():
        before = impact.impact_data().t0_orgs
    manager.get("/budget/")  # fills the cache
    with count_queries(hub) as cached:
        assert f'id="impact-t0">{before}<' in manager.get("/budget/").data.decode()
    with hub.app_context():
        user = make_user(Role.APPLICANT, org=make_org(OrgKind.SME, t0=False))
        draft = services.start(user, user.organisation)
        services.save(user, draft, full_answers())
        services.submit(user, draft)
        db.session.commit()
    with count_queries(hub) as recomputed:
        assert f'id="impact-t0">{before + 1}<' in manager.get("/budget/").data.decode()
    assert len(cached) < len(recomputed)  # the cached request did not read the assessments
