"""The access matrix: every endpoint of the app, and what each role gets.

`tests/core/test_access_matrix.py` fails when the app has an endpoint that is in
neither PUBLIC nor CASES, so every new route must be listed here. A path may use
`{placeholders}` filled from the `matrix_ids` fixture (ids of demo objects).

`allowed` lists the roles that get through; the others get 403 (or 404 where
`hidden=True`: objects of others are not even revealed). Visitors who are not
logged in are sent to the login page for every endpoint outside PUBLIC.
"""

from dataclasses import dataclass, field

ANON, APPLICANT, STAFF, MANAGER, ADMIN = "anon", "applicant", "partner_staff", "manager", "admin"
ROLES = (APPLICANT, STAFF, MANAGER, ADMIN)
EVERYONE = frozenset(ROLES)
HUB = frozenset({STAFF, MANAGER, ADMIN})
MANAGERS = frozenset({MANAGER, ADMIN})


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
}

CASES: dict[str, Case] = {
    "main.notifications": Case("/notifications"),
    "auth.logout": Case("/auth/logout", "POST", ok_status=(302,)),
    "auth.account": Case("/auth/account"),
    "auth.logout_everywhere": Case("/auth/logout-everywhere", "POST", ok_status=(302,)),
    "organisations.mine": Case("/organisations/mine", allowed=frozenset({APPLICANT}), hidden=True),
    "organisations.detail": Case("/organisations/{other_org_id}", allowed=HUB, hidden=True),
    "catalogue.index": Case("/catalogue/"),
    "catalogue.detail": Case("/catalogue/{service_id}"),
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
}
