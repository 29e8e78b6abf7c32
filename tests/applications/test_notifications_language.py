"""Each recipient is written to in their own language; the outbox keeps each rendering."""

from __future__ import annotations

import sqlalchemy as sa
from applications.builders import as_user

from dih4society.auth.models import Role, User
from dih4society.core.models import Notification, OutboxEmail
from dih4society.extensions import db

D = "@dih4society.example"


def _set_locale(app, email: str, locale: str | None) -> None:
    with app.app_context():
        db.session.scalar(sa.select(User).where(User.email == email)).locale = locale
        db.session.commit()


def test_one_step_mails_each_person_in_their_language(app, world):
    _set_locale(app, "applicant" + D, "ro")
    with app.app_context():
        db.session.execute(sa.delete(OutboxEmail))
        db.session.commit()
        english_colleagues = set(db.session.scalars(sa.select(User.email).where(
            User.organisation_id == db.session.scalar(sa.select(User.organisation_id).where(
                User.email == "applicant" + D)), User.email != "applicant" + D)))
    # The partner (interface in English) starts the review: the applicant reads Romanian.
    assert as_user(app, "partner").post(f"/applications/{world['submitted']}/start-review").status_code == 302
    with app.app_context():
        mails = {m.recipient: m for m in db.session.scalars(sa.select(OutboxEmail))}
        assert "hubul a început evaluarea" in mails["applicant" + D].body
        assert "Testarea unei celule" in mails["applicant" + D].body or "evaluarea cererii" in mails[
            "applicant" + D].body
        for email in english_colleagues:  # no preference: the hub's default (English in tests)
            assert "has started reviewing" in mails[email].body
        note = db.session.scalars(sa.select(Notification).join(User, User.id == Notification.user_id)
                                  .where(User.email == "applicant" + D)
                                  .order_by(Notification.id.desc())).first()
        assert "hubul a început evaluarea" in note.message


def test_a_reset_link_is_written_in_the_user_language(app, client, seeded):
    _set_locale(app, "manager" + D, "ro")
    client.post("/auth/forgot", data={"email": "manager" + D})
    with app.app_context():
        mail = db.session.scalars(sa.select(OutboxEmail)).one()
        assert mail.subject == "Resetați parola" and "Deschideți acest link" in mail.body
        assert db.session.scalar(sa.select(User.role).where(User.email == "manager" + D)) is Role.MANAGER
