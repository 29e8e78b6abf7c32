"""Budget pages: the dashboard, a partner's budget, the admin's set-up, the ledger, the aid register.

Access: the dashboard and the ledger for managers and admins (everything) and partner
staff (the hub's totals, their own partner's accounts, ledger lines and pipeline; other
partners' beneficiaries by name only with ``PARTNERS_SEE_ALL``); a partner's budget page
for managers, admins and that partner's staff; set-up for admins; the aid register for
managers and admins (everyone) and applicants (their own organisation only).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from wtforms import SelectChoice

from .. import charts
from ..auth.models import Role
from ..catalogue.models import Category, Partner
from ..core import marks
from ..core.audit import record_denied
from ..core.errors import DomainError
from ..core.forms import show_error
from ..core.i18n import current_language
from ..core.money import eur, from_cents, to_cents
from ..core.security import MANAGERS, STAFF, roles_required
from ..extensions import db
from ..organisations.models import Organisation, OrgKind
from . import partner as partner_queries
from . import queries, services
from .forms import AccountForm, EnvelopeForm, LedgerFilterForm, TransferForm
from .models import (
    BudgetAccount,
    LedgerKind,
    account_label_column,
    can_see_beneficiaries_of_all_partners,
    can_view_aid_of,
    can_view_partner_budget,
)

bp = Blueprint("budget", __name__, url_prefix="/budget")

ADMIN_ONLY = (Role.ADMIN,)
AID_VIEWERS = (Role.APPLICANT, *MANAGERS)


# --- the manager's dashboard ----------------------------------------------------------------

@bp.get("/")
@roles_required(*STAFF)
def dashboard():
    """Allocated, committed, spent and available, sliced every way a manager asks;
    partner staff get their own partner's budget page."""
    if current_user.role is Role.PARTNER_STAFF:
        return _partner_page(current_user.partner)
    is_admin = current_user.role is Role.ADMIN
    body = marks.cached(("budget.dashboard", str(get_locale()), is_admin), lambda: _dashboard_body(is_admin))
    return render_template("budget/dashboard.html", body=body)


def _dashboard_body(is_admin: bool) -> Markup:
    """The figures, charts and tables: the same for every manager at one change mark
    (and one language: the period labels and titles are localised)."""
    # Labels and partner names in the figures are in the reader's language: one entry per language.
    data = marks.cached(("budget.dashboard.figures", current_language()), queries.dashboard)
    start, labels = charts.period_labels(data.step, [m.month for m in data.months])
    periods = [(label, m.committed, m.released, m.spent) for label, m in zip(labels, data.months, strict=True)]
    titles = {
        "monthly": {"day": _("Commitments and spending per day, cumulated, against the envelope"),
                    "week": _("Commitments and spending per week, cumulated, against the envelope"),
                    "month": _("Commitments and spending per month, cumulated, against the envelope")}[data.step],
        "partners": _("Allocation per partner: spent, committed, available"),
        "categories": _("Allocation per EDIH category: spent, committed, available"),
        "kinds": _("Money per kind of organisation: spent and committed"),
        "counties": _("Money per county: spent and committed"),
    }
    sources = {"partners": (charts.partner_chart, data.partners),
               "categories": (charts.category_chart, data.categories),
               "kinds": (charts.kind_chart, data.kinds), "counties": (charts.county_chart, data.counties)}
    # Each chart twice: for wide screens, and a phone layout (narrow, larger text) that
    # the stylesheet shows below 576 px instead; the figures tables stay under each chart.
    svg = {"monthly": charts.svg_markup(
        charts.monthly_chart(periods, data.totals.envelope, width=1000, height=300, start_label=start),
        titles["monthly"], "chart-monthly", css_class="chart-svg chart-wide w-100 h-auto")}
    svg["monthly"] += charts.svg_markup(
        charts.monthly_chart(periods, data.totals.envelope, width=360, height=300, start_label=start,
                             font_size=12),
        titles["monthly"], "chart-monthly-phone", css_class="chart-svg chart-phone w-100 h-auto")
    for key, (build, rows) in sources.items():
        svg[key] = charts.svg_markup(build(rows, width=560), titles[key], f"chart-{key}",
                                     css_class="chart-svg chart-wide w-100 h-auto")
        svg[key] += charts.svg_markup(build(rows, width=360, font_size=13), titles[key], f"chart-{key}-phone",
                                      css_class="chart-svg chart-phone w-100 h-auto")
    # The body is a rendered Jinja template (autoescaped: every value in it was escaped when
    # rendered), cached as markup so it is not escaped a second time.
    return Markup(render_template("budget/_dashboard_body.html", d=data, svg=svg, periods=periods,  # nosec B704
                                  pipeline_by_partner=data.pipeline.by_partner, is_admin=is_admin))


@bp.get("/partners/<int:partner_id>")
@roles_required(*STAFF)
def partner_budget(partner_id: int):
    """One partner's budget: managers see any partner's, partner staff their own."""
    partner = db.get_or_404(Partner, partner_id)
    if not can_view_partner_budget(current_user, partner.id):
        record_denied(current_user, "budget.partner_budget", "other partner", "partner", partner_id)
        abort(404)  # another partner's page is not revealed
    return _partner_page(partner)


def _partner_page(partner: Partner):
    see_all = can_see_beneficiaries_of_all_partners(current_user)
    own = current_user.role is Role.PARTNER_STAFF
    body = marks.cached(("budget.partner", partner.id, see_all, own, str(get_locale())),
                        lambda: _partner_body(partner, see_all, own))
    return render_template("budget/partner.html", body=body, partner_name=partner.name)


def _partner_body(partner: Partner, see_all: bool, own: bool) -> Markup:
    data = partner_queries.partner_budget(partner, see_all=see_all)
    title = _("%(partner)s per EDIH category: spent, committed, available", partner=partner.name)
    svg = charts.svg_markup(charts.category_chart(data.accounts, width=560), title, "chart-partner-accounts",
                            css_class="chart-svg chart-wide w-100 h-auto")
    svg += charts.svg_markup(charts.category_chart(data.accounts, width=360, font_size=13), title,
                             "chart-partner-accounts-phone", css_class="chart-svg chart-phone w-100 h-auto")
    # A rendered, autoescaped Jinja template (see the dashboard body above).
    return Markup(render_template("budget/_partner_body.html", d=data, svg=svg, own=own))  # nosec B704


# --- budget set-up (admins) ------------------------------------------------------------------

def _setup_forms(envelope: EnvelopeForm | None = None, transfer: TransferForm | None = None,
                 account: AccountForm | None = None):
    rows = queries.accounts()
    envelope = envelope or EnvelopeForm(formdata=None)
    transfer = transfer or TransferForm(formdata=None)
    account = account or AccountForm(formdata=None)
    # Short option texts (partner code, one-word category), so a phone's drop-down is not
    # clipped; the accounts table below names them in full.
    choices = [SelectChoice(r.account_id, "{} · {}".format(
        _("Reserve") if r.is_reserve or not r.category else f"{r.partner_code} {r.category.short_label}",
        _("%(amount)s available", amount=eur(r.available)))) for r in rows]
    transfer.source.choices = choices
    transfer.target.choices = choices
    account.partner_id.choices = [SelectChoice(p.id, p.name) for p in db.session.scalars(
        sa.select(Partner).where(Partner.active.is_(True)).order_by(Partner.name))]
    return rows, envelope, transfer, account


def _render_setup(envelope=None, transfer=None, account=None, status: int = 200):
    rows, envelope, transfer, account = _setup_forms(envelope, transfer, account)
    t = queries.totals()
    if envelope.envelope.data is None and not envelope.errors:
        envelope.envelope.data = from_cents(t.envelope)
        envelope.eu_share_percent.data = t.eu_share_percent
    if not transfer.token.data:
        transfer.token.data = uuid.uuid4().hex
    return render_template("budget/setup.html", accounts=rows, totals=t, envelope_form=envelope,
                           transfer_form=transfer, account_form=account), status


@bp.get("/setup")
@roles_required(*ADMIN_ONLY)
def setup():
    """Admin: the envelope, the accounts and their balances, transfers, new accounts."""
    return _render_setup()


@bp.post("/setup/envelope")
@roles_required(*ADMIN_ONLY)
def set_envelope():
    """Admin: change the envelope or the EU share."""
    form = EnvelopeForm()
    if form.validate():
        try:
            services.set_envelope(current_user, to_cents(form.envelope.data), form.eu_share_percent.data)
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc, "envelope")
        else:
            db.session.commit()
            flash(_("The envelope is now %(amount)s, %(share)s%% from the EU.",
                    amount=eur(to_cents(form.envelope.data)), share=form.eu_share_percent.data), "success")
            return redirect(url_for("budget.setup"))
    return _render_setup(envelope=form)


@bp.post("/setup/transfer")
@roles_required(*ADMIN_ONLY)
def transfer():
    """Admin: move allocation between two accounts (idempotent per form token)."""
    form = TransferForm()
    _rows, _e, form, _a = _setup_forms(transfer=form)
    if form.validate():
        source = db.session.get(BudgetAccount, form.source.data)
        target = db.session.get(BudgetAccount, form.target.data)
        try:
            booked = services.transfer(current_user, source, target, to_cents(form.amount.data),
                                       f"transfer:{form.token.data}", note=form.note.data or "")
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc, "amount")
        else:
            db.session.commit()
            if booked:
                flash(_("%(amount)s moved from %(source)s to %(target)s.", amount=eur(to_cents(form.amount.data)),
                        source=source.label, target=target.label), "success")
            else:
                flash(_("This transfer had already been booked; it was not booked again."), "info")
            return redirect(url_for("budget.setup"))
    return _render_setup(transfer=form)


@bp.post("/setup/accounts")
@roles_required(*ADMIN_ONLY)
def create_account():
    """Admin: open a partner × category account (empty; fund it with a transfer)."""
    form = AccountForm()
    _rows, _e, _t, form = _setup_forms(account=form)
    if form.validate():
        partner = db.session.get(Partner, form.partner_id.data)
        try:
            account = services.create_account(current_user, partner, Category(form.category.data))
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc, "category")
        else:
            db.session.commit()
            flash(_("Account %(name)s created; move money into it with a transfer.", name=account.label),
                  "success")
            return redirect(url_for("budget.setup"))
    return _render_setup(account=form)


# --- the ledger ---------------------------------------------------------------------------------

@bp.get("/ledger")
@roles_required(*STAFF)
def ledger():
    """Every ledger entry, newest first, filtered by account, movement, reference, dates.
    Partner staff see the entries of their own partner's accounts only."""
    form = LedgerFilterForm(request.args)
    own_partner = current_user.partner_id if current_user.role is Role.PARTNER_STAFF else None
    stmt = (sa.select(BudgetAccount.id, account_label_column())
            .outerjoin(Partner, Partner.id == BudgetAccount.partner_id)
            .order_by(BudgetAccount.is_reserve.desc(), Partner.code, BudgetAccount.category))
    if own_partner is not None:
        stmt = stmt.where(BudgetAccount.partner_id == own_partner)
    accounts = db.session.execute(stmt).all()
    form.account.choices = [SelectChoice(0, _("All accounts"))] + [SelectChoice(i, name) for i, name in accounts]
    form.validate()
    f = queries.LedgerFilter(
        partner_id=own_partner,
        account_id=form.account.data if not form.account.errors else None,
        kind=LedgerKind(form.kind.data) if form.kind.data and not form.kind.errors else None,
        reference=(form.reference.data or "").strip()[:20],
        date_from=form.date_from.data if not form.date_from.errors else None,
        date_to=form.date_to.data if not form.date_to.errors else None)
    page = queries.paginate_rows(queries.ledger_select(f, with_actor=True), current_app.config["PAGE_SIZE"])
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("budget/ledger.html", form=form, page=page, args=args)


# --- the aid register -------------------------------------------------------------------------

@bp.get("/aid")
@roles_required(*AID_VIEWERS)
def aid_register():
    """State aid per beneficiary: totals per legal basis and headroom under each ceiling."""
    counties = current_app.config["COUNTIES"]
    own = current_user.role is Role.APPLICANT
    raw_kind = request.args.get("kind", "")
    if own:  # an applicant sees its own organisation, whatever the filters say
        f = queries.AidFilter(organisation_id=current_user.organisation_id or -1)
    else:
        f = queries.AidFilter(
            county=request.args.get("county", "") if request.args.get("county", "") in counties else "",
            kind=OrgKind(raw_kind) if raw_kind in {k.value for k in OrgKind} else None,
            q=request.args.get("q", "").strip()[:100])
    stmt, today = queries.aid_register_select(f)
    page = queries.paginate_rows(stmt, current_app.config["PAGE_SIZE"])
    region = current_app.config["HUB_REGION_COUNTIES"]
    county_choices = [(c, counties[c]) for c in region] + sorted(
        ((c, n) for c, n in counties.items() if c not in region), key=lambda cn: cn[1])
    return render_template("budget/aid_register.html", page=page, rows=queries.aid_rows(page.items), f=f,
                           own=own, today=today, window_start=services.window_start(today),
                           counties=county_choices, county_names=counties, kinds=list(OrgKind),
                           ceilings=current_app.config["AID_CEILINGS_CENTS"],
                           args={"county": f.county, "kind": f.kind.value if f.kind else "", "q": f.q})


@bp.get("/aid/<int:org_id>")
@roles_required(*AID_VIEWERS)
def aid_detail(org_id: int):
    """One beneficiary's grants (reversed ones too), declared outside aid and headroom."""
    org = db.get_or_404(Organisation, org_id)
    if not can_view_aid_of(current_user, org):
        abort(404)  # an applicant does not learn that another organisation exists
    detail = queries.aid_detail(org)
    return render_template("budget/aid_detail.html", org=org, d=detail,
                           county_names=current_app.config["COUNTIES"])
