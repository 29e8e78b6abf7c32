"""Calls through the services: bad input, the window to the second, eligibility, quota,
frozen rules, the cap (refused with figures, released on cancel), and `budget verify`."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from applications.builders import S, build, data, other_org_applicant
from calls.helpers import COUNTIES, call_data, frozen, in_review, make_call, utc

from dih4society.applications import services
from dih4society.budget import services as budget
from dih4society.calls import services as calls
from dih4society.calls.models import Call
from dih4society.calls.money import CallCapExceeded
from dih4society.core.errors import DomainError
from dih4society.core.models import AuditEvent
from dih4society.extensions import db
from dih4society.organisations.models import OrgKind


def _calls() -> int:
    return db.session.scalar(sa.select(sa.func.count(Call.id)))


@pytest.mark.parametrize(("over", "field", "message"), [
    ({"closes_at": utc(2026, 3, 1, 10, 0, 0), "opens_at": utc(2026, 3, 1, 10, 0, 0)}, "closes_at", "close after it opens"),
    ({"closes_at": utc(2026, 2, 1), "opens_at": utc(2026, 3, 1)}, "closes_at", "close after it opens"),
    ({"service_ids": []}, "service_ids", "at least one service"),
    ({"eligible_kinds": []}, "eligible_kinds", "at least one kind"),
    ({"eligible_counties": ["XX"]}, "eligible_counties", "counties"),
    ({"title_ro": "  "}, "title_ro", "title in both languages"),
    ({"cap_cents": 0}, "cap", "positive"),
    ({"max_per_group": 0}, "max_per_group", "between 1 and 100"),
])
def test_bad_call_input_is_refused_with_a_message_and_nothing_stored(cast, over, field, message):
    before = _calls()
    values = call_data([cast.service])
    for k, v in over.items():
        setattr(values, k, v)
    with pytest.raises(DomainError, match=message) as refused:
        calls.create_call(cast.manager, values, COUNTIES)
    assert refused.value.field == field
    assert _calls() == before


def test_a_call_is_created_audited_and_shows_local_time(cast):
    call = make_call(cast.manager, [cast.service], opens_at=utc(2026, 7, 1, 6, 0, 0),
                     closes_at=utc(2026, 7, 31, 14, 0, 0))
    assert call.offers(cast.service)
    # Summer time in Bucharest is UTC+3.
    assert calls.moment(call.closes_at) == "31.07.2026 17:00:00 (Europe/Bucharest)"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.verb == "call.create"))
    assert event.object_id == call.id and event.data["services"] == [cast.service.code]


def test_the_window_to_the_second(cast, monkeypatch):
    opens, closes = utc(2026, 5, 4, 6, 0, 0), utc(2026, 5, 29, 14, 0, 0)
    call = make_call(cast.manager, [cast.service], opens_at=opens, closes_at=closes)
    frozen(monkeypatch, opens - timedelta(days=2))
    early = services.create_draft(cast.applicant, cast.service, data(), call=call)  # a draft may wait
    frozen(monkeypatch, opens - timedelta(seconds=1))
    with pytest.raises(DomainError, match=r"opens on 04\.05\.2026 09:00:00 \(Europe/Bucharest\)"):
        services.submit(cast.applicant, early)
    assert early.state is S.DRAFT and early.reference is None
    frozen(monkeypatch, opens)
    services.submit(cast.applicant, early)
    assert early.state is S.SUBMITTED

    last = services.create_draft(cast.colleague, cast.service, data(), call=call)
    late = services.create_draft(cast.colleague, cast.service, data(), call=call)
    frozen(monkeypatch, closes - timedelta(seconds=1))
    services.submit(cast.colleague, last)
    assert last.state is S.SUBMITTED
    frozen(monkeypatch, closes)  # the closing second itself is closed
    with pytest.raises(DomainError, match=r"closed on 29\.05\.2026 17:00:00 \(Europe/Bucharest\)"):
        services.submit(cast.colleague, late)
    # The draft survives the closing, but cannot be submitted, and no new draft starts.
    db.session.refresh(late)
    assert late.state is S.DRAFT and late.reference is None
    with pytest.raises(DomainError, match="no longer accepts"):
        services.create_draft(cast.applicant, cast.service, data(), call=call)


def test_service_outside_the_call_and_ineligible_organisations_are_refused(cast):
    from applications.builders import service

    sme_only_cluj = make_call(cast.manager, [cast.service], eligible_kinds=["sme"], eligible_counties=["CJ"])
    with pytest.raises(DomainError, match="does not offer"):
        services.create_draft(cast.applicant, service("TBI-CYB-01"), data(1_000_000), call=sme_only_cluj)
    cyb = service("TBI-CYB-01")
    health = cast.other_applicant  # a health organisation in Bihor
    with pytest.raises(DomainError, match="cannot apply in"):
        services.create_draft(health, cyb, data(1_000_000), call=make_call(cast.manager, [cyb], eligible_kinds=["sme"]))
    with pytest.raises(DomainError, match="from CJ only"):
        services.create_draft(health, cyb, data(1_000_000), call=make_call(cast.manager, [cyb], eligible_counties=["CJ"]))
    # The rules are checked again at submission: a draft whose service left the call is refused.
    call = make_call(cast.manager, [cast.service])
    draft = services.create_draft(cast.applicant, cast.service, data(), call=call)
    call.services = [cyb]
    db.session.flush()
    with pytest.raises(DomainError, match="does not offer"):
        services.submit(cast.applicant, draft)
    assert draft.state is S.DRAFT


def test_without_a_call_the_open_one_offering_the_service_is_used_or_refused(cast):
    from dih4society.calls.demo import default_call

    application = services.create_draft(cast.applicant, cast.service, data())
    assert application.call_id == default_call().id
    default_call().closes_at = default_call().opens_at + timedelta(seconds=1)
    db.session.flush()
    with pytest.raises(DomainError, match="No open call offers"):
        services.create_draft(cast.applicant, cast.service, data())


def test_vouchers_per_undertaking_group(cast):
    from factories import make_org, make_user

    from dih4society.auth.models import Role

    call = make_call(cast.manager, [cast.service], max_per_group=1)
    first = services.create_draft(cast.applicant, cast.service, data(), call=call, submit_now=True)
    linked = make_user(Role.APPLICANT, org=make_org(OrgKind.SME, undertaking_group=cast.org.undertaking_group))
    second = services.create_draft(linked, cast.service, data(), call=call)
    with pytest.raises(DomainError, match="most the call allows"):
        services.submit(linked, second)
    services.withdraw(cast.applicant, first)  # a withdrawn one no longer counts
    services.submit(linked, second)
    assert second.state is S.SUBMITTED
    services.create_draft(other_org_applicant(), cast.service, data(), call=call, submit_now=True)


def test_rules_freeze_once_applied_to_but_the_closing_can_be_extended_with_a_reason(cast):
    call = make_call(cast.manager, [cast.service], max_per_group=2)
    # Before any submission, anything may change.
    calls.update_call(cast.admin, call, call_data([cast.service], max_per_group=3, closes_at=call.closes_at,
                                                  opens_at=call.opens_at), COUNTIES)
    assert call.max_per_group == 3
    services.create_draft(cast.applicant, cast.service, data(), call=call, submit_now=True)
    same = dict(opens_at=call.opens_at, closes_at=call.closes_at, max_per_group=3)
    with pytest.raises(DomainError, match="rules cannot change") as refused:
        calls.update_call(cast.manager, call, call_data([cast.service], **{**same, "eligible_kinds": ["sme"]}), COUNTIES)
    assert refused.value.field == "eligible_kinds"
    later = call.closes_at + timedelta(days=7)
    with pytest.raises(DomainError, match="Say why"):
        calls.update_call(cast.manager, call, call_data([cast.service], **{**same, "closes_at": later}), COUNTIES)
    with pytest.raises(DomainError, match="only move later"):
        calls.update_call(cast.manager, call, call_data([cast.service], **{
            **same, "closes_at": call.closes_at - timedelta(days=1), "extension_reason": "x"}), COUNTIES)
    calls.update_call(cast.manager, call, call_data([cast.service], **{
        **same, "closes_at": later, "extension_reason": "Many SMEs asked for more time."}), COUNTIES)
    assert call.closes_at == later
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.verb == "call.update")
                              .order_by(AuditEvent.id.desc()))
    assert event.data["reason"] == "Many SMEs asked for more time."


def test_the_cap_refuses_with_figures_changes_nothing_and_is_released_on_cancel(cast):
    call = make_call(cast.manager, [cast.service], cap_cents=2_500_000)
    first = in_review(cast, call, requested_cents=1_500_000)
    second = in_review(cast, call, applicant=other_org_applicant(), requested_cents=1_500_000)
    services.approve(cast.manager, first, 1_500_000)
    db.session.commit()
    assert (call.committed_cents, call.available_cents) == (1_500_000, 1_000_000)
    with pytest.raises(CallCapExceeded, match=r"cannot take €15,000.00: its cap is €25,000.00.*€10,000.00 available"):
        services.approve(cast.manager, second, 1_500_000)
    db.session.rollback()
    second = db.session.get(type(second), second.id)
    assert second.state is S.IN_REVIEW and second.aid_cents is None and second.budget_account_id is None
    assert call.committed_cents == 1_500_000
    # The cap cannot go below what is committed.
    with pytest.raises(DomainError, match="cannot be below"):
        calls.update_call(cast.manager, call, call_data([cast.service], cap_cents=1_000_000, opens_at=call.opens_at,
                                                        closes_at=call.closes_at), COUNTIES)
    first = db.session.get(type(first), first.id)
    services.cancel(cast.manager, first, "Postponed.")
    assert call.committed_cents == 0
    services.approve(cast.manager, second, 1_500_000)
    assert call.committed_cents == 1_500_000
    assert budget.verify().ok


def test_closing_moves_commitment_to_spent_on_the_call_and_verify_checks_calls(cast):
    application = build(cast, S.CLOSED, actual_cents=1_200_000)
    call = application.call
    assert (call.committed_cents, call.spent_cents) == (0, 1_200_000)
    assert budget.verify().ok
    db.session.execute(sa.update(Call).where(Call.id == call.id).values(spent_cents=1))
    result = budget.verify()
    assert any(f"call {call.id}" in p and "!= ledger" in p for p in result.problems), result.problems
