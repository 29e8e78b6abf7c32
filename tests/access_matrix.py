"""The access matrix: every endpoint of the app, and what each role gets.

`tests/core/test_access_matrix.py` fails when the app has an endpoint that is in
neither PUBLIC nor CASES, so every new route must be listed here. A path may use
`{placeholders}` filled from the `matrix_ids` fixture (ids of demo objects).

`allowed` lists the roles that get through; the others get 403 (or 404 where
`hidden=True`: objects of others are not even revealed). Visitors who are not
logged in are sent to the login page for every endpoint outside PUBLIC.
"""

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
    "organisations.register": "/organisations/register",
    "catalogue.index": "/catalogue/",
    "catalogue.detail": None,  # needs a service id; visitors' read-only view tested in tests/catalogue
}

CASES: dict[str, Case] = {
    "main.notifications": Case("/notifications"),
    "auth.logout": Case("/auth/logout", "POST", ok_status=(302,)),
    "auth.account": Case("/auth/account"),
    "auth.logout_everywhere": Case("/auth/logout-everywhere", "POST", ok_status=(302,)),
    "organisations.mine": Case("/organisations/mine", allowed=frozenset({APPLICANT}), hidden=True),
    "organisations.detail": Case("/organisations/{other_org_id}", allowed=HUB, hidden=True),
    "catalogue.create": Case("/catalogue/new", allowed=frozenset({ADMIN})),
    "catalogue.edit": Case("/catalogue/{service_id}/edit", allowed=frozenset({ADMIN})),
    "admin.users": Case("/admin/users", allowed=frozenset({ADMIN})),
    "admin.new_user": Case("/admin/users/new", allowed=frozenset({ADMIN})),
    "admin.user_detail": Case("/admin/users/{manager_id}", allowed=frozenset({ADMIN})),
    "admin.set_active": Case("/admin/users/{applicant2_id}/active/1", "POST", allowed=frozenset({ADMIN}),
                             ok_status=(302,)),
    "admin.audit_log": Case("/admin/audit", allowed=frozenset({ADMIN})),
    # budget (issue #4): dashboard and ledger for managers, set-up for admins, the aid
    # register for managers and applicants (their own organisation), never partner staff.
    "budget.dashboard": Case("/budget/", allowed=MANAGERS),
    "budget.ledger": Case("/budget/ledger", allowed=MANAGERS),
    "budget.setup": Case("/budget/setup", allowed=frozenset({ADMIN})),
    "budget.set_envelope": Case("/budget/setup/envelope", "POST", allowed=frozenset({ADMIN}), ok_status=(302,),
                                data={"envelope": "4000000.00", "eu_share_percent": "50"}),
    "budget.transfer": Case("/budget/setup/transfer", "POST", allowed=frozenset({ADMIN})),
    "budget.create_account": Case("/budget/setup/accounts", "POST", allowed=frozenset({ADMIN})),
    "budget.aid_register": Case("/budget/aid", allowed=frozenset({APPLICANT, MANAGER, ADMIN})),
    "budget.aid_detail": Case("/budget/aid/{org_id}", allowed=frozenset({APPLICANT, MANAGER, ADMIN})),
    # applications and reviews (issue #3). Ids come from tests/matrix_fixtures.py: applications
    # of the demo applicant's organisation for a UTCN service (partner@ delivers it), reviewed
    # by another partner's staff. Drafts are invisible to the hub (404); a step of someone
    # else's is refused with 403 once the application is visible.
    "applications.mine": Case("/applications/mine", allowed=frozenset({APPLICANT})),
    "applications.queue": Case("/applications/queue", allowed=HUB),
    "applications.new": Case("/applications/new?service_id={service_id}", allowed=frozenset({APPLICANT})),
    "applications.detail": Case("/applications/{submitted_app_id}"),
    "applications.edit": Case("/applications/{draft_app_id}/edit", allowed=frozenset({APPLICANT}), hidden=True),
    "applications.submit": Case("/applications/{draft_app_id}/submit", "POST", allowed=frozenset({APPLICANT}),
                                ok_status=(302,), hidden=True),
    "applications.withdraw": Case("/applications/{submitted_app_id}/withdraw", "POST",
                                  allowed=frozenset({APPLICANT}), ok_status=(302,)),
    "applications.start_review": Case("/applications/{submitted_app_id}/start-review", "POST",
                                      allowed=frozenset({STAFF, MANAGER}), ok_status=(302,)),
    "applications.return_for_info": Case("/applications/{in_review_app_id}/return", "POST",
                                         allowed=frozenset({MANAGER}), ok_status=(302,),
                                         data={"return-question": "Who will take part?"}),
    "applications.resubmit": Case("/applications/{returned_app_id}/resubmit", "POST",
                                  allowed=frozenset({APPLICANT}), ok_status=(302,),
                                  data={"resubmit-answer": "Three engineers."}),
    "applications.approve": Case("/applications/{in_review_app_id}/approve", "POST",
                                 allowed=frozenset({MANAGER}), ok_status=(302,), data={"approve-amount": "9000.00"}),
    "applications.reject": Case("/applications/{in_review_app_id}/reject", "POST", allowed=frozenset({MANAGER}),
                                ok_status=(302,), data={"reject-reason": "Out of scope."}),
    "applications.start_delivery": Case("/applications/{approved_app_id}/start-delivery", "POST",
                                        allowed=frozenset({STAFF}), ok_status=(302,)),
    "applications.record_delivery": Case("/applications/{in_delivery_app_id}/record-delivery", "POST",
                                         allowed=frozenset({STAFF}), ok_status=(302,),
                                         data={"delivery-delivered_on": TODAY, "delivery-notes": "Two weeks of trials.",
                                               "delivery-actual_cost": "14000.00"}),
    "applications.confirm": Case("/applications/{delivered_app_id}/confirm", "POST",
                                 allowed=frozenset({APPLICANT, MANAGER}), ok_status=(302,),
                                 data={"confirm-note": "Confirmed by phone with the applicant."}),
    "applications.cancel": Case("/applications/{approved_app_id}/cancel", "POST", allowed=frozenset({MANAGER}),
                                ok_status=(302,), data={"cancel-reason": "Postponed."}),
    "applications.upload": Case("/applications/{draft_app_id}/attachments", "POST", allowed=frozenset({APPLICANT}),
                                ok_status=(302,), hidden=True,
                                data={"upload-kind": "signed_declaration", "upload-file": (SAMPLE_PDF, "signed.pdf")}),
    "applications.download": Case("/applications/{submitted_with_doc_app_id}/attachments/{submitted_attachment_id}"),
    "applications.delete_attachment": Case("/applications/{draft_app_id}/attachments/{draft_attachment_id}/delete",
                                           "POST", allowed=frozenset({APPLICANT}), ok_status=(302,), hidden=True),
    "reviews.review": Case("/reviews/{in_review_app_id}", allowed=frozenset({STAFF, MANAGER})),
    "reviews.declare_conflict": Case("/reviews/{in_review_app_id}/conflict", "POST",
                                     allowed=frozenset({STAFF, MANAGER}), ok_status=(302,),
                                     data={"conflict-reason": "My brother works there."}),
    "reviews.rubric": Case("/reviews/rubric", allowed=frozenset({ADMIN})),
    "reviews.edit_criterion": Case("/reviews/rubric/{criterion_id}", allowed=frozenset({ADMIN})),
    # reports and exports (issue #5): the reports page, the budget and KPI reports and every
    # export are for managers; a decision letter goes to the applicant organisation, the
    # delivering partner's staff (partner@ delivers the UTCN service) and managers; an aid
    # notice to the organisation itself and managers (anyone else: 404). More in tests/reports.
    "reports.index": Case("/reports/", allowed=MANAGERS),
    "reports.find": Case("/reports/find?reference=DIH-0000-000000", allowed=MANAGERS, ok_status=(302,)),
    "reports.budget_pdf": Case("/reports/budget.pdf", allowed=MANAGERS),
    "reports.kpi_pdf": Case("/reports/kpi.pdf", allowed=MANAGERS),
    "reports.decision_letter": Case("/reports/applications/{approved_app_id}/decision.pdf", hidden=True),
    "reports.aid_notice": Case("/reports/organisations/{org_id}/aid-notice.pdf",
                               allowed=frozenset({APPLICANT, MANAGER, ADMIN}), hidden=True),
    "reports.export_applications": Case("/reports/export/applications.csv", allowed=MANAGERS),
    "reports.export_ledger": Case("/reports/export/ledger.xlsx", allowed=MANAGERS),
    "reports.export_aid_register": Case("/reports/export/aid-register.csv", allowed=MANAGERS),
}
