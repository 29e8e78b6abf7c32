"""Demo data: the real consortium, a realistic catalogue, organisations and accounts.

`seed()` is idempotent: run it again and nothing is duplicated. `scale=N` adds N
organisations (deterministic fiscal codes, so also idempotent) with about four
applications each, written in bulk for benchmarks but obeying every ledger rule.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import sqlalchemy as sa
from stdnum.ro import cui

from .applications.models import Application, AppState, ReferenceCounter
from .auth.models import Role, User
from .auth.services import create_user, hash_password
from .budget import services as budget
from .budget.models import AidGrant, BudgetAccount, LedgerEntry, LedgerKind
from .catalogue.models import Category, LegalBasis, Partner, Service
from .core.money import co_payment_of
from .extensions import db
from .organisations.models import Organisation, OrgKind
from .organisations.services import classify_size
from .reviews.models import RubricCriterion

EUR = 100

PARTNERS = [
    ("CLUJIT", "Cluj IT Cluster", "Cluj-Napoca", True),
    ("UTCN", "Technical University of Cluj-Napoca", "Cluj-Napoca", False),
    ("UO", "University of Oradea", "Oradea", False),
    ("CCIBN", "Chamber of Commerce and Industry Bistrița-Năsăud", "Bistrița", False),
]

ALL_KINDS = "health_org,public_institution,small_midcap,sme"
ENTERPRISES = "small_midcap,sme"

# code, name, category, partner, market value EUR, legal basis, eligible kinds, description
SERVICES = [
    ("TBI-ROB-01", "Collaborative robot cell trial", Category.TEST_BEFORE_INVEST, "UTCN", 18000,
     LegalBasis.GBER_28, ENTERPRISES, "Two weeks of trials with a cobot cell on your own parts in the UTCN robotics lab."),
    ("TBI-CYB-01", "Penetration test and security audit", Category.TEST_BEFORE_INVEST, "CLUJIT", 12000,
     LegalBasis.GBER_28, ALL_KINDS, "External and internal penetration test with a remediation plan."),
    ("TBI-AI-01", "AI proof of concept on your data", Category.TEST_BEFORE_INVEST, "UTCN", 25000,
     LegalBasis.GBER_28, ENTERPRISES, "A data-science team builds and evaluates a machine-learning prototype."),
    ("TBI-DT-01", "Digital twin feasibility study", Category.TEST_BEFORE_INVEST, "CLUJIT", 38000,
     LegalBasis.GBER_28, "health_org,small_midcap,sme", "A digital twin of one production line, built and tested with your process data."),
    ("TBI-IOT-01", "Industrial IoT sensor pilot", Category.TEST_BEFORE_INVEST, "UO", 15000,
     LegalBasis.GBER_28, "health_org,small_midcap,sme", "Sensor retrofit pilot for one production line or ward, with dashboards."),
    ("SKL-CYB-01", "Cybersecurity awareness training", Category.SKILLS_TRAINING, "CLUJIT", 3000,
     LegalBasis.DE_MINIMIS, ALL_KINDS, "Two-day course for up to 20 staff: phishing, passwords, incident reporting."),
    ("SKL-DIG-01", "Digital skills for public servants", Category.SKILLS_TRAINING, "UO", 4000,
     LegalBasis.NO_AID, "public_institution", "E-government, data protection and digital document workflows."),
    ("SKL-ROB-01", "Robot programming course", Category.SKILLS_TRAINING, "UTCN", 5500,
     LegalBasis.DE_MINIMIS, ENTERPRISES, "Five-day hands-on course in programming industrial robots."),
    ("SKL-DATA-01", "Data literacy for health professionals", Category.SKILLS_TRAINING, "UO", 3500,
     LegalBasis.DE_MINIMIS, "health_org", "Working with clinical data, dashboards and privacy."),
    ("INV-PLAN-01", "Digital investment plan", Category.INVESTMENT_SUPPORT, "CCIBN", 8000,
     LegalBasis.GBER_28, ENTERPRISES, "A costed digital investment plan ready for a bank or a funding call."),
    ("INV-FUND-01", "Funding-call readiness coaching", Category.INVESTMENT_SUPPORT, "CCIBN", 6000,
     LegalBasis.DE_MINIMIS, ALL_KINDS, "Coaching for an application to a national or EU funding call."),
    ("INV-PITCH-01", "Investor matchmaking", Category.INVESTMENT_SUPPORT, "CLUJIT", 7000,
     LegalBasis.DE_MINIMIS, ENTERPRISES, "Pitch preparation and introductions to investors."),
    ("NET-MATCH-01", "Technology partner matchmaking", Category.ECOSYSTEM_NETWORKING, "CLUJIT", 2500,
     LegalBasis.DE_MINIMIS, ALL_KINDS, "Introductions to technology providers and research groups."),
    ("NET-EVT-01", "Industry 4.0 demo day", Category.ECOSYSTEM_NETWORKING, "CCIBN", 1500,
     LegalBasis.DE_MINIMIS, ALL_KINDS, "A day of live demonstrations and B2B meetings."),
    ("NET-EDIH-01", "Cross-border EDIH network introduction", Category.ECOSYSTEM_NETWORKING, "UTCN", 3000,
     LegalBasis.DE_MINIMIS, ENTERPRISES, "Access to services of other European Digital Innovation Hubs."),
]

#: Services whose beneficiaries pay part of the value themselves (percent); the others are free.
CO_PAYMENT_PERCENT = {"TBI-IOT-01": 20}

#: Allocation per partner (EUR), split over its categories by the services it offers.
PARTNER_ALLOCATION_EUR = {"CLUJIT": 1_100_000, "UTCN": 1_300_000, "UO": 800_000, "CCIBN": 600_000}
ENVELOPE_EUR = 4_000_000

RUBRIC = [
    ("relevance", "Relevance to the organisation's digital transformation", 3),
    ("readiness", "Readiness to use the service (people, data, time)", 2),
    ("impact", "Expected impact on processes, products or services", 3),
    ("region", "Benefit to the region and the hub's focus areas", 2),
]

FIRST = ["Andrei", "Ioana", "Mihai", "Ana", "Ștefan", "Maria", "Bogdan", "Elena", "Radu", "Cristina",
         "Tudor", "Alexandra", "Vlad", "Roxana", "Sorin", "Mădălina", "Călin", "Irina", "Dănuț", "Oana"]
LAST = ["Popescu", "Pop", "Mureșan", "Bălan", "Moldovan", "Crișan", "Țărmure", "Sălăjan", "Văduva",
        "Știr", "Lăcătuș", "Rus", "Ardelean", "Oltean", "Mîndru", "Pârvu", "Cîmpean", "Iancu"]
NAME_PARTS = ["Tehnoplast", "Agroindustrială", "Mobilă", "Construcții", "Metalurgica", "Textila",
              "Electrocentrale", "Panificația", "Lactate", "Ceramica", "Sticlăria", "Tâmplăria",
              "Mecanica", "Logistică", "Țesătoria", "Brânzeturi", "Oțelăria", "Prelucrări"]
TOWNS = {"BH": ["Oradea", "Salonta", "Marghita"], "BN": ["Bistrița", "Beclean", "Năsăud"],
         "CJ": ["Cluj", "Turda", "Dej", "Câmpia Turzii"], "MM": ["Baia Mare", "Sighet", "Borșa"],
         "SM": ["Satu Mare", "Carei", "Negrești-Oaș"], "SJ": ["Zalău", "Șimleu", "Jibou"]}
COUNTY_ONRC = {"BH": 5, "BN": 6, "CJ": 12, "MM": 24, "SM": 30, "SJ": 31}


def fiscal_code(n: int) -> str:
    """A valid CUI built from a number (check digit computed by python-stdnum)."""
    base = str(n)
    return base + cui.calc_check_digit(base)


def _partner_map() -> dict[str, Partner]:
    return {p.code: p for p in db.session.scalars(sa.select(Partner))}


def seed_base(password: str) -> list[str]:
    """Partners, catalogue, rubric, budget and demo accounts; skipped parts that exist."""
    lines: list[str] = []
    partners = _partner_map()
    for code, name, city, coord in PARTNERS:
        if code not in partners:
            partners[code] = Partner(code=code, name=name, city=city, is_coordinator=coord)
            db.session.add(partners[code])
    db.session.flush()
    existing = set(db.session.scalars(sa.select(Service.code)))
    for code, name, cat, partner, value, basis, kinds, desc in SERVICES:
        if code not in existing:
            db.session.add(Service(code=code, name=name, category=cat, partner_id=partners[partner].id,
                                   market_value_cents=value * EUR,
                                   co_payment_percent=CO_PAYMENT_PERCENT.get(code, 0),
                                   legal_basis=basis, eligible_kinds=kinds, description=desc))
    existing_rubric = set(db.session.scalars(sa.select(RubricCriterion.code)))
    for pos, (code, label, weight) in enumerate(RUBRIC):
        if code not in existing_rubric:
            db.session.add(RubricCriterion(code=code, label=label, weight=weight, position=pos))
    db.session.flush()
    from .catalogue.demo_ro import add_romanian; add_romanian()  # noqa: E702, I001

    admin = _ensure_user("admin@dih4society.example", "Adriana Mureșan", Role.ADMIN, password)
    if budget.get_settings() is None:
        budget.set_envelope(admin, ENVELOPE_EUR * EUR, 50)
        reserve = budget.reserve_account()
        for code, total in PARTNER_ALLOCATION_EUR.items():
            cats = sorted({s[2] for s in SERVICES if s[3] == code}, key=lambda c: c.value)
            share = total * EUR // len(cats)
            for i, cat in enumerate(cats):
                amount = share if i < len(cats) - 1 else total * EUR - share * (len(cats) - 1)
                account = budget.ensure_account(partners[code], cat)
                budget.transfer(admin, reserve, account, amount, f"demo-alloc:{account.id}",
                                note="initial allocation")
        lines.append(f"budget: envelope EUR {ENVELOPE_EUR:,}, split over {len(PARTNERS)} partners")

    _ensure_user("manager@dih4society.example", "Mihai Pop", Role.MANAGER, password)
    approver = _ensure_user("partner@dih4society.example", "Ioana Crișan", Role.PARTNER_STAFF, password,
                            partner=partners["UTCN"])
    if not approver.is_approver:
        from .admin.services import set_approver

        set_approver(admin, approver, True)  # the demo's partner approver (audited like any grant)
    _ensure_user("partner.clujit@dih4society.example", "Radu Moldovan", Role.PARTNER_STAFF, password,
                 partner=partners["CLUJIT"])
    _ensure_user("partner.uo@dih4society.example", "Elena Văduva", Role.PARTNER_STAFF, password,
                 partner=partners["UO"])
    _ensure_user("partner.ccibn@dih4society.example", "Tudor Știr", Role.PARTNER_STAFF, password,
                 partner=partners["CCIBN"])

    sme = _ensure_org("Tehnoplast Someș SRL", OrgKind.SME, fiscal_code(1854729), "J12/1483/2015",
                      "CJ", "2229", 42, 3_800_000, 2_900_000)
    health = _ensure_org("Clinica Sfânta Maria Oradea SRL", OrgKind.HEALTH_ORG, fiscal_code(3112457),
                         "J05/877/2009", "BH", "8622", 85, 6_500_000, 4_100_000)
    _ensure_org("Primăria Municipiului Zalău", OrgKind.PUBLIC_INSTITUTION, fiscal_code(4494162), None,
                "SJ", "8411", 310, 0, 0)
    _ensure_user("applicant@dih4society.example", "Andrei Bălan", Role.APPLICANT, password, org=sme)
    _ensure_user("applicant2@dih4society.example", "Maria Oltean", Role.APPLICANT, password, org=health)
    from .calls.demo import ensure_rolling_call  # applying happens within a call (issue 12)
    ensure_rolling_call(admin)
    db.session.flush()
    from .assessments.demo import seed_base_assessments
    lines += seed_base_assessments()
    return lines


def _ensure_user(email, name, role, password, partner=None, org=None) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = create_user(email, password, name, role, partner=partner, organisation=org)
    return user


def _ensure_org(name, kind, code, trade_no, county, caen, staff, turnover_eur, balance_eur) -> Organisation:
    org = db.session.scalar(sa.select(Organisation).where(Organisation.fiscal_code == code))
    if org is None:
        org = Organisation(kind=kind, legal_name=name, fiscal_code=code, trade_register_no=trade_no,
                           county=county, caen_code=caen, headcount=staff,
                           turnover_cents=turnover_eur * EUR, balance_sheet_cents=balance_eur * EUR,
                           size_class=classify_size(staff, turnover_eur * EUR, balance_eur * EUR),
                           undertaking_group=code)
        db.session.add(org)
        db.session.flush()
    return org


def seed(password: str, scale: int = 0) -> str:
    """Load the demo data and commit; return a summary with the demo accounts."""
    lines = seed_base(password)
    try:
        from .applications.demo import seed_applications
    except ImportError:
        seed_applications = None
    if seed_applications is not None:
        lines += seed_applications()
        from .assessments.demo import seed_follow_ups
        lines += seed_follow_ups()
    from .calls.demo import seed_competitive_call  # issue 12
    lines += seed_competitive_call(password)
    db.session.commit()
    import logging

    from .core.mail import deliver_pending

    # Hundreds of demo notifications would bury the accounts printed below: keep the
    # per-message mail log out of the terminal and print one summary line instead.
    mail_log = logging.getLogger("dih4society.core.mail")
    level = mail_log.level
    mail_log.setLevel(logging.WARNING)
    try:
        sent = deliver_pending(limit=100_000)
    finally:
        mail_log.setLevel(level)
    if sent:
        lines.append(f"outbox: {sent} demo notification e-mail(s) sent (kept in the outbox table, not printed)")
    if scale:
        lines.append(seed_scale(scale, scale_envelope=True))
        from .assessments.demo import seed_scale_assessments
        lines.append(seed_scale_assessments())
        from .calls.demo import seed_scale_calls
        lines.append(seed_scale_calls(scale))
    lines.append(f"demo accounts (password: {password}):")
    for email in ("admin", "manager", "partner", "applicant", "applicant2"):
        lines.append(f"  {email}@dih4society.example")
    return "\n".join(lines)


# --- scale data for benchmarks ---------------------------------------------------------

SCALE_STATES = [AppState.DRAFT, AppState.SUBMITTED, AppState.IN_REVIEW, AppState.RETURNED,
                AppState.REJECTED, AppState.WITHDRAWN, AppState.APPROVED, AppState.IN_DELIVERY,
                AppState.DELIVERED, AppState.CLOSED, AppState.CLOSED, AppState.CANCELLED]
COMMITTED_STATES = {AppState.APPROVED, AppState.IN_DELIVERY, AppState.DELIVERED}


def _grow_envelope(n: int, apps_per_org: int, services, accounts) -> None:
    """Add to the envelope, then move to each account, what `n` organisations' applications
    are expected to commit there (5 in 12 states commit money; 20 % headroom)."""
    if not services:
        return
    share = Fraction(5, 12) * n * apps_per_org / len(services) * Fraction(6, 5)
    need = {key: int(share * sum(s.market_value_cents for s in services if (s.partner_id, s.category) == key))
            for key in accounts}
    total = sum(need.values())
    settings = budget.get_settings()
    if not total or settings is None:
        return
    budget.set_envelope(None, settings.envelope_cents + total, settings.eu_share_percent)
    reserve = budget.reserve_account()
    for key, amount in need.items():
        if amount:
            budget.transfer(None, reserve, accounts[key], amount, f"scale:{n}:{accounts[key].id}",
                            note="seed-demo --scale: the envelope grows with the data")
    db.session.flush()
    for account in accounts.values():
        db.session.refresh(account)


def seed_scale(n: int, apps_per_org: int = 4, seed_value: int = 2026, *, scale_envelope: bool = False) -> str:
    """Bulk-insert `n` organisations with applications, keeping the ledger consistent.

    `scale_envelope` (``seed-demo --scale``) first grows the envelope and each account
    by what the new applications are expected to commit, so large data keeps realistic
    proportions of every state instead of mostly rejections."""
    rng = random.Random(seed_value)
    codes = [fiscal_code(20_000_000 + i) for i in range(n)]
    have = set(db.session.scalars(sa.select(Organisation.fiscal_code).where(
        Organisation.fiscal_code.in_(codes[:1] + codes[-1:]))))
    if len(have) == 2:
        return f"scale: {n} organisations already present"
    have = set()
    for i in range(0, n, 1000):
        have |= set(db.session.scalars(sa.select(Organisation.fiscal_code).where(
            Organisation.fiscal_code.in_(codes[i:i + 1000]))))
    services = db.session.scalars(sa.select(Service).where(Service.active.is_(True))).all()
    accounts = {(a.partner_id, a.category): a for a in db.session.scalars(
        sa.select(BudgetAccount).where(BudgetAccount.is_reserve.is_(False)))}
    if scale_envelope and n - len(have):
        _grow_envelope(n - len(have), apps_per_org, services, accounts)
    room = {key: acc.available_cents for key, acc in accounts.items()}
    pw_hash = hash_password("scale-user-password-not-for-login")
    counties = list(TOWNS)
    kinds = [OrgKind.SME] * 7 + [OrgKind.HEALTH_ORG, OrgKind.PUBLIC_INSTITUTION, OrgKind.SMALL_MIDCAP]
    now = datetime.now(UTC)
    year = now.year
    counter = db.session.get(ReferenceCounter, year)
    if counter is None:
        counter = ReferenceCounter(year=year, last_value=0)
        db.session.add(counter)
        db.session.flush()
    seq = counter.last_value
    created = 0
    batch_orgs, batch_users = [], []
    for i, code in enumerate(codes):
        if code in have:
            continue
        kind = rng.choice(kinds)
        county = rng.choice(counties)
        staff = {OrgKind.SMALL_MIDCAP: rng.randint(260, 700)}.get(kind, rng.randint(1, 240))
        turnover = rng.randint(100_000, 40_000_000) * EUR if kind is not OrgKind.SMALL_MIDCAP else rng.randint(60_000_000, 140_000_000) * EUR
        balance = turnover // 2
        size = classify_size(staff, turnover, balance)
        name = f"{rng.choice(NAME_PARTS)} {rng.choice(TOWNS[county])} {i}"
        batch_orgs.append(dict(kind=kind, legal_name=name + (" SRL" if kind in (OrgKind.SME, OrgKind.SMALL_MIDCAP) else ""),
                               fiscal_code=code, vat_registered=False,
                               trade_register_no=f"J{COUNTY_ONRC[county]:02d}/{1000 + i % 9000}/{2000 + i % 24}"
                               if kind in (OrgKind.SME, OrgKind.SMALL_MIDCAP) else None,
                               county=county, caen_code=rng.choice(["2511", "1071", "2222", "3109", "8622", "8411"]),
                               headcount=staff, turnover_cents=turnover, balance_sheet_cents=balance,
                               size_class=size, undertaking_group=code, created_at=now))
        created += 1
    for i in range(0, len(batch_orgs), 2000):
        db.session.execute(sa.insert(Organisation), batch_orgs[i:i + 2000])
    db.session.flush()
    org_rows = []
    for i in range(0, n, 1000):
        org_rows += db.session.execute(sa.select(Organisation.id, Organisation.fiscal_code, Organisation.kind)
                                       .where(Organisation.fiscal_code.in_(codes[i:i + 1000]))).all()
    new_orgs = [r for r in org_rows if r.fiscal_code not in have]
    for org_id, code, _kind in new_orgs:
        batch_users.append(dict(email=f"user{code}@scale.example", full_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                                password_hash=pw_hash, role=Role.APPLICANT, organisation_id=org_id,
                                active=True, session_version=1, created_at=now))
    for i in range(0, len(batch_users), 2000):
        db.session.execute(sa.insert(User), batch_users[i:i + 2000])
    users = dict(db.session.execute(sa.select(User.organisation_id, User.id).where(User.email.like("%@scale.example"))).all())

    apps, entries, grants = [], [], []
    app_id = (db.session.scalar(sa.select(sa.func.max(Application.id))) or 0)
    ledger_sum: dict[int, list[int]] = {}
    for org_id, code, kind in new_orgs:
        eligible = [s for s in services if s.is_eligible_kind(kind)]
        for _ in range(apps_per_org):
            svc = rng.choice(eligible)
            state = rng.choice(SCALE_STATES)
            requested = svc.market_value_cents
            approved = actual = None
            key = (svc.partner_id, svc.category)
            if state in COMMITTED_STATES | {AppState.CLOSED, AppState.CANCELLED}:
                approved = requested - rng.randint(0, 10) * 100 * EUR // 10
                approved = max(approved, 100 * EUR)
                if state in COMMITTED_STATES and room.get(key, 0) < approved:
                    state = AppState.REJECTED
                    approved = None
                elif state is AppState.CLOSED:
                    actual = approved - rng.randint(0, 5) * 10 * EUR
                    if room.get(key, 0) < actual:
                        state, approved, actual = AppState.REJECTED, None, None
            app_id += 1
            submitted = now - timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1440))
            ref = None
            if state is not AppState.DRAFT:
                seq += 1
                ref = f"DIH-{year}-{seq:06d}"
            row = dict(id=app_id, reference=ref, organisation_id=org_id, service_id=svc.id,
                       created_by_id=users[org_id], state=state, requested_cents=requested,
                       approved_cents=approved, actual_cost_cents=actual,
                       justification="Scale data for benchmarks.", decl_sme=True,
                       decl_not_in_difficulty=True, decl_no_recovery_order=True,
                       decl_outside_aid_complete=True, created_at=submitted, updated_at=submitted,
                       submitted_at=submitted if ref else None, legal_basis=None, aid_cents=None,
                       budget_account_id=None)
            if approved is not None:
                acc = accounts[key]
                row["budget_account_id"] = acc.id
                decided = min(submitted + timedelta(days=rng.randint(5, 30)), now)
                row["decided_at"] = decided
                aid_basis = svc.legal_basis if kind is not OrgKind.PUBLIC_INSTITUTION else LegalBasis.NO_AID
                row["legal_basis"] = aid_basis
                pct = svc.co_payment_percent
                co_approved = co_payment_of(approved, pct)
                covered = approved - co_approved  # what the budget commits; the aid when there is aid
                row["co_payment_percent"], row["co_payment_cents"] = pct, co_approved
                aid_approved = covered if aid_basis is not LegalBasis.NO_AID else 0
                row["aid_cents"] = aid_approved
                if state is AppState.CLOSED:  # restated to the final cost covered
                    row["co_payment_cents"] = co_payment_of(actual, pct)
                    row["aid_cents"] = actual - row["co_payment_cents"] if aid_basis is not LegalBasis.NO_AID else 0
                if aid_basis is not LegalBasis.NO_AID:
                    closed_on = min(decided + timedelta(days=rng.randint(20, 90)), now) \
                        if state is AppState.CLOSED else None
                    grants.append(dict(application_id=app_id, organisation_id=org_id, undertaking_group=code,
                                       legal_basis=aid_basis, granted_on=decided.date(),
                                       market_value_cents=approved, co_payment_cents=row["co_payment_cents"],
                                       approved_aid_cents=aid_approved, aid_cents=row["aid_cents"],
                                       final_value_cents=actual if closed_on else None,
                                       restated_on=closed_on.date() if closed_on else None,
                                       reversed_on=min(decided + timedelta(days=3), now).date() if state is AppState.CANCELLED else None,
                                       created_at=decided))
                    row["_closed"] = closed_on
                entries.append(dict(account_id=acc.id, application_id=app_id, kind=LedgerKind.COMMIT,
                                    amount_cents=covered, idempotency_key=f"app:{app_id}:commit",
                                    note=ref, created_at=decided))
                bal = ledger_sum.setdefault(acc.id, [0, 0])
                closed_on = row.pop("_closed", None)
                if state in COMMITTED_STATES:
                    room[key] -= covered
                    bal[0] += covered
                elif state is AppState.CANCELLED:
                    row["cancelled_at"] = min(decided + timedelta(days=3), now)
                    row["cancel_reason"] = "Scale data"
                    entries.append(dict(account_id=acc.id, application_id=app_id, kind=LedgerKind.RELEASE,
                                        amount_cents=covered, idempotency_key=f"app:{app_id}:release",
                                        note=ref, created_at=min(decided + timedelta(days=3), now)))
                else:  # closed: the final cost covered is spent, the rest released
                    closed = closed_on or min(decided + timedelta(days=rng.randint(20, 90)), now)
                    row["closed_at"] = closed
                    row["delivered_on"] = closed.date()
                    spent = actual - co_payment_of(actual, pct)
                    room[key] -= spent
                    bal[1] += spent
                    if spent:
                        entries.append(dict(account_id=acc.id, application_id=app_id, kind=LedgerKind.SPEND,
                                            amount_cents=spent, idempotency_key=f"app:{app_id}:spend",
                                            note=ref, created_at=closed))
                    if covered - spent:
                        entries.append(dict(account_id=acc.id, application_id=app_id, kind=LedgerKind.RELEASE,
                                            amount_cents=covered - spent,
                                            idempotency_key=f"app:{app_id}:release", note=ref, created_at=closed))
            apps.append(row)
    for table, rows in ((Application, apps), (LedgerEntry, entries), (AidGrant, grants)):
        for i in range(0, len(rows), 2000):
            db.session.execute(sa.insert(table), rows[i:i + 2000])
    for acc_id, (committed, spent) in ledger_sum.items():
        db.session.execute(sa.update(BudgetAccount).where(BudgetAccount.id == acc_id).values(
            committed_cents=BudgetAccount.committed_cents + committed,
            spent_cents=BudgetAccount.spent_cents + spent))
    counter.last_value = seq
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT setval(pg_get_serial_sequence('applications', 'id'), "
                                   "(SELECT max(id) FROM applications))"))
        db.session.commit()
    return f"scale: {created} organisations, {len(apps)} applications, {len(entries)} ledger entries"
