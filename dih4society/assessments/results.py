"""What a DMA result says: dimensions T0 against T1, the change, the weakest, a short reading.

Plain data for the result page, the PDF, the application page and the reviewer's panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _

from ..charts import DMA_T0, DMA_T1, Series, radar_chart
from . import questionnaire as qn
from . import scoring
from .models import T1, Assessment
from .services import pair_of


@dataclass(frozen=True)
class DimensionRow:
    code: str
    name: str
    t0: float | None
    t1: float | None
    weakest: bool

    @property
    def change(self) -> float | None:
        if self.t0 is None or self.t1 is None:
            return None
        return round(self.t1 - self.t0, 2)


@dataclass(frozen=True)
class ResultView:
    assessment: Assessment
    t0: Assessment | None
    t1: Assessment | None
    rows: list[DimensionRow]
    band: str
    band_label: str
    reading: list[str]

    @property
    def latest(self) -> Assessment:
        return self.t1 or self.t0 or self.assessment

    @property
    def overall_change(self) -> float | None:
        if self.t0 is None or self.t1 is None:
            return None
        return round(self.t1.overall - self.t0.overall, 2)


def band_label(band: str | None, locale: str | None) -> str:
    text = scoring.BAND_LABELS.get(band or "")
    return text.get(locale) if text else "—"


def weakest_codes(assessment: Assessment, n: int = 2) -> list[str]:
    """The `n` lowest dimensions (ties in questionnaire order)."""
    scores = assessment.dimension_scores or {}
    return [code for code, _v in sorted(scores.items(), key=lambda kv: (kv[1], kv[0]))[:n]]


def weakest(assessment: Assessment, locale: str | None, n: int = 2) -> list[tuple[str, float]]:
    """(name, score) of the weakest dimensions, for the application page and the reviewer."""
    questionnaire = qn.get(assessment.variant, assessment.version)
    names = {d.code: d.name.get(locale) for d in questionnaire.dimensions}
    return [(names[c], assessment.dimension_scores[c]) for c in weakest_codes(assessment, n)]


def result_view(assessment: Assessment, locale: str | None) -> ResultView:
    """The result of the assessment's cycle: T0, and T1 when there is one."""
    t0, t1 = pair_of(assessment)
    if assessment.stage == T1 and t1 is None:
        t1 = assessment
    questionnaire = qn.get(assessment.variant, assessment.version)
    latest = t1 or t0 or assessment
    low = set(weakest_codes(latest))
    rows = [DimensionRow(d.code, d.name.get(locale),
                         t0.dimension_scores.get(d.code) if t0 else None,
                         t1.dimension_scores.get(d.code) if t1 else None, d.code in low)
            for d in questionnaire.dimensions]
    view = ResultView(assessment, t0, t1, rows, latest.band, band_label(latest.band, locale), [])
    view.reading.extend(_reading(view))
    return view


def _reading(view: ResultView) -> list[str]:
    latest = view.latest
    lines = [_("Your overall digital maturity is %(score)s out of 100: %(band)s.",
               score=f"{latest.overall:.1f}", band=view.band_label.lower())]
    low = [r for r in view.rows if r.weakest]
    if low:
        lines.append(_("Your lowest dimensions are %(list)s: that is where a hub service can make the "
                       "biggest difference.", list=_(" and ").join(r.name for r in low)))
    if view.t0 is not None and view.t1 is not None:
        change = view.overall_change
        up = [r for r in view.rows if (r.change or 0) > 0]
        if change > 0:
            lines.append(_("Since the first assessment your score rose by %(points)s points; it improved in "
                           "%(n)s of the six dimensions.", points=f"{change:.1f}", n=len(up)))
        elif change < 0:
            lines.append(_("Since the first assessment your score fell by %(points)s points.",
                           points=f"{-change:.1f}"))
        else:
            lines.append(_("Your score is the same as at the first assessment."))
        if view.t0.band != view.t1.band:
            lines.append(_("You moved from %(before)s to %(after)s.",
                           before=band_label(view.t0.band, None).lower(), after=view.band_label.lower()))
    else:
        lines.append(_("This is your baseline (T0). After a hub service you will be asked to take the "
                       "assessment again (T1), and this page will show the change."))
    lines.append(_("Bands: basic up to 25, average up to 50, moderately advanced up to 75, advanced above."))
    return lines


def radar(view: ResultView, **kw):
    """The radar chart of the view: T0, and T1 over it when there is one."""
    labels = [r.name for r in view.rows]
    series = []
    if view.t0 is not None:
        series.append((Series(_("T0 (before)"), DMA_T0), [r.t0 for r in view.rows]))
    if view.t1 is not None:
        series.append((Series(_("T1 (after)"), DMA_T1), [r.t1 for r in view.rows]))
    return radar_chart(labels, series, **kw)


def fmt(value: float | Decimal | None, places: int = 1) -> str:
    return "—" if value is None else f"{float(value):.{places}f}"
