"""CSV and XLSX writers for the exports: plain rows in, text chunks or bytes out.

The column list says what each value is, so both formats show it right: euro
amounts arrive as integer cents and leave as ``1234.50`` in CSV (a dot, no
thousands separator: every spreadsheet reads it as a number) and as numeric XLSX
cells formatted ``#,##0.00``; dates stay dates. CSV starts with a UTF-8 byte-order
mark so Excel shows ș ț ă â î instead of mojibake; text that a spreadsheet would
run as a formula is neutralised in both formats. The CSV is produced row by row
(`csv_chunks` is a generator), so a large export streams without being held in
memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from ..core.money import from_cents

TEXT, MONEY, INT, DATE, DATETIME = "text", "money", "int", "date", "datetime"
MONEY_FORMAT = "#,##0.00"
BOM = "\ufeff"
#: Rows per chunk the CSV generator yields.
CSV_BATCH = 500


@dataclass(frozen=True)
class ExportColumn:
    """A column of an export: its header and the kind of value it holds."""

    header: Any  # str or a lazy string
    kind: str = TEXT
    width: int = 16  # XLSX column width, in characters


#: The columns of each export, in the order of the rows `reports.queries` yields.
EXPORTS: dict[str, tuple[ExportColumn, ...]] = {
    "applications": (
        ExportColumn(_l("Reference"), TEXT, 17), ExportColumn(_l("State"), TEXT, 14),
        ExportColumn(_l("Submitted"), DATETIME, 17), ExportColumn(_l("Decided"), DATETIME, 17),
        ExportColumn(_l("Closed"), DATETIME, 17), ExportColumn(_l("Organisation"), TEXT, 36),
        ExportColumn(_l("Fiscal code"), TEXT, 12), ExportColumn(_l("Kind"), TEXT, 18),
        ExportColumn(_l("Size class"), TEXT, 18), ExportColumn(_l("County"), TEXT, 16),
        ExportColumn(_l("Service code"), TEXT, 13), ExportColumn(_l("Service"), TEXT, 36),
        ExportColumn(_l("Category"), TEXT, 26), ExportColumn(_l("Partner"), TEXT, 30),
        ExportColumn(_l("Requested (EUR)"), MONEY, 14), ExportColumn(_l("Approved (EUR)"), MONEY, 14),
        ExportColumn(_l("Committed (EUR)"), MONEY, 14), ExportColumn(_l("Spent (EUR)"), MONEY, 14),
        ExportColumn(_l("Co-payment (EUR)"), MONEY, 14),
        ExportColumn(_l("Legal basis"), TEXT, 30), ExportColumn(_l("Aid (EUR)"), MONEY, 12),
    ),
    "ledger": (
        ExportColumn(_l("Entry"), INT, 9), ExportColumn(_l("Booked at"), DATETIME, 17),
        ExportColumn(_l("Account"), TEXT, 40), ExportColumn(_l("Kind"), TEXT, 13),
        ExportColumn(_l("Amount (EUR)"), MONEY, 15), ExportColumn(_l("Application"), TEXT, 17),
        ExportColumn(_l("Booked by"), TEXT, 24), ExportColumn(_l("Note"), TEXT, 40),
    ),
    "aid-register": (
        ExportColumn(_l("Organisation"), TEXT, 36), ExportColumn(_l("Fiscal code"), TEXT, 12),
        ExportColumn(_l("Kind"), TEXT, 18), ExportColumn(_l("County"), TEXT, 16),
        ExportColumn(_l("Single undertaking"), TEXT, 18), ExportColumn(_l("Grants"), INT, 8),
        ExportColumn(_l("Aid in force, all time (EUR)"), MONEY, 16),
        ExportColumn(_l("De minimis, window (EUR)"), MONEY, 16),
        ExportColumn(_l("GBER Art. 28, window (EUR)"), MONEY, 16),
        ExportColumn(_l("Group de minimis, window (EUR)"), MONEY, 16),
        ExportColumn(_l("Group GBER Art. 28, window (EUR)"), MONEY, 16),
        ExportColumn(_l("Declared elsewhere (EUR)"), MONEY, 16),
        ExportColumn(_l("De minimis headroom (EUR)"), MONEY, 16),
        ExportColumn(_l("GBER Art. 28 headroom (EUR)"), MONEY, 16),
    ),
}


def export_columns(name: str) -> list[ExportColumn]:
    """The columns of an export with their headers in the current language."""
    return [ExportColumn(str(c.header), c.kind, c.width) for c in EXPORTS[name]]


#: Text starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (an organisation named
    ``=HYPERLINK(…)``): prefix it with an apostrophe, as OWASP recommends."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv_value(kind: str, value: Any, tz: ZoneInfo) -> Any:
    if value is None:
        return ""
    if kind == TEXT:
        return _safe_text(value)
    if kind == MONEY:
        return str(from_cents(value))
    if kind == DATETIME:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    if kind == DATE:
        return value.isoformat()
    return value


def csv_chunks(columns: Sequence[ExportColumn], rows: Iterable[Sequence[Any]], *,
               timezone: str = "Europe/Bucharest") -> Iterator[str]:
    """The CSV text, BOM and header first, then the rows in batches."""
    tz = ZoneInfo(timezone)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    kinds = [c.kind for c in columns]
    n = 0
    for row in rows:
        writer.writerow([_csv_value(k, v, tz) for k, v in zip(kinds, row, strict=True)])
        n += 1
        if n % CSV_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    rest = buffer.getvalue()
    if rest:
        yield rest


def csv_bytes(columns: Sequence[ExportColumn], rows: Iterable[Sequence[Any]], **kw: Any) -> bytes:
    """The whole CSV as UTF-8 bytes (the CLI and tests; routes stream `csv_chunks`)."""
    return "".join(csv_chunks(columns, rows, **kw)).encode("utf-8")


def xlsx_bytes(columns: Sequence[ExportColumn], rows: Iterable[Sequence[Any]], *, title: str,
               timezone: str = "Europe/Bucharest") -> bytes:
    """An XLSX workbook with one sheet: bold frozen header, typed cells, euro formats."""
    tz = ZoneInfo(timezone)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_sheet_title(title))
    for i, col in enumerate(columns):
        ws.column_dimensions[_col_letter(i)].width = col.width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE5EE")
    header = []
    for col in columns:
        cell = WriteOnlyCell(ws, value=col.header)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        header.append(cell)
    ws.append(header)
    kinds = [c.kind for c in columns]
    for row in rows:
        out = []
        for kind, value in zip(kinds, row, strict=True):
            if value is None:
                out.append(None)
            elif kind == MONEY:
                cell = WriteOnlyCell(ws, value=from_cents(value))
                cell.number_format = MONEY_FORMAT
                out.append(cell)
            elif kind == DATETIME:
                cell = WriteOnlyCell(ws, value=value.astimezone(tz).replace(tzinfo=None))
                cell.number_format = "yyyy-mm-dd hh:mm"
                out.append(cell)
            elif kind == DATE:
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "yyyy-mm-dd"
                out.append(cell)
            elif kind == TEXT and isinstance(value, str) and value.startswith("="):
                # A string cell, not a formula (openpyxl stores "=…" as a formula).
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"
                out.append(cell)
            else:
                out.append(value)
        ws.append(out)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    for ch in "[]:*?/\\":
        title = title.replace(ch, " ")
    return title[:31] or "Sheet"


def _col_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def stamp(prefix: str, when: datetime | date, ext: str) -> str:
    """A download file name: ``prefix-2026-05-01.ext``."""
    day = when.date() if isinstance(when, datetime) else when
    return f"{prefix}-{day.isoformat()}.{ext}"
