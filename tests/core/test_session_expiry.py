"""A form sent after the session ended keeps what was typed (core/stash.py).

Runs with CSRF protection on (`make_app(WTF_CSRF_ENABLED=True)`), as in production."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from conftest import PASSWORD

from dih4society.applications.models import Application
from dih4society.auth.models import User
from dih4society.core.models import FormStash
from dih4society.extensions import db
from dih4society.organisations.models import Organisation

LONG = ("We run three CNC lines and want to test a collaborative robot for deburring before we invest. "
        * 20).strip()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _login(client, who: str = "applicant", next_url: str | None = None):
    page = client.get("/auth/login").get_data(as_text=True)
    url = "/auth/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": f"{who}@dih4society.example", "password": PASSWORD,
                                  "csrf_token": _csrf(page)})


def _restored(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="restored-form">(.*?)</script>', html, re.S)
    return dict(json.loads(match.group(1))) if match else {}


@pytest.fixture
def csrf_app(make_app, seeded):
    return make_app(WTF_CSRF_ENABLED=True)


def _form(client, sid: int) -> dict:
    html = client.get(f"/applications/new?service_id={sid}").get_data(as_text=True)
    return {"csrf_token": _csrf(html), "justification": LONG, "requested": "15000.00", "decl_sme": "y",
            "save": "1"}


def _service_id(app) -> int:
    from dih4society.catalogue.models import Service

    with app.app_context():
        return db.session.scalar(sa.select(Service.id).where(Service.code == "TBI-ROB-01"))


def test_expired_session_keeps_the_text_and_logging_in_brings_it_back(csrf_app):
    sid = _service_id(csrf_app)
    browser = csrf_app.test_client()
    assert _login(browser).status_code == 302
    data = _form(browser, sid)
    browser.delete_cookie("session")  # the session cookie expired
    response = browser.post(f"/applications/new?service_id={sid}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Bad Request" not in html and "CSRF" not in html
    assert "Nothing you typed is lost" in html and "Log in to continue" in html
    assert LONG in html  # shown read-only, to copy even without JavaScript
    action = re.search(r'<form method="post" action="([^"]+)" data-resubmit>', html).group(1)
    target = re.search(r"next=([^&\"]+)", action.replace("&amp;", "&")).group(1)
    from urllib.parse import unquote

    target = unquote(target)
    assert target.startswith(f"/applications/new?service_id={sid}&restore=")
    with csrf_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0
        stash = db.session.scalar(sa.select(FormStash))
        assert dict(stash.fields)["justification"] == LONG and "csrf_token" not in dict(stash.fields)

    logged_in = browser.post(action.replace("&amp;", "&"), data={
        "email": "applicant@dih4society.example", "password": PASSWORD, "csrf_token": _csrf(html)})
    assert logged_in.status_code == 302 and logged_in.headers["Location"] == target
    page = browser.get(target).get_data(as_text=True)
    restored = _restored(page)
    assert restored["justification"] == LONG and restored["requested"] == "15000.00"
    assert "is back in the form" in page
    # …and the form, sent again with the new session's token, saves it.
    again = browser.post(f"/applications/new?service_id={sid}", data={**restored, "csrf_token": _csrf(page)})
    assert again.status_code == 302
    with csrf_app.app_context():
        assert db.session.scalar(sa.select(Application.justification)) == LONG


def test_logged_out_elsewhere_keeps_the_text_for_that_user_only(csrf_app):
    sid = _service_id(csrf_app)
    tab = csrf_app.test_client()
    _login(tab)
    data = _form(tab, sid)
    with csrf_app.app_context():  # "log out everywhere" from another device
        user = db.session.scalar(sa.select(User).where(User.email == "applicant@dih4society.example"))
        user.session_version += 1
        db.session.commit()
    response = tab.post(f"/applications/new?service_id={sid}", data=data)
    assert response.status_code == 401 and "Log in to continue" in response.get_data(as_text=True)
    key = re.search(r"restore(?:=|%3D)([A-Za-z0-9_-]+)", response.get_data(as_text=True)).group(1)
    target = f"/applications/new?service_id={sid}&restore={key}"

    # Another browser, even of the same user, does not hold the key: nothing restored.
    elsewhere = csrf_app.test_client()
    _login(elsewhere)
    assert _restored(elsewhere.get(target).get_data(as_text=True)) == {}
    # Another user logging in on this browser does not get it either (bound to its user).
    with tab.session_transaction() as sess:
        keys = list(sess["form_stashes"])
    other = csrf_app.test_client()
    _login(other, "applicant2")
    with other.session_transaction() as sess:
        sess["form_stashes"] = keys
    assert _restored(other.get(target).get_data(as_text=True)) == {}
    # The user themself, on this browser, gets it back.
    _login(tab)
    assert _restored(tab.get(target).get_data(as_text=True))["justification"] == LONG


def test_a_public_form_with_a_missing_token_is_kept_without_its_passwords(csrf_app):
    visitor = csrf_app.test_client()
    response = visitor.post("/organisations/register", data={
        "kind": "sme", "legal_name": "Fără Sesiune SRL", "fiscal_code": "14399840", "county": "CJ",
        "password": "violet-tractor-harbour", "confirm": "violet-tractor-harbour"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nothing you typed is lost" in html
    assert "violet-tractor-harbour" not in html and "Log in to continue" not in html
    link = re.search(r'href="([^"]+)" id="continue-link"', html).group(1).replace("&amp;", "&")
    restored = _restored(visitor.get(link).get_data(as_text=True))
    assert restored["legal_name"] == "Fără Sesiune SRL"
    assert "password" not in restored and "confirm" not in restored
    with csrf_app.app_context():
        assert db.session.scalar(sa.select(Organisation).where(Organisation.fiscal_code == "14399840")) is None
        assert "violet" not in json.dumps(db.session.scalar(sa.select(FormStash.fields)))


def test_a_restore_key_for_another_address_or_a_forged_key_restores_nothing(csrf_app):
    browser = csrf_app.test_client()
    response = browser.post("/organisations/register", data={"legal_name": "X SRL"})
    key = re.search(r"restore=([A-Za-z0-9_-]+)", response.get_data(as_text=True)).group(1)
    _login(browser)
    assert _restored(browser.get(f"/auth/account?restore={key}").get_data(as_text=True)) == {}
    assert _restored(browser.get("/organisations/register?restore=forged").get_data(as_text=True)) == {}


def test_logging_out_with_an_ended_session_just_goes_to_the_login_page(csrf_app):
    browser = csrf_app.test_client()
    response = browser.post("/auth/logout", data={})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
