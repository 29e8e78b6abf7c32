"""The chart module: drawings from plain data, CSP-safe inline SVG, the same drawing for PDFs."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from reportlab.graphics.shapes import Drawing

from dih4society import charts

SERIES = [charts.Series("Spent", charts.SPENT), charts.Series("Committed", charts.COMMITTED),
          charts.Series("Available", charts.AVAILABLE)]
MONTHS = [("2025-01", 1_000_000, 0, 0), ("2025-02", 5_000_000, 200_000, 300_000), ("2025-03", 0, 0, 4_000_000)]


def test_charts_are_built_from_plain_data():
    bars = charts.bar_chart([("UTCN", [100, 200, 300]), ("Chamber of Commerce <&> Bistrița", [0, 50, 10])], SERIES)
    monthly = charts.monthly_chart(MONTHS, 40_000_000)
    assert isinstance(bars, Drawing) and isinstance(monthly, Drawing)
    assert bars.width == 480 and monthly.width == 480  # fit an A4 page between margins


def test_monthly_chart_cumulates_commitments_net_of_releases(ctx):
    drawing = charts.monthly_chart(MONTHS, 40_000_000, width=600)
    from reportlab.graphics.shapes import PolyLine

    lines = [s for s in drawing.contents if isinstance(s, PolyLine)]
    assert len(lines) == 3
    envelope, bound, spent = lines
    assert envelope.strokeDashArray == [5, 3] and len(envelope.points) == 4
    ys = bound.points[1::2]
    assert ys[0] < ys[1] < ys[2] == ys[3]  # 0, 10,000 then 58,000 bound; spending does not change what is bound
    assert spent.points[1] == spent.points[3] < spent.points[5] < spent.points[7]


def test_one_period_draws_a_line_from_zero_not_a_dot(ctx):
    from reportlab.graphics.shapes import PolyLine

    drawing = charts.monthly_chart([("2 Dec", 1_800_000, 0, 0)], None, start_label="1 Dec")
    lines = [s for s in drawing.contents if isinstance(s, PolyLine)]
    assert len(lines) == 2 and all(len(line.points) == 4 for line in lines)
    bound = lines[0]
    assert bound.points[1] < bound.points[3]  # rises from zero


@pytest.mark.parametrize("width", [560, 360])
def test_short_bar_labels_are_never_cut(width):
    drawing = charts.bar_chart([("Bihor", [100, 200, 0]), ("Cluj", [300, 0, 0])], SERIES, width=width,
                               font_size=13 if width < 400 else 9)
    texts = [s.text for s in drawing.contents if hasattr(s, "text")]
    assert "Bihor" in texts and "Cluj" in texts and not any(t.endswith("…") for t in texts)


def test_phone_layout_uses_larger_text():
    def sizes(drawing):
        return {s.fontSize for s in drawing.contents if hasattr(s, "fontSize")}

    rows = [("Bihor", [100, 200, 0])]
    assert min(sizes(charts.bar_chart(rows, SERIES, width=360, font_size=13))) > max(
        sizes(charts.bar_chart(rows, SERIES, width=560)))


def test_svg_has_no_style_attributes_and_is_accessible(ctx):
    drawing = charts.bar_chart([("Cluj <b>&</b> Napoca", [1_000, 2_000, 3_000])], SERIES)
    svg = str(charts.svg_markup(drawing, "Allocation per partner", "chart-x"))
    assert not re.search(r"\sstyle=", svg)
    assert 'role="img"' in svg and 'aria-labelledby="chart-x-title"' in svg
    root = ET.fromstring(svg)  # well-formed, text escaped
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert root.find("svg:title", ns).text == "Allocation per partner"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Cluj <b>&</b> Napoca" in texts
    assert {e.get("id") for e in root.iter() if e.get("id")} <= {"chart-x", "chart-x-title", "chart-x-clip",
                                                                 "chart-x-group"}
    assert "url(#chart-x-clip)" in svg
    assert any(e.get("fill") for e in root.iter("{http://www.w3.org/2000/svg}rect"))
    assert "width" not in root.attrib and root.get("viewBox")


def test_the_dashed_envelope_line_is_an_open_path(ctx):
    """A closed path ("… Z") retraces itself and its dashes fill their own gaps."""
    svg = str(charts.svg_markup(charts.monthly_chart(MONTHS, 40_000_000), "t", "m"))
    dashed = re.findall(r"<(\w+)[^>]*stroke-dasharray[^>]*>", svg)
    assert dashed == ["polyline"]


def test_empty_data_draws_a_message(ctx):
    svg = str(charts.svg_markup(charts.monthly_chart([]), "Empty", "e"))
    assert "No commitments yet" in svg
    assert "No data yet" in str(charts.svg_markup(charts.bar_chart([], SERIES), "Empty", "f"))


def test_the_dashboard_builders_take_query_rows(ctx):
    from dih4society.budget.queries import Balance, Flow, MonthRow

    balances = [Balance("1", "UTCN", 1_000_000, 300_000, 200_000)]
    flows = [Flow("sme", "SME", 300_000, 200_000, 3, 2)]
    for drawing in (charts.partner_chart(balances), charts.category_chart(balances), charts.kind_chart(flows),
                    charts.county_chart(flows), charts.monthly_chart([MonthRow("2026-01", 5, 1, 2)])):
        assert isinstance(drawing, Drawing)


def test_charts_draw_romanian_letters_in_pdfs(ctx):
    """The chart font is a TrueType font with ș and ț (Helvetica has neither)."""
    from reportlab.pdfbase import pdfmetrics

    font = charts.chart_font()
    assert font == charts.CHART_FONT
    face = pdfmetrics.getFont(font).face
    assert ord("ș") in face.charToGlyph and ord("ț") in face.charToGlyph
    from reportlab.graphics import renderPDF

    pdf = renderPDF.drawToString(charts.bar_chart([("Bistrița-Năsăud", [1, 2, 3])], SERIES))
    assert pdf.startswith(b"%PDF") and b"DejaVuSans" in pdf  # embedded


@pytest.mark.parametrize("maximum, expected", [
    (168_000_000, (200_000_000, 50_000_000)), (400_000_000, (400_000_000, 100_000_000)),
    (31_100_000, (40_000_000, 10_000_000)), (1, (1, 0.2)), (0, (1.0, 1.0))])
def test_axis_scales_are_round(maximum, expected):
    top, step = charts.nice_scale(maximum)
    assert (top, step) == pytest.approx(expected)
    assert top >= maximum


@pytest.mark.parametrize("cents, text", [(0, "€0"), (75_000, "€750"), (2_500_000, "€25k"),
                                          (150_000_000, "€1.5M"), (-2_500_000, "-€25k")])
def test_short_amounts_on_axes(cents, text):
    assert charts.short_eur(cents) == text


def test_an_envelope_far_above_the_lines_is_named_not_drawn(ctx):
    from reportlab.graphics.shapes import PolyLine

    drawing = charts.monthly_chart([("2 Dec", 3_600_000, 0, 1_680_000)], 400_000_000, start_label="1 Dec")
    lines = [s for s in drawing.contents if isinstance(s, PolyLine)]
    assert len(lines) == 2 and not any(line.strokeDashArray for line in lines)
    svg = str(charts.svg_markup(drawing, "t", "m"))
    assert "€4M (above the scale)" in svg
    bound = lines[0]
    assert bound.points[3] > drawing.height / 2  # the line uses the height, not flat on the axis


def test_short_amounts_in_romanian(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("ro"):
        assert [charts.short_eur(c) for c in (0, 75_000, 2_500_000, 150_000_000, 100_000_000)] == [
            "0 €", "750 €", "25 mii €", "1,5 mil. €", "1 mil. €"]
