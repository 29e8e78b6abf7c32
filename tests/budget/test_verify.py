"""`flask budget verify` and the invariants of DESIGN.md §4 it checks."""

from __future__ import annotations

import sqlalchemy as sa
from budget.helpers import EUR, approve, build_hub, cancel, close, make_application
from factories import make_org

from dih4society.applications.models import Application, AppState
from dih4society.budget import services as budget
from dih4society.budget.models import AidGrant, BudgetAccount
from dih4society.extensions import db


def _books(app) -> dict:
    """A hub with an open, a closed and a cancelled application, committed."""
    with app.app_context():
        hub = build_hub()
        open_, closed, cancelled = (make_application(make_org(), hub.service, 10_000 * EUR) for _ in range(3))
        for a in (open_, closed, cancelled):
            approve(hub.admin, a)
        close(hub.admin, closed, 7_000 * EUR)
        cancel(hub.admin, cancelled)
        db.session.commit()
        return {"account": hub.account.id, "open": open_.id, "closed": closed.id, "cancelled": cancelled.id}


def test_verify_passes_and_prints_the_totals(app):
    _books(app)
    result = app.test_cli_runner().invoke(args=["budget", "verify"])
    assert result.exit_code == 0, result.output
    assert "OK: balances equal the ledger" in result.output
    assert "envelope: EUR     1,000,000.00" in result.output
    assert "committed: EUR        10,000.00" in result.output
    assert "spent: EUR         7,000.00" in result.output


def test_a_broken_cached_balance_makes_verify_fail(app):
    ids = _books(app)
    with app.app_context():
        db.session.execute(sa.update(BudgetAccount).where(BudgetAccount.id == ids["account"])
                           .values(committed_cents=BudgetAccount.committed_cents + 1))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["budget", "verify"])
    assert result.exit_code == 1
    assert "MISMATCH" in result.stderr
    assert "committed, spent) (10000000, 1000001, 700000) != ledger (10000000, 1000000, 700000)" in result.stderr


def test_verify_catches_what_the_ledger_and_the_applications_disagree_on(app):
    ids = _books(app)
    with app.app_context():
        assert budget.verify().ok
        closed = db.session.get(Application, ids["closed"])
        closed.actual_cost_cents = 6_000 * EUR  # the ledger spent 7,000
        opened = db.session.get(Application, ids["open"])
        opened.state = AppState.CLOSED  # closed without its money booked
        opened.actual_cost_cents = opened.approved_cents
        db.session.execute(sa.update(AidGrant).where(AidGrant.application_id == ids["cancelled"])
                           .values(reversed_on=None))
        db.session.flush()
        problems = "\n".join(budget.verify().problems)
        db.session.rollback()
    assert "closed with actual cost 600000 but 700000 spent" in problems
    assert "1000000 committed on the ledger, expected 0 (closed)" in problems
    assert "cancelled but its aid grant is not reversed" in problems


def test_verify_catches_an_envelope_that_the_accounts_do_not_hold(app):
    _books(app)
    with app.app_context():
        from dih4society.budget.models import BudgetSettings

        db.session.execute(sa.update(BudgetSettings).values(envelope_cents=BudgetSettings.envelope_cents + 1))
        result = budget.verify()
        db.session.rollback()
    assert not result.ok
    assert any("the envelope is" in p for p in result.problems)


def test_verify_checks_the_cached_dashboard_summaries(app):
    """A cached summary that no longer matches the ledger at the current mark is a problem."""
    from dataclasses import replace

    from dih4society.budget import queries
    from dih4society.budget.reconcile import verify
    from dih4society.core import marks
    from dih4society.core.i18n import current_language

    _books(app)
    with app.app_context():
        assert verify().ok
        mark = marks.current()
        good = queries.dashboard()
        broken = replace(good, totals=replace(good.totals, committed=good.totals.committed + 1))
        key = ("budget.dashboard.figures", current_language())  # the figures are cached per language
        marks.cached(key, lambda: broken, mark=mark + 1)  # another mark: ignored
        assert verify().ok
        marks.clear()
        marks.cached(key, lambda: broken, mark=mark)
        result = verify()
    assert not result.ok
    assert any("cached dashboard figures" in p for p in result.problems)
