"""The application pages through the test client: apply, edit, submit, steps, refusals, timeline."""

from __future__ import annotations

import sqlalchemy as sa
from applications.builders import FORM, as_user, denied_events, service, service_id, state_of

from dih4society.applications.models import Application, AppState, OutsideAid
from dih4society.budget.models import AidGrant, LedgerEntry
from dih4society.core.models import AuditEvent
from dih4society.extensions import db

S = AppState


def test_apply_save_a_draft_then_submit(app, seeded):
    client = as_user(app, "applicant")
    sid = service_id(app)
    page = client.get(f"/applications/new?service_id={sid}")
    assert page.status_code == 200 and b"18,000.00" in page.data
    response = client.post(f"/applications/new?service_id={sid}", data={**FORM, "save": "1"})
    assert response.status_code == 302
    application_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.state is S.DRAFT and application.reference is None
        assert application.requested_cents == 1_500_000
        assert [(r.grantor, r.amount_cents) for r in application.outside_aid] == [
            ("AFIR", 1_200_050), ("Consiliul Județean Cluj", 500_000)]
        assert application.organisation.users[0].email == "applicant@dih4society.example"
    detail = client.get(f"/applications/{application_id}")
    assert f'action="/applications/{application_id}/submit"' in detail.data.decode()
    response = client.post(f"/applications/{application_id}/submit")
    assert response.status_code == 302
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.state is S.SUBMITTED and application.reference.startswith("DIH-")
        verbs = list(db.session.scalars(sa.select(AuditEvent.verb).where(
            AuditEvent.object_type == "application", AuditEvent.object_id == application_id)))
    assert verbs == ["application.create", "application.submit"]
    assert application.reference.encode() in client.get("/applications/mine").data


def test_save_and_submit_with_a_missing_declaration_saves_nothing(app, seeded):
    client = as_user(app, "applicant")
    sid = service_id(app)
    data = {**FORM, "submit": "1"}
    del data["decl_not_in_difficulty"]
    response = client.post(f"/applications/new?service_id={sid}", data=data)
    assert response.status_code == 200
    assert b"Every declaration is needed to submit." in response.data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0


def test_the_form_refuses_more_than_the_market_value_and_half_filled_aid_rows(app, seeded):
    client = as_user(app, "applicant")
    sid = service_id(app)
    response = client.post(f"/applications/new?service_id={sid}",
                           data={**FORM, "requested": "18000.01", "save": "1"})
    assert b"market value" in response.data and response.status_code == 200
    response = client.post(f"/applications/new?service_id={sid}",
                           data={**FORM, "outside_aid-2-grantor": "ADR Nord-Vest", "save": "1"})
    assert b"Give the date." in response.data
    response = client.post(f"/applications/new?service_id={sid}",
                           data={**FORM, "requested": "100.001", "save": "1"})
    assert b"at most two decimals" in response.data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0


def test_an_ineligible_or_inactive_service_cannot_be_applied_for(app, seeded):
    client = as_user(app, "applicant2")  # health organisation
    robots = service_id(app, "TBI-ROB-01")  # enterprises only
    response = client.get(f"/applications/new?service_id={robots}")
    assert response.status_code == 302 and f"/catalogue/{robots}" in response.headers["Location"]
    with app.app_context():
        service("TBI-CYB-01").active = False
        db.session.commit()
    assert client.get(f"/applications/new?service_id={service_id(app, 'TBI-CYB-01')}").status_code == 404
    assert client.get("/applications/new?service_id=99999").status_code == 404


def test_edit_a_draft_replaces_the_aid_rows(app, world):
    client = as_user(app, "applicant")
    draft = world["draft"]
    page = client.get(f"/applications/{draft}/edit")
    assert page.status_code == 200 and b"outside_aid-0-grantor" in page.data
    response = client.post(f"/applications/{draft}/edit", data={
        **FORM, "requested": "9000", "outside_aid-1-grantor": "", "outside_aid-1-granted_on": "",
        "outside_aid-1-amount": "", "save": "1"})
    assert response.status_code == 302
    with app.app_context():
        application = db.session.get(Application, draft)
        assert application.requested_cents == 900_000 and application.state is S.DRAFT
        assert [r.grantor for r in application.outside_aid] == ["AFIR"]
        assert db.session.scalar(sa.select(sa.func.count(OutsideAid.id))) == 1


def test_a_submitted_application_cannot_be_edited(app, world):
    client = as_user(app, "applicant")
    response = client.post(f"/applications/{world['submitted']}/edit", data={**FORM, "save": "1"})
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200
    with app.app_context():
        assert db.session.get(Application, world["submitted"]).requested_cents == 1_500_000


def test_my_applications_lists_only_my_organisation(app, world):
    client = as_user(app, "applicant")
    page = client.get("/applications/mine").data.decode()
    with app.app_context():
        mine = db.session.scalars(sa.select(Application.reference).join(Application.organisation)
                                  .where(Application.id.in_([world[s.value] for s in S]))).all()
        theirs = db.session.scalars(sa.select(Application.reference).where(
            Application.id.in_([world["b_submitted"], world["b_approved"]]))).all()
    assert all(ref in page for ref in mine if ref)
    assert not any(ref in page for ref in theirs)


def test_my_applications_show_withdrawals_returns_and_rejections(app, world):
    page = as_user(app, "applicant").get("/applications/mine").data.decode()
    rows = {}
    with app.app_context():
        for state in (S.WITHDRAWN, S.REJECTED, S.RETURNED):
            reference = db.session.get(Application, world[state.value]).reference
            rows[state] = page.split(reference, 1)[1].split("</tr>", 1)[0]
    assert "secondary\">Withdrawn</span>" in rows[S.WITHDRAWN]
    assert "secondary\">Rejected</span>" in rows[S.REJECTED]
    assert "secondary\">Returned for information</span>" in rows[S.RETURNED]


def test_the_hub_never_sees_drafts(app, world):
    for who in ("partner", "manager", "admin"):
        client = as_user(app, who)
        assert client.get(f"/applications/{world['draft']}").status_code == 404
        assert client.get(f"/applications/{world['submitted']}").status_code == 200


def test_a_refused_step_answers_403_records_it_and_changes_nothing(app, world):
    client = as_user(app, "partner.uo")  # not the delivering partner (UTCN)
    response = client.post(f"/applications/{world['approved']}/start-delivery")
    assert response.status_code == 403
    assert b"delivering partner" in response.data
    assert state_of(app, world["approved"]) is S.APPROVED
    events = denied_events(app, world["approved"])
    assert [e.data["what"] for e in events] == ["application.start_delivery"]


def test_a_stale_page_or_double_click_is_told_and_books_once(app, world):
    client = as_user(app, "manager")
    target = world["in_review"]
    first = client.post(f"/applications/{target}/approve", data={"approve-amount": "15000.00"})
    assert first.status_code == 302
    second = client.post(f"/applications/{target}/approve", data={"approve-amount": "15000.00"},
                         follow_redirects=True)
    assert second.status_code == 200 and "not possible now" in second.data.decode()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(
            LedgerEntry.application_id == target)) == 1
    assert len(denied_events(app, target)) == 1


def test_form_errors_are_shown_and_change_nothing(app, world):
    client = as_user(app, "manager")
    response = client.post(f"/applications/{world['in_review']}/approve", data={"approve-amount": "15000.01"})
    assert response.status_code == 400 and b"Approve between" in response.data
    response = client.post(f"/applications/{world['in_review']}/reject", data={"reject-reason": ""})
    assert response.status_code == 400
    response = client.post(f"/applications/{world['delivered']}/confirm", data={"confirm-note": ""})
    assert response.status_code == 400 and b"on the applicant" in response.data
    assert state_of(app, world["in_review"]) is S.IN_REVIEW
    assert state_of(app, world["delivered"]) is S.DELIVERED


def test_a_budget_refusal_is_shown_and_changes_nothing(app, seeded):
    from applications.builders import build, make_cast
    from factories import make_partner, make_service

    with app.app_context():
        cast = make_cast()
        unfunded = make_service(make_partner(), value_cents=1_000_000)  # no budget account at all
        application = build(cast, S.IN_REVIEW, svc=unfunded, requested_cents=900_000)
        target = application.id
        db.session.commit()
    client = as_user(app, "manager")
    response = client.post(f"/applications/{target}/approve", data={"approve-amount": "9000"}, follow_redirects=True)
    assert "no budget allocation" in response.data.decode()
    with app.app_context():
        application = db.session.get(Application, target)
        assert application.state is S.IN_REVIEW and application.approved_cents is None
        assert application.aid_cents is None
        assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(LedgerEntry.application_id == target)) == 0
        assert db.session.scalar(sa.select(sa.func.count(AidGrant.id)).where(AidGrant.application_id == target)) == 0
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.verb == "application.approve", AuditEvent.object_id == target)) == 0


def test_the_aid_ceiling_refuses_an_approval_with_the_figures(app, seeded):
    from datetime import timedelta

    from applications.builders import data, make_cast, review

    from dih4society.applications import services
    from dih4society.core.db import utcnow

    with app.app_context():
        cast = make_cast()
        de_minimis = service("SKL-ROB-01")  # UTCN, de minimis, €5,500
        declared = [services.AidRow("AFIR", (utcnow() - timedelta(days=200)).date(), 29_900_000)]
        application = services.create_draft(cast.applicant, de_minimis,
                                            data(550_000, outside_aid=declared), submit_now=True)
        services.start_review(cast.reviewer, application)
        review(cast.reviewer, application)
        target = application.id
        db.session.commit()
    client = as_user(app, "manager")
    page = client.get(f"/applications/{target}").data.decode()
    assert "check-fail" in page  # the checklist already says the aid does not fit
    response = client.post(f"/applications/{target}/approve", data={"approve-amount": "5500"}, follow_redirects=True)
    assert "ceiling exceeded" in response.data.decode()
    assert state_of(app, target) is S.IN_REVIEW


def test_buttons_appear_only_where_the_step_is_allowed(app, world):
    def actions(who, application_id):
        page = as_user(app, who).get(f"/applications/{application_id}").data.decode()
        return {step for step in ("submit", "withdraw", "start-review", "return", "resubmit", "approve", "reject",
                                  "start-delivery", "record-delivery", "confirm", "cancel", "edit")
                if f'/applications/{application_id}/{step}"' in page}

    assert actions("applicant", world["draft"]) == {"submit", "withdraw", "edit"}
    assert actions("applicant", world["submitted"]) == {"withdraw"}
    assert actions("partner", world["submitted"]) == {"start-review"}
    assert actions("manager", world["in_review"]) == {"approve", "reject", "return"}
    assert actions("partner.clujit", world["in_review"]) == set()  # wrote the review; staff never decide
    assert actions("applicant", world["in_review"]) == set()
    assert actions("applicant", world["returned"]) == {"resubmit", "edit"}
    assert actions("partner", world["approved"]) == {"start-delivery"}
    assert actions("partner.uo", world["approved"]) == set()
    assert actions("manager", world["approved"]) == {"cancel"}
    assert actions("partner", world["in_delivery"]) == {"record-delivery"}
    assert actions("applicant", world["delivered"]) == {"confirm"}
    assert actions("manager", world["delivered"]) == {"confirm"}
    assert actions("admin", world["in_review"]) == set()
    for state in ("closed", "rejected", "withdrawn", "cancelled"):
        assert actions("manager", world[state]) == set()
        assert actions("applicant", world[state]) == set()


def test_the_timeline_shows_what_happened_and_hides_internal_events_from_applicants(app, world):
    staff_page = as_user(app, "manager").get(f"/applications/{world['closed']}").data.decode()
    applicant_page = as_user(app, "applicant").get(f"/applications/{world['closed']}").data.decode()
    for label in ("Draft created", "Submitted", "Review started", "Approved", "Delivery started",
                  "Delivery recorded", "Delivery confirmed, closed"):
        assert label in staff_page and label in applicant_page
    assert 'data-verb="review.complete"' in staff_page
    assert 'data-verb="review.complete"' not in applicant_page
    assert "Radu Moldovan" in staff_page  # the reviewer, named for the hub only
    assert "Radu Moldovan" not in applicant_page


def test_every_step_through_the_pages(app, world):
    """Three people take a fresh application from draft to closed through the routes."""
    applicant, partner, clujit, manager = (as_user(app, w) for w in ("applicant", "partner", "partner.clujit", "manager"))
    target = world["draft"]
    assert applicant.post(f"/applications/{target}/submit").status_code == 302
    assert partner.post(f"/applications/{target}/start-review").status_code == 302
    scores = {"score_relevance": "5", "score_readiness": "4", "score_impact": "4", "score_region": "3"}
    response = clujit.post(f"/reviews/{target}", data={**scores, "recommendation": "more_info",
                                                       "comment": "Who takes part?", "complete": "1"})
    assert response.status_code == 302
    assert manager.post(f"/applications/{target}/return", data={"return-question": "Who?"}).status_code == 302
    assert applicant.post(f"/applications/{target}/resubmit", data={"resubmit-answer": "Two engineers."}).status_code == 302
    assert manager.post(f"/applications/{target}/start-review").status_code == 302
    assert manager.post(f"/applications/{target}/approve", data={"approve-amount": "14000"}).status_code == 302
    assert partner.post(f"/applications/{target}/start-delivery").status_code == 403  # no agreement yet
    with app.app_context():  # the beneficiary accepts the voucher agreement (issue 12)
        from dih4society.vouchers.models import VoucherAgreement

        digest = db.session.scalar(sa.select(VoucherAgreement.content_hash).where(
            VoucherAgreement.application_id == target))
    assert applicant.post(f"/vouchers/{target}/accept", data={
        "accept-full_name": "Andrei Bălan", "accept-confirm": "y", "accept-content_hash": digest}).status_code == 302
    assert partner.post(f"/applications/{target}/start-delivery").status_code == 302
    from dih4society.core.db import utcnow

    assert partner.post(f"/applications/{target}/record-delivery", data={
        "delivery-delivered_on": utcnow().date().isoformat(), "delivery-notes": "Trials done.",
        "delivery-actual_cost": "13500.50"}).status_code == 302
    assert applicant.post(f"/applications/{target}/confirm", data={"confirm-note": ""}).status_code == 302
    with app.app_context():
        application = db.session.get(Application, target)
        assert application.state is S.CLOSED
        assert (application.approved_cents, application.actual_cost_cents) == (1_400_000, 1_350_050)
        verbs = list(db.session.scalars(sa.select(AuditEvent.verb).where(
            AuditEvent.object_type == "application", AuditEvent.object_id == target).order_by(AuditEvent.id)))
    assert verbs[verbs.index("application.submit"):] == [
        "application.submit", "application.start_review", "review.complete", "application.return_for_info",
        "application.resubmit", "application.start_review", "agreement.generate", "application.approve",
        "denied", "agreement.accept", "application.start_delivery",
        "application.record_delivery", "application.confirm"]


def test_steps_carry_their_csrf_token(app_config, world):
    """With CSRF on (as in production), the prefixed step forms post their own token."""
    import re

    from dih4society import create_app

    csrf_app = create_app("testing", {**app_config, "WTF_CSRF_ENABLED": True})
    client = csrf_app.test_client()

    def hidden_fields(html: str, marker: str) -> dict:
        form = html[html.index(marker):]
        form = form[:form.index("</form>")]
        return dict(re.findall(r'<input id="[^"]*" name="([^"]+)" type="hidden" value="([^"]*)"', form))

    login_page = client.get("/auth/login").data.decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', login_page)
    response = client.post("/auth/login", data={"email": "manager@dih4society.example", "password": "correct-horse-battery-9",
                                                "csrf_token": token.group(1)}, follow_redirects=True)
    assert b"Log out" in response.data
    target = world["in_review"]
    page = client.get(f"/applications/{target}").data.decode()
    fields = hidden_fields(page, 'data-step="approve"')
    assert "approve-csrf_token" in fields, fields
    assert client.post(f"/applications/{target}/approve", data={"approve-amount": "15000"}).status_code == 400
    response = client.post(f"/applications/{target}/approve", data={**fields, "approve-amount": "15000"})
    assert response.status_code == 302
    with csrf_app.app_context():
        assert db.session.get(Application, target).state is S.APPROVED
        db.session.remove()
        db.engine.dispose()


def test_the_application_form_reports_every_problem_in_one_round_trip(app, seeded):
    client = as_user(app, "applicant")
    sid = service_id(app)
    # A form error (the amount) together with the rules' (too short, declarations, aid row).
    data = {"justification": "Short.", "requested": "abc", "decl_sme": "y", "submit": "1",
            "outside_aid-0-grantor": "AFIR", "outside_aid-0-granted_on": "2001-01-01",
            "outside_aid-0-amount": "100"}
    text = client.post(f"/applications/new?service_id={sid}", data=data).get_data(as_text=True)
    for message in ("Enter an amount in euros", "Explain in a few sentences",
                    "Declare only aid of the last three years"):
        assert message in text, message
    assert text.count("Every declaration is needed to submit.") == 3
    # With a readable form, the rules' problems still come all at once.
    text = client.post(f"/applications/new?service_id={sid}",
                       data={**data, "requested": "99999.00"}).get_data(as_text=True)
    assert "Request between" in text and "Explain in a few sentences" in text
    assert text.count("Every declaration is needed to submit.") == 3
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0


def test_submitting_an_incomplete_draft_lists_everything_missing(app, seeded):
    from applications.builders import build, make_cast

    with app.app_context():
        cast = make_cast()
        draft = build(cast, S.DRAFT)
        draft.justification, draft.decl_sme, draft.decl_no_recovery_order = "", False, False
        draft_id = draft.id
        db.session.commit()
    client = as_user(app, "applicant")
    text = client.post(f"/applications/{draft_id}/submit", follow_redirects=True).get_data(as_text=True)
    assert "Explain in a few sentences" in text
    assert text.count("Every declaration is needed to submit.") == 2
    assert state_of(app, draft_id) is S.DRAFT
