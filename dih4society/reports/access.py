"""Who may download which report: one vocabulary for routes, templates and the CLI.

Managers and admins get everything. An applicant gets the decision letters of its
own organisation's applications and its own aid notice. Partner staff get the
decision letters of the applications whose service their partner delivers and their
own partner's budget report (`budget.models.can_view_partner_budget`), but not the
hub's budget or KPI report, nor any export.
"""

from __future__ import annotations

from ..applications import workflow
from ..applications.models import Application
from ..auth.models import Role
from ..core.security import MANAGERS
from ..organisations.models import Organisation


def can_use_reports(user) -> bool:
    """The reports page, the budget and KPI reports, and every export."""
    return getattr(user, "is_authenticated", False) and user.role in MANAGERS


def can_get_decision_letter(user, application: Application) -> bool:
    """May `user` download the decision letter of `application` (whatever its state)?"""
    if not getattr(user, "is_authenticated", False) or not workflow.can_view(user, application):
        return False
    if user.role in MANAGERS:
        return True
    if user.role is Role.APPLICANT:
        return workflow.is_member(user, application)
    if user.role is Role.PARTNER_STAFF:
        return workflow.is_delivering_staff(user, application)
    return False


def can_get_aid_notice(user, organisation: Organisation) -> bool:
    """May `user` download the state-aid notice of `organisation`?"""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role in MANAGERS:
        return True
    return user.role is Role.APPLICANT and user.organisation_id == organisation.id
