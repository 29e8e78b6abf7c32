"""seed-demo's calls (an open rolling call, a closed competitive call whose cut-off falls
inside its ranking, accepted agreements, --scale calls) and the CLI commands of issue 12."""

from __future__ import annotations

import sqlalchemy as sa
from conftest import PASSWORD
from pypdf import PdfReader

from dih4society.applications.models import Application
from dih4society.calls import ranking
from dih4society.calls.demo import COMPETITIVE_TITLE_EN, default_call
from dih4society.calls.models import Call, CallPhase
from dih4society.extensions import db
from dih4society.vouchers.models import VoucherAgreement


def test_seed_demo_calls_ranking_agreements_and_scale(app, tmp_path):
    from dih4society.demo import seed

    with app.app_context():
        seed(PASSWORD, scale=40)
        seed(PASSWORD)  # idempotent
        assert default_call().phase() is CallPhase.OPEN
        calls = db.session.scalars(sa.select(Call).where(Call.title_en == COMPETITIVE_TITLE_EN)).all()
        assert len(calls) == 1 and calls[0].phase() is CallPhase.CLOSED
        plan = ranking.plan(calls[0])
        assert 0 < plan.cutoff_index < len(plan.rows)  # the cut-off falls inside the list
        standings = [r.standing for r in plan.rows]
        assert ranking.Standing.TO_FUND in standings and ranking.Standing.RESERVE in standings
        assert ranking.Standing.BELOW_MINIMUM in standings
        accepted = db.session.scalars(sa.select(Application.reference).join(
            VoucherAgreement, VoucherAgreement.application_id == Application.id)
            .where(VoucherAgreement.accepted_at.is_not(None))).all()
        assert accepted
        assert db.session.scalar(sa.select(sa.func.count(Application.id)).where(Application.call_id.is_(None))) == 0
        assert db.session.scalar(sa.select(sa.func.count(Call.id)).where(Call.title_en.like("Scale call %"))) == 1
        call_id = calls[0].id
    runner = app.test_cli_runner()
    verify = runner.invoke(args=["budget", "verify"])
    assert verify.exit_code == 0, verify.output
    out = tmp_path / "ranking.pdf"
    result = runner.invoke(args=["report", "ranking", "--call", str(call_id), "--output", str(out)])
    assert result.exit_code == 0, result.output
    text = PdfReader(out).pages[0].extract_text()
    assert "Cut-off after rank" in text and "Reserve" in text
    agreement = tmp_path / "agreement.pdf"
    result = runner.invoke(args=["report", "agreement", "--application", accepted[0], "--output", str(agreement)])
    assert result.exit_code == 0, result.output
    assert accepted[0] in PdfReader(agreement).pages[0].extract_text()
    missing = runner.invoke(args=["report", "ranking", "--call", "999999", "--output", str(out)])
    assert missing.exit_code == 1 and "no competitive call" in missing.output
