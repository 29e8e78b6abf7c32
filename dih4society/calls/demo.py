"""Demo calls. `ensure_rolling_call` is part of the base data: an open rolling call that
offers every service to every kind of organisation, so that applying (which always
happens within a call) works out of the box, and the tests' builders attach their
applications to it (`default_call()`)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ..catalogue.models import Service
from ..core.db import utcnow
from ..extensions import db
from ..organisations.models import OrgKind
from .models import Call, SelectionMode
from .services import local_moment

ROLLING_TITLE_EN = "Digital transformation vouchers: continuous call"
ROLLING_TITLE_RO = "Vouchere de transformare digitală: apel continuu"


def default_call() -> Call | None:
    """The base data's open rolling call."""
    return db.session.scalar(sa.select(Call).where(Call.title_en == ROLLING_TITLE_EN))


def ensure_rolling_call(admin) -> Call:
    """The open rolling call of the base data (idempotent): every service, every kind,
    every county, no cap of its own (the budget accounts bound it), two vouchers each."""
    call = default_call()
    if call is not None:
        return call
    call = Call(title_en=ROLLING_TITLE_EN, title_ro=ROLLING_TITLE_RO,
                description_en="Apply at any time while the call is open; applications are screened, "
                               "reviewed and decided as they come, while the budget lasts.",
                description_ro="Aplicați oricând cât timp apelul este deschis; cererile sunt verificate, "
                               "evaluate și decise pe măsură ce sosesc, în limita bugetului.",
                opens_at=local_moment(-90, 9), closes_at=local_moment(400, 17),
                eligible_kinds=",".join(sorted(k.value for k in OrgKind)), eligible_counties="",
                cap_cents=None, committed_cents=0, spent_cents=0, max_per_group=50,
                selection_mode=SelectionMode.ROLLING, min_score=0, created_by_id=admin.id)
    call.services = list(db.session.scalars(sa.select(Service).order_by(Service.code)))
    db.session.add(call)
    db.session.flush()
    return call


# --- seed-demo: a closed competitive call with a ranking, and calls for --scale ----------------------

COMPETITIVE_TITLE_EN = "Robotics and automation for manufacturing SMEs 2026 (competitive)"
COMPETITIVE_TITLE_RO = "Robotică și automatizare pentru IMM-urile producătoare 2026 (competitiv)"

#: name, fiscal-code seed, county, service, requested EUR, uniform rubric score (0-5), minutes after opening
CONTESTANTS = [
    ("Robotix Bihor SRL", 5_311_021, "BH", "TBI-ROB-01", 15_000, 5, 600),
    ("Metalurgica Someș SRL", 5_311_032, "CJ", "TBI-AI-01", 12_000, 4, 1_500),
    ("Mobila Nord Maramureș SRL", 5_311_043, "MM", "TBI-ROB-01", 10_000, 4, 2_900),
    ("Ceramica Sălaj SRL", 5_311_054, "SJ", "SKL-ROB-01", 5_000, 3, 4_000),
    ("Textila Carei SRL", 5_311_065, "SM", "TBI-AI-01", 9_000, 3, 5_200),
    ("Lactate Năsăud SRL", 5_311_076, "BN", "SKL-ROB-01", 4_500, 2, 6_100),
]
COMPETITIVE_CAP_EUR = 40_000


def seed_competitive_call(password: str) -> list[str]:
    """A competitive call that closed three days ago, with six reviewed applications whose
    cut-off falls inside the list (cap EUR 40,000: three funded, then the reserve, and one
    below the minimum score), left for the manager to decide by ranking. Idempotent."""
    from ..applications import services as applications
    from ..applications.models import Application
    from ..auth.models import Role, User
    from ..demo import EUR, _ensure_org, _ensure_user, fiscal_code
    from ..reviews import services as reviews
    from ..reviews.models import Recommendation

    if db.session.scalar(sa.select(Call.id).where(Call.title_en == COMPETITIVE_TITLE_EN)) is not None:
        return []
    admin = db.session.scalar(sa.select(User).where(User.role == Role.ADMIN).order_by(User.id))
    reviewer = db.session.scalar(sa.select(User).where(User.email == "partner.clujit@dih4society.example"))
    now = utcnow().replace(microsecond=0)
    opens = local_moment(-45, 9)
    codes = {c[3] for c in CONTESTANTS}
    call = Call(title_en=COMPETITIVE_TITLE_EN, title_ro=COMPETITIVE_TITLE_RO,
                description_en="Trials, proofs of concept and training in robotics and AI for manufacturing "
                               "SMEs. Ranked after closing by the weighted review score; minimum score 50.",
                description_ro="Teste, dovezi de concept și cursuri de robotică și IA pentru IMM-urile "
                               "producătoare. Ierarhizare după închidere, după punctajul ponderat; minimum 50.",
                opens_at=opens, closes_at=now + timedelta(hours=1), eligible_kinds="small_midcap,sme",
                eligible_counties="", cap_cents=COMPETITIVE_CAP_EUR * EUR, committed_cents=0, spent_cents=0,
                max_per_group=1, selection_mode=SelectionMode.COMPETITIVE, min_score=50,
                created_by_id=admin.id)
    call.services = list(db.session.scalars(sa.select(Service).where(Service.code.in_(codes))))
    db.session.add(call)
    db.session.flush()
    for i, (name, seed, county, code, requested, score, minutes) in enumerate(CONTESTANTS, start=1):
        org = _ensure_org(name, OrgKind.SME, fiscal_code(seed), f"J{10 + i:02d}/{300 + i}/2018", county,
                          "2511", 30 + 10 * i, 2_500_000 + 400_000 * i, 1_800_000)
        user = _ensure_user(f"contestant{i}@dih4society.example", f"Contestant {i}", Role.APPLICANT,
                            password, org=org)
        from ..assessments import services as dma
        from ..assessments.demo import give_t0

        if dma.latest_submitted(org.id, "T0") is None:  # a first application needs a T0 (issue 11)
            give_t0(org, maturity=0.3 + 0.05 * i, seed=100 + i)
        service = next(s for s in call.services if s.code == code)
        data = applications.ApplicationData(
            justification="We want to test automation on our own production before we invest in it.",
            requested_cents=min(requested * EUR, service.market_value_cents), decl_sme=True,
            decl_not_in_difficulty=True, decl_no_recovery_order=True, decl_outside_aid_complete=True)
        application = applications.create_draft(user, service, data, call=call, submit_now=True)
        applications.start_review(reviewer, application)
        reviews.save_review(reviewer, application, {c.code: score for c in reviews.rubric()},
                            Recommendation.APPROVE if score >= 3 else Recommendation.REJECT,
                            "Scored for the demo ranking.", complete=True)
        # History: submitted while the call was open (it closed three days ago).
        application.submitted_at = opens + timedelta(minutes=minutes)
        db.session.flush()
    call.closes_at = local_moment(-3, 17)
    db.session.flush()
    assert db.session.scalar(sa.select(sa.func.count(Application.id)).where(Application.call_id == call.id)) == 6
    return [f"calls: an open rolling call and a closed competitive call (id {call.id}) with a ranking to decide"]


def seed_scale_calls(n: int) -> str:
    """`--scale N`: one more rolling call per 250 organisations; the scale applications that
    have no call are spread over them, and the calls' figures computed from the ledger."""
    from ..applications.models import Application
    from ..budget.models import LedgerEntry, LedgerKind

    k = max(1, n // 250)
    now = utcnow().replace(microsecond=0)
    existing = {c.title_en: c for c in db.session.scalars(sa.select(Call).where(Call.title_en.like("Scale call %")))}
    calls = []
    services_ = list(db.session.scalars(sa.select(Service)))
    for i in range(1, k + 1):
        title = f"Scale call {i}"
        call = existing.get(title)
        if call is None:
            call = Call(title_en=title, title_ro=f"Apel de volum {i}", opens_at=now - timedelta(days=800),
                        closes_at=now + timedelta(days=30 * i), eligible_kinds=",".join(k.value for k in OrgKind),
                        eligible_counties="", cap_cents=None, committed_cents=0, spent_cents=0,
                        max_per_group=50, selection_mode=SelectionMode.ROLLING, min_score=0)
            call.services = services_
            db.session.add(call)
        calls.append(call)
    db.session.flush()
    ids = [c.id for c in calls]
    orphan = Application.__table__
    for index, call_id in enumerate(ids):
        db.session.execute(sa.update(orphan).where(orphan.c.call_id.is_(None), orphan.c.id % len(ids) == index)
                           .values(call_id=call_id))
    le = LedgerEntry.__table__

    def total(call_id: int, kinds) -> sa.ScalarSelect:
        apps = sa.select(orphan.c.id).where(orphan.c.call_id == call_id)
        return sa.select(sa.func.coalesce(sa.func.sum(le.c.amount_cents), 0)).where(
            le.c.application_id.in_(apps), le.c.kind.in_([k.value for k in kinds])).scalar_subquery()

    for call_id in ids:
        db.session.execute(sa.update(Call.__table__).where(Call.__table__.c.id == call_id).values(
            committed_cents=total(call_id, [LedgerKind.COMMIT]) - total(call_id, [LedgerKind.RELEASE, LedgerKind.SPEND]),
            spent_cents=total(call_id, [LedgerKind.SPEND])))
    db.session.commit()
    return f"scale: {k} call(s) hold the scale applications"
