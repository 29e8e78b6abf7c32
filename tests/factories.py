"""Factories: each test builds the data it needs (inside an app context)."""

from __future__ import annotations

import itertools

from dih4society.assessments.demo import give_t0
from dih4society.auth.models import Role
from dih4society.auth.services import create_user
from dih4society.catalogue.models import Category, LegalBasis, Partner, Service
from dih4society.demo import fiscal_code
from dih4society.extensions import db
from dih4society.organisations.models import Organisation, OrgKind
from dih4society.organisations.services import classify_size

PASSWORD = "correct-horse-battery-9"
_seq = itertools.count(1)


def make_partner(code: str | None = None, **kw) -> Partner:
    n = next(_seq)
    partner = Partner(code=code or f"P{n}", name=kw.pop("name", f"Partner {n}"), **kw)
    db.session.add(partner)
    db.session.flush()
    return partner


def make_org(kind: OrgKind = OrgKind.SME, county: str = "CJ", *, t0: bool = True, **kw) -> Organisation:
    """An organisation; with `t0` (default) it has a submitted T0 assessment scored by the
    real scoring code, so it may submit its first application."""
    n = next(_seq)
    code = kw.pop("fiscal_code", fiscal_code(30_000_000 + n))
    staff = kw.pop("headcount", 20)
    turnover = kw.pop("turnover_cents", 100_000_000)
    balance = kw.pop("balance_sheet_cents", 50_000_000)
    org = Organisation(kind=kind, legal_name=kw.pop("legal_name", f"Organizația {n} SRL"),
                       fiscal_code=code, county=county, caen_code="2511", headcount=staff,
                       turnover_cents=turnover, balance_sheet_cents=balance,
                       size_class=classify_size(staff, turnover, balance),
                       undertaking_group=kw.pop("undertaking_group", code),
                       trade_register_no="J12/1/2020", **kw)
    db.session.add(org)
    db.session.flush()
    if t0:
        give_t0(org, seed=n)
    return org


def make_user(role: Role = Role.APPLICANT, *, org=None, partner=None, email=None, password=PASSWORD):
    n = next(_seq)
    if role is Role.APPLICANT and org is None:
        org = make_org()
    if role is Role.PARTNER_STAFF and partner is None:
        partner = make_partner()
    return create_user(email or f"user{n}@example.org", password, f"User {n}", role,
                       organisation=org, partner=partner)


def make_service(partner=None, category: Category = Category.TEST_BEFORE_INVEST, *,
                 value_cents: int = 1_000_000, basis: LegalBasis = LegalBasis.DE_MINIMIS,
                 kinds: str = "health_org,public_institution,small_midcap,sme", **kw) -> Service:
    n = next(_seq)
    service = Service(code=kw.pop("code", f"SVC-{n}"), name=kw.pop("name", f"Service {n}"),
                      category=category, partner_id=(partner or make_partner()).id,
                      market_value_cents=value_cents, co_payment_percent=kw.pop("co_payment_percent", 0),
                      legal_basis=basis, eligible_kinds=kinds, **kw)
    db.session.add(service)
    db.session.flush()
    return service
