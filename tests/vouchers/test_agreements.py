"""The voucher agreement: generated at approval with its hash, accepted once (online or by a
checked upload), required before delivery, extended once; expiry and reminders by the command."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from applications.builders import S, accept_agreement, as_user, build, other_org_applicant

from dih4society.applications import services, workflow
from dih4society.budget import services as budget
from dih4society.budget.models import AidGrant
from dih4society.core.errors import DomainError, PermissionDenied
from dih4society.core.models import AuditEvent, Notification
from dih4society.extensions import db
from dih4society.vouchers import services as vouchers
from dih4society.vouchers.models import AcceptanceMethod, VoucherAgreement


def _events(verb: str, application) -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.verb == verb, AuditEvent.object_id == application.id))


def test_the_agreement_is_generated_at_approval_with_terms_validity_and_hash(cast):
    application = build(cast, S.APPROVED, accepted=False)
    agreement = vouchers.agreement_of(application)
    terms = agreement.terms
    assert terms["reference"] == application.reference
    assert terms["beneficiary"] == cast.org.legal_name and terms["partner"] == cast.service.partner.name
    # The demo service is free (no co-payment): the aid is the whole approved value.
    assert terms["market_value"] == "EUR 18,000.00" and terms["co_payment"] == "EUR 0.00"
    assert terms["approved"] == "EUR 15,000.00" and terms["aid"] == "EUR 15,000.00"
    assert agreement.content_hash == vouchers.content_hash(terms) and len(agreement.content_hash) == 64
    assert agreement.valid_until == vouchers.add_months(application.decided_at.date(), 12)
    assert _events("agreement.generate", application) == 1
    pdf = vouchers_pdf(agreement)
    assert pdf[:4] == b"%PDF"


def vouchers_pdf(agreement):
    from pypdf import PdfReader

    from dih4society.vouchers.documents import agreement_pdf

    pdf = agreement_pdf(agreement)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert agreement.content_hash[:16] in text.replace("\n", "")
    assert "ten years" in text
    return pdf


def test_delivery_cannot_start_before_acceptance(cast):
    application = build(cast, S.APPROVED, accepted=False)
    assert not workflow.can_start_delivery(cast.deliverer, application)
    with pytest.raises(workflow.TransitionRefused, match="not accepted the voucher agreement"):
        services.start_delivery(cast.deliverer, application)
    accept_agreement(cast.applicant, application)
    services.start_delivery(cast.deliverer, application)
    assert application.state is S.IN_DELIVERY


def test_online_acceptance_records_who_when_where_and_is_booked_once(cast):
    application = build(cast, S.APPROVED, accepted=False)
    agreement = vouchers.agreement_of(application)
    with pytest.raises(DomainError, match="full name"):
        vouchers.accept_online(cast.applicant, agreement, " ", True, agreement.content_hash, None, None)
    with pytest.raises(DomainError, match="Tick the box"):
        vouchers.accept_online(cast.applicant, agreement, "Andrei Bălan", False, agreement.content_hash, None, None)
    with pytest.raises(DomainError, match="changed since you opened"):
        vouchers.accept_online(cast.applicant, agreement, "Andrei Bălan", True, "0" * 64, None, None)
    with pytest.raises(PermissionDenied):
        vouchers.accept_online(cast.other_applicant, agreement, "Maria Oltean", True, agreement.content_hash,
                               None, None)
    assert agreement.accepted_at is None
    assert vouchers.accept_online(cast.colleague, agreement, "  Ion   Pop ", True, agreement.content_hash,
                                  "10.0.0.7", "Firefox/140") is True
    assert vouchers.accept_online(cast.applicant, agreement, "Andrei Bălan", True, agreement.content_hash,
                                  "10.0.0.8", "Chrome") is False
    assert (agreement.accepted_name, agreement.accepted_ip, agreement.accepted_user_agent) == (
        "Ion Pop", "10.0.0.7", "Firefox/140")
    assert agreement.accepted_hash == agreement.content_hash
    assert agreement.acceptance_method is AcceptanceMethod.ONLINE
    assert _events("agreement.accept", application) == 1


def test_a_signed_upload_is_checked_by_the_delivering_partner(cast, app):
    application = build(cast, S.APPROVED, accepted=False)
    agreement = vouchers.agreement_of(application)
    with pytest.raises(DomainError, match="as a PDF"):
        vouchers.upload_signed(cast.applicant, agreement, io.BytesIO(b"GIF89a..."))
    vouchers.upload_signed(cast.applicant, agreement, io.BytesIO(b"%PDF-1.4 signed"))
    assert agreement.awaiting_check and not agreement.accepted
    with pytest.raises(PermissionDenied):
        vouchers.check_signed(cast.other_staff, agreement)
    assert vouchers.check_signed(cast.deliverer, agreement) is True
    assert vouchers.check_signed(cast.deliverer, agreement) is False
    assert agreement.acceptance_method is AcceptanceMethod.UPLOAD and agreement.checked_by_id == cast.deliverer.id
    assert _events("agreement.accept", application) == 1
    assert workflow.can_start_delivery(cast.deliverer, application)


def test_a_manager_extends_once_with_a_reason(cast):
    application = build(cast, S.APPROVED)
    agreement = vouchers.agreement_of(application)
    before = agreement.valid_until
    with pytest.raises(DomainError, match="Say why"):
        vouchers.extend(cast.manager, agreement, " ")
    with pytest.raises(PermissionDenied):
        vouchers.extend(cast.admin, agreement, "Because.")
    vouchers.extend(cast.manager, agreement, "The lab was closed for renovation.")
    assert agreement.valid_until == vouchers.add_months(before, 3)
    with pytest.raises(DomainError, match="already extended once"):
        vouchers.extend(cast.manager2, agreement, "Again.")


def test_expiry_cancels_releases_reverses_notifies_and_is_idempotent(cast):
    from dih4society.core.db import utcnow

    late = build(cast, S.IN_DELIVERY)
    waiting = build(cast, S.APPROVED, accepted=False, applicant=other_org_applicant())
    soon = build(cast, S.APPROVED)
    delivered = build(cast, S.DELIVERED)
    today = utcnow().date()
    for application, valid_until in ((late, today - timedelta(days=1)), (waiting, today - timedelta(days=40)),
                                     (soon, today + timedelta(days=30)), (delivered, today - timedelta(days=5))):
        vouchers.agreement_of(application).valid_until = valid_until
    db.session.commit()
    committed_before = late.call.committed_cents

    run = vouchers.expire()
    db.session.commit()

    assert sorted(run.expired) == sorted([late.reference, waiting.reference])
    assert run.reminded == [soon.reference]
    for application in (late, waiting):
        db.session.refresh(application)
        assert application.state is S.CANCELLED and "expired" in application.cancel_reason
        grant = db.session.scalar(sa.select(AidGrant).where(AidGrant.application_id == application.id))
        assert grant.reversed_on == today
        assert _events("application.expire", application) == 1
    assert delivered.state is S.DELIVERED and soon.state is S.APPROVED
    assert late.call.committed_cents == committed_before - late.approved_cents - waiting.approved_cents
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.application_id == late.id, Notification.message.contains("expired"))) >= 2
    assert budget.verify().ok

    again = vouchers.expire()
    assert (again.expired, again.reminded) == ([], [])


def test_the_expire_command(app, seeded):
    from applications.builders import make_cast

    with app.app_context():
        cast = make_cast()
        application = build(cast, S.APPROVED)
        vouchers.agreement_of(application).valid_until = date(2020, 1, 1)
        db.session.commit()
        ref = application.reference
    runner = app.test_cli_runner()
    first = runner.invoke(args=["vouchers", "expire"])
    assert first.exit_code == 0 and f"expired 1 voucher(s): {ref}" in first.output
    second = runner.invoke(args=["vouchers", "expire"])
    assert "expired 0 voucher(s)" in second.output


def test_agreement_pages_accept_twice_and_another_organisation_gets_404(app, seeded):
    from applications.builders import make_cast

    with app.app_context():
        cast = make_cast()
        application = build(cast, S.APPROVED, accepted=False)
        app_id, digest = application.id, vouchers.agreement_of(application).content_hash
        db.session.commit()
    other = as_user(app, "applicant2")
    assert other.get(f"/vouchers/{app_id}/agreement").status_code == 404
    assert other.post(f"/vouchers/{app_id}/accept", data={
        "accept-full_name": "Maria Oltean", "accept-confirm": "y", "accept-content_hash": digest}).status_code == 404
    client = as_user(app, "applicant")
    page = client.get(f"/vouchers/{app_id}/agreement").get_data(as_text=True)
    assert digest in page and "Accept the agreement" in page
    form = {"accept-full_name": "Andrei Bălan", "accept-confirm": "y", "accept-content_hash": digest}
    bad = client.post(f"/vouchers/{app_id}/accept", data={**form, "accept-confirm": ""})
    assert bad.status_code == 400 and "Tick the box" in bad.get_data(as_text=True)
    assert client.post(f"/vouchers/{app_id}/accept", data=form).status_code == 302
    assert client.post(f"/vouchers/{app_id}/accept", data=form, follow_redirects=True).status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.verb == "agreement.accept", AuditEvent.object_id == app_id)) == 1
        agreement = db.session.scalar(sa.select(VoucherAgreement).where(VoucherAgreement.application_id == app_id))
        assert agreement.accepted_ip == "127.0.0.1" and agreement.accepted_name == "Andrei Bălan"
    assert client.get(f"/vouchers/{app_id}/agreement.pdf").data[:4] == b"%PDF"


def test_the_agreement_states_the_co_payment_and_aid_of_the_aid_rule(cast):
    """With a 20 % co-payment the agreement states what the beneficiary pays and the aid
    as the value received without paying (DESIGN.md §4), frozen at approval."""
    cast.service.co_payment_percent = 20
    db.session.flush()
    application = build(cast, S.APPROVED, accepted=False, requested_cents=1_500_003)
    terms = vouchers.agreement_of(application).terms
    # 20 % of €15,000.03 = €3,000.006 → €3,000.01 (half-up); aid €12,000.02.
    assert terms["co_payment"] == "EUR 3,000.01 (20 %)" and terms["aid"] == "EUR 12,000.02"
