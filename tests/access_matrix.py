"""The access matrix: every endpoint of the app, and what each role gets.

`tests/core/test_access_matrix.py` fails when the app has an endpoint that is in
neither PUBLIC nor CASES, so every new route must be listed here. A path may use
`{placeholders}` filled from the `matrix_ids` fixture (ids of demo objects).

`allowed` lists the roles that get through; the others get 403 (or 404 where
`hidden=True`: objects of others are not even revealed). Visitors who are not
logged in are sent to the login page for every endpoint outside PUBLIC.

A refused step also answers 302 (back to the page, with a flash message), so a 302
proves nothing by itself: every endpoint that redirects on success has a `done`
check, run after an allowed role's request, that the step really happened (the
application's state moved, the row exists, the setting changed, the session ended).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ANON, APPLICANT, STAFF, MANAGER, ADMIN = "anon", "applicant", "partner_staff", "manager", "admin"
ROLES = (APPLICANT, STAFF, MANAGER, ADMIN)
EVERYONE = frozenset(ROLES)
HUB = frozenset({STAFF, MANAGER, ADMIN})
MANAGERS = frozenset({MANAGER, ADMIN})
TODAY = datetime.now(UTC).date().isoformat()
SAMPLE_PDF = str(Path(__file__).resolve().parent / "data" / "declaration.pdf")


@dataclass(frozen=True)
class Case:
    path: str
    method: str = "GET"
    allowed: frozenset = EVERYONE
    ok_status: tuple = (200,)
    hidden: bool = False  # refused roles get 404 instead of 403
    data: dict = field(default_factory=dict)
    #: For allowed roles: `done(app, client, ids, response)` asserts the step happened.
    done: Callable | None = None


def _query(app, fn):
    """Run `fn()` in an app context of its own (not held while the client makes requests)."""
    from dih4society.extensions import db

    with app.app_context():
        try:
            return fn()
        finally:
            db.session.rollback()


def state_is(key: str, state: str) -> Callable:
    """The application `ids[key]` is now in `state`."""
    def done(app, client, ids, response):
        from dih4society.applications.models import Application
        from dih4society.extensions import db

        actual = _query(app, lambda: db.session.get(Application, ids[key]).state.value)
        assert actual == state, (key, actual, state)
    return done


def logged_out(app, client, ids, response):
    """The session ended: the next request of this client is anonymous."""
    follow = client.get("/auth/account")
    assert follow.status_code == 302 and "/auth/login" in follow.headers["Location"]


def user_inactive(key: str) -> Callable:
    def done(app, client, ids, response):
        from dih4society.auth.models import User
        from dih4society.extensions import db

        assert _query(app, lambda: db.session.get(User, ids[key]).active) is False
    return done


def user_is_approver(key: str) -> Callable:
    def done(app, client, ids, response):
        from dih4society.auth.models import User
        from dih4society.extensions import db

        assert _query(app, lambda: db.session.get(User, ids[key]).is_approver) is True
    return done


def audited(verb: str, key: str) -> Callable:
    """An audit event `verb` about the user `ids[key]` was written."""
    def done(app, client, ids, response):
        import sqlalchemy as sa

        from dih4society.core.models import AuditEvent
        from dih4society.extensions import db

        count = _query(app, lambda: db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.verb == verb, AuditEvent.object_id == ids[key])))
        assert count >= 1, (verb, key)
    return done


def session_revoked(key: str) -> Callable:
    def done(app, client, ids, response):
        from dih4society.auth.models import UserSession
        from dih4society.extensions import db

        assert _query(app, lambda: db.session.get(UserSession, ids[key]).revoked_at) is not None
    return done


def envelope_is(cents: int, eu_share_percent: int) -> Callable:
    def done(app, client, ids, response):
        from dih4society.budget.services import get_settings

        row = _query(app, lambda: (get_settings().envelope_cents, get_settings().eu_share_percent))
        assert row == (cents, eu_share_percent), row
    return done


def attachment_added(key: str, kind: str, name: str) -> Callable:
    def done(app, client, ids, response):
        import sqlalchemy as sa

        from dih4society.applications.models import Attachment
        from dih4society.extensions import db

        names = _query(app, lambda: db.session.scalars(sa.select(Attachment.original_name).where(
            Attachment.application_id == ids[key], Attachment.kind == kind)).all())
        assert name in names, names
    return done


def attachment_gone(key: str) -> Callable:
    def done(app, client, ids, response):
        from dih4society.applications.models import Attachment
        from dih4society.extensions import db

        assert _query(app, lambda: db.session.get(Attachment, ids[key])) is None
    return done


def conflict_declared(key: str) -> Callable:
    """The logged-in user has a conflict-of-interest declaration on the application."""
    def done(app, client, ids, response):
        import sqlalchemy as sa

        from dih4society.extensions import db
        from dih4society.reviews.models import Review

        rows = _query(app, lambda: db.session.execute(sa.select(Review.reviewer_id, Review.conflict_reason).where(
            Review.application_id == ids[key], Review.conflict_declared.is_(True))).all())
        assert [reason for _r, reason in rows] == ["My brother works there."], rows
    return done


def audits(*verbs: str) -> Callable:
    """The request wrote an audit event with one of `verbs` (newer than the last one
    before the request): the step happened, it was not a refusal redirect."""
    def done(app, client, ids, response):
        import sqlalchemy as sa

        from dih4society.core.models import AuditEvent
        from dih4society.extensions import db

        found = _query(app, lambda: db.session.scalars(sa.select(AuditEvent.verb).where(
            AuditEvent.id > ids["_audit_before"], AuditEvent.verb.in_(verbs))).all())
        assert found, (verbs, response.headers.get("Location"))
    return done


def redirects_to(template: str) -> Callable:
    def done(app, client, ids, response):
        assert response.headers["Location"].endswith(template.format(**ids)), response.headers["Location"]
    return done


#: Endpoints reachable without logging in, with a path to request.
PUBLIC = {
    "static": "/static/css/app.css",
    "bootstrap.static": None,  # bootstrap-flask's own assets, served locally
    "main.index": "/",
    "main.healthz": "/healthz",
    "main.set_language": None,  # POST, changes only the visitor's session
    "auth.login": "/auth/login",
    "auth.forgot_password": "/auth/forgot",
    "auth.reset_password": None,  # needs a signed token; tested in tests/auth
    "auth.login_code": None,  # needs the password step first (else: back to login); tests/auth/test_mfa.py
    "auth.passkey_login_options": None,  # POST (JSON); tests/auth/test_mfa.py, test_passkey_browser.py
    "auth.passkey_login": None,
    "organisations.register": "/organisations/register",
    # calls (issue 12): the list, a call's page and its published results are public
    "calls.index": "/calls/",
    "calls.detail": "/calls/1",  # the base data's open rolling call
    "calls.results": None,  # 404 until published (managers: always); tested in tests/calls
    "organisations.join": None,  # needs an invitation token; tested in tests/organisations
    "catalogue.index": "/catalogue/",
    "catalogue.detail": None,  # needs a service id; visitors' read-only view tested in tests/catalogue
}

CASES: dict[str, Case] = {
    "main.notifications": Case("/notifications"),
    "auth.logout": Case("/auth/logout", "POST", ok_status=(302,), done=logged_out),
    "auth.account": Case("/auth/account"),
    "auth.logout_everywhere": Case("/auth/logout-everywhere", "POST", ok_status=(302,), done=logged_out),
    # issue 9: the sessions page; a session (here one of the manager's) can be signed out
    # only by its own user, everyone else gets 404.
    "auth.sessions": Case("/auth/sessions"),
    "auth.security": Case("/auth/security"),
    "auth.totp_enrol": Case("/auth/security/totp"),
    "auth.totp_remove": Case("/auth/security/totp/remove", "POST", ok_status=(302,),
                             done=redirects_to("/auth/security")),  # no authenticator: told so, back
    "auth.recovery_codes": Case("/auth/security/recovery-codes", "POST", ok_status=(302,),
                                done=redirects_to("/auth/security")),
    "auth.passkey_register_options": Case("/auth/passkeys/register/options", "POST"),
    "auth.passkey_register": Case("/auth/passkeys/register", "POST", ok_status=(400,)),  # no challenge
    # someone else's passkey: 404 for everyone (removing one's own: tests/auth/test_mfa.py)
    "auth.passkey_delete": Case("/auth/passkeys/{applicant2_passkey_id}/delete", "POST",
                                allowed=frozenset(), hidden=True),
    "auth.reset_mfa": Case("/auth/users/{applicant2_id}/reset-mfa", "POST", allowed=frozenset({ADMIN}),
                           ok_status=(302,), done=audited("user.mfa_reset", "applicant2_id")),
    "auth.revoke_session": Case("/auth/sessions/{manager_session_id}/revoke", "POST",
                                allowed=frozenset({MANAGER}), ok_status=(302,), hidden=True,
                                done=session_revoked("manager_session_id")),
    "organisations.mine": Case("/organisations/mine", allowed=frozenset({APPLICANT}), hidden=True),
    "organisations.detail": Case("/organisations/{other_org_id}", allowed=HUB, hidden=True),
    # issue 8 §4: members invite and remove colleagues of their own organisation (others: 404);
    # admins correct an organisation's figures.
    "organisations.invite": Case("/organisations/mine/invitations", "POST", allowed=frozenset({APPLICANT}),
                                 ok_status=(302,), hidden=True, data={"email": "new.colleague@example.org"},
                                 done=audits("organisation.invite")),
    "organisations.revoke_invitation": Case("/organisations/mine/invitations/{invitation_id}/revoke", "POST",
                                            allowed=frozenset({APPLICANT}), ok_status=(302,), hidden=True,
                                            done=audits("organisation.invitation_revoked")),
    "organisations.remove_member": Case("/organisations/mine/members/{colleague_id}/remove", "POST",
                                        allowed=frozenset({APPLICANT}), ok_status=(302,), hidden=True,
                                        done=user_inactive("colleague_id")),
    "organisations.edit": Case("/organisations/{org_id}/edit", allowed=frozenset({ADMIN})),
    "catalogue.create": Case("/catalogue/new", allowed=frozenset({ADMIN})),
    "catalogue.edit": Case("/catalogue/{service_id}/edit", allowed=frozenset({ADMIN})),
    "admin.users": Case("/admin/users", allowed=frozenset({ADMIN})),
    "admin.new_user": Case("/admin/users/new", allowed=frozenset({ADMIN})),
    "admin.user_detail": Case("/admin/users/{manager_id}", allowed=frozenset({ADMIN})),
    "admin.set_active": Case("/admin/users/{applicant2_id}/active/0", "POST", allowed=frozenset({ADMIN}),
                             ok_status=(302,), done=user_inactive("applicant2_id")),
    "admin.set_approver": Case("/admin/users/{other_staff_id}/approver/1", "POST", allowed=frozenset({ADMIN}),
                               ok_status=(302,), done=user_is_approver("other_staff_id")),
    "admin.audit_log": Case("/admin/audit", allowed=frozenset({ADMIN})),
    # budget (issue #4): dashboard and ledger for managers, set-up for admins, the aid
    # register for managers and applicants (their own organisation), never partner staff.
    # Issue #8: partner staff see the dashboard (their partner's budget page), the ledger of
    # their partner's accounts, and their own partner's page and report (another partner's:
    # 404, tested in tests/budget/test_partner.py). partner@ is UTCN staff.
    "budget.dashboard": Case("/budget/", allowed=HUB),
    "budget.partner_budget": Case("/budget/partners/{utcn_partner_id}", allowed=HUB),
    "budget.ledger": Case("/budget/ledger", allowed=HUB),
    "budget.setup": Case("/budget/setup", allowed=frozenset({ADMIN})),
    "budget.set_envelope": Case("/budget/setup/envelope", "POST", allowed=frozenset({ADMIN}), ok_status=(302,),
                                data={"envelope": "4000123.45", "eu_share_percent": "45"},
                                done=envelope_is(400_012_345, 45)),
    "budget.transfer": Case("/budget/setup/transfer", "POST", allowed=frozenset({ADMIN})),
    "budget.create_account": Case("/budget/setup/accounts", "POST", allowed=frozenset({ADMIN})),
    "budget.aid_register": Case("/budget/aid", allowed=frozenset({APPLICANT, MANAGER, ADMIN})),
    "budget.aid_detail": Case("/budget/aid/{org_id}", allowed=frozenset({APPLICANT, MANAGER, ADMIN})),
    # applications and reviews (issue #3; partner approvers, issue #8). The matrix's partner
    # staff is partner@, an approver, but of the delivering partner (UTCN): it may not decide
    # these; a partner approver deciding another partner's service is in test_approvals.py. Ids come from tests/matrix_fixtures.py: applications
    # of the demo applicant's organisation for a UTCN service (partner@ delivers it), reviewed
    # by another partner's staff. Drafts are invisible to the hub (404); a step of someone
    # else's is refused with 403 once the application is visible.
    "applications.mine": Case("/applications/mine", allowed=frozenset({APPLICANT})),
    "applications.queue": Case("/applications/queue", allowed=HUB),
    "applications.new": Case("/applications/new?service_id={service_id}", allowed=frozenset({APPLICANT})),
    "applications.detail": Case("/applications/{submitted_app_id}"),
    "applications.edit": Case("/applications/{draft_app_id}/edit", allowed=frozenset({APPLICANT}), hidden=True),
    "applications.submit": Case("/applications/{draft_app_id}/submit", "POST", allowed=frozenset({APPLICANT}),
                                ok_status=(302,), hidden=True, done=state_is("draft_app_id", "submitted")),
    "applications.withdraw": Case("/applications/{submitted_app_id}/withdraw", "POST",
                                  allowed=frozenset({APPLICANT}), ok_status=(302,),
                                  done=state_is("submitted_app_id", "withdrawn")),
    "applications.start_review": Case("/applications/{submitted_app_id}/start-review", "POST",
                                      allowed=frozenset({STAFF, MANAGER}), ok_status=(302,),
                                      done=state_is("submitted_app_id", "in_review")),
    "applications.return_for_info": Case("/applications/{in_review_app_id}/return", "POST",
                                         allowed=frozenset({MANAGER}), ok_status=(302,),
                                         data={"return-question": "Who will take part?"},
                                         done=state_is("in_review_app_id", "returned")),
    "applications.resubmit": Case("/applications/{returned_app_id}/resubmit", "POST",
                                  allowed=frozenset({APPLICANT}), ok_status=(302,),
                                  data={"resubmit-answer": "Three engineers."},
                                  done=state_is("returned_app_id", "submitted")),
    "applications.approve": Case("/applications/{in_review_app_id}/approve", "POST",
                                 allowed=frozenset({MANAGER}), ok_status=(302,), data={"approve-amount": "9000.00"},
                                 done=state_is("in_review_app_id", "approved")),
    "applications.reject": Case("/applications/{in_review_app_id}/reject", "POST", allowed=frozenset({MANAGER}),
                                ok_status=(302,), data={"reject-reason": "Out of scope."},
                                done=state_is("in_review_app_id", "rejected")),
    "applications.start_delivery": Case("/applications/{approved_app_id}/start-delivery", "POST",
                                        allowed=frozenset({STAFF}), ok_status=(302,),
                                        done=state_is("approved_app_id", "in_delivery")),
    "applications.record_delivery": Case("/applications/{in_delivery_app_id}/record-delivery", "POST",
                                         allowed=frozenset({STAFF}), ok_status=(302,),
                                         data={"delivery-delivered_on": TODAY, "delivery-notes": "Two weeks of trials.",
                                               "delivery-actual_cost": "14000.00"},
                                         done=state_is("in_delivery_app_id", "delivered")),
    "applications.confirm": Case("/applications/{delivered_app_id}/confirm", "POST",
                                 allowed=frozenset({APPLICANT, MANAGER}), ok_status=(302,),
                                 data={"confirm-note": "Confirmed by phone with the applicant."},
                                 done=state_is("delivered_app_id", "closed")),
    "applications.cancel": Case("/applications/{approved_app_id}/cancel", "POST", allowed=frozenset({MANAGER}),
                                ok_status=(302,), data={"cancel-reason": "Postponed."},
                                done=state_is("approved_app_id", "cancelled")),
    "applications.upload": Case("/applications/{draft_app_id}/attachments", "POST", allowed=frozenset({APPLICANT}),
                                ok_status=(302,), hidden=True,
                                data={"upload-kind": "signed_declaration", "upload-file": (SAMPLE_PDF, "signed.pdf")},
                                done=attachment_added("draft_app_id", "signed_declaration", "signed.pdf")),
    "applications.download": Case("/applications/{submitted_with_doc_app_id}/attachments/{submitted_attachment_id}"),
    "applications.delete_attachment": Case("/applications/{draft_app_id}/attachments/{draft_attachment_id}/delete",
                                           "POST", allowed=frozenset({APPLICANT}), ok_status=(302,), hidden=True,
                                           done=attachment_gone("draft_attachment_id")),
    "reviews.review": Case("/reviews/{in_review_app_id}", allowed=frozenset({STAFF, MANAGER})),
    "reviews.declare_conflict": Case("/reviews/{in_review_app_id}/conflict", "POST",
                                     allowed=frozenset({STAFF, MANAGER}), ok_status=(302,),
                                     data={"conflict-reason": "My brother works there."},
                                     done=conflict_declared("in_review_app_id")),
    "reviews.rubric": Case("/reviews/rubric", allowed=frozenset({ADMIN})),
    "reviews.edit_criterion": Case("/reviews/rubric/{criterion_id}", allowed=frozenset({ADMIN})),
    # reports and exports (issue #5): the reports page, the budget and KPI reports and every
    # export are for managers; a decision letter goes to the applicant organisation, the
    # delivering partner's staff (partner@ delivers the UTCN service) and managers; an aid
    # notice to the organisation itself and managers (anyone else: 404). More in tests/reports.
    "reports.index": Case("/reports/", allowed=MANAGERS),
    "reports.find": Case("/reports/find?reference={submitted_app_ref}", allowed=MANAGERS, ok_status=(302,),
                         done=redirects_to("/reports/applications/{submitted_app_id}/decision.pdf")),
    "reports.budget_pdf": Case("/reports/budget.pdf", allowed=MANAGERS),
    "reports.partner_budget_pdf": Case("/reports/partners/{utcn_partner_id}/budget.pdf", allowed=HUB),
    "reports.kpi_pdf": Case("/reports/kpi.pdf", allowed=MANAGERS),
    "reports.decision_letter": Case("/reports/applications/{approved_app_id}/decision.pdf", hidden=True),
    "reports.aid_notice": Case("/reports/organisations/{org_id}/aid-notice.pdf",
                               allowed=frozenset({APPLICANT, MANAGER, ADMIN}), hidden=True),
    "reports.export_applications": Case("/reports/export/applications.csv", allowed=MANAGERS),
    "reports.export_ledger": Case("/reports/export/ledger.xlsx", allowed=MANAGERS),
    # calls (issue 12): admins and managers create and edit calls and see the ranking; deciding
    # by ranking takes decisions, so managers only (as the approve step).
    "calls.create": Case("/calls/new", allowed=MANAGERS),
    "calls.edit": Case("/calls/{call_id}/edit", allowed=MANAGERS),
    "calls.ranking_page": Case("/calls/{competitive_call_id}/ranking", allowed=MANAGERS),
    # Nothing to decide in the matrix's closed call: the manager is taken back to the ranking.
    "calls.decide": Case("/calls/{competitive_call_id}/decide", "POST", allowed=frozenset({MANAGER}),
                         ok_status=(302,), done=redirects_to("/calls/{competitive_call_id}/ranking")),
    "calls.publish": Case("/calls/{competitive_call_id}/publish", "POST", allowed=MANAGERS, ok_status=(302,),
                          done=audits("call.results_published")),
    # voucher agreements (issue 12): the beneficiary, the delivering partner's staff (partner@),
    # managers and admins see it, anyone else 404; only the beneficiary accepts or uploads, only the
    # delivering partner's staff check an upload, only managers extend.
    "vouchers.agreement": Case("/vouchers/{approved_app_id}/agreement", hidden=True),
    "vouchers.agreement_pdf": Case("/vouchers/{approved_app_id}/agreement.pdf", hidden=True),
    # (already accepted: a second acceptance books nothing and redirects)
    "vouchers.accept": Case("/vouchers/{unaccepted_app_id}/accept", "POST", allowed=frozenset({APPLICANT}),
                            ok_status=(302,), data={"accept-full_name": "Andrei Bălan", "accept-confirm": "y",
                                                    "accept-content_hash": "{unaccepted_agreement_hash}"},
                            done=audits("agreement.accept")),
    "vouchers.upload": Case("/vouchers/{unaccepted_app_id}/upload", "POST", allowed=frozenset({APPLICANT}),
                            ok_status=(302,), data={"upload-file": (SAMPLE_PDF, "signed.pdf")},
                            done=audits("agreement.upload_signed")),
    "vouchers.signed": Case("/vouchers/{uploaded_app_id}/signed.pdf", hidden=True),
    "vouchers.check": Case("/vouchers/{uploaded_app_id}/check", "POST", allowed=frozenset({STAFF}),
                           ok_status=(302,), done=audits("agreement.accept")),
    "vouchers.extend": Case("/vouchers/{approved_app_id}/extend", "POST", allowed=frozenset({MANAGER}),
                            ok_status=(302,), data={"extend-reason": "The partner's lab was closed for a month."},
                            done=audits("agreement.extend")),
    "reports.export_aid_register": Case("/reports/export/aid-register.csv", allowed=MANAGERS),
    # digital maturity (issue #11): an organisation's assessments are its own (others: 404) and
    # hub staff's; answering is the organisation's (or the assisting staff member's). Staff start
    # assisted interviews and waive T0; the satisfaction form is the beneficiary's; the Impact page
    # is for hub staff, the reporting exports for managers. More in tests/assessments.
    "assessments.mine": Case("/assessments/", allowed=frozenset({APPLICANT})),
    "assessments.start": Case("/assessments/start", "POST", allowed=frozenset({APPLICANT}), ok_status=(302,),
                              done=redirects_to("/assessments/{dma_draft_id}")),  # the open draft, not a new one
    "assessments.fill": Case("/assessments/{dma_draft_id}"),
    "assessments.result": Case("/assessments/{other_dma_t0_id}/result", allowed=HUB, hidden=True),
    "assessments.result_pdf": Case("/assessments/{dma_t0_id}/result.pdf"),
    "assessments.organisation": Case("/assessments/organisations/{org_id}", allowed=HUB),
    "assessments.assist": Case("/assessments/organisations/{org_id}/assist", "POST",
                               allowed=frozenset({STAFF, MANAGER}), ok_status=(302,),
                               done=redirects_to("/assessments/{dma_draft_id}")),
    "assessments.waive": Case("/assessments/organisations/{other_org_id}/waive", "POST",
                              allowed=frozenset({STAFF, MANAGER}), ok_status=(302,),
                              data={"waiver-reason": "Urgent cybersecurity incident, assessed by phone."},
                              done=audits("dma.waive_t0")),
    "assessments.rate": Case("/assessments/satisfaction/{closed_app_id}", allowed=frozenset({APPLICANT})),
    "assessments.impact_page": Case("/assessments/impact", allowed=HUB),
    "assessments.export": Case("/assessments/export/assessments.csv", allowed=MANAGERS),
}
