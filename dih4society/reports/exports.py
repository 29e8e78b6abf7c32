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
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from . import xlsx

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


def _plain_cents(cents: int) -> str:
    """1234567 -> '12345.67', -5 -> '-0.05' (what ``str(from_cents(x))`` gives, faster)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def _remembered(convert: Callable[[int], str], limit: int = 100_000) -> Callable[[int], str]:
    """`convert` computed once per distinct amount within one export (a list repeats its
    prices); the memory is dropped past `limit` amounts, so it stays bounded."""
    seen: dict[int, str] = {}

    def remembered(value: int) -> str:
        text = seen.get(value)
        if text is None:
            if len(seen) >= limit:
                seen.clear()
            text = seen[value] = convert(value)
        return text

    return remembered


def _csv_converters(columns: Sequence[ExportColumn], tz: ZoneInfo) -> list[tuple[int, Any]]:
    """(index, function) for every column that is not text: value -> CSV text (money as
    plain decimals, each distinct amount formatted once; times in the hub's time zone)."""
    def when(v: datetime) -> str:
        return v.astimezone(tz).isoformat(" ", "seconds")[:19]

    def day(v: date) -> str:
        return v.isoformat()

    by_kind = {MONEY: _remembered(_plain_cents), DATETIME: when, DATE: day}
    return [(i, by_kind.get(c.kind, str)) for i, c in enumerate(columns) if c.kind != TEXT]


#: Joins a row's fields while it is checked; a field that contains it takes the csv module's path.
_SEP = "\x1f"
#: What the csv module would quote (a comma, a quote, a line break), or a field that starts
#: like a formula (each field follows a separator in ``_SEP + line``).
_NEEDS_CARE = re.compile('[",\\r\\n]|' + _SEP + "[" + re.escape("".join(FORMULA_START)) + "]")


def _csv_lines(columns: Sequence[ExportColumn], rows: Iterable[Sequence[Any]], tz: ZoneInfo,
               slow: Any) -> Iterator[str]:
    """Each row as one CSV line. Most rows need no quoting and no formula guard: for them
    the fields are joined directly (several times faster than `csv.writer`, which
    inspects every field); a row with a comma, quote, line break, formula-like text (or
    the separator itself) goes through `slow`, the csv module, field by field as before.
    Both give the same text (tests/reports/test_exports.py checks it, Hypothesis too)."""
    converters = _csv_converters(columns, tz)
    text_columns = [i for i, c in enumerate(columns) if c.kind == TEXT]
    separators = len(columns) - 1
    for row in rows:
        fields = ["" if v is None else v for v in row]
        if len(fields) != len(columns):
            raise ValueError(f"a row of {len(fields)} values for {len(columns)} columns")
        for i, convert in converters:
            value = fields[i]
            if value != "":
                fields[i] = convert(value)
        try:
            line = _SEP.join(fields)
        except TypeError:  # a text column holding something else: let the slow path str() it
            line = '"'
        if line.count(_SEP) != separators or _NEEDS_CARE.search(_SEP + line):
            for i in text_columns:
                fields[i] = _safe_text(fields[i])
            yield slow(fields)
        else:
            yield line.replace(_SEP, ",") + "\r\n"


def csv_chunks(columns: Sequence[ExportColumn], rows: Iterable[Sequence[Any]], *,
               timezone: str = "Europe/Bucharest") -> Iterator[str]:
    """The CSV text, BOM and header first, then the rows in batches."""
    tz = ZoneInfo(timezone)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def slow(fields: list[Any]) -> str:
        writer.writerow(fields)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield BOM + slow([c.header for c in columns])
    batch: list[str] = []
    for line in _csv_lines(columns, rows, tz, slow):
        batch.append(line)
        if len(batch) >= CSV_BATCH:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)


def csv_bytes(columns: Sequence[ExportColumn], rows: Iterable[Sequence[Any]], **kw: Any) -> bytes:
    """The whole CSV as UTF-8 bytes (the CLI and tests; routes stream `csv_chunks`)."""
    return "".join(csv_chunks(columns, rows, **kw)).encode("utf-8")


def xlsx_bytes(columns: Sequence[ExportColumn], rows: Iterable[Sequence[Any]], *, title: str,
               timezone: str = "Europe/Bucharest") -> bytes:
    """An XLSX workbook with one sheet: bold frozen header, typed cells, euro formats."""
    buffer = io.BytesIO()
    write_xlsx(buffer, columns, rows, title=title, timezone=timezone)
    return buffer.getvalue()


def xlsx_file(columns: Sequence[ExportColumn], rows: Iterable[Sequence[Any]], *, title: str,
              timezone: str = "Europe/Bucharest") -> IO[bytes]:
    """The workbook in a temporary file, rewound (the routes stream it from there, so a
    200,000-row export does not sit in memory: openpyxl's write-only mode keeps no rows
    either)."""
    out = tempfile.TemporaryFile()
    write_xlsx(out, columns, rows, title=title, timezone=timezone)
    out.seek(0)
    return out


def write_xlsx(out: IO[bytes], columns: Sequence[ExportColumn], rows: Iterable[Sequence[Any]], *, title: str,
               timezone: str = "Europe/Bucharest") -> None:
    """Write the workbook to the binary file `out`, row by row (`reports.xlsx`)."""
    tz = ZoneInfo(timezone)

    @_remembered
    def money(cents: int) -> str:
        return xlsx.number_cell(cents / 100, xlsx.MONEY)

    def when(value: datetime) -> str:
        return xlsx.number_cell(xlsx.serial(value.astimezone(tz).replace(tzinfo=None)), xlsx.DATETIME)

    def day(value: date) -> str:
        return xlsx.number_cell(xlsx.serial(value), xlsx.DATE)

    def number(value: Any) -> str:
        return xlsx.number_cell(value) if isinstance(value, int | float) else xlsx.text_cell(value)

    by_kind = {TEXT: xlsx.text_cell, MONEY: money, DATETIME: when, DATE: day, INT: number}
    xlsx.write(out, _sheet_title(title), [c.header for c in columns], [c.width for c in columns],
               [by_kind.get(c.kind, xlsx.text_cell) for c in columns], rows)


def stream_file(file: IO[bytes], chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """The file's bytes in chunks, closing it at the end (a streamed response body)."""
    try:
        while chunk := file.read(chunk_size):
            yield chunk
    finally:
        file.close()


def _sheet_title(title: str) -> str:
    for ch in "[]:*?/\\":
        title = title.replace(ch, " ")
    return title[:31] or "Sheet"


def stamp(prefix: str, when: datetime | date, ext: str) -> str:
    """A download file name: ``prefix-2026-05-01.ext``."""
    day = when.date() if isinstance(when, datetime) else when
    return f"{prefix}-{day.isoformat()}.{ext}"
