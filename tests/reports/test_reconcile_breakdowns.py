"""Every breakdown of the budget dashboard, row by row, against hand-written SQL over the ledger.

`test_reconcile.py` checks the headline totals; a breakdown can still be wrong while
its rows add up (say, per-county committed figures that forget to subtract what was
spent: the county rows are then wrong, and so is the total, but only by the amounts
spent). Here each table of the dashboard page is read back from the HTML and compared
with figures summed in this file from `ledger_entries` joined to accounts,
applications and organisations: committed = commitments − releases − spending,
spent = spending, allocated = allocations.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from dih4society import charts
from dih4society.budget import queries
from dih4society.budget.models import LedgerEntry
from dih4society.catalogue.models import Category
from dih4society.core.money import eur
from dih4society.extensions import db
from dih4society.organisations.models import OrgKind

# Committed / spent of a set of ledger rows, in SQL written here.
SQL_COMMITTED = ("SUM(CASE WHEN l.kind = 'commit' THEN l.amount_cents "
                 "WHEN l.kind IN ('release', 'spend') THEN -l.amount_cents ELSE 0 END)")
SQL_SPENT = "SUM(CASE WHEN l.kind = 'spend' THEN l.amount_cents ELSE 0 END)"
SQL_ALLOCATED = "SUM(CASE WHEN l.kind = 'allocate' THEN l.amount_cents ELSE 0 END)"


class _Tables(HTMLParser):
    """The body rows of each <table>, keyed by the id of the heading before it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.heading = ""
        self.tables: dict[str, list[list[str]]] = {}
        self._rows: list[list[str]] | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("h2", "h3") and attrs.get("id"):
            self.heading = attrs["id"]
        elif tag == "table":
            self._rows = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._rows.append(self._row)
            self._row = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table" and self._rows is not None:
            self.tables[self.heading] = self._rows
            self._rows = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture
def page_tables(app, report_data, login_as) -> dict[str, list[list[str]]]:
    html = login_as("manager").get("/budget/").get_data(as_text=True)
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def _rows(sql: str, **params) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(sa.text(sql), params).all()]


def _money_row(label, *cents) -> list[str]:
    return [label, *(eur(int(c)) for c in cents)]


def test_partners_and_categories_match_the_ledger(app, page_tables):
    with app.test_request_context():
        partners = _rows(
            f"SELECT p.name, {SQL_ALLOCATED}, {SQL_COMMITTED}, {SQL_SPENT} FROM ledger_entries l "
            "JOIN budget_accounts a ON a.id = l.account_id JOIN partners p ON p.id = a.partner_id "
            "GROUP BY p.id, p.name")
        categories = _rows(
            f"SELECT a.category, {SQL_ALLOCATED}, {SQL_COMMITTED}, {SQL_SPENT} FROM ledger_entries l "
            "JOIN budget_accounts a ON a.id = l.account_id WHERE a.is_reserve = :no GROUP BY a.category",
            no=False)
        expected_partners = sorted(_money_row(name, al, c, s, al - c - s) for name, al, c, s in partners)
        expected_categories = sorted(_money_row(Category(cat).label, al, c, s, al - c - s)
                                     for cat, al, c, s in categories)
    assert len(expected_partners) == 4 and all(int(c) > 0 for _n, _a, c, _s in partners)
    # Partner rows: name, allocated, committed, spent, available (then % used and pipeline).
    assert sorted(r[:5] for r in page_tables["partners-heading"]) == expected_partners
    assert sorted(r[:5] for r in page_tables["categories-heading"]) == expected_categories


def test_funding_sources_match_the_ledger(app, page_tables):
    with app.test_request_context():
        ((envelope, committed, spent),) = _rows(
            f"SELECT {SQL_ALLOCATED}, {SQL_COMMITTED}, {SQL_SPENT} FROM ledger_entries l")
        percent = db.session.execute(sa.text("SELECT eu_share_percent FROM budget_settings")).scalar_one()

        def eu(cents) -> int:  # the EU share, half a cent rounded up
            return int((Decimal(int(cents)) * percent / 100).quantize(Decimal(1), ROUND_HALF_UP))

        expected = [
            _money_row("EU (Digital Europe Programme)", eu(envelope), eu(committed), eu(spent),
                       eu(envelope) - eu(committed) - eu(spent)),
            _money_row("National co-financing", envelope - eu(envelope), committed - eu(committed),
                       spent - eu(spent), (envelope - eu(envelope)) - (committed - eu(committed)) - (spent - eu(spent))),
        ]
    assert page_tables["funding-heading"] == expected


def _flows(group_column: str) -> list[tuple]:
    return _rows(
        f"SELECT {group_column}, COUNT(DISTINCT o.id), COUNT(DISTINCT l.application_id), {SQL_COMMITTED}, {SQL_SPENT} "
        "FROM ledger_entries l JOIN applications ap ON ap.id = l.application_id "
        f"JOIN organisations o ON o.id = ap.organisation_id GROUP BY {group_column}")


def test_kinds_and_counties_match_the_ledger(app, page_tables):
    counties = app.config["COUNTIES"]
    with app.test_request_context():
        kinds = _flows("o.kind")
        by_county = _flows("o.county")

        def row(label, orgs, apps, committed, spent) -> list[str]:
            return [label, str(orgs), str(apps), eur(int(committed)), eur(int(spent)), eur(int(committed + spent))]

        expected_kinds = sorted(row(OrgKind(k).label, *rest) for k, *rest in kinds)
        expected_counties = sorted(row(counties.get(c, c), *rest) for c, *rest in by_county)
    assert len(by_county) >= 4 and any(int(s) > 0 for *_x, s in by_county)  # spending in several counties
    assert sorted(page_tables["kinds-heading"]) == expected_kinds
    assert sorted(page_tables["counties-heading"]) == expected_counties


def test_months_match_the_ledger(app, page_tables):
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    column = {"commit": 0, "release": 1, "spend": 2}
    with app.test_request_context():
        for created_at, kind, amount in db.session.execute(
                sa.select(LedgerEntry.created_at, LedgerEntry.kind, LedgerEntry.amount_cents)):
            if kind.value in column:
                sums[created_at.astimezone(UTC).strftime("%Y-%m")][column[kind.value]] += amount
        assert queries.periods()[0] == "month"  # the demo spans more than a few months
        months = sorted(sums)
        # The table labels each month in the reader's language ("Jan 2025"), issue 10.
        labels = charts.period_labels("month", months)[1]
        expected = [[label, *(eur(v) for v in sums[month])] for label, month in zip(labels, months, strict=True)]
    assert sum(v[2] for v in sums.values()) > 0
    assert page_tables["monthly-heading"] == expected


def test_largest_beneficiaries_match_the_ledger(app, page_tables):
    counties = app.config["COUNTIES"]
    with app.test_request_context():
        rows = _rows(
            f"SELECT o.id, o.legal_name, o.kind, o.county, COUNT(DISTINCT l.application_id), {SQL_COMMITTED}, "
            f"{SQL_SPENT} FROM ledger_entries l JOIN applications ap ON ap.id = l.application_id "
            "JOIN organisations o ON o.id = ap.organisation_id GROUP BY o.id, o.legal_name, o.kind, o.county")
        rows.sort(key=lambda r: (-(int(r[5]) + int(r[6])), r[0]))
        expected = [[name, OrgKind(kind).label, counties.get(county, county), str(apps), eur(int(c)), eur(int(s)),
                     eur(int(c) + int(s))] for _id, name, kind, county, apps, c, s in rows[:10]]
    assert len(expected) == 10 and any(int(r[6]) > 0 for r in rows[:10])
    assert page_tables["beneficiaries-heading"] == expected
