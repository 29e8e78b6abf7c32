"""Shared ReportLab machinery: the embedded font, styles, page frame and tables.

Every report builder in this package takes plain data and returns PDF bytes
(DESIGN.md §5): no request, no session, no database. They call `build_pdf` with a
story of flowables; this module adds the running header, the "Page X of Y" footer
and the font that has the Romanian letters ș ț ă â î (the built-in Helvetica
has no ș/ț, so text would come out as black boxes).

Long tables go through `data_tables`, which lays the rows out as one `Table` per
page (`PagedTable`): a single ReportLab table with thousands of rows is re-split
on every page break and gets quadratically slow.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ..core.money import eur_plain

PAGE_SIZE = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 18 * mm
#: Width available to the story between the side margins (portrait, landscape).
CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN_X
LANDSCAPE_WIDTH = PAGE_SIZE[1] - 2 * MARGIN_X

BRAND = colors.HexColor("#1f4e79")
RULE = colors.HexColor("#9aa5b1")
HEADER_BG = colors.HexColor("#dde5ee")
ZEBRA = colors.HexColor("#f4f6f9")

FONT_DIRS = (
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "fonts"),
    "/usr/share/fonts/truetype/dejavu",
)
#: The family name every style uses, whichever TrueType file it ended up being.
FONT = "ReportSans"
FONT_BOLD = "ReportSans-Bold"
_font_source: str | None = None


def register_fonts() -> str:
    """Register the embedded TrueType family once; return which font file backs it.

    DejaVu Sans (Debian's fonts-dejavu-core, or a copy in ``reports/fonts/``) has
    every Romanian letter. Reportlab's bundled Vera is the last resort: it lacks
    ș and ț, which the tests would notice."""
    global _font_source
    if _font_source is not None:
        return _font_source
    regular = bold = None
    for directory in FONT_DIRS:
        r = os.path.join(directory, "DejaVuSans.ttf")
        b = os.path.join(directory, "DejaVuSans-Bold.ttf")
        if os.path.exists(r) and os.path.exists(b):
            regular, bold, _font_source = r, b, "DejaVuSans"
            break
    if regular is None:
        regular, bold, _font_source = "Vera.ttf", "VeraBd.ttf", "Vera"
    pdfmetrics.registerFont(TTFont(FONT, regular))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, bold))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    return _font_source


# --- styles -------------------------------------------------------------------------

def _style(name: str, size: float, *, bold: bool = False, leading: float | None = None,
           **kw: Any) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=FONT_BOLD if bold else FONT, fontSize=size,
                          leading=leading or size * 1.3, **kw)


@dataclass(frozen=True)
class Styles:
    """The paragraph styles shared by every report."""

    title: ParagraphStyle = field(default_factory=lambda: _style("title", 20, bold=True, leading=25,
                                                                  textColor=BRAND, spaceAfter=6))
    letter_title: ParagraphStyle = field(default_factory=lambda: _style(
        "letter_title", 14, bold=True, leading=18, textColor=BRAND, spaceBefore=2, spaceAfter=6))
    subtitle: ParagraphStyle = field(default_factory=lambda: _style("subtitle", 12, leading=16,
                                                                     spaceAfter=4))
    h1: ParagraphStyle = field(default_factory=lambda: _style("h1", 14, bold=True, textColor=BRAND,
                                                               spaceBefore=10, spaceAfter=6, keepWithNext=1))
    h2: ParagraphStyle = field(default_factory=lambda: _style("h2", 11, bold=True, spaceBefore=8,
                                                               spaceAfter=4, keepWithNext=1))
    body: ParagraphStyle = field(default_factory=lambda: _style("body", 10, leading=14, spaceAfter=6))
    small: ParagraphStyle = field(default_factory=lambda: _style("small", 8, leading=10.5,
                                                                  textColor=colors.HexColor("#444444")))
    cell: ParagraphStyle = field(default_factory=lambda: _style("cell", 8, leading=10))
    caption: ParagraphStyle = field(default_factory=lambda: _style(
        "caption", 8, leading=10, textColor=colors.HexColor("#444444"), alignment=TA_CENTER, spaceAfter=4))
    value: ParagraphStyle = field(default_factory=lambda: _style("value", 9.5, leading=13))
    cell_right: ParagraphStyle = field(default_factory=lambda: _style("cell_right", 8, leading=10,
                                                                       alignment=TA_RIGHT))
    label: ParagraphStyle = field(default_factory=lambda: _style("label", 9.5, bold=True, leading=13,
                                                                  alignment=TA_LEFT))


def styles() -> Styles:
    """Paragraph styles (the font is registered first)."""
    register_fonts()
    return Styles()


def esc(text: Any) -> str:
    """Escape text for a Paragraph (its markup is a small XML dialect)."""
    return (str(text if text is not None else "").replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


# --- formatting -----------------------------------------------------------------------

def money(cents: int | None) -> str:
    """Euro cents as ``1,234,567.89`` (locale-independent, as in the exports)."""
    return eur_plain(cents or 0)


def fmt_date(value: date | datetime | None, tz: str = "Europe/Bucharest") -> str:
    """The document's language decides: ``02.12.2026`` (ro), ``2 December 2026`` (en);
    datetimes in the hub's time zone."""
    from ..core.i18n import letter_date

    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(tz)).date()
    return letter_date(value)


def fmt_datetime(value: datetime, tz: str = "Europe/Bucharest") -> str:
    """The date as `fmt_date`, then HH:MM, in the hub's time zone."""
    local = value.astimezone(ZoneInfo(tz))
    return f"{fmt_date(local.date())} {local:%H:%M}"


def percent(part: int, whole: int) -> str:
    """``12.3%`` of a whole (``–`` when the whole is zero)."""
    if not whole:
        return "–"
    return f"{part * 100 / whole:.1f}%"


# --- the page frame ------------------------------------------------------------------------

@dataclass(frozen=True)
class DocumentMeta:
    """What the running header and footer say."""

    hub_name: str
    title: str
    generated_at: datetime
    timezone: str = "Europe/Bucharest"
    author: str = ""


def _canvas_class(meta: DocumentMeta) -> type[rl_canvas.Canvas]:
    """A canvas that holds pages back until the end, so each can say "Page X of Y"."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved_pages)
            for state in self._saved_pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, height = self._pagesize
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            top = height - MARGIN_TOP + 6 * mm
            self.setFont(FONT, 7.5)
            self.setFillColor(colors.HexColor("#444444"))
            inner = width - 2 * MARGIN_X
            hub = simpleSplit(meta.hub_name, FONT, 7.5, inner * 0.6)
            self.drawString(MARGIN_X, top + 2, hub[0] if hub else "")
            self.setFont(FONT_BOLD, 7.5)
            title = simpleSplit(meta.title, FONT_BOLD, 7.5, inner * 0.38)
            self.drawRightString(width - MARGIN_X, top + 2, title[0] if title else "")
            self.line(MARGIN_X, top - 2, width - MARGIN_X, top - 2)
            bottom = MARGIN_BOTTOM - 8 * mm
            self.line(MARGIN_X, bottom + 9, width - MARGIN_X, bottom + 9)
            self.setFont(FONT, 7.5)
            self.drawString(MARGIN_X, bottom, _("Generated on %(when)s",
                                                when=fmt_datetime(meta.generated_at, meta.timezone)))
            self.drawRightString(width - MARGIN_X, bottom,
                                 _("Page %(page)d of %(pages)d", page=self._pageNumber, pages=total))
            self.restoreState()

    return NumberedCanvas


def _template(name: str, size: tuple[float, float]) -> PageTemplate:
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, size[0] - 2 * MARGIN_X, size[1] - MARGIN_TOP - MARGIN_BOTTOM,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id=name)
    return PageTemplate(id=name, frames=[frame], pagesize=size)


def landscape_pages() -> list:
    """Flowables that continue the story on landscape pages (for wide tables)."""
    return [NextPageTemplate("landscape"), PageBreak()]


def portrait_pages() -> list:
    """Flowables that go back to portrait pages."""
    return [NextPageTemplate("portrait"), PageBreak()]


def build_pdf(story: list, meta: DocumentMeta) -> bytes:
    """Lay out `story` on A4 pages (portrait, or landscape after `landscape_pages()`)
    with the running header and footer; return the bytes."""
    register_fonts()
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=PAGE_SIZE, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, title=meta.title,
        author=meta.author or meta.hub_name, creator=meta.hub_name, subject=meta.title,
        pageTemplates=[_template("portrait", PAGE_SIZE), _template("landscape", landscape(PAGE_SIZE))],
    )
    doc.build(story, canvasmaker=_canvas_class(meta))
    return buffer.getvalue()


# --- tables ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One table column: header, share of the width, and how values are shown.

    `wrap` columns have their text broken into lines that fit the column (long
    organisation and service names never overflow the cell); numbers are
    right-aligned."""

    header: str
    width: float  # share of the table width; the shares are normalised
    numeric: bool = False
    wrap: bool = False
    fmt: Callable[[Any], str] | None = None

    def show(self, value: Any) -> str:
        if self.fmt is not None:
            return self.fmt(value)
        if value is None:
            return ""
        return str(value)


def money_column(header: str, width: float = 1.0) -> Column:
    return Column(header, width, numeric=True,
                  fmt=lambda v: "–" if v is None else "" if v == "" else money(v))


def int_column(header: str, width: float = 0.7) -> Column:
    return Column(header, width, numeric=True, fmt=lambda v: "" if v in ("", None) else f"{v:,}")


@lru_cache(maxsize=16_384)
def _wrap(text: str, font: str, size: float, width: float) -> str:
    """Break `text` into lines no wider than `width` points (also inside long words).
    Remembered per text and column: a long list repeats its counties, services,
    categories and partners on every row."""
    lines: list[str] = []
    for line in simpleSplit(text, font, size, width) or [""]:
        while pdfmetrics.stringWidth(line, font, size) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and pdfmetrics.stringWidth(line[:cut], font, size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return "\n".join(lines)


class PagedTable(Flowable):
    """A long table laid out one page-sized `Table` at a time (DESIGN.md §5).

    ReportLab re-measures a whole `Table` every time it splits it at a page break,
    so a table of thousands of rows costs quadratic time. Here every row is plain
    text already broken into lines, so its height is known without ReportLab
    (lines × leading + padding, the very formula `Table` uses): at each page break
    this flowable cuts exactly the rows that fit into one `Table` with the header
    on top, and keeps the rest for the next page. Linear time, and the header row
    heads every page the table runs over (and only there)."""

    def __init__(self, header: list[str], rows: list[list[str]], widths: list[float], style: TableStyle,
                 leading: float, padding_v: float, total: list[str] | None = None,
                 total_style: TableStyle | None = None, start: int = 0,
                 cumulative: list[float] | None = None) -> None:
        super().__init__()
        self.header, self.rows, self.widths, self.style = header, rows, widths, style
        self.leading, self.padding_v = leading, padding_v
        self.total, self.total_style, self.start = total, total_style, start
        if cumulative is None:
            cumulative = [0.0]
            for row in rows:
                cumulative.append(cumulative[-1] + self._row_height(row))
        self.cumulative = cumulative
        self.width = sum(widths)
        self._table: Table | None = None

    def _row_height(self, row: list[str]) -> float:
        return max(cell.count("\n") + 1 for cell in row) * self.leading + self.padding_v

    def _height(self, end: int, with_total: bool) -> float:
        h = self._row_height(self.header) + self.cumulative[end] - self.cumulative[self.start]
        if with_total and self.total is not None:
            h += self._row_height(self.total)
        return h

    def _make(self, end: int, with_total: bool) -> Table:
        data = [self.header] + self.rows[self.start:end]
        if with_total and self.total is not None:
            data.append(self.total)
        table = Table(data, colWidths=self.widths, repeatRows=1, style=self.style)
        if with_total and self.total_style is not None:
            table.setStyle(self.total_style)
        return table

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.height = self._height(len(self.rows), True)
        return self.width, self.height

    def draw(self) -> None:
        table = self._make(len(self.rows), True)
        _w, h = table.wrapOn(self.canv, self.width, self.height)
        table.drawOn(self.canv, 0, self.height - h)

    def split(self, availWidth: float, availHeight: float) -> list:  # noqa: N803
        limit = availHeight - 0.01
        end = len(self.rows)
        if self._height(end, True) <= limit:
            return [self]
        # The last row that fits: a binary search over the cumulative heights.
        lo, hi = self.start, end
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._height(mid, False) <= limit:
                lo = mid
            else:
                hi = mid - 1
        if lo == end:  # every row fits but not the total: keep the last row with it
            lo = end - 1
        if lo <= self.start:
            return []  # not even one row: start on the next page
        rest = PagedTable(self.header, self.rows, self.widths, self.style, self.leading, self.padding_v,
                          self.total, self.total_style, start=lo, cumulative=self.cumulative)
        return [self._make(lo, False), rest]


def data_tables(columns: Sequence[Column], rows: Iterable[Sequence[Any]], *,
                total: Sequence[Any] | Callable[[], Sequence[Any]] | None = None, width: float = CONTENT_WIDTH,
                font_size: float = 8, zebra: bool = True) -> list:
    """Rows as a table that runs over as many pages as it needs (see `PagedTable`):
    the header row on every page, numbers right-aligned, text broken into lines
    that fit their column, and an optional bold total row at the end (or a callable
    giving it once the rows have been read, so a generator can add up its own
    total)."""
    register_fonts()
    shares = sum(c.width for c in columns)
    widths = [width * c.width / shares for c in columns]
    padding = 3
    top_pad, bottom_pad = 1.5, 2
    leading = font_size * 1.25
    header = [_wrap(c.header, FONT_BOLD, font_size, w - 2 * padding) for c, w in zip(columns, widths, strict=True)]
    wrap_at = [(w - 2 * padding) if c.wrap else None for c, w in zip(columns, widths, strict=True)]

    def cells(values: Sequence[Any], font: str) -> list[str]:
        out = []
        for col, w, limit, value in zip(columns, widths, wrap_at, values, strict=True):
            text = col.show(value)
            if limit is not None:
                text = _wrap(text, font, font_size, limit)
            elif len(text) * font_size > w - 2 * padding:
                # No glyph is wider than 1 em: measure only text that might not fit.
                if pdfmetrics.stringWidth(text, font, font_size) > w - 2 * padding:
                    text = _wrap(text, font, font_size, w - 2 * padding)
            out.append(text)
        return out

    base = [
        ("FONT", (0, 0), (-1, -1), FONT, font_size, leading),
        ("FONT", (0, 0), (-1, 0), FONT_BOLD, font_size, leading),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, BRAND),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
        ("TOPPADDING", (0, 0), (-1, -1), top_pad),
        ("BOTTOMPADDING", (0, 0), (-1, -1), bottom_pad),
    ]
    for i, col in enumerate(columns):
        if col.numeric:
            base.append(("ALIGN", (i, 0), (i, -1), "RIGHT"))
    if zebra:
        base.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]))

    body = [cells(row, FONT) for row in rows]
    total_row = total_style = None
    if total is not None:
        totals = total() if callable(total) else total
        # The total's label spans the empty cells that follow it.
        span = 1
        while span < len(totals) and totals[span] in ("", None) and not columns[span].numeric:
            span += 1
        label_width = sum(widths[:span]) - 2 * padding
        total_row = [_wrap(str(totals[0]), FONT_BOLD, font_size, label_width)] + cells(totals, FONT_BOLD)[1:]
        commands = [("SPAN", (0, -1), (span - 1, -1))] if span > 1 else []
        commands += [("FONT", (0, -1), (-1, -1), FONT_BOLD, font_size, leading),
                     ("LINEABOVE", (0, -1), (-1, -1), 0.8, BRAND),
                     ("BACKGROUND", (0, -1), (-1, -1), HEADER_BG)]
        total_style = TableStyle(commands)
    return [PagedTable(header, body, widths, TableStyle(base), leading, top_pad + bottom_pad,
                       total_row, total_style)]


def kv_table(pairs: Sequence[tuple[str, Any]], st: Styles, *, width: float = CONTENT_WIDTH,
             label_share: float = 0.36, numeric_right: bool = False) -> Table:
    """Label/value pairs as a two-column table (values may be long: they wrap)."""
    rows = []
    for label, value in pairs:
        style = st.cell_right if numeric_right else st.value
        rows.append([Paragraph(esc(label), st.label), Paragraph(esc(value), style)])
    table = Table(rows, colWidths=[width * label_share, width * (1 - label_share)])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def section(title: str, st: Styles, *flowables: Any) -> KeepTogether:
    """A heading kept on the same page as what follows it."""
    return KeepTogether([Paragraph(esc(title), st.h1), *flowables])


def spacer(height_mm: float = 4) -> Spacer:
    return Spacer(1, height_mm * mm)
