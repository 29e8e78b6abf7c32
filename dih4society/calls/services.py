"""Call operations: create and edit (audited, rules frozen once applied to), and the
checks an application meets within its call (window, service, eligibility, quota).

Moments are typed and shown in the hub's time zone (`TZ`) and stored in UTC. The
window is checked against the server's clock (`now()`, one function so tests can
freeze it) at the moment of the submission, whatever time the form was opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from ..core import audit
from ..core.db import is_postgres, utcnow
from ..core.errors import DomainError
from ..core.money import eur
from ..extensions import db
from ..organisations.models import OrgKind
from . import money
from .models import Call, CallPhase, SelectionMode

TZ_NAME = "Europe/Bucharest"
TZ = ZoneInfo(TZ_NAME)
MAX_TEXT = 10_000


def now() -> datetime:
    """The server's clock for every window check (tests replace it to freeze time)."""
    return utcnow()


def to_local(moment: datetime) -> datetime:
    """A stored UTC moment in the hub's time zone."""
    return moment.astimezone(TZ)


def from_local(naive: datetime) -> datetime:
    """A moment typed in the hub's time zone (naive) as an aware UTC datetime."""
    return naive.replace(tzinfo=TZ).astimezone(UTC)


def moment(value: datetime) -> str:
    """How a moment is written in messages: local time, to the second, with the zone."""
    return to_local(value).strftime("%d.%m.%Y %H:%M:%S") + f" ({TZ_NAME})"


def short_moment(value: datetime) -> str:
    """A moment in lists: local time to the minute (the page says which zone)."""
    return to_local(value).strftime("%d.%m.%Y %H:%M")


def local_moment(days: int, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` Bucharest time, `days` from today (demo data and defaults), in UTC."""
    from datetime import timedelta

    day = to_local(utcnow()).date() + timedelta(days=days)
    return from_local(datetime(day.year, day.month, day.day, hour, minute))


# --- creating and editing -----------------------------------------------------------------------

@dataclass
class CallData:
    """What an admin or manager types in for a call."""

    title_en: str
    title_ro: str
    description_en: str
    description_ro: str
    opens_at: datetime  # aware UTC
    closes_at: datetime  # aware UTC
    eligible_kinds: list[str]
    eligible_counties: list[str]
    service_ids: list[int]
    cap_cents: int | None
    max_per_group: int
    selection_mode: SelectionMode
    min_score: int = 0
    results_show_names: bool = True
    extension_reason: str = ""
    services: list = field(default_factory=list)


RULES = ("opens_at", "eligible_kinds", "eligible_counties", "services", "max_per_group",
         "selection_mode", "min_score")


def _validate(data: CallData, counties: dict) -> list:
    from ..catalogue.models import Service

    for name in ("title_en", "title_ro"):
        text = (getattr(data, name) or "").strip()
        if not text:
            raise DomainError(_("Give the call a title in both languages."), name)
        if len(text) > 200:
            raise DomainError(_("Keep the title under 200 characters."), name)
    for name in ("description_en", "description_ro"):
        if len(getattr(data, name) or "") > MAX_TEXT:
            raise DomainError(_("Keep the description under %(n)s characters.", n=MAX_TEXT), name)
    if data.opens_at is None or data.closes_at is None:
        raise DomainError(_("Give the opening and the closing moment."), "closes_at")
    if data.closes_at <= data.opens_at:
        raise DomainError(_("The call must close after it opens (opens %(opens)s, closes %(closes)s).",
                            opens=moment(data.opens_at), closes=moment(data.closes_at)), "closes_at")
    kinds = {k.value for k in OrgKind}
    if not data.eligible_kinds or not set(data.eligible_kinds) <= kinds:
        raise DomainError(_("Choose at least one kind of organisation that may apply."), "eligible_kinds")
    if not set(data.eligible_counties) <= set(counties):
        raise DomainError(_("Choose counties from the list."), "eligible_counties")
    if not data.service_ids:
        raise DomainError(_("Choose at least one service the call offers."), "service_ids")
    services = db.session.scalars(sa.select(Service).where(Service.id.in_(data.service_ids))).all()
    if len(services) != len(set(data.service_ids)):
        raise DomainError(_("Choose services from the catalogue."), "service_ids")
    if data.cap_cents is not None and data.cap_cents <= 0:
        raise DomainError(_("A cap is a positive amount (leave it empty for no cap)."), "cap")
    if not 1 <= data.max_per_group <= 100:
        raise DomainError(_("Allow between 1 and 100 vouchers per organisation."), "max_per_group")
    if not 0 <= data.min_score <= 100:
        raise DomainError(_("The minimum score is between 0 and 100."), "min_score")
    return services


def _snapshot(call: Call) -> dict:
    return {
        "title_en": call.title_en, "title_ro": call.title_ro,
        "opens_at": call.opens_at.isoformat(), "closes_at": call.closes_at.isoformat(),
        "eligible_kinds": call.eligible_kinds, "eligible_counties": call.eligible_counties,
        "services": sorted(s.code for s in call.services), "cap_cents": call.cap_cents,
        "max_per_group": call.max_per_group, "selection_mode": call.selection_mode.value,
        "min_score": call.min_score, "results_show_names": call.results_show_names,
    }


def create_call(actor, data: CallData, counties: dict) -> Call:
    """A new call (admins and managers)."""
    services = _validate(data, counties)
    call = Call(title_en=data.title_en.strip(), title_ro=data.title_ro.strip(),
                description_en=(data.description_en or "").strip(),
                description_ro=(data.description_ro or "").strip(),
                opens_at=data.opens_at, closes_at=data.closes_at,
                eligible_kinds=",".join(sorted(data.eligible_kinds)),
                eligible_counties=",".join(sorted(data.eligible_counties)),
                cap_cents=data.cap_cents, max_per_group=data.max_per_group,
                selection_mode=data.selection_mode, min_score=data.min_score,
                results_show_names=data.results_show_names, created_by_id=getattr(actor, "id", None),
                committed_cents=0, spent_cents=0)
    call.services = list(services)
    db.session.add(call)
    db.session.flush()
    audit.record(actor, "call.create", "call", call.id, _snapshot(call))
    return call


def submitted_count(call: Call) -> int:
    """Applications of the call that were ever submitted (drafts do not freeze the rules)."""
    from ..applications.models import Application

    return db.session.scalar(sa.select(sa.func.count(Application.id)).where(
        Application.call_id == call.id, Application.submitted_at.is_not(None)))


def is_frozen(call: Call) -> bool:
    """Once applied to, a call's rules stay; only the closing may move later (with a reason)."""
    return submitted_count(call) > 0


def update_call(actor, call: Call, data: CallData, counties: dict) -> Call:
    """Change a call. With applications, only the texts, the cap (never below what is
    committed), the publication choices, and a later closing moment with a reason."""
    services = _validate(data, counties)
    before = _snapshot(call)
    frozen = is_frozen(call)
    if frozen:
        changed = []
        if data.opens_at != call.opens_at:
            changed.append("opens_at")
        if sorted(data.eligible_kinds) != sorted(call.kind_values):
            changed.append("eligible_kinds")
        if sorted(data.eligible_counties) != sorted(call.county_values):
            changed.append("eligible_counties")
        if {s.id for s in services} != {s.id for s in call.services}:
            changed.append("services")
        for name in ("max_per_group", "selection_mode", "min_score"):
            if getattr(data, name) != getattr(call, name):
                changed.append(name)
        if changed:
            raise DomainError(_("This call has applications: its rules cannot change any more "
                                "(only the closing moment can be extended, with a reason)."), changed[0])
        if data.closes_at < call.closes_at:
            raise DomainError(_("This call has applications: its closing can only move later."), "closes_at")
    reason = (data.extension_reason or "").strip()
    if frozen and data.closes_at != call.closes_at and not reason:
        raise DomainError(_("Say why the closing moment is extended."), "extension_reason")
    if len(reason) > MAX_TEXT:
        raise DomainError(_("Keep the reason under %(n)s characters.", n=MAX_TEXT), "extension_reason")
    if data.cap_cents != call.cap_cents:
        money.set_cap(call, data.cap_cents)
    call.title_en, call.title_ro = data.title_en.strip(), data.title_ro.strip()
    call.description_en = (data.description_en or "").strip()
    call.description_ro = (data.description_ro or "").strip()
    call.opens_at, call.closes_at = data.opens_at, data.closes_at
    call.eligible_kinds = ",".join(sorted(data.eligible_kinds))
    call.eligible_counties = ",".join(sorted(data.eligible_counties))
    call.services = list(services)
    call.max_per_group, call.selection_mode = data.max_per_group, data.selection_mode
    call.min_score, call.results_show_names = data.min_score, data.results_show_names
    db.session.flush()
    after = _snapshot(call)
    if after != before:
        audit.record(actor, "call.update", "call", call.id,
                     {"before": before, "after": after, "reason": reason or None})
    return call


# --- applications within a call -------------------------------------------------------------

def open_calls_for(service, organisation=None, at: datetime | None = None) -> list[Call]:
    """Calls that offer `service` and are open now (for this organisation, if given)."""
    at = at or now()
    calls = db.session.scalars(
        sa.select(Call).where(Call.opens_at <= at, Call.closes_at > at,
                              Call.services.any(id=service.id)).order_by(Call.closes_at, Call.id)).all()
    if organisation is not None:
        calls = [c for c in calls if eligibility_problem(c, organisation) is None]
    return list(calls)


def eligibility_problem(call: Call, organisation) -> str | None:
    """Why the organisation may not apply in the call (None: it may)."""
    if organisation.kind.value not in call.kind_values:
        return _("%(kind)s organisations cannot apply in “%(call)s”.", kind=organisation.kind.label,
                 call=call.title)
    if call.county_values and organisation.county not in call.county_values:
        return _("“%(call)s” is open to organisations from %(counties)s only.", call=call.title,
                 counties=", ".join(call.county_values))
    return None


def check_draft(call: Call | None, service, organisation, at: datetime | None = None) -> Call:
    """A new draft needs a call that offers the service, to this organisation, not yet closed."""
    at = at or now()
    if call is None:
        found = open_calls_for(service, organisation, at)
        if not found:
            raise DomainError(_("No open call offers %(service)s to your organisation now.",
                                service=service.name))
        call = found[0]
    if not call.offers(service):
        raise DomainError(_("The call “%(call)s” does not offer %(service)s.", call=call.title,
                            service=service.name))
    problem = eligibility_problem(call, organisation)
    if problem:
        raise DomainError(problem)
    if call.phase(at) is CallPhase.CLOSED:
        raise DomainError(_("“%(call)s” closed on %(moment)s: it no longer accepts applications.",
                            call=call.title, moment=moment(call.closes_at)))
    return call


def _lock_group(call: Call, group: str) -> None:
    if is_postgres(db.session):
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                           {"k": f"call:{call.id}:{group}"})


def check_submission(application, at: datetime | None = None) -> None:
    """Refuse a submission outside the window (the moment is shown), for a service the
    call does not offer, by an organisation it does not admit, or over its quota."""
    from ..applications.models import Application, AppState

    call = application.call
    if call is None:
        raise DomainError(_("This application belongs to no call; apply within an open call."))
    at = at or now()
    phase = call.phase(at)
    if phase is CallPhase.UPCOMING:
        raise DomainError(_("“%(call)s” opens on %(moment)s; submissions are accepted from then.",
                            call=call.title, moment=moment(call.opens_at)))
    if phase is CallPhase.CLOSED:
        raise DomainError(_("“%(call)s” closed on %(moment)s; the draft is kept but can no longer "
                            "be submitted.", call=call.title, moment=moment(call.closes_at)))
    if not call.offers(application.service):
        raise DomainError(_("The call “%(call)s” does not offer %(service)s.", call=call.title,
                            service=application.service.name))
    problem = eligibility_problem(call, application.organisation)
    if problem:
        raise DomainError(problem)
    group = application.organisation.undertaking_group
    _lock_group(call, group)
    from ..organisations.models import Organisation

    taken = db.session.scalar(
        sa.select(sa.func.count(Application.id)).join(Organisation, Organisation.id == Application.organisation_id)
        .where(Application.call_id == call.id, Organisation.undertaking_group == group,
               Application.id != application.id,
               Application.state.not_in([AppState.DRAFT, AppState.WITHDRAWN, AppState.REJECTED,
                                         AppState.CANCELLED])))
    if taken >= call.max_per_group:
        raise DomainError(_("Your organisation (with its linked enterprises) already has %(n)s "
                            "application(s) in “%(call)s”, the most the call allows.",
                            n=taken, call=call.title))


def cap_text(call: Call) -> str:
    return eur(call.cap_cents) if call.cap_cents is not None else _("no cap")
