"""Fixtures of the workflow tests: the cast, and a real SMTP server on loopback."""

from __future__ import annotations

import socket
import time

import pytest


@pytest.fixture
def cast(ctx, seeded):
    """Everyone a workflow test needs (see builders.Cast), in the test's app context."""
    from applications.builders import make_cast

    return make_cast()


class _Recorder:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        from email import message_from_bytes
        from email.policy import default

        message = message_from_bytes(envelope.content, policy=default)
        self.messages.append({"to": list(envelope.rcpt_tos), "subject": str(message["Subject"]),
                              "body": message.get_content()})
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 (random free port); `.messages` is what arrived."""
    from aiosmtpd.controller import Controller

    recorder = _Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    recorder.port = controller.port
    recorder.wait = lambda n, timeout=5: _wait(recorder, n, timeout)
    yield recorder
    controller.stop()


def _wait(recorder, n: int, timeout: float) -> list:
    deadline = time.monotonic() + timeout
    while len(recorder.messages) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    return recorder.messages


@pytest.fixture
def world(app, seeded) -> dict:
    """Applications in every state for organisation A (demo applicant@, UTCN service) and a
    few of organisation B (demo applicant2@, CLUJIT service), committed; returns their ids.

    Keys: the state values for A ("draft", "submitted", …), "b_<state>" for B, plus
    "a_doc"/"b_doc" (attachment ids on A's and B's submitted applications, "a_doc_app",
    "b_doc_app"), and the e-mails of the extra people ("manager2", "colleague")."""
    import io

    from applications.builders import S, build, make_cast, service
    from samples import PDF as pdf

    from dih4society.applications import attachments, services
    from dih4society.extensions import db

    with app.app_context():
        cast = make_cast()
        ids = {state.value: build(cast, state).id for state in S}
        cyb = service("TBI-CYB-01")
        for state in (S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED, S.IN_DELIVERY, S.DELIVERED):
            ids[f"b_{state.value}"] = build(cast, state, applicant=cast.other_applicant, svc=cyb, requested_cents=1_000_000).id
        for who, svc, key in ((cast.applicant, cast.service, "a"), (cast.other_applicant, cyb, "b")):
            application = build(cast, S.DRAFT, applicant=who, svc=svc, requested_cents=1_000_000)
            ids[f"{key}_doc"] = attachments.store(who, application, "signed_declaration", io.BytesIO(pdf),
                                                  f"{key}-declaration.pdf").id
            ids[f"{key}_draft_doc"] = attachments.store(who, db.session.get(type(application), ids[
                "draft" if key == "a" else "b_draft"]), "other", io.BytesIO(pdf), f"{key}-draft.pdf").id
            services.submit(who, application)
            ids[f"{key}_doc_app"] = application.id
        ids["manager2"] = cast.manager2.email
        ids["colleague"] = cast.colleague.email
        db.session.commit()
    return ids
