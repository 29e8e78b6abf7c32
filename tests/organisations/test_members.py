"""The people of an organisation: invitations (signed-off by a stored hash, expiring,
single-use), joining, removing a colleague; and the admin's correction of the figures."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from conftest import login
from factories import make_org, make_user

from dih4society.auth.models import Role, User
from dih4society.core.db import utcnow
from dih4society.core.errors import DomainError, PermissionDenied
from dih4society.core.models import AuditEvent, OutboxEmail
from dih4society.extensions import db
from dih4society.organisations import members
from dih4society.organisations.models import Invitation, Organisation, OrgKind, SizeClass
from dih4society.organisations.services import OrganisationData

NEW_PASSWORD = "amber-lathe-compass-77"


def _applicant(email="applicant@dih4society.example") -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _verbs(org_id: int) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.verb).where(
        AuditEvent.object_type == "organisation", AuditEvent.object_id == org_id).order_by(AuditEvent.id)))


# --- services ------------------------------------------------------------------------------

def test_an_invitation_stores_only_the_tokens_hash_and_joins_once(ctx, seeded):
    inviter = _applicant()
    invitation, token = members.invite(inviter, inviter.organisation, " Ioana@Tehnoplast.example ")
    assert invitation.email == "ioana@tehnoplast.example"
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    user = members.accept(token, "Ioana Pop", NEW_PASSWORD)
    assert user.role is Role.APPLICANT and user.organisation_id == inviter.organisation_id
    assert invitation.accepted_at is not None and invitation.accepted_user_id == user.id
    with pytest.raises(DomainError, match="already been used"):
        members.accept(token, "Ioana Pop", NEW_PASSWORD)
    assert _verbs(inviter.organisation_id)[-2:] == ["organisation.invite", "organisation.join"]


def test_expired_withdrawn_and_forged_links_are_refused(ctx, seeded):
    inviter = _applicant()
    old, old_token = members.invite(inviter, inviter.organisation, "a@example.org")
    old.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(DomainError, match="expired"):
        members.invitation_from_token(old_token)
    first, first_token = members.invite(inviter, inviter.organisation, "b@example.org")
    _second, second_token = members.invite(inviter, inviter.organisation, "b@example.org")  # ends the first
    with pytest.raises(DomainError, match="not valid"):
        members.invitation_from_token(first_token)
    assert members.invitation_from_token(second_token).email == "b@example.org"
    with pytest.raises(DomainError, match="not valid"):
        members.invitation_from_token("forged-token")


def test_only_the_organisations_own_users_invite_and_existing_accounts_are_not_invited(ctx, seeded):
    org = _applicant().organisation
    for outsider in (_applicant("applicant2@dih4society.example"),
                     db.session.scalar(sa.select(User).where(User.role == Role.MANAGER))):
        with pytest.raises(PermissionDenied):
            members.invite(outsider, org, "x@example.org")
    with pytest.raises(DomainError, match="already has an account"):
        members.invite(_applicant(), org, "manager@dih4society.example")
    colleague = make_user(Role.APPLICANT, org=org)
    with pytest.raises(DomainError, match="already a member"):
        members.invite(_applicant(), org, colleague.email)


def test_removing_a_colleague_deactivates_and_ends_their_sessions(ctx, seeded):
    me = _applicant()
    colleague = make_user(Role.APPLICANT, org=me.organisation)
    version = colleague.session_version
    members.remove_member(me, me.organisation, colleague)
    assert not colleague.active and colleague.session_version == version + 1
    assert "organisation.remove_member" in _verbs(me.organisation_id)
    with pytest.raises(DomainError, match="yourself"):
        members.remove_member(me, me.organisation, me)
    stranger = make_user(Role.APPLICANT, org=make_org())
    with pytest.raises(PermissionDenied):
        members.remove_member(me, me.organisation, stranger)
    with pytest.raises(PermissionDenied):
        members.remove_member(stranger, me.organisation, me)


def _figures(org: Organisation, **over) -> OrganisationData:
    values = dict(kind=org.kind, legal_name=org.legal_name, fiscal_code=None,
                  trade_register_no=org.trade_register_no, county=org.county, caen_code=org.caen_code,
                  headcount=org.headcount, turnover=Decimal(org.turnover_cents) / 100,
                  balance_sheet=Decimal(org.balance_sheet_cents) / 100)
    values.update(over)
    return OrganisationData(**values)


def test_an_admin_correction_recomputes_the_size_class_and_is_audited(ctx, seeded):
    admin = db.session.scalar(sa.select(User).where(User.role == Role.ADMIN))
    org = make_org(headcount=20, turnover_cents=100_000_000, balance_sheet_cents=50_000_000)
    assert org.size_class is SizeClass.SMALL
    changed = members.correct_organisation(admin, org, _figures(org, headcount=60, turnover=Decimal("12000000")),
                                           "2025 financial statements", {"CJ": "Cluj"})
    assert org.size_class is SizeClass.MEDIUM
    assert changed == {"headcount": [20, 60], "turnover_cents": [100_000_000, 1_200_000_000],
                       "size_class": ["small", "medium"]}
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.verb == "organisation.correct"))
    assert event.object_id == org.id and event.actor_id == admin.id
    assert event.data["before"] == {"headcount": 20, "turnover_cents": 100_000_000, "size_class": "small"}
    assert event.data["after"]["size_class"] == "medium" and event.data["reason"] == "2025 financial statements"
    assert members.correct_organisation(admin, org, _figures(org), "again", {"CJ": "Cluj"}) == {}


def test_a_correction_refuses_figures_that_contradict_the_kind_and_non_admins(ctx, seeded):
    admin = db.session.scalar(sa.select(User).where(User.role == Role.ADMIN))
    org = make_org()
    before = (org.headcount, org.size_class)
    with pytest.raises(DomainError, match="small mid-cap"):
        members.correct_organisation(admin, org, _figures(org, headcount=300), "x", {"CJ": "Cluj"})
    assert (org.headcount, org.size_class) == before
    with pytest.raises(DomainError, match="Say why"):
        members.correct_organisation(admin, org, _figures(org), " ", {"CJ": "Cluj"})
    manager = db.session.scalar(sa.select(User).where(User.role == Role.MANAGER))
    with pytest.raises(PermissionDenied):
        members.correct_organisation(manager, org, _figures(org, headcount=5), "x", {"CJ": "Cluj"})
    corrected = members.correct_organisation(admin, org, _figures(org, kind=OrgKind.SMALL_MIDCAP, headcount=300),
                                             "group restructuring", {"CJ": "Cluj"})
    assert org.size_class is SizeClass.SMALL_MIDCAP and corrected["kind"] == ["sme", "small_midcap"]


# --- routes ----------------------------------------------------------------------------------

def _link(app) -> str:
    with app.app_context():
        body = db.session.scalars(sa.select(OutboxEmail.body).order_by(OutboxEmail.id.desc())).first()
    return re.search(r"http://[^\s]+/organisations/join/[A-Za-z0-9_-]+", body).group(0).split("://", 1)[1].split(
        "/", 1)[1]


def test_a_member_invites_the_colleague_joins_and_is_seen_and_removed(app, client, seeded):
    login(client, "applicant")
    response = client.post("/organisations/mine/invitations", data={"email": "ioana@tehnoplast.example"})
    assert response.status_code == 302
    page = client.get("/organisations/mine").get_data(as_text=True)
    assert "ioana@tehnoplast.example" in page and "Invitation sent" in page
    link = "/" + _link(app)
    colleague = app.test_client()
    join_page = colleague.get(link).get_data(as_text=True)
    assert "Join Tehnoplast" in join_page
    weak = colleague.post(link, data={"full_name": "Ioana Pop", "password": "short", "confirm": "short"})
    assert b"at least 12" in weak.data
    joined = colleague.post(link, data={"full_name": "Ioana Pop", "password": NEW_PASSWORD,
                                        "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "you are a member of Tehnoplast" in joined.get_data(as_text=True)
    assert b"Log out" in joined.data
    again = app.test_client().get(link, follow_redirects=True)
    assert b"already been used" in again.data
    with app.app_context():
        ioana = db.session.scalar(sa.select(User).where(User.email == "ioana@tehnoplast.example"))
        ioana_id, org_id = ioana.id, ioana.organisation_id
    page = client.get("/organisations/mine").get_data(as_text=True)
    assert "Ioana Pop" in page and f"/organisations/mine/members/{ioana_id}/remove" in page
    assert 'data-confirm="Remove Ioana Pop?' in page
    assert client.post(f"/organisations/mine/members/{ioana_id}/remove").status_code == 302
    assert b"Log out" not in colleague.get("/organisations/mine", follow_redirects=True).data
    with app.app_context():
        assert _verbs(org_id)[-3:] == ["organisation.invite", "organisation.join", "organisation.remove_member"]


def test_an_invitation_sent_twice_is_one_invitation(app, client, seeded):
    login(client, "applicant")
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"',
                      client.get("/organisations/mine").get_data(as_text=True)).group(1)
    for _ in range(2):
        client.post("/organisations/mine/invitations", data={"email": "dan@tehnoplast.example", "token": token})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(
            OutboxEmail.recipient == "dan@tehnoplast.example")) == 1


def test_two_concurrent_joins_with_one_link_make_one_account(app, seeded):
    with app.app_context():
        inviter = _applicant()
        _invitation, token = members.invite(inviter, inviter.organisation, "twice@example.org")
        db.session.commit()
    clients = [app.test_client() for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def join(i: int) -> None:
        barrier.wait()
        results[i] = clients[i].post(f"/organisations/join/{token}", data={
            "full_name": "Twice", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code

    threads = [threading.Thread(target=join, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [302, 302]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email == "twice@example.org")) == 1


def test_others_cannot_touch_an_organisations_people(app, client, seeded):
    with app.app_context():
        me = _applicant()
        invitation, _token = members.invite(me, me.organisation, "x@example.org")
        colleague = make_user(Role.APPLICANT, org=me.organisation)
        ids = invitation.id, colleague.id
        db.session.commit()
    login(client, "applicant2")
    assert client.post(f"/organisations/mine/invitations/{ids[0]}/revoke").status_code == 404
    assert client.post(f"/organisations/mine/members/{ids[1]}/remove").status_code == 404
    with app.app_context():
        assert db.session.get(Invitation, ids[0]).revoked_at is None
        assert db.session.get(User, ids[1]).active
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.verb == "denied")) == 2
    owner = app.test_client()
    login(owner, "applicant")
    owner.post(f"/organisations/mine/invitations/{ids[0]}/revoke")
    with app.app_context():
        assert db.session.get(Invitation, ids[0]).revoked_at is not None


def test_admin_corrects_the_figures_through_the_page(app, client, seeded):
    with app.app_context():
        org = _applicant().organisation
        org_id, size = org.id, org.size_class
    login(client, "applicant")
    assert client.get(f"/organisations/{org_id}/edit").status_code == 403
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get(f"/organisations/{org_id}").get_data(as_text=True)
    assert f"/organisations/{org_id}/edit" in page
    form = admin.get(f"/organisations/{org_id}/edit").get_data(as_text=True)
    assert "Correct the organisation" in form
    data = {"kind": "sme", "legal_name": "Tehnoplast Someș SRL", "trade_register_no": "J12/1483/2015",
            "county": "CJ", "caen_code": "2222", "headcount": "120", "turnover": "30000000",
            "balance_sheet": "20000000", "reason": "2025 statements"}
    wrong = admin.post(f"/organisations/{org_id}/edit", data={**data, "headcount": "x", "caen_code": "22A2",
                                                               "reason": ""}).get_data(as_text=True)
    assert "CAEN" in wrong and "Not a valid integer" in wrong and "This field is required" in wrong
    response = admin.post(f"/organisations/{org_id}/edit", data=data, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Medium-sized enterprise" in text and "size class is now" in text
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert org.size_class is SizeClass.MEDIUM and org.size_class is not size and org.headcount == 120
        assert "organisation.correct" in _verbs(org_id)


def test_invitations_are_rate_limited_per_address(app, client, seeded):
    """Three invitations to one address an hour (config RATE_LIMITS["invite"]); the fourth
    is refused with a message and sends nothing."""
    login(client, "applicant")
    statuses = []
    for _ in range(4):
        token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"',
                          client.get("/organisations/mine").get_data(as_text=True)).group(1)
        response = client.post("/organisations/mine/invitations",
                               data={"email": "spam@tehnoplast.example", "token": token})
        statuses.append(response.status_code)
    assert statuses == [302, 302, 302, 429]
    assert "Too many requests" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(
            OutboxEmail.recipient == "spam@tehnoplast.example")) == 3
