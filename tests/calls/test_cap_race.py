"""Approvals racing for a call's cap, with real threads released together (the pattern of
tests/budget/test_concurrency.py). The budget accounts have money for everyone, in two
accounts of two partners: only the call's cap limits, and it must hold exactly."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from budget.helpers import EUR, build_hub, make_application
from budget.test_concurrency import THREADS, _approver, _race
from factories import make_org, make_partner, make_service

from dih4society import create_app
from dih4society.applications.models import Application, AppState
from dih4society.budget import services as budget
from dih4society.budget.models import LedgerEntry, LedgerKind
from dih4society.calls.models import Call, SelectionMode
from dih4society.catalogue.models import Category
from dih4society.core.db import utcnow
from dih4society.extensions import db

pytestmark = pytest.mark.slow

AMOUNT = 10_000 * EUR


@pytest.fixture
def race_app(app_config):
    options = {"pool_size": THREADS + 2, "max_overflow": 0, "pool_timeout": 60}
    application = create_app("testing", {**app_config, "SQLALCHEMY_ENGINE_OPTIONS": options})
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_racing_approvals_fill_the_call_cap_exactly_and_refuse_the_rest(race_app):
    room_for = 5
    with race_app.app_context():
        hub = build_hub(account_cents=THREADS * AMOUNT)
        other = make_partner()
        account2 = budget.ensure_account(other, Category.TEST_BEFORE_INVEST)
        budget.transfer(hub.admin, hub.reserve, account2, THREADS * AMOUNT, "race-fund:second-account")
        service2 = make_service(other, Category.TEST_BEFORE_INVEST, value_cents=AMOUNT)
        now = utcnow()
        call = Call(title_en="Race", title_ro="Cursă", opens_at=now - timedelta(days=2),
                    closes_at=now - timedelta(days=1), eligible_kinds="sme", eligible_counties="",
                    cap_cents=room_for * AMOUNT + AMOUNT // 2, committed_cents=0, spent_cents=0,
                    max_per_group=1, selection_mode=SelectionMode.COMPETITIVE, min_score=0)
        call.services = [hub.service, service2]
        db.session.add(call)
        db.session.flush()
        apps = []
        for i in range(THREADS):
            application = make_application(make_org(), hub.service if i % 2 else service2, AMOUNT)
            application.call_id = call.id
            apps.append(application.id)
        admin_id, call_id = hub.admin.id, call.id
        db.session.commit()
        dialect = db.engine.dialect.name

    outcomes = _race(race_app, _approver(admin_id), apps)

    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert outcomes.count("accepted") == room_for
    assert outcomes.count("refused: CallCapExceeded") == THREADS - room_for
    with race_app.app_context():
        call = db.session.get(Call, call_id)
        print(f"\n[{dialect}] approvals against one call cap: {THREADS} threads, {room_for} accepted, "
              f"{THREADS - room_for} refused; call cap {call.cap_cents} committed {call.committed_cents} "
              f"available {call.available_cents} (cents)")
        assert call.committed_cents == room_for * AMOUNT
        assert call.available_cents == AMOUNT // 2
        commits = db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(
            LedgerEntry.kind == LedgerKind.COMMIT))
        approved = db.session.scalar(sa.select(sa.func.count(Application.id)).where(
            Application.state == AppState.APPROVED))
        assert commits == approved == room_for
        result = budget.verify()
        assert result.ok, result.problems
