"""Same numbers everywhere: the totals summed here from the ledger entries are exactly
what the dashboard page, each PDF report and each export show."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import sqlalchemy as sa
from openpyxl import load_workbook
from reports.helpers import ledger_reference, partner_ledger_reference, pdf_text

from dih4society.core.money import eur, from_cents
from dih4society.extensions import db
from dih4society.reports.pdf import money


def _csv(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff"), "CSV without a byte-order mark: Excel would garble ș and ț"
    return list(csv.DictReader(io.StringIO(text[1:])))


def _sum(rows: list[dict], column: str) -> Decimal:
    return sum((Decimal(r[column]) for r in rows if r[column]), Decimal("0"))


def test_the_ledger_totals_are_not_trivial(app, report_data):
    with app.app_context():
        ref = ledger_reference()
    assert ref["committed"] > 0 and ref["spent"] > 0 and ref["reserve"] > 0
    assert ref["envelope"] == 400_000_000


def test_dashboard_page_shows_the_ledger_totals(app, report_data, login_as):
    with app.app_context():
        ref = ledger_reference()
    html = login_as("manager").get("/budget/").get_data(as_text=True)
    with app.test_request_context():
        for key in ("allocated", "committed", "spent", "available", "uncommitted"):
            shown = re.search(rf'id="kpi-{key}">([^<]+)<', html).group(1)
            assert shown == eur(ref[key]), key


def test_budget_report_shows_the_ledger_totals(app, report_data, login_as):
    with app.app_context():
        ref = ledger_reference()
    response = login_as("manager").get("/reports/budget.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = pdf_text(response.data)
    cover = pages[0]
    for label, key in (("Envelope", "envelope"), ("Allocated to partner accounts", "allocated"),
                       ("Unallocated reserve", "reserve"), ("Committed", "committed"), ("Spent", "spent"),
                       ("Available in partner accounts", "available")):
        assert re.search(rf"{label}\s+EUR {re.escape(money(ref[key]))}\n", cover), (label, money(ref[key]))
    assert f"EUR {money(ref['uncommitted'])}" in cover
    # Funding sources: the total row carries the envelope, committed and spent.
    funding = re.search(r"Funding sources.*?\nTotal\n([\d,.]+)\n([\d,.]+)\n([\d,.]+)\n", pages[1], re.S)
    assert funding.groups() == (money(ref["envelope"]), money(ref["committed"]), money(ref["spent"]))
    # By partner and by category: allocated, committed, spent, available in the total rows.
    totals = re.findall(r"\nTotal\n([\d,.]+)\n([\d,.]+)\n([\d,.]+)\n([\d,.]+)\n[\d.]+%", "\n".join(pages))
    expected = tuple(money(ref[k]) for k in ("allocated", "committed", "spent", "available"))
    assert totals[:2] == [expected, expected]
    # The list of approved and closed applications ends with the ledger's spent total.
    last = re.search(r"\nTotal\n([\d,.]+)\n([\d,.]+)\n", pages[-1])
    assert last.group(2) == money(ref["spent"])


def test_partner_page_and_report_show_the_partners_ledger_totals(app, report_data, login_as):
    """Partner staff: the hub's totals and their own partner's, on the page and in the
    PDF, equal the sums of the ledger entries to the cent."""
    utcn = report_data["utcn_partner"]
    with app.app_context():
        hub = ledger_reference()
        mine = partner_ledger_reference(utcn)
    assert mine["committed"] > 0 and mine["spent"] > 0 and mine["pipeline"] > 0 and mine["ledger_lines"] > 0
    assert mine["allocated"] < hub["allocated"]  # a partner's share, not the hub's
    client = login_as("partner")
    html = client.get("/budget/").get_data(as_text=True)

    def shown(key: str) -> str:
        return re.search(rf'id="{key}">([^<]+)<', html).group(1)

    with app.test_request_context():
        for key in ("envelope", "allocated", "committed", "spent", "available"):
            assert shown(f"hub-{key}") == eur(hub[key]), key
        for key in ("allocated", "committed", "spent", "available", "pipeline"):
            assert shown(f"partner-{key}") == eur(mine[key]), key

    response = client.get(f"/reports/partners/{utcn}/budget.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = pdf_text(response.data)
    text = "\n".join(pages)
    cover = pages[0]
    assert re.search(rf"Envelope\s+EUR {re.escape(money(hub['envelope']))}\n", cover)
    assert re.search(rf"Allocated to partner accounts\s+EUR {re.escape(money(hub['allocated']))}\n", cover)
    assert re.search(rf"Allocated to the partner's accounts\s+EUR {re.escape(money(mine['allocated']))}\n", cover)
    for label in ("Committed", "Spent"):
        key = label.lower()
        assert re.findall(rf"\n{label}\s+EUR ([\d,.]+)\n", cover) == [money(hub[key]), money(mine[key])], label
    assert re.findall(r"\nAvailable(?: in partner accounts)?\s+EUR ([\d,.]+)\n", cover) == [
        money(hub["available"]), money(mine["available"])]
    assert f"EUR {money(mine['pipeline'])} in {mine['pipeline_count']} applications" in cover
    # The accounts table: allocated, committed, spent, available in its total row.
    accounts = re.search(r"Accounts\n.*?\nTotal\n([\d,.]+)\n([\d,.]+)\n([\d,.]+)\n([\d,.]+)\n", text, re.S)
    assert accounts.groups() == tuple(money(mine[k]) for k in ("allocated", "committed", "spent", "available"))
    # The pipeline's total, the approved list's spent total, the number of ledger lines.
    pipeline = re.search(r"Waiting for a decision\n.*?\nTotal\n([\d,.]+)\n", text, re.S)
    assert pipeline.group(1) == money(mine["pipeline"])
    served = re.search(r"Approved and closed applications\n.*?\nTotal\n([\d,.]+)\n([\d,.]+)\n", text, re.S)
    assert served.group(2) == money(mine["spent"])
    assert f"the latest booked first: {mine['ledger_lines']} entries." in text


def test_kpi_report_shows_the_ledger_spent_total(app, report_data, login_as):
    with app.app_context():
        ref = ledger_reference()
    pages = pdf_text(login_as("manager").get("/reports/kpi.pdf").data)
    assert re.search(rf"Costs booked \(spent\)\s+EUR {re.escape(money(ref['spent']))}\n", pages[0])
    text = "\n".join(pages)
    per_category = re.search(r"Services per category.*?\nTotal\n[\d,]+\n[\d,]+\n[\d,.]+\n([\d,.]+)\n", text, re.S)
    assert per_category.group(1) == money(ref["spent"])
    per_county = re.search(r"Amounts per county.*?\nTotal\n[\d,]+\n[\d,]+\n[\d,.]+\n([\d,.]+)\n", text, re.S)
    assert per_county.group(1) == money(ref["spent"])


def test_application_exports_add_up_to_the_ledger(app, report_data, login_as):
    with app.app_context():
        ref = ledger_reference()
    client = login_as("manager")
    rows = _csv(client.get("/reports/export/applications.csv"))
    assert _sum(rows, "Committed (EUR)") == from_cents(ref["committed"])
    assert _sum(rows, "Spent (EUR)") == from_cents(ref["spent"])
    book = load_workbook(io.BytesIO(client.get("/reports/export/applications.xlsx").data))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    col = header.index("Spent (EUR)")
    cells = [row[col] for row in sheet.iter_rows(min_row=2)]
    assert len(cells) == len(rows)
    assert all(isinstance(c.value, int | float) and c.number_format == "#,##0.00" for c in cells)
    assert round(sum(Decimal(str(c.value)) for c in cells), 2) == from_cents(ref["spent"])


def test_ledger_exports_add_up_to_the_ledger(app, report_data, login_as):
    with app.app_context():
        ref = ledger_reference()
    client = login_as("manager")
    rows = _csv(client.get("/reports/export/ledger.csv"))
    by_kind: dict[str, Decimal] = {}
    for row in rows:
        by_kind[row["Kind"]] = by_kind.get(row["Kind"], Decimal(0)) + Decimal(row["Amount (EUR)"])
    assert by_kind["Allocation"] == from_cents(ref["envelope"])
    assert by_kind["Spending"] == from_cents(ref["spent"])
    assert by_kind["Commitment"] - by_kind["Release"] - by_kind["Spending"] == from_cents(ref["committed"])
    spending = _csv(client.get("/reports/export/ledger.csv?kind=spend"))
    assert {r["Kind"] for r in spending} == {"Spending"}
    assert _sum(spending, "Amount (EUR)") == from_cents(ref["spent"])
    sheet = load_workbook(io.BytesIO(client.get("/reports/export/ledger.xlsx?kind=spend").data)).worksheets[0]
    amounts = [row[4].value for row in sheet.iter_rows(min_row=2)]
    assert round(sum(Decimal(str(v)) for v in amounts), 2) == from_cents(ref["spent"])


def test_aid_register_export_adds_up_to_the_grants(app, report_data, login_as):
    with app.app_context():
        in_force = db.session.scalar(sa.text(
            "SELECT SUM(aid_cents) FROM aid_grants WHERE reversed_on IS NULL"))
    rows = _csv(login_as("manager").get("/reports/export/aid-register.csv"))
    assert _sum(rows, "Aid in force, all time (EUR)") == from_cents(in_force)
    cluj = _csv(login_as("manager").get("/reports/export/aid-register.csv?county=CJ"))
    assert cluj and {r["County"] for r in cluj} == {"Cluj"}
    assert any("Tehnoplast Someș SRL" == r["Organisation"] for r in cluj), "diacritics lost in CSV"


def test_application_export_has_the_rows_of_the_queue_under_the_same_filters(app, report_data, login_as):
    client = login_as("manager")
    counts = []
    for query in ("state=closed", "county=BH&kind=sme", "category=skills_training&partner=2",
                  "from=2000-01-01&to=2100-12-31&state=approved"):
        queue = client.get(f"/applications/queue?{query}").get_data(as_text=True)
        count = int(re.search(r"(\d+) applications?</p>", queue).group(1))
        rows = _csv(client.get(f"/reports/export/applications.csv?{query}"))
        assert len(rows) == count, query
        counts.append(count)
    assert all(counts), counts
    closed = _csv(client.get("/reports/export/applications.csv?state=closed"))
    assert closed and {r["State"] for r in closed} == {"Closed"}
