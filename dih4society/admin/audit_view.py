"""The audit log made readable: each event's data as lines with money and names.

The stored JSON stays the record (shown raw behind a toggle); this only describes it.
Ids are resolved to names in one query per kind of object for the whole page."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth.models import User
from ..budget.models import BudgetAccount
from ..catalogue.models import Partner, Service
from ..core.models import AuditEvent
from ..core.money import eur
from ..extensions import db
from ..organisations.models import Organisation

#: Object types with a name to show; also the choices of the object-type filter.
OBJECT_TYPES = {
    "application": _l("Application"),
    "attachment": _l("Document"),
    "aid_grant": _l("Aid grant"),
    "budget_account": _l("Budget account"),
    "budget_settings": _l("Budget settings"),
    "endpoint": _l("Page or action"),
    "organisation": _l("Organisation"),
    "rubric_criterion": _l("Rubric criterion"),
    "service": _l("Service"),
    "user": _l("User"),
}

KEY_LABELS = {
    "amount_cents": _l("Amount"), "aid_cents": _l("Aid"), "envelope_cents": _l("Envelope"),
    "requested_cents": _l("Requested"), "approved_cents": _l("Approved"),
    "actual_cost_cents": _l("Actual cost"), "market_value_cents": _l("Market value"),
    "eu_share_percent": _l("EU share (%)"), "partner_id": _l("Partner"), "role": _l("Role"),
    "email": _l("E-mail"), "from": _l("From"), "to": _l("To"), "note": _l("Note"),
    "reason": _l("Reason"), "what": _l("What"), "service": _l("Service"), "application": _l("Application"),
    "fiscal_code": _l("Fiscal code (CUI)"), "size_class": _l("Size class"), "name": _l("Name"),
    "kind": _l("Kind"), "category": _l("Category"), "partner": _l("Partner"), "code": _l("Code"),
    "label": _l("Label"), "weight": _l("Weight"), "scores": _l("Scores"),
    "total_hundredths": _l("Total score"),
    "budget_account": _l("Budget account"), "account": _l("Account"), "legal_basis": _l("Legal basis"),
    "justification": _l("Justification"), "delivered_on": _l("Delivered on"),
    "recommendation": _l("Recommendation"), "comment": _l("Comment"), "state": _l("State"),
    "reference": _l("Reference"), "decision_reason": _l("Reason for the decision"),
    "notes": _l("What was delivered"), "released": _l("Released"), "committed": _l("Committed"),
    "justification_chars": _l("Justification (characters)"), "outside_aid": _l("Aid from other grantors"),
    "decl_sme": _l("SME declaration"), "decl_not_in_difficulty": _l("Not an undertaking in difficulty"),
    "decl_no_recovery_order": _l("No unpaid recovery order"),
    "decl_outside_aid_complete": _l("Aid from other grantors declared"),
    "spent": _l("Spent"), "allocated": _l("Allocated"), "aid_grant": _l("Aid grant"), "question": _l("Question"), "answer": _l("Answer"),
    # issues 8, 9, 11, 12: approvals, co-payment and restatement, sessions, DMA, vouchers
    "co_payment_cents": _l("Co-payment"), "aid_before_cents": _l("Aid before"),
    "value_cents": _l("Value"), "threshold_cents": _l("Threshold"), "decision_body": _l("Decision body"),
    "restated_on": _l("Restated on"), "reversed_on": _l("Reversed on"), "hash": _l("Content hash (SHA-256)"),
    "valid_until": _l("Valid until"), "method": _l("Method"), "user_agent": _l("Browser"), "stage": _l("Stage"),
}

#: Keys holding the id of another object, by object type.
ID_KEYS = {"partner_id": "partner", "review_id": None, "attachment_id": None, "account_id": "budget_account",
           "user_id": "user", "service_id": "service"}


@dataclass(frozen=True)
class Line:
    """One readable line: a label and a value (the value already formatted)."""

    label: str
    value: str


def _label(key: str) -> str:
    if key in KEY_LABELS:
        return str(KEY_LABELS[key])
    base = key.removesuffix("_cents").removesuffix("_id")
    if base in KEY_LABELS:
        return str(KEY_LABELS[base])
    return base.replace("_", " ").capitalize()


def _value(key: str, value: Any, names: dict[tuple[str, int], str], verb: str) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key.endswith("_cents") and isinstance(value, int):
        return eur(value)
    if key == "total_hundredths" and isinstance(value, int):
        return f"{value / 100:.2f}"
    kind = "budget_account" if verb == "budget.transfer" and key in ("from", "to") else ID_KEYS.get(key)
    if kind and isinstance(value, int):
        return names.get((kind, value), f"#{value}")
    if verb.startswith("application.") and key in ("from", "to", "state") and isinstance(value, str):
        from ..applications.models import AppState

        try:
            return AppState(value).label
        except ValueError:
            return value
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def describe(event: AuditEvent, names: dict[tuple[str, int], str]) -> list[Line]:
    """The event's data as lines; a before/after pair becomes "old → new" per changed key."""
    data = dict(event.data or {})
    before, after = data.pop("before", None), data.pop("after", None)
    lines = [Line(_label(k), _value(k, v, names, event.verb)) for k, v in data.items()]
    if isinstance(before, dict) or isinstance(after, dict):
        before, after = before or {}, after or {}
        for key in list(dict.fromkeys([*before, *after])):
            old, new = before.get(key), after.get(key)
            if old == new:
                continue
            lines.append(Line(_label(key), f"{_value(key, old, names, event.verb)} → "
                                           f"{_value(key, new, names, event.verb)}"))
    return lines


def verb_label(verb: str) -> str:
    """A readable name for the action where one exists (the code stays visible beside it)."""
    from ..applications.queries import EVENT_LABELS

    return str(EVENT_LABELS[verb]) if verb in EVENT_LABELS else ""


def resolve_names(events: list[AuditEvent]) -> dict[tuple[str, int], str]:
    """Names for the objects and ids the events mention: (object type, id) → name."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for e in events:
        if e.object_id is not None:
            wanted[e.object_type].add(e.object_id)
        parts = [e.data or {}, (e.data or {}).get("before") or {}, (e.data or {}).get("after") or {}]
        for part in parts:
            if not isinstance(part, dict):
                continue
            for key, value in part.items():
                kind = ("budget_account" if e.verb == "budget.transfer" and key in ("from", "to")
                        else ID_KEYS.get(key))
                if kind and isinstance(value, int):
                    wanted[kind].add(value)
    from ..applications.models import Application

    sources = {
        "user": (User.id, User.full_name),
        "partner": (Partner.id, Partner.name),
        "budget_account": (BudgetAccount.id, BudgetAccount.name),
        "service": (Service.id, Service.name),
        "organisation": (Organisation.id, Organisation.legal_name),
        "application": (Application.id, sa.func.coalesce(Application.reference, "")),
    }
    names: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        if kind not in sources or not ids:
            continue
        id_col, name_col = sources[kind]
        for object_id, name in db.session.execute(sa.select(id_col, name_col).where(id_col.in_(ids))):
            if name:
                names[(kind, object_id)] = name
    return names
