"""Objects the access matrix's paths refer to (tests/access_matrix.py `{placeholders}`).

`extra_ids(seeded)` runs inside the pushed app context of `matrix_ids`, creates what
the feature endpoints need through the real services, commits, and returns the ids.
Applications belong to the demo applicant's organisation and use a UTCN service, so
the demo partner@ is the delivering partner's staff; the reviews are written by
another partner's staff, so the demo manager@ may decide.
"""

from __future__ import annotations

import io

import sqlalchemy as sa
from samples import PDF  # noqa: E402

from dih4society.applications import attachments, services
from dih4society.applications.models import Application, AppState
from dih4society.auth.models import User
from dih4society.extensions import db
from dih4society.reviews.models import RubricCriterion


def extra_ids(seeded: dict) -> dict:
    from applications.builders import build, make_cast

    cast = make_cast()
    ids = {}
    for state in (AppState.DRAFT, AppState.SUBMITTED, AppState.IN_REVIEW, AppState.RETURNED,
                  AppState.APPROVED, AppState.IN_DELIVERY, AppState.DELIVERED):
        ids[f"{state.value}_app_id"] = build(cast, state).id
    # A draft with a document (to remove), a submitted application with one (to download).
    draft = db.session.get(Application, ids["draft_app_id"])
    ids["draft_attachment_id"] = attachments.store(cast.applicant, draft, "other", io.BytesIO(PDF), "a.pdf").id
    with_doc = build(cast, AppState.DRAFT)
    ids["submitted_attachment_id"] = attachments.store(cast.applicant, with_doc, "signed_declaration",
                                                       io.BytesIO(PDF), "declaration.pdf").id
    services.submit(cast.applicant, with_doc)
    ids["submitted_with_doc_app_id"] = with_doc.id
    ids["other_staff_id"] = cast.other_staff.id  # partner.uo: staff without the approver right
    ids["submitted_app_ref"] = db.session.get(Application, ids["submitted_app_id"]).reference
    ids["utcn_partner_id"] = db.session.get(User, seeded["partner"]).partner_id  # partner@'s own partner
    # Issue 8 §4: a colleague of the demo applicant, and an invitation to withdraw.
    from dih4society.organisations import members

    ids["colleague_id"] = cast.colleague.id
    ids["invitation_id"] = members.invite(cast.applicant, cast.applicant.organisation, "invited@example.org")[0].id
    ids["criterion_id"] = db.session.scalar(sa.select(RubricCriterion.id).order_by(RubricCriterion.id))
    # DMA: the demo applicant's T0 (seeded), a closed application, and so an open T1 draft.
    from dih4society.assessments import services as dma

    ids["closed_app_id"] = build(cast, AppState.CLOSED).id
    ids["dma_t0_id"] = dma.latest_submitted(cast.org.id, "T0").id
    ids["other_dma_t0_id"] = dma.latest_submitted(cast.other_applicant.organisation_id, "T0").id  # 404 to us
    ids["dma_draft_id"] = dma.start(cast.applicant, cast.org).id
    db.session.commit()
    # issue 9: a session of the manager's (another device), for the per-session sign-out.
    from dih4society.auth.sessions import open_session

    manager = db.session.get(User, seeded["manager"])
    open_session(manager, ip="198.51.100.9", user_agent="Other device")
    from dih4society.auth.models import UserSession

    ids["manager_session_id"] = db.session.scalar(sa.select(sa.func.max(UserSession.id)))
    from dih4society.auth.models import Passkey

    # A passkey of applicant2's (not a matrix login: a passkey would ask them for it).
    passkey = Passkey(user_id=seeded["applicant2"], credential_id="matrix-credential", public_key=b"k",
                      name="Matrix")
    db.session.add(passkey)
    db.session.flush()
    ids["applicant2_passkey_id"] = passkey.id
    ids.update(_call_ids(cast))
    ids.update(_agreement_ids(cast))
    from dih4society.vouchers import services as vouchers

    ids["unaccepted_agreement_hash"] = vouchers.agreement_of(
        db.session.get(Application, ids["unaccepted_app_id"])).content_hash
    db.session.commit()
    return ids


def _call_ids(cast) -> dict:
    """Issue 12: the base data's rolling call and a closed competitive call (nothing to decide)."""
    from datetime import timedelta

    from calls.helpers import make_call

    from dih4society.calls.demo import default_call
    from dih4society.calls.models import SelectionMode
    from dih4society.core.db import utcnow

    now = utcnow().replace(microsecond=0)
    competitive = make_call(cast.manager, [cast.service], selection_mode=SelectionMode.COMPETITIVE,
                            opens_at=now - timedelta(days=20), closes_at=now - timedelta(days=1))
    return {"call_id": default_call().id, "competitive_call_id": competitive.id}


def _agreement_ids(cast) -> dict:
    """Issue 12: an approved voucher whose agreement waits, and one with a signed copy uploaded."""
    from applications.builders import build

    from dih4society.vouchers import services as vouchers

    waiting = build(cast, AppState.APPROVED, accepted=False)
    uploaded = build(cast, AppState.APPROVED, accepted=False)
    vouchers.upload_signed(cast.applicant, vouchers.agreement_of(uploaded), io.BytesIO(PDF))
    return {"unaccepted_app_id": waiting.id, "uploaded_app_id": uploaded.id}
