"""Destructive steps carry data-confirm (static/js/app.js asks before sending them)."""

from __future__ import annotations

import re

from applications.builders import S, as_user, build, make_cast

from dih4society.extensions import db


def _confirmed_actions(html: str) -> set[str]:
    """The action of every form that carries data-confirm itself or on a button."""
    actions = set()
    for form in re.findall(r"<form\b[^>]*>.*?</form>", html, re.S):
        if "data-confirm=" in form:
            actions.add(re.search(r'action="([^"]*)"', form).group(1))
    return actions


def test_log_out_everywhere_deactivate_final_review_approve_and_reject_ask_first(app, seeded):
    with app.app_context():
        cast = make_cast()
        application = build(cast, S.IN_REVIEW, reviewed=False)
        app_id, applicant2, reviewer_id = application.id, cast.other_applicant.id, cast.reviewer.id
        db.session.commit()
    manager = as_user(app, "manager")
    assert "/auth/logout-everywhere" in _confirmed_actions(manager.get("/auth/account").get_data(as_text=True))
    reviewer = as_user(app, "partner")
    review_page = reviewer.get(f"/reviews/{app_id}").get_data(as_text=True)
    assert re.search(r'name="complete"[^>]*\s+data-confirm="Complete the review\?', review_page)
    with app.app_context():
        from applications.builders import review

        from dih4society.applications.models import Application
        from dih4society.auth.models import User

        review(db.session.get(User, reviewer_id), db.session.get(Application, app_id))
        db.session.commit()
    detail = manager.get(f"/applications/{app_id}").get_data(as_text=True)
    assert {f"/applications/{app_id}/approve", f"/applications/{app_id}/reject"} <= _confirmed_actions(detail)
    admin = as_user(app, "admin")
    user_page = admin.get(f"/admin/users/{applicant2}").get_data(as_text=True)
    assert f"/admin/users/{applicant2}/active/0" in _confirmed_actions(user_page)
