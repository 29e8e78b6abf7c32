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

from dih4society.applications import attachments, services
from dih4society.applications.models import Application, AppState
from dih4society.extensions import db
from dih4society.reviews.models import RubricCriterion

PDF = b"%PDF-1.4\n%%EOF\n"


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
    # Issue 8 §4: a colleague of the demo applicant, and an invitation to withdraw.
    from dih4society.organisations import members

    ids["colleague_id"] = cast.colleague.id
    ids["invitation_id"] = members.invite(cast.applicant, cast.applicant.organisation, "invited@example.org")[0].id
    ids["criterion_id"] = db.session.scalar(sa.select(RubricCriterion.id).order_by(RubricCriterion.id))
    db.session.commit()
    return ids
