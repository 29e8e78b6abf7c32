"""The people of an organisation: invitations, joining, removing a colleague; and the
admin's correction of an organisation's figures.

Functions take explicit arguments, raise `DomainError` with a readable message, write
an audit event, and flush: the route commits (and the outbox sends after commit).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth.models import Role, User
from ..auth.services import create_user, end_all_sessions, normalise_email
from ..core import audit
from ..core.db import utcnow
from ..core.errors import DomainError, PermissionDenied
from ..core.mail import queue_email
from ..extensions import db
from . import services
from .models import Invitation, Organisation

INVITATION_DAYS = 7


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def can_manage_members(user, organisation: Organisation) -> bool:
    """Active applicant users of the organisation invite and remove its people."""
    return (getattr(user, "is_authenticated", False) and user.role is Role.APPLICANT
            and user.active and user.organisation_id == organisation.id)


def members(organisation: Organisation) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.organisation_id == organisation.id)
                                   .order_by(User.active.desc(), User.full_name)))


def pending_invitations(organisation: Organisation) -> list[Invitation]:
    return list(db.session.scalars(
        sa.select(Invitation).where(Invitation.organisation_id == organisation.id,
                                    Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
                                    Invitation.expires_at > utcnow())
        .order_by(Invitation.created_at.desc())))


def invite(actor, organisation: Organisation, email: str, days: int = INVITATION_DAYS) -> tuple[Invitation, str]:
    """Invite `email` to join `organisation`. Returns the invitation and the link's token
    (only its hash is stored). An earlier pending invitation to the same address ends."""
    if not can_manage_members(actor, organisation):
        raise PermissionDenied(_("Only the organisation's own users can invite colleagues."))
    email = normalise_email(email)
    existing = db.session.scalar(sa.select(User).where(User.email == email))
    if existing is not None:
        if existing.organisation_id == organisation.id:
            raise DomainError(_("%(email)s is already a member of %(org)s.", email=email,
                                org=organisation.legal_name), "email")
        raise DomainError(_("%(email)s already has an account on the platform; one account belongs "
                            "to one organisation. Ask the hub to help.", email=email), "email")
    now = utcnow()
    db.session.execute(sa.update(Invitation).where(
        Invitation.organisation_id == organisation.id, Invitation.email == email,
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)).values(revoked_at=now))
    token = secrets.token_urlsafe(32)
    invitation = Invitation(organisation_id=organisation.id, email=email, token_hash=_hash(token),
                            invited_by_id=actor.id, created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor, "organisation.invite", "organisation", organisation.id,
                 {"invitation_id": invitation.id, "email": email, "expires_at": invitation.expires_at.isoformat()})
    return invitation, token


def mail_invitation(invitation: Invitation, inviter, link: str) -> None:
    """Queue the invitation e-mail (sent after the request commits)."""
    queue_email(invitation.email, _("Join %(org)s on the voucher platform", org=invitation.organisation.legal_name),
                _("%(name)s invites you to join %(org)s on the voucher platform, to apply for services "
                  "and follow the organisation's applications.\n\n"
                  "Open this link within %(days)s days to choose your password and join:\n%(link)s\n\n"
                  "The link works once. If you did not expect this, ignore this message.",
                  name=inviter.full_name, org=invitation.organisation.legal_name,
                  days=INVITATION_DAYS, link=link))


def invitation_from_token(token: str) -> Invitation:
    """The pending invitation of a link; a readable refusal otherwise."""
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == _hash(token or "")))
    if invitation is None or invitation.revoked_at is not None:
        raise DomainError(_("This invitation link is not valid. Ask your colleague for a new one."))
    if invitation.accepted_at is not None:
        raise DomainError(_("This invitation has already been used. Log in with the account it created."))
    if invitation.expires_at <= utcnow():
        raise DomainError(_("This invitation has expired. Ask your colleague for a new one."))
    return invitation


def accept(token: str, full_name: str, password: str) -> User:
    """Join the organisation with the link: a new applicant user. Works once, even when
    the form is sent twice at the same time (a guarded UPDATE claims the invitation)."""
    invitation = invitation_from_token(token)
    if not (full_name or "").strip():
        raise DomainError(_("Give your name."), "full_name")
    claimed = db.session.execute(
        sa.update(Invitation).where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None),
                                    Invitation.revoked_at.is_(None))
        .values(accepted_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise DomainError(_("This invitation has already been used. Log in with the account it created."))
    user = create_user(invitation.email, password, full_name, Role.APPLICANT,
                       organisation=invitation.organisation)
    db.session.execute(sa.update(Invitation).where(Invitation.id == invitation.id)
                       .values(accepted_user_id=user.id).execution_options(synchronize_session=False))
    db.session.expire(invitation)
    audit.record(user, "organisation.join", "organisation", invitation.organisation_id,
                 {"invitation_id": invitation.id, "user_id": user.id, "email": user.email,
                  "invited_by": invitation.invited_by_id})
    return user


def revoke(actor, invitation: Invitation) -> None:
    """Withdraw a pending invitation: its link stops working."""
    if not can_manage_members(actor, invitation.organisation):
        raise PermissionDenied(_("Only the organisation's own users can withdraw its invitations."))
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise DomainError(_("This invitation is no longer pending."))
    invitation.revoked_at = utcnow()
    audit.record(actor, "organisation.invitation_revoked", "organisation", invitation.organisation_id,
                 {"invitation_id": invitation.id, "email": invitation.email})


def remove_member(actor, organisation: Organisation, member: User) -> None:
    """Take a colleague out: the account is deactivated (its records stay, its sessions end)."""
    if not can_manage_members(actor, organisation):
        raise PermissionDenied(_("Only the organisation's own users can remove colleagues."))
    if member.organisation_id != organisation.id:
        raise PermissionDenied(_("This person is not a member of %(org)s.", org=organisation.legal_name))
    if member.id == actor.id:
        raise DomainError(_("You cannot remove yourself; ask a colleague or the hub."))
    if not member.active:
        raise DomainError(_("%(name)s has already been removed.", name=member.full_name))
    member.active = False
    end_all_sessions(member, actor, "deactivate")
    audit.record(actor, "organisation.remove_member", "organisation", organisation.id,
                 {"user_id": member.id, "email": member.email})


# --- the admin's correction of the figures ----------------------------------------------------

CORRECTABLE = ("kind", "legal_name", "trade_register_no", "county", "caen_code", "headcount",
               "turnover_cents", "balance_sheet_cents", "size_class")


def _snapshot(org: Organisation) -> dict:
    return {name: (value.value if hasattr(value, "value") else value)
            for name in CORRECTABLE for value in [getattr(org, name)]}


def correct_organisation(actor, organisation: Organisation, data: services.OrganisationData, reason: str,
                         valid_counties) -> dict:
    """Admin: correct an organisation's data and figures; the size class is recomputed by
    `services.classify_size`. Audited with the changed values before and after and the
    reason. Returns the changes ({} when nothing changed, and then nothing is recorded)."""
    if getattr(actor, "role", None) is not Role.ADMIN:
        raise PermissionDenied(_("Only administrators correct an organisation's data."))
    if not (reason or "").strip():
        raise DomainError(_("Say why the data are corrected (e.g. the 2025 financial statements)."), "reason")
    data.fiscal_code = organisation.fiscal_code  # the identity is not corrected here
    values = services.validate_organisation(data, valid_counties, exclude_id=organisation.id)
    before = _snapshot(organisation)
    for name in CORRECTABLE:
        setattr(organisation, name, values[name])
    after = _snapshot(organisation)
    changed = {name: [before[name], after[name]] for name in CORRECTABLE if before[name] != after[name]}
    if not changed:
        return {}
    db.session.flush()
    audit.record(actor, "organisation.correct", "organisation", organisation.id,
                 {"before": {k: v[0] for k, v in changed.items()},
                  "after": {k: v[1] for k, v in changed.items()}, "reason": reason.strip()[:1000]})
    return changed
