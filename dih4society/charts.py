"""Charts drawn on the server with `reportlab.graphics`, for the web and the PDFs alike.

Every chart is a function from plain data (labels and amounts in cents) to a
ReportLab `Drawing`, so the PDF reports place the very same drawing that the
dashboard shows. `svg_markup` renders a drawing as inline SVG for the web pages:
ReportLab's SVG renderer writes ``style="…"`` attributes, which the site's
Content-Security-Policy (``style-src 'self'``) would block, so they are rewritten as
SVG presentation attributes (``fill="…"``), ids are made unique per chart, and the
result gets a title for screen readers. Pages show the figures in tables as well.

Fonts: text is laid out with DejaVu Sans (registered as ``ChartSans`` from the
system's or ``reports/fonts``' TrueType file), so a PDF shows Romanian letters
(ș, ț; the built-in Helvetica has none) and the browser, asked for DejaVu Sans or
its metric twin Verdana, places the text where the layout expects it. Without the
font file the charts fall back to Helvetica. Every builder takes ``font_name=``.

The dashboard's builders (`partner_chart`, `category_chart`, `kind_chart`,
`county_chart`, `monthly_chart`) take the rows of `budget.queries` as they come.
"""

from __future__ import annotations

import math
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from flask_babel import gettext as _
from markupsafe import Markup
from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Drawing, Group, Line, PolyLine, Rect, String
from reportlab.lib.colors import Color, HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont

BRAND = HexColor("#0b4f8a")
ACCENT = HexColor("#f2a900")
MUTED = HexColor("#c9d3df")
ALERT = HexColor("#b02a37")
INK = HexColor("#212529")
GRID = HexColor("#dee2e6")
SUBTLE = HexColor("#5c636a")

#: Colours of the budget's standard series.
SPENT = BRAND
COMMITTED = ACCENT
AVAILABLE = MUTED

CHART_FONT = "ChartSans"
FONT_DIRS = (
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "reports", "fonts"),
    "/usr/share/fonts/truetype/dejavu",
)
_font: str | None = None


def chart_font() -> str:
    """The font the charts use: DejaVu Sans as ``ChartSans`` if found, else Helvetica."""
    global _font
    if _font is None:
        _font = "Helvetica"
        for directory in FONT_DIRS:
            path = os.path.join(directory, "DejaVuSans.ttf")
            if os.path.exists(path):
                pdfmetrics.registerFont(TTFont(CHART_FONT, path))
                _font = CHART_FONT
                break
    return _font


@dataclass(frozen=True)
class Series:
    """One series of a chart: its label in the legend and its colour."""

    label: str
    color: Color


# --- number formatting -----------------------------------------------------------------

def short_eur(cents: float) -> str:
    """Compact euros for axis labels: ``€0``, ``€750``, ``€25k``, ``€1.5M``; in Romanian
    ``0 €``, ``750 €``, ``25 mii €``, ``1,5 mil. €``."""
    from .core.i18n import current_language

    euros = cents / 100
    sign = "-" if euros < 0 else ""
    euros = abs(euros)
    romanian = current_language() == "ro"
    if euros >= 1_000_000:
        number, unit = f"{euros / 1_000_000:.2f}".rstrip("0").rstrip("."), (" mil." if romanian else "M")
    elif euros >= 1_000:
        number, unit = f"{euros / 1_000:.1f}".rstrip("0").rstrip("."), (" mii" if romanian else "k")
    else:
        number, unit = f"{euros:.0f}", ""
    if romanian:
        return f"{sign}{number.replace('.', ',')}{unit} €"
    return f"{sign}€{number}{unit}"


def nice_scale(maximum: float, ticks: int = 5) -> tuple[float, float]:
    """A round axis maximum at or above `maximum` and its step (1, 2, 2.5, 5 × 10^k),
    with at most `ticks` steps: 1.68M gives (2M, 500k), 4M gives (4M, 1M)."""
    if maximum <= 0:
        return 1.0, 1.0
    power = 10 ** math.floor(math.log10(maximum / ticks))
    for factor in (1, 2, 2.5, 5, 10, 20):
        step = factor * power
        count = math.ceil(maximum / step - 1e-9)
        if count <= ticks:
            return step * count, step
    raise AssertionError("unreachable")  # pragma: no cover - factor 20 always fits


def _fit(text: str, width: float, font: str, size: float) -> str:
    """Shorten `text` with an ellipsis so it fits `width` points."""
    if stringWidth(text, font, size) <= width + 0.5:  # float sums: a label measured to fit must fit
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _legend_lines(series: Sequence[Series], width: float, font: str, size: float) -> list[list[Series]]:
    """The legend's entries split into lines that fit `width` (phones wrap the legend)."""
    lines: list[list[Series]] = [[]]
    used = 0.0
    for s in series:
        w = 14 + stringWidth(s.label, font, size) + 16
        if lines[-1] and used + w > width:
            lines.append([])
            used = 0.0
        lines[-1].append(s)
        used += w
    return lines


def _legend(series: Sequence[Series], x: float, y: float, font: str, size: float = 9,
            width: float | None = None) -> Group:
    """The legend from its first line's baseline `y` down; wrapped to `width` if given."""
    group = Group()
    lines = _legend_lines(series, width, font, size) if width else [list(series)]
    for n, line in enumerate(lines):
        lx, ly = x, y - n * (size + 6)
        for s in line:
            group.add(Rect(lx, ly - 1, size + 1, size + 1, fillColor=s.color, strokeColor=None))
            group.add(String(lx + size + 5, ly, s.label, fontName=font, fontSize=size, fillColor=INK))
            lx += 14 + stringWidth(s.label, font, size) + 16
    return group


def _empty(drawing: Drawing, message: str, font: str) -> Drawing:
    drawing.add(String(drawing.width / 2, drawing.height / 2, message, fontName=font, fontSize=10,
                       fillColor=SUBTLE, textAnchor="middle"))
    return drawing


# --- charts ---------------------------------------------------------------------------------

def bar_chart(rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[Series], *,
              width: float = 480, bar_height: float = 16, label_width: float | None = None,
              maximum: int | None = None, empty_message: str | None = None,
              font_name: str | None = None, font_size: float = 9, labels_above: bool | None = None) -> Drawing:
    """Horizontal stacked bars: one bar per row, one segment per series (amounts in cents).

    `rows` is ``[(label, [value per series, ...]), ...]``; e.g. per partner
    ``("UTCN", [spent, committed, available])`` draws the allocation split in three.
    The total of each bar is written at its end. With `labels_above` (the default for
    text larger than 9 pt, i.e. the phone layout) each label gets its own line above its
    bar, across the whole width, so long partner names are not cut."""
    font, size = font_name or chart_font(), font_size
    above = size > 9 if labels_above is None else labels_above
    small = size * 8 / 9
    gap, bar_height = 8 * size / 9, max(bar_height, size * 1.8)
    row_h = bar_height + gap + (size + 4 if above else 0)
    legend_lines = len(_legend_lines(series, width - 8, font, size)) if above else 1
    legend_h, axis_h = 13 + size * 1.2 + (legend_lines - 1) * (size + 6), 11 + size * 1.2
    height = legend_h + axis_h + max(len(rows), 1) * row_h + 4
    drawing = Drawing(width, height)
    if not rows:
        return _empty(drawing, empty_message or _("No data yet"), font)
    if above:
        label_width = 4
    elif label_width is None:
        label_width = min(max(stringWidth(label, font, size) for label, _ in rows) + 10, width * 0.42)
    totals = [sum(max(v, 0) for v in values) for _, values in rows]
    top, step = nice_scale(max(maximum or 0, *totals))
    value_w = stringWidth(short_eur(top), font, small) + 12
    plot_x, plot_w = label_width, width - label_width - value_w
    plot_top = height - legend_h
    drawing.add(_legend(series, 4 if above else plot_x, height - size - 4, font, size,
                        width - 8 if above else None))
    # Grid and axis labels.
    ticks = round(top / step)
    for i in range(ticks + 1):
        x = plot_x + plot_w * i / ticks
        drawing.add(Line(x, axis_h, x, plot_top, strokeColor=GRID, strokeWidth=0.5))
        if above and i % 2 and ticks > 3:
            continue  # phone layout: every other tick label, or they overlap
        drawing.add(String(x, axis_h - small - 4, short_eur(step * i), fontName=font, fontSize=small,
                           fillColor=SUBTLE, textAnchor="start" if above and i == 0 else "middle"))
    for n, ((label, values), total) in enumerate(zip(rows, totals, strict=True)):
        y = plot_top - (n + 1) * row_h + gap / 2
        if above:
            drawing.add(String(plot_x + 4, y + bar_height + 4, _fit(label, width - 12, font, size),
                               fontName=font, fontSize=size, fillColor=INK))
        else:
            drawing.add(String(plot_x - 6, y + bar_height / 2 - size / 3, _fit(label, label_width - 10, font, size),
                               fontName=font, fontSize=size, fillColor=INK, textAnchor="end"))
        x = plot_x
        for value, s in zip(values, series, strict=True):
            w = plot_w * max(value, 0) / top
            if w > 0:
                drawing.add(Rect(x, y, w, bar_height, fillColor=s.color, strokeColor=None))
            x += w
        drawing.add(String(x + 4, y + bar_height / 2 - size / 3, short_eur(total), fontName=font,
                           fontSize=small, fillColor=SUBTLE))
    drawing.add(Line(plot_x, axis_h, plot_x, plot_top, strokeColor=SUBTLE, strokeWidth=0.8))
    return drawing


def _month_rows(rows) -> list[tuple[str, int, int, int]]:
    out = []
    for r in rows:
        if hasattr(r, "month"):
            out.append((r.month, r.committed, r.released, r.spent))
        else:
            month, committed, released, spent = r
            out.append((month, committed, released, spent))
    return out


#: The envelope is left off the line chart's scale when it exceeds the money used this many times.
ENVELOPE_OFF_SCALE = 10


def monthly_chart(rows, envelope_cents: int | None = None, *, width: float = 480, height: float = 240,
                  labels: tuple[str, str, str] | None = None, empty_message: str | None = None,
                  font_name: str | None = None, font_size: float = 8, start_label: str = "") -> Drawing:
    """Commitments and spending month by month, cumulated, against the envelope.

    `rows` are ``(month "YYYY-MM", committed, released, spent)`` tuples in cents (or
    objects with those attributes), oldest first, as `budget.queries.monthly` gives
    them. The upper line is the money bound so far (commitments net of releases:
    spending only turns committed money into spent money), the lower one the
    money spent, the dashed line the envelope. The period labels are drawn as given
    (months, weeks or days); both lines start from zero at `start_label`, so a single
    period draws a rising line rather than a lone dot."""
    font, size = font_name or chart_font(), font_size
    drawing = Drawing(width, height)
    data = _month_rows(rows)
    if not data:
        return _empty(drawing, empty_message or _("No commitments yet"), font)
    data = [(start_label, 0, 0, 0), *data]
    labels = labels or (_("Committed or spent (cumulative)"), _("Spent (cumulative)"), _("Envelope"))
    months = [m for m, *_ in data]
    bound = list(accumulate(c - r for _, c, r, _s in data))
    spent = list(accumulate(s for *_, s in data))
    used = max(max(bound), max(spent), 1)
    legend = [Series(labels[0], COMMITTED), Series(labels[1], SPENT)]
    if envelope_cents and envelope_cents > ENVELOPE_OFF_SCALE * used:
        # Early in a programme the envelope dwarfs the lines, which would lie flat on the
        # axis: keep the scale to the money used and name the envelope in the legend.
        legend.append(Series(_("%(label)s %(amount)s (above the scale)", label=labels[2],
                               amount=short_eur(envelope_cents)), GRID))
        envelope_cents = None
    elif envelope_cents:
        legend.append(Series(labels[2], ALERT))
    top, step = nice_scale(max(used, envelope_cents or 0))
    legend_size = max(size, 9)
    lines = len(_legend_lines(legend, width - 20, font, legend_size))
    drawing.add(_legend(legend, 10, height - legend_size - 4, font, legend_size, width - 20))
    widest = max(stringWidth(m, font, size) for m in months)
    left = max(stringWidth(short_eur(top), font, size) + 12, widest / 2 + 4)
    right = widest / 2 + 6  # room for the last period's label
    plot_y = 10 + 2 * size
    plot_x, plot_w = left, width - left - right
    plot_h = height - plot_y - legend_size - 16 - (lines - 1) * (legend_size + 6)
    ticks = round(top / step)
    for i in range(ticks + 1):
        y = plot_y + plot_h * i / ticks
        drawing.add(Line(plot_x, y, plot_x + plot_w, y, strokeColor=GRID, strokeWidth=0.5))
        drawing.add(String(plot_x - 5, y - 3, short_eur(step * i), fontName=font, fontSize=size,
                           fillColor=SUBTLE, textAnchor="end"))

    def x_at(i: int) -> float:
        return plot_x + (plot_w * i / (len(months) - 1) if len(months) > 1 else plot_w / 2)

    def y_at(value: int) -> float:
        return plot_y + plot_h * value / top

    label_w = widest + 8
    every = max(1, math.ceil(len(months) * label_w / plot_w))
    last = len(months) - 1
    for i, month in enumerate(months):
        near_end = i != last and (last - i) < every and x_at(last) - x_at(i) < label_w
        if (i % every == 0 and not near_end) or i == last:
            drawing.add(Line(x_at(i), plot_y, x_at(i), plot_y - 3, strokeColor=SUBTLE, strokeWidth=0.5))
            drawing.add(String(x_at(i), plot_y - size - 5, month, fontName=font, fontSize=size, fillColor=SUBTLE,
                               textAnchor="middle"))
    if envelope_cents:
        # A PolyLine, not a Line: the SVG renderer closes a Line's path ("… Z"), and the
        # dashes of the way back would fill the gaps of the way out.
        drawing.add(PolyLine([plot_x, y_at(envelope_cents), plot_x + plot_w, y_at(envelope_cents)],
                             strokeColor=ALERT, strokeWidth=1.2, strokeDashArray=[5, 3]))
    for values, color in ((bound, COMMITTED), (spent, SPENT)):
        points = [c for i, v in enumerate(values) for c in (x_at(i), y_at(v))]
        if len(values) == 1:
            drawing.add(Rect(points[0] - 2, points[1] - 2, 4, 4, fillColor=color, strokeColor=None))
        else:
            drawing.add(PolyLine(points, strokeColor=color, strokeWidth=2, strokeLineJoin=1))
    drawing.add(Line(plot_x, plot_y, plot_x + plot_w, plot_y, strokeColor=SUBTLE, strokeWidth=0.8))
    return drawing


# --- the dashboard's charts, from the rows of budget.queries ------------------------------

def balance_series() -> list[Series]:
    """Spent, committed, available: the three parts of an allocation."""
    return [Series(_("Spent"), SPENT), Series(_("Committed"), COMMITTED), Series(_("Available"), AVAILABLE)]


def used_series() -> list[Series]:
    """Spent and committed: the money that went to beneficiaries."""
    return [Series(_("Spent"), SPENT), Series(_("Committed"), COMMITTED)]


def balance_chart(balances, **kw) -> Drawing:
    """Bars of allocations (objects with label, spent, committed, available)."""
    rows = [(b.label, [b.spent, b.committed, max(b.available, 0)]) for b in balances]
    return bar_chart(rows, balance_series(), empty_message=kw.pop("empty_message", _("No accounts yet")), **kw)


def flow_chart(flows, **kw) -> Drawing:
    """Bars of money per group of beneficiaries (objects with label, spent, committed)."""
    rows = [(f.label, [f.spent, f.committed]) for f in flows]
    return bar_chart(rows, used_series(), empty_message=kw.pop("empty_message", _("No commitments yet")), **kw)


def partner_chart(balances, **kw) -> Drawing:
    """Allocation per partner: spent, committed, available."""
    return balance_chart(balances, **kw)


def category_chart(balances, **kw) -> Drawing:
    """Allocation per EDIH category: spent, committed, available."""
    return balance_chart(balances, **kw)


def kind_chart(flows, **kw) -> Drawing:
    """Spent and committed per kind of organisation."""
    return flow_chart(flows, **kw)


def county_chart(flows, **kw) -> Drawing:
    """Spent and committed per county."""
    return flow_chart(flows, **kw)


# --- SVG for the web ----------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
_WEB_FONTS = {
    "Helvetica": "Helvetica, Arial, 'Liberation Sans', sans-serif",
    CHART_FONT: "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', sans-serif",
}
_URL_REF = re.compile(r"url\(#([^)]+)\)")


def svg_markup(drawing: Drawing, title: str, chart_id: str, *, css_class: str = "chart-svg w-100 h-auto") -> Markup:
    """The drawing as inline ``<svg>`` without any style attribute (CSP-safe).

    `chart_id` must be unique on the page: it prefixes every id inside the SVG."""
    # ReportLab's own SVG rendering of our drawing, never XML a user sent.
    root = ET.fromstring(renderSVG.drawToString(drawing).encode("utf-8"))  # nosec B314
    for el in root.iter():
        style = el.attrib.pop("style", None)
        if style:
            for declaration in style.split(";"):
                name, sep, value = declaration.partition(":")
                name, value = name.strip(), value.strip()
                if not sep or not name:
                    continue
                if value == "None":
                    value = "none"
                if name == "font-family":
                    value = _WEB_FONTS.get(value, value)
                el.set(name, value)
        if el.get("transform") == "":
            del el.attrib["transform"]
        if "id" in el.attrib:
            el.set("id", f"{chart_id}-{el.get('id')}")
        for name, value in list(el.attrib.items()):
            if "url(#" in value:
                el.set(name, _URL_REF.sub(lambda m: f"url(#{chart_id}-{m.group(1)})", value))
    for tag in ("title", "desc"):
        for el in root.findall(f"{{{SVG_NS}}}{tag}"):
            root.remove(el)
    title_el = ET.Element(f"{{{SVG_NS}}}title", {"id": f"{chart_id}-title"})
    title_el.text = title
    root.insert(0, title_el)
    for name in ("width", "height"):
        root.attrib.pop(name, None)
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title")
    root.set("class", css_class)
    root.set("id", chart_id)
    # ElementTree escapes every text and attribute value it writes (the title and labels
    # may hold names users typed), so the serialised tree is safe markup.
    return Markup(ET.tostring(root, encoding="unicode"))  # nosec B704


# --- digital maturity (DMA) -------------------------------------------------------------------

#: Colours of the DMA series: the baseline T0 and the follow-up T1.
DMA_T0 = HexColor("#8a96a3")
DMA_T1 = BRAND


def _wrap_lines(text: str, width: float, font: str, size: float, most: int = 3) -> list[str]:
    """`text` broken into at most `most` lines of `width` points (the last one shortened)."""
    lines: list[str] = []
    for word in text.split():
        if lines and stringWidth(lines[-1] + " " + word, font, size) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > most:
        lines = lines[:most - 1] + [_fit(" ".join(lines[most - 1:]), width, font, size)]
    return lines


def radar_chart(labels: Sequence[str], series: Sequence[tuple[Series, Sequence[float]]], *,
                width: float = 420, height: float = 340, font_name: str | None = None) -> Drawing:
    """A radar (spider) chart of scores 0–100, one axis per label, one polygon per series.

    Rings at 25 / 50 / 75 / 100 mark the DMA bands. Drawn from polygon, line and circle
    primitives, so the same drawing goes to the PDF and (as SVG) to the page."""
    from reportlab.graphics.shapes import Circle, Polygon

    font, size = font_name or chart_font(), 8.5
    drawing = Drawing(width, height)
    n = len(labels)
    if n < 3:
        return _empty(drawing, _("No data yet"), font)
    legend_h = 22
    cx, cy = width / 2, (height - legend_h) / 2
    radius = min(width / 2 - 100, (height - legend_h) / 2 - 40)

    def point(i: int, value: float) -> tuple[float, float]:
        angle = math.pi / 2 - 2 * math.pi * i / n
        r = radius * max(0.0, min(100.0, float(value))) / 100
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    for ring in (25, 50, 75, 100):
        pts = [c for i in range(n) for c in point(i, ring)]
        drawing.add(Polygon(pts, fillColor=None, strokeColor=GRID if ring < 100 else SUBTLE, strokeWidth=0.6))
        if ring < 100:  # the outer ring is plainly 100
            drawing.add(String(cx + 3, cy + radius * ring / 100 - 9, str(ring), fontName=font, fontSize=7,
                               fillColor=SUBTLE))
    for i, label in enumerate(labels):
        x, y = point(i, 100)
        drawing.add(Line(cx, cy, x, y, strokeColor=GRID, strokeWidth=0.6))
        vertical = abs(point(i, 100)[0] - cx) < 5
        lx, ly = point(i, 106 if vertical else 108)
        anchor = "middle" if vertical else ("start" if lx > cx else "end")
        lines = _wrap_lines(label, 100, font, size)
        step = size * 1.15
        if not vertical:
            top = ly + (len(lines) - 1) * step / 2
        elif ly > cy:  # above the chart: the last line sits just over the vertex
            top = ly + (len(lines) - 1) * step + size / 3
        else:  # below: the first line just under the vertex
            top = ly - size / 2
        for k, text in enumerate(lines):
            drawing.add(String(lx, top - k * step - size / 3, text, fontName=font, fontSize=size,
                               fillColor=INK, textAnchor=anchor))
    for s, values in series:
        pts = [c for i, v in enumerate(values) for c in point(i, v)]
        drawing.add(Polygon(pts, fillColor=None, strokeColor=s.color, strokeWidth=2))
        for i, v in enumerate(values):
            x, y = point(i, v)
            drawing.add(Circle(x, y, 2.6, fillColor=s.color, strokeColor=None))
    drawing.add(_legend([s for s, _v in series], 10, height - 13, font))
    return drawing


def grouped_bar_chart(labels: Sequence[str], series: Sequence[tuple[Series, Sequence[float]]], *,
                      width: float = 480, maximum: float = 100, font_name: str | None = None,
                      empty_message: str | None = None) -> Drawing:
    """Horizontal grouped bars of scores (0–`maximum`): one group per label, one bar per series."""
    font, size, bar_h, gap = font_name or chart_font(), 9, 9, 10
    legend_h, axis_h = 22, 20
    k = max(len(series), 1)
    height = legend_h + axis_h + max(len(labels), 1) * (k * bar_h + gap) + 4
    drawing = Drawing(width, height)
    if not labels or not series:
        return _empty(drawing, empty_message or _("No data yet"), font)
    label_w = min(max(stringWidth(lbl, font, size) for lbl in labels) + 10, width * 0.38)
    plot_x, plot_w, plot_top = label_w, width - label_w - 34, height - legend_h
    drawing.add(_legend([s for s, _v in series], plot_x, height - 13, font))
    for i in range(5):
        x = plot_x + plot_w * i / 4
        drawing.add(Line(x, axis_h, x, plot_top, strokeColor=GRID, strokeWidth=0.5))
        drawing.add(String(x, axis_h - 12, f"{maximum * i / 4:g}", fontName=font, fontSize=8,
                           fillColor=SUBTLE, textAnchor="middle"))
    for n, label in enumerate(labels):
        top = plot_top - n * (k * bar_h + gap) - gap / 2
        drawing.add(String(plot_x - 6, top - k * bar_h / 2 - size / 3, _fit(label, label_w - 10, font, size),
                           fontName=font, fontSize=size, fillColor=INK, textAnchor="end"))
        for j, (s, values) in enumerate(series):
            value = max(0.0, min(float(values[n]), maximum))
            y = top - (j + 1) * bar_h
            if value > 0:
                drawing.add(Rect(plot_x, y + 1, plot_w * value / maximum, bar_h - 2, fillColor=s.color,
                                 strokeColor=None))
            drawing.add(String(plot_x + plot_w * value / maximum + 3, y + 2, f"{float(values[n]):.1f}",
                               fontName=font, fontSize=7, fillColor=SUBTLE))
    drawing.add(Line(plot_x, axis_h, plot_x, plot_top, strokeColor=SUBTLE, strokeWidth=0.8))
    return drawing


# --- period labels ------------------------------------------------------------------------

def period_labels(step: str, keys: Sequence[str]) -> tuple[str, list[str]]:
    """Readable labels for `budget.queries.periods` keys in the current locale, and the
    label of the period before the first (where the chart's lines start from zero)."""
    from datetime import date, timedelta

    from flask_babel import format_date

    if not keys:
        return "", []
    if step == "month":
        starts = [date.fromisoformat(k + "-01") for k in keys]
        before = (starts[0] - timedelta(days=1)).replace(day=1)
        pattern = "MMM yyyy"
    else:
        starts = [date.fromisoformat(k) for k in keys]
        before = starts[0] - timedelta(days=7 if step == "week" else 1)
        pattern = "d MMM"
    return format_date(before, pattern), [format_date(d, pattern) for d in starts]
