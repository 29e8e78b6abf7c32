"""User administration rules."""

from __future__ import annotations

from flask_babel import gettext as _

from ..auth.models import Role, User
from ..auth.services import create_user, end_all_sessions
from ..catalogue.models import Partner
from ..core import audit
from ..core.errors import DomainError
from ..extensions import db


def create_staff_user(actor: User, email: str, password: str, full_name: str, role: Role,
                      partner: Partner | None) -> User:
    """An admin creates partner staff, a manager or an admin. A partner goes only with
    the partner-staff role: any other combination is refused, never silently dropped."""
    if partner is not None and role is not Role.PARTNER_STAFF:
        raise DomainError(_("Only partner staff belong to a partner: leave the partner empty for the role "
                            "%(role)s.", role=role.label), "partner_id")
    return create_user(email, password, full_name, role, partner=partner, actor=actor)


def change_role(actor: User, user: User, role: Role, partner_id: int | None) -> None:
    """Change a staff member's role; applicants stay applicants of their organisation."""
    if user.id == actor.id:
        raise DomainError(_("You cannot change your own role."))
    if user.role is Role.APPLICANT or role is Role.APPLICANT:
        raise DomainError(_("Applicants belong to organisations; their role does not change."))
    partner = db.session.get(Partner, partner_id) if partner_id else None
    if role is Role.PARTNER_STAFF and partner is None:
        raise DomainError(_("Partner staff belong to a partner: choose one."), "partner_id")
    if partner is not None and role is not Role.PARTNER_STAFF:
        raise DomainError(_("Only partner staff belong to a partner: leave the partner empty for the role "
                            "%(role)s.", role=role.label), "partner_id")
    before = {"role": user.role.value, "partner_id": user.partner_id, "is_approver": user.is_approver}
    user.role = role
    user.partner_id = partner.id if role is Role.PARTNER_STAFF and partner else None
    if role is not Role.PARTNER_STAFF or user.partner_id != before["partner_id"]:
        # The approver right is given for one partner: a new role or partner starts without it.
        user.is_approver = False
    end_all_sessions(user, actor, "role_change")
    audit.record(actor, "user.role", "user", user.id,
                 {"before": before, "after": {"role": role.value, "partner_id": user.partner_id,
                                              "is_approver": user.is_approver}})


def set_approver(actor: User, user: User, approver: bool) -> bool:
    """Grant or remove the approver right of a partner-staff user (audited).

    Returns False when nothing changed (a repeated request)."""
    if user.role is not Role.PARTNER_STAFF:
        raise DomainError(_("Only partner staff can hold the approver right; managers decide by their role."))
    if not user.active and approver:
        raise DomainError(_("Reactivate the user before granting the approver right."))
    if user.is_approver == approver:
        return False
    user.is_approver = approver
    audit.record(actor, "user.approver_granted" if approver else "user.approver_removed", "user", user.id,
                 {"partner_id": user.partner_id})
    return True


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (ending every session) or reactivate a user."""
    if user.id == actor.id:
        raise DomainError(_("You cannot deactivate yourself."))
    if user.active == active:
        return
    user.active = active
    if not active:
        end_all_sessions(user, actor, "deactivate")
    else:
        audit.record(actor, "user.reactivate", "user", user.id)
