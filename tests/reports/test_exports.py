"""The CSV and XLSX writers: typed values, diacritics, no formulas from user text."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from dih4society.reports.exports import DATE, DATETIME, INT, MONEY, TEXT, ExportColumn, csv_bytes, xlsx_bytes

COLUMNS = [ExportColumn("Organizație", TEXT), ExportColumn("Sumă (EUR)", MONEY), ExportColumn("Nr.", INT),
           ExportColumn("Data", DATE), ExportColumn("Înregistrat", DATETIME)]
ROWS = [
    ("Țesătoria Sălăjeană SRL", 123456789, 3, date(2026, 2, 28), datetime(2026, 3, 1, 22, 30, tzinfo=UTC)),
    ("=HYPERLINK(\"http://evil.example\",\"click\")", -5, 0, None, None),
    ("@SUM(A1:A2)", None, None, None, None),
]


def test_csv_has_bom_diacritics_plain_numbers_and_no_formulas():
    raw = csv_bytes(COLUMNS, ROWS)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8")[1:])))
    assert rows[0] == [c.header for c in COLUMNS]
    assert rows[1] == ["Țesătoria Sălăjeană SRL", "1234567.89", "3", "2026-02-28", "2026-03-02 00:30:00"]
    assert rows[2][:2] == ["'=HYPERLINK(\"http://evil.example\",\"click\")", "-0.05"]
    assert rows[3][0] == "'@SUM(A1:A2)" and rows[3][1] == ""


def test_csv_streams_in_chunks():
    from dih4society.reports.exports import csv_chunks

    chunks = list(csv_chunks(COLUMNS[:1], ((f"Firma {i}",) for i in range(2000))))
    assert len(chunks) > 3 and chunks[0].startswith("\ufeff")


def _reference_csv(columns, rows) -> str:
    """What the export must write, by the book: the csv module on every field, formula-like
    text prefixed with an apostrophe, money as plain decimals, times in Bucharest time."""
    from zoneinfo import ZoneInfo

    from dih4society.reports.exports import FORMULA_START

    tz = ZoneInfo("Europe/Bucharest")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    for row in rows:
        fields = []
        for column, v in zip(columns, row, strict=True):
            if v is None:
                fields.append("")
            elif column.kind == TEXT:
                fields.append("'" + v if v.startswith(FORMULA_START) else v)
            elif column.kind == MONEY:
                fields.append(f"{Decimal(v) / 100:.2f}")
            elif column.kind == DATETIME:
                fields.append(v.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"))
            elif column.kind == DATE:
                fields.append(v.isoformat())
            else:
                fields.append(str(v))
        writer.writerow(fields)
    return "\ufeff" + out.getvalue()


_texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["=1+1", "+40 264", "-x", "@A1", "\tx", "\rx", "a,b", 'say "hi"', "two\nlines", "\x1f", "", "Țară"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(
    st.none() | _texts, st.none() | st.integers(-10**12, 10**12), st.none() | st.integers(-10**6, 10**6),
    st.none() | st.dates(date(2000, 1, 1)),
    st.none() | st.datetimes(datetime(2000, 1, 1), timezones=st.just(UTC)), st.none() | _texts), max_size=8))
def test_the_fast_csv_path_writes_exactly_what_the_csv_module_would(rows):
    """Rows without quoting or formula guard are joined directly (issue 13's speed);
    every row must come out byte for byte as the csv module and the guard write it."""
    columns = [*COLUMNS, ExportColumn("Note", TEXT)]
    assert csv_bytes(columns, rows).decode("utf-8") == _reference_csv(columns, rows)


def test_xlsx_cells_are_typed_and_formatted():
    sheet = load_workbook(io.BytesIO(xlsx_bytes(COLUMNS, ROWS, title="Aplicații: 2026/03"))).worksheets[0]
    assert sheet.title == "Aplicații  2026 03"
    assert [c.value for c in sheet[1]] == [c.header for c in COLUMNS]
    name, amount, count, day, at = sheet[2]
    assert name.value == "Țesătoria Sălăjeană SRL"
    assert amount.value == Decimal("1234567.89") or amount.value == 1234567.89
    assert amount.number_format == "#,##0.00" and amount.data_type == "n"
    assert count.value == 3 and count.data_type == "n"
    assert day.value.date() == date(2026, 2, 28) and day.number_format == "yyyy-mm-dd"
    assert at.value == datetime(2026, 3, 2, 0, 30)  # Bucharest time
    formula = sheet["A3"]
    assert formula.data_type == "s" and formula.value.startswith("=HYPERLINK")
    assert sheet["B3"].value == -0.05
