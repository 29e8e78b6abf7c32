"""The Impact figures: DMA T0/T1 counts and change, bands, satisfaction, services delivered.

One query module feeds the dashboard's Impact section, the Impact page, the KPI PDF
and the exports' reconciliation, so they cannot disagree. Scope: everything (managers),
or the customers of one partner (organisations with a submitted application for one of
its services). Period: assessments by submission date, pairs by the T1's date,
satisfaction by answer date, delivered services by delivery date, closed applications
(the response-rate base) by closing date.

Dimension scores live in JSON, so the per-dimension averages are computed in Python
over one narrow query (a few columns per assessment), which stays fast at the
benchmark's scale.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup

from ..applications.models import Application, AppState
from ..auth.models import Role
from ..catalogue.models import Category, Partner, Service
from ..extensions import db
from ..organisations.models import Organisation, OrgKind, SizeClass
from . import scoring
from .models import SUBMITTED, T0, T1, Assessment, Satisfaction

DIMENSIONS = ("D1", "D2", "D3", "D4", "D5", "D6")
BAND_ORDER = [band for _upper, band in scoring.BANDS]


def dimension_labels() -> list[str]:
    """Short names that fit both variants (D4 and D5 differ between SME and public sector)."""
    return [_("D1 Strategy"), _("D2 Readiness"), _("D3 Human-centric"), _("D4 Data"),
            _("D5 Automation & AI / Interoperability"), _("D6 Green")]


@dataclass
class ImpactData:
    """Everything the Impact section and the KPI report's impact pages show."""

    period_from: date | None = None
    period_to: date | None = None
    t0_orgs: int = 0
    t1_orgs: int = 0
    t0_by_kind_size: dict = field(default_factory=dict)  # {(kind, size): n}
    t1_by_kind_size: dict = field(default_factory=dict)
    pairs: int = 0
    avg_t0: dict = field(default_factory=dict)  # {D1..D6, "overall": Decimal}
    avg_t1: dict = field(default_factory=dict)
    avg_change: dict = field(default_factory=dict)
    band_up: int = 0
    bands: dict = field(default_factory=dict)  # latest band per organisation
    responses: int = 0
    closed: int = 0
    avg_score: Decimal | None = None
    recommend: int = 0
    distribution: dict = field(default_factory=dict)  # {1..10: n}
    delivered_by_category: dict = field(default_factory=dict)  # {Category: n}
    delivered_by_partner: dict = field(default_factory=dict)  # {partner name: n}

    @property
    def band_up_share(self) -> Decimal | None:
        return _share(self.band_up, self.pairs)

    @property
    def response_rate(self) -> Decimal | None:
        return _share(self.responses, self.closed)

    @property
    def recommend_share(self) -> Decimal | None:
        return _share(self.recommend, self.responses)


def _share(part: int, whole: int) -> Decimal | None:
    return None if not whole else scoring.round2(Decimal(part) * 100 / Decimal(whole))


def _start(d: date) -> datetime:
    from datetime import UTC

    return datetime.combine(d, time.min, tzinfo=UTC)


def _in_period(column, period_from: date | None, period_to: date | None) -> list:
    conditions = []
    if period_from:
        conditions.append(column >= _start(period_from))
    if period_to:
        conditions.append(column < _start(period_to + timedelta(days=1)))
    return conditions


def scope_for(user) -> int | None:
    """None (everything) for managers and admins; the partner id for partner staff."""
    return user.partner_id if user.role is Role.PARTNER_STAFF else None


def customers_of(partner_id: int):
    """Organisations with a submitted application for one of the partner's services."""
    return (sa.select(Application.organisation_id).join(Service, Service.id == Application.service_id)
            .where(Service.partner_id == partner_id, Application.submitted_at.is_not(None)))


def _mean(values: list) -> Decimal:
    return scoring.round2(sum((Decimal(str(v)) for v in values), Decimal(0)) / len(values))


def impact_data(partner_id: int | None = None, period_from: date | None = None,
                period_to: date | None = None) -> ImpactData:
    """The Impact figures for a scope and a period (both optional)."""
    data = ImpactData(period_from, period_to)
    a, o = Assessment, Organisation
    scope = [a.organisation_id.in_(customers_of(partner_id))] if partner_id else []
    rows = db.session.execute(
        sa.select(a.organisation_id, a.cycle, a.stage, a.dimension_scores, a.overall, a.band, a.submitted_at,
                  o.kind, o.size_class).join(o, o.id == a.organisation_id)
        .where(a.status == SUBMITTED, *scope).order_by(a.organisation_id, a.cycle, a.stage)).all()
    lo = _start(period_from) if period_from else None
    hi = _start(period_to + timedelta(days=1)) if period_to else None

    def inside(when: datetime) -> bool:
        return (lo is None or when >= lo) and (hi is None or when < hi)

    t0_orgs: dict[int, tuple] = {}
    t1_orgs: dict[int, tuple] = {}
    by_cycle: dict[tuple[int, int], dict[str, object]] = {}
    latest: dict[int, str] = {}
    for row in rows:
        by_cycle.setdefault((row.organisation_id, row.cycle), {})[row.stage] = row
        if inside(row.submitted_at):
            target = t0_orgs if row.stage == T0 else t1_orgs
            target[row.organisation_id] = (row.kind, row.size_class)
            latest[row.organisation_id] = row.band
    data.t0_orgs, data.t1_orgs = len(t0_orgs), len(t1_orgs)
    data.t0_by_kind_size = Counter(t0_orgs.values())
    data.t1_by_kind_size = Counter(t1_orgs.values())
    data.bands = {band: sum(1 for b in latest.values() if b == band) for band in BAND_ORDER}

    before: dict[str, list] = {k: [] for k in (*DIMENSIONS, "overall")}
    after: dict[str, list] = {k: [] for k in (*DIMENSIONS, "overall")}
    for stages in by_cycle.values():
        first, second = stages.get(T0), stages.get(T1)
        if first is None or second is None or not inside(second.submitted_at):
            continue
        data.pairs += 1
        for code in DIMENSIONS:
            before[code].append(first.dimension_scores[code])
            after[code].append(second.dimension_scores[code])
        before["overall"].append(first.overall)
        after["overall"].append(second.overall)
        if BAND_ORDER.index(second.band) > BAND_ORDER.index(first.band):
            data.band_up += 1
    if data.pairs:
        data.avg_t0 = {k: _mean(v) for k, v in before.items()}
        data.avg_t1 = {k: _mean(v) for k, v in after.items()}
        data.avg_change = {k: data.avg_t1[k] - data.avg_t0[k] for k in before}

    _satisfaction(data, partner_id, period_from, period_to)
    _delivered(data, partner_id, period_from, period_to)
    return data


def _satisfaction(data: ImpactData, partner_id, period_from, period_to) -> None:
    """Answers per score and would-recommend, in one grouped query."""
    s = Satisfaction
    scope = [s.service_id.in_(sa.select(Service.id).where(Service.partner_id == partner_id))] if partner_id else []
    counts = db.session.execute(
        sa.select(s.score, s.would_recommend, sa.func.count(s.id))
        .where(*scope, *_in_period(s.created_at, period_from, period_to))
        .group_by(s.score, s.would_recommend)).all()
    data.distribution = {n: 0 for n in range(1, 11)}
    for score, recommend, n in counts:
        data.distribution[int(score)] += int(n)
        data.recommend += int(n) if recommend else 0
    data.responses = sum(data.distribution.values())
    if data.responses:
        total = sum(n * c for n, c in data.distribution.items())
        data.avg_score = scoring.round2(Decimal(total) / Decimal(data.responses))


def _between(column, period_from, period_to):
    """A SQL condition: `column` within the period (dates or datetimes), true when open."""
    return sa.and_(sa.true(), *_in_period(column, period_from, period_to))


def _delivered(data: ImpactData, partner_id, period_from, period_to) -> None:
    """Services delivered per category and partner (by delivery date) and applications closed
    (by closing date, the base of the response rate), in one grouped query."""
    ap, sv, p = Application, Service, Partner
    delivered = [sa.true()]  # every delivered or closed service; within a period, by its delivery date
    if period_from:
        delivered.append(ap.delivered_on >= period_from)
    if period_to:
        delivered.append(ap.delivered_on <= period_to)
    closed = sa.and_(ap.state == AppState.CLOSED, _between(ap.closed_at, period_from, period_to))
    stmt = (sa.select(sv.category, p.name, sa.func.sum(sa.case((sa.and_(*delivered), 1), else_=0)),
                      sa.func.sum(sa.case((closed, 1), else_=0)))
            .join(sv, sv.id == ap.service_id).join(p, p.id == sv.partner_id)
            .where(ap.state.in_((AppState.DELIVERED, AppState.CLOSED)))
            .group_by(sv.category, p.name))
    if partner_id:
        stmt = stmt.where(sv.partner_id == partner_id)
    data.delivered_by_category = {c: 0 for c in Category}
    per_partner: dict[str, int] = {}
    for category, partner, n_delivered, n_closed in db.session.execute(stmt):
        data.delivered_by_category[category] += int(n_delivered or 0)
        if n_delivered:
            per_partner[partner] = per_partner.get(partner, 0) + int(n_delivered)
        data.closed += int(n_closed or 0)
    data.delivered_by_partner = dict(sorted(per_partner.items()))


def kind_size_rows(counter: dict) -> list[tuple[str, str, int]]:
    """(kind, size, n) rows of a kind × size counter, in enum order, non-zero only."""
    return [(k.label, z.label, counter[(k, z)]) for k in OrgKind for z in SizeClass if counter.get((k, z))]


def chart(data: ImpactData, **kw):
    """The grouped bar chart: average T0 and T1 per dimension, for organisations with both."""
    from ..charts import DMA_T0, DMA_T1, Series, grouped_bar_chart

    if not data.pairs:
        return grouped_bar_chart([], [], empty_message=_("No organisation has both T0 and T1 yet"), **kw)
    return grouped_bar_chart(dimension_labels(), [
        (Series(_("T0 average"), DMA_T0), [float(data.avg_t0[d]) for d in DIMENSIONS]),
        (Series(_("T1 average"), DMA_T1), [float(data.avg_t1[d]) for d in DIMENSIONS])], **kw)


def chart_markup(data: ImpactData) -> Markup:
    from ..charts import svg_markup

    return svg_markup(chart(data), _("Average digital maturity before (T0) and after (T1), by dimension"),
                      "impact-chart")


def service_satisfaction(partner_id: int | None = None) -> list:
    """Per service: answers, average score and would-recommend count (a partner's own, or all)."""
    s, sv = Satisfaction, Service
    stmt = (sa.select(sv.code, sv.name.label("name"), sa.func.count(s.id).label("n"), sa.func.avg(s.score).label("avg"),
                      sa.func.sum(sa.case((s.would_recommend.is_(True), 1), else_=0)).label("recommend"))
            .join(sv, sv.id == s.service_id).group_by(sv.code, sv.name).order_by(sv.code))
    if partner_id:
        stmt = stmt.where(sv.partner_id == partner_id)
    return db.session.execute(stmt).all()
