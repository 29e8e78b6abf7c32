"""Benchmark: pages per second of the budget status report.

For 1,000 and 20,000 applications (`demo.seed_scale`, four per organisation) in a
fresh database migrated from empty, it times the whole report as the web and the
CLI produce it (queries + layout), and in the same run a *bare* ReportLab document
with the same table (the report's list of approved and closed applications, in
Helvetica, one plain `Table` per 40 rows, nothing else), and the same table as one
single ReportLab `Table` (what DESIGN.md §5 warns against) where it stays affordable.
A last line times the builder alone on a synthetic 20,000-row list, since the
demo budget only has room for a few thousand approvals.

    python -m benchmarks reports            # SQLite files under a temporary directory
    BENCH_DATABASE_URL=postgresql+psycopg://… python -m benchmarks reports

Each figure is the best of `--repeat` runs (default 3).
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa

SIZES = (1_000, 20_000)
SINGLE_TABLE_MAX_ROWS = 3_000


def _best(fn: Callable[[], bytes], repeat: int) -> tuple[float, bytes]:
    best, out = float("inf"), b""
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - started)
    return best, out


def _pages(content: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(content)).pages)


def _fresh_app(url: str):
    from flask_migrate import upgrade

    from dih4society import create_app
    from dih4society.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
    return app


def bare_pdf(rows: list[tuple], *, single_table: bool = False) -> bytes:
    """The same table in a bare ReportLab document: plain `Table`s, no styling, no frame,
    in the report's text font and size (DejaVu Sans 8 pt, which Romanian names need:
    Helvetica has no ș or ț), so both documents hold about as many rows per page."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from dih4society.reports.pdf import FONT, register_fonts

    register_fonts()
    header = ("Reference", "Beneficiary", "County", "Service", "Category", "Partner", "Approved", "Spent")
    style = TableStyle([("FONT", (0, 0), (-1, -1), FONT, 8, 10)])
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4))
    if single_table:
        story = [Table([header, *rows], repeatRows=1, style=style)]
    else:
        story = [Table([header, *rows[i:i + 40]], repeatRows=1, style=style) for i in range(0, len(rows), 40)]
    doc.build(story)
    return buffer.getvalue()


def _row_tuples(rows) -> list[tuple]:
    from dih4society.core.money import eur_plain

    return [(r.reference, r.beneficiary, r.county, r.service, r.category, r.partner,
             eur_plain(r.approved_cents), eur_plain(r.spent_cents)) for r in rows]


def measure(size: int, url: str, repeat: int) -> dict:
    """Seed `size` applications into a fresh database and time the report and the baselines."""
    from dih4society.demo import seed_base, seed_scale
    from dih4society.extensions import db
    from dih4society.reports import documents, queries

    app = _fresh_app(url)
    with app.app_context():
        seed_base("benchmark-password-2026")
        db.session.commit()
        seed_scale(size // 4)
        applications = db.session.scalar(sa.text("SELECT count(*) FROM applications"))
        listed = list(queries.approved_rows())
        db.session.rollback()
        report_s, content = _best(documents.budget_report, repeat)
        rows = _row_tuples(listed)
        bare_s, bare = _best(lambda: bare_pdf(rows), repeat)
        single = None
        if len(rows) <= SINGLE_TABLE_MAX_ROWS:
            single_s, single_pdf = _best(lambda: bare_pdf(rows, single_table=True), 1)
            single = (single_s, _pages(single_pdf))
        db.session.remove()
        db.engine.dispose()
    return {"size": size, "applications": applications, "listed": len(listed),
            "report": (report_s, _pages(content)), "bare": (bare_s, _pages(bare)), "single": single}


def synthetic(rows: int, repeat: int) -> dict:
    """The builder alone (no database) on a synthetic list of `rows` applications."""
    from dih4society import create_app
    from dih4society.budget.queries import Dashboard, Pipeline, Totals
    from dih4society.reports.budget_pdf import ApprovedRow, BudgetReportData, budget_report_pdf
    from dih4society.reports.pdf import DocumentMeta

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        now = datetime.now(UTC)
        dash = Dashboard(Totals(400_000_000, 50, 380_000_000, 20_000_000, 0, 0), [], [], [], [], [],
                         Pipeline([]), [], [])
        listed = [ApprovedRow(f"DIH-2026-{i:06d}", f"Întreprinderea {i} din Bistrița-Năsăud SRL",
                              "Bistrița-Năsăud", "Collaborative robot cell trial", "Test before invest",
                              "UTCN", 1_800_000, 1_750_000 if i % 3 else 0) for i in range(rows)]

        def build() -> bytes:
            data = BudgetReportData(dash, None, now.date(), iter(listed), {}, {})
            return budget_report_pdf(data, DocumentMeta("DIH4Society", "Budget status report", now))

        report_s, content = _best(build, repeat)
        table = _row_tuples(listed)
        bare_s, bare = _best(lambda: bare_pdf(table), repeat)
    return {"size": rows, "applications": "synthetic", "listed": rows,
            "report": (report_s, _pages(content)), "bare": (bare_s, _pages(bare)), "single": None}


def _fmt(seconds: float, pages: int) -> str:
    return f"{pages} p in {seconds:.2f} s = **{pages / seconds:,.0f} p/s**"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks reports", description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--synthetic", type=int, default=20_000, help="rows of the builder-only run (0: skip)")
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", "")
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            results.append(measure(size, url or f"sqlite:///{os.path.join(tmp, f'bench-{size}.sqlite')}",
                                   args.repeat))
    if args.synthetic:
        results.append(synthetic(args.synthetic, args.repeat))
    print(f"Budget status report, {database}, best of {args.repeat}:\n")
    print("| applications | rows listed | full report (queries + layout) | bare ReportLab, same table "
          "(Table per 40 rows) | one single Table |")
    print("|---|---|---|---|---|")
    for r in results:
        single = _fmt(*r["single"]) if r["single"] else "–"
        print(f"| {r['applications'] if r['applications'] == 'synthetic' else format(r['applications'], ',')} "
              f"| {r['listed']:,} | {_fmt(*r['report'])} | {_fmt(*r['bare'])} | {single} |")


if __name__ == "__main__":
    main()
