"""Call pages through the test client: public list and page, managers' form (with bad
input), applying within a call, and the results list published (or not)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from applications.builders import FORM, as_user, service_id

from dih4society.applications.models import Application
from dih4society.calls.models import Call, SelectionMode
from dih4society.core.db import utcnow
from dih4society.extensions import db


def _form(ids, **over) -> dict:
    values = {"title_en": "Robotics call", "title_ro": "Apel robotică", "description_en": "Cobots.",
              "description_ro": "Coboți.", "opens_at": "2026-07-01T09:00", "closes_at": "2026-07-31T17:00",
              "eligible_kinds": ["sme", "small_midcap"], "service_ids": [str(s) for s in ids],
              "cap": "50000.00", "max_per_group": "1", "selection_mode": "competitive", "min_score": "60",
              "results_show_names": "y"}
    values.update(over)
    return values


def test_visitors_see_the_calls_and_a_call_page(client, seeded):
    page = client.get("/calls/").get_data(as_text=True)
    assert "Digital transformation vouchers: continuous call" in page and "Open calls" in page
    detail = client.get("/calls/1").get_data(as_text=True)
    assert "TBI-ROB-01" in detail and "(Europe/Bucharest)" in detail
    assert "/applications/new" not in detail  # visitors get no apply button
    assert client.get("/calls/999").status_code == 404


def test_a_manager_creates_a_call_in_bucharest_time(app, seeded):
    sid = service_id(app)
    client = as_user(app, "manager")
    assert client.get("/calls/new").status_code == 200
    response = client.post("/calls/new", data=_form([sid]))
    assert response.status_code == 302
    with app.app_context():
        call = db.session.scalar(sa.select(Call).where(Call.title_en == "Robotics call"))
        assert call.opens_at.isoformat() == "2026-07-01T06:00:00+00:00"  # EEST is UTC+3
        assert call.cap_cents == 5_000_000 and call.selection_mode is SelectionMode.COMPETITIVE
        assert call.kind_values == ["small_midcap", "sme"]


def test_bad_input_gets_a_message_and_stores_nothing(app, seeded):
    sid = service_id(app)
    client = as_user(app, "admin")
    for over, message in (({"closes_at": "2026-06-30T17:00"}, "must close after it opens"),
                          ({"service_ids": []}, "at least one service"),
                          ({"cap": "abc"}, "Enter an amount"),
                          ({"opens_at": ""}, "Give the opening moment")):
        response = client.post("/calls/new", data=_form([sid], **over))
        assert response.status_code == 400, over
        assert message in response.get_data(as_text=True), over
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Call.id))) == 1  # the base data's only


def test_applicants_and_partner_staff_cannot_manage_calls(app, seeded):
    for who in ("applicant", "partner"):
        client = as_user(app, who)
        assert client.get("/calls/new").status_code == 403
        assert client.post("/calls/new", data=_form([service_id(app)])).status_code == 403


def test_applying_within_a_call_and_the_server_checks_the_clock(app, seeded, monkeypatch):
    from dih4society.calls import services as calls

    sid = service_id(app)
    client = as_user(app, "applicant")
    page = client.get("/calls/1").get_data(as_text=True)
    assert f"/applications/new?service_id={sid}&amp;call_id=1" in page
    response = client.post(f"/applications/new?service_id={sid}&call_id=1", data={**FORM, "save": "1"})
    assert response.status_code == 302
    with app.app_context():
        draft = db.session.scalar(sa.select(Application).order_by(Application.id.desc()))
        assert draft.call_id == 1
        closes = draft.call.closes_at
    # The form was opened before the closing; it is sent one second after.
    monkeypatch.setattr(calls, "now", lambda: closes + timedelta(seconds=1))
    response = client.post(f"/applications/{draft.id}/submit", data={}, follow_redirects=True)
    assert "closed on" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Application, draft.id).reference is None
    assert client.get(f"/applications/new?service_id={sid}&call_id=999").status_code == 404


def test_results_are_public_only_once_published(app, seeded):
    from calls.helpers import make_call

    from dih4society.auth.models import User

    with app.app_context():
        manager = db.session.scalar(sa.select(User).where(User.email == "manager@dih4society.example"))
        from applications.builders import service

        now = utcnow().replace(microsecond=0)
        call = make_call(manager, [service()], selection_mode=SelectionMode.COMPETITIVE,
                         opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=1))
        call_id = call.id
        db.session.commit()
    visitor = app.test_client()
    assert visitor.get(f"/calls/{call_id}/results.csv").status_code == 404
    manager = as_user(app, "manager")
    assert manager.get(f"/calls/{call_id}/results.pdf").data[:4] == b"%PDF"
    assert manager.post(f"/calls/{call_id}/publish", data={"publish-show_names": ""}).status_code == 302
    csv = visitor.get(f"/calls/{call_id}/results.csv")
    assert csv.status_code == 200 and "fiscal_code" in csv.get_data(as_text=True)
    assert "applicant" not in csv.get_data(as_text=True).splitlines()[0]
    assert visitor.get("/calls/1/results.pdf").status_code == 404  # a rolling call has no results list


def test_decide_by_ranking_waits_for_the_closing_and_admins_cannot_decide(app, seeded):
    from applications.builders import service
    from calls.helpers import make_call

    from dih4society.auth.models import User

    with app.app_context():
        manager = db.session.scalar(sa.select(User).where(User.email == "manager@dih4society.example"))
        call = make_call(manager, [service()], selection_mode=SelectionMode.COMPETITIVE)
        call_id = call.id
        db.session.commit()
    client = as_user(app, "manager")
    page = client.get(f"/calls/{call_id}/ranking").get_data(as_text=True)
    assert "still open: the ranking is provisional" in page and "decide-by-ranking" not in page
    response = client.post(f"/calls/{call_id}/decide", follow_redirects=True)
    assert "decided after it closes" in response.get_data(as_text=True)
    assert as_user(app, "admin").post(f"/calls/{call_id}/decide").status_code == 403
    assert client.get("/calls/1/ranking").status_code == 404  # a rolling call has no ranking
