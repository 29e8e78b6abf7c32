"""``flask report …``: the PDF reports and the exports from the command line (cron).

Each command writes to a temporary file next to the target and renames it into
place only when the document is complete, so a failed or interrupted run never
leaves a half-written file where a scheduled job (or a person) expects a report.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from types import SimpleNamespace

import click
from flask.cli import AppGroup

from ..core.db import read_only
from ..extensions import db

report = AppGroup("report", help="PDF reports and exports (write to a file, for scheduled use).")

_output = click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, writable=True),
                       help="File to write (replaced atomically when complete).")


def write_atomically(path: str, produce: Callable[[], bytes]) -> int:
    """Write what `produce` returns to `path` via a temporary file and a rename."""
    target = os.path.abspath(path)
    directory = os.path.dirname(target)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.splitext(target)[1], dir=directory)
    try:
        content = produce()
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.close(fd)
        except OSError:
            pass
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return len(content)


def _run(path: str, produce: Callable[[], bytes]) -> None:
    started = time.perf_counter()
    try:
        size = write_atomically(path, produce)
    finally:
        db.session.rollback()
    elapsed = time.perf_counter() - started
    pages = ""
    if path.lower().endswith(".pdf"):
        from pypdf import PdfReader  # noqa: PLC0415 - only to report the page count

        try:
            pages = f", {len(PdfReader(path).pages)} pages"
        except Exception:  # pragma: no cover - the count is informative only
            pages = ""
    click.echo(f"wrote {path} ({size / 1024:,.0f} KiB{pages}) in {elapsed:.2f} s")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _parse_date(_ctx, _param, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise click.BadParameter("use YYYY-MM-DD") from exc


@report.command("budget")
@_output
def budget(output: str) -> None:
    """The budget status report (PDF)."""
    from .documents import budget_report

    _run(output, budget_report)


@report.command("kpi")
@_output
@click.option("--from", "period_from", callback=_parse_date, help="First decision date (YYYY-MM-DD).")
@click.option("--to", "period_to", callback=_parse_date, help="Last decision date (YYYY-MM-DD).")
def kpi(output: str, period_from: date | None, period_to: date | None) -> None:
    """The EDIH KPI report (PDF), optionally for a period of decisions."""
    from .documents import kpi_report

    _run(output, lambda: kpi_report(period_from, period_to))


LANG = click.option("--lang", type=click.Choice(["ro", "en"]), default=None,
                    help="Language of the letter (default: the organisation's, Romanian unless it asked for English).")


@report.command("decision")
@click.option("--application", "reference", required=True, help="Application reference, e.g. DIH-2026-000123.")
@LANG
@_output
def decision(reference: str, lang: str | None, output: str) -> None:
    """The decision letter of one application (PDF)."""
    from .documents import decision_letter
    from .queries import NoLetter, application_by_reference

    with read_only():
        application = application_by_reference(reference)
        if application is None:
            _fail(f"no application has the reference {reference!r}")
        try:
            _run(output, lambda: decision_letter(application, lang=lang))
        except NoLetter as exc:
            _fail(exc.message)


@report.command("aid-notice")
@click.option("--organisation", "fiscal_code", required=True, help="Fiscal code (CUI), with or without RO.")
@LANG
@_output
def aid_notice(fiscal_code: str, lang: str | None, output: str) -> None:
    """The state-aid notice of one organisation (PDF)."""
    from .documents import aid_notice as build
    from .queries import organisation_by_fiscal_code

    with read_only():
        organisation = organisation_by_fiscal_code(fiscal_code)
        if organisation is None:
            _fail(f"no organisation has the fiscal code {fiscal_code!r}")
        _run(output, lambda: build(organisation, lang=lang))


@report.command("export")
@click.argument("what", type=click.Choice(["applications", "ledger", "aid-register"]))
@_output
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              help="Default: from the output file's extension.")
def export(what: str, output: str, fmt: str | None) -> None:
    """An export of all applications, ledger entries or the aid register (CSV or XLSX).

    No filters: a scheduled export takes everything (drafts excepted, as in the queue)."""
    from ..applications.queries import QueueFilters
    from ..budget import queries as budget_queries
    from . import queries
    from .exports import csv_bytes, export_columns, xlsx_bytes

    fmt = fmt or os.path.splitext(output)[1].lstrip(".").lower()
    if fmt not in ("csv", "xlsx"):
        _fail("choose --format csv or xlsx (or name the file .csv / .xlsx)")

    def produce() -> bytes:
        with read_only():
            if what == "applications":
                # Nobody's conflict-of-interest exclusions: the full list.
                viewer = SimpleNamespace(id=0)
                rows = queries.application_rows(QueueFilters(), viewer)
            elif what == "ledger":
                rows = queries.ledger_rows(budget_queries.LedgerFilter())
            else:
                rows = queries.aid_register_rows(budget_queries.AidFilter())
            columns = export_columns(what)
            if fmt == "csv":
                return csv_bytes(columns, rows)
            return xlsx_bytes(columns, rows, title=what)

    _run(output, produce)



@report.command("agreement")
@click.option("--application", "reference", required=True, help="Application reference, e.g. DIH-2026-000123.")
@_output
def agreement(reference: str, output: str) -> None:
    """The voucher agreement of one approved application (PDF, issue 12)."""
    from ..vouchers.documents import agreement_pdf
    from ..vouchers.services import agreement_of
    from .queries import application_by_reference

    with read_only():
        application = application_by_reference(reference)
        if application is None:
            _fail(f"no application has the reference {reference!r}")
        found = agreement_of(application)
        if found is None:
            _fail(f"{reference} has no voucher agreement (only approved vouchers have one)")
        _run(output, lambda: agreement_pdf(found))


@report.command("ranking")
@click.option("--call", "call_id", required=True, type=int, help="The call's id (in its page's address).")
@click.option("--names/--no-names", default=None, help="Show applicants' names (default: the call's choice).")
@_output
def ranking(call_id: int, names: bool | None, output: str) -> None:
    """A competitive call's results list (PDF, issue 12)."""
    from ..calls.documents import results_pdf
    from ..calls.models import Call

    with read_only():
        call = db.session.get(Call, call_id)
        if call is None or not call.is_competitive:
            _fail(f"no competitive call has the id {call_id}")
        _run(output, lambda: results_pdf(call, show_names=call.results_show_names if names is None else names))
