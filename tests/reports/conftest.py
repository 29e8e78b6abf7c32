"""Fixtures of the reports tests: a hub with applications in every state.

`report_data` loads the demo base data, the workflow's demo applications (built by
the real services for the two demo applicants, so they carry ledger entries, aid
grants and a rejection with its reasons) and a few hundred bulk applications
(`seed_scale`), and returns ids the tests refer to.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dih4society.extensions import db


@pytest.fixture
def report_data(app, seeded) -> dict:
    from dih4society.applications.demo import seed_applications
    from dih4society.applications.models import Application
    from dih4society.auth.models import User
    from dih4society.catalogue.models import Service
    from dih4society.demo import seed_scale

    with app.app_context():
        seed_applications()
        db.session.commit()
        seed_scale(40)
        users = {u.email.split("@")[0]: u for u in db.session.scalars(
            sa.select(User).where(User.email.like("%@dih4society.example")))}
        ids: dict = {"applicant_org": users["applicant"].organisation_id,
                     "applicant2_org": users["applicant2"].organisation_id,
                     "utcn_partner": users["partner"].partner_id}
        rows = db.session.execute(
            sa.select(Application.id, Application.organisation_id, Application.state, Service.partner_id)
            .join(Service, Service.id == Application.service_id)
            .where(Application.organisation_id.in_([ids["applicant_org"], ids["applicant2_org"]]))
            .order_by(Application.id)).all()
        ids["apps"] = [(r.id, r.organisation_id, r.state, r.partner_id) for r in rows]
    return ids
