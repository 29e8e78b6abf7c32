"""Password policy: length, blocklist and zxcvbn (score >= 3) with the user's context."""

import pytest
from conftest import PASSWORD, login

from dih4society.auth import services

WEAK = ["Password123!", "Summer2026!!", "qwertyuiop12", "Winter2027##", "Dih4Society2026!"]
STRONG = ["violet-tractor-harbour", "granite-lantern-orchard", "demo-password-2026", PASSWORD]


@pytest.mark.parametrize("password", WEAK)
def test_guessable_passwords_refused(ctx, password):
    assert "too easy to guess" in (services.password_problem(password, "ana@example.org") or "")


@pytest.mark.parametrize("password", STRONG)
def test_strong_passwords_accepted(ctx, password):
    assert services.password_problem(password, "ana@example.org") is None


def test_users_own_details_count_as_guesses(ctx):
    password = "tehnoplast-somes-ioana"
    assert services.password_problem(password, "x@example.org") is None
    assert services.password_problem(password, "ioana@example.org",
                                     ("Ioana Crișan", "Tehnoplast Someș")) is not None


def test_form_shows_the_feedback_and_changes_nothing(app, client, seeded):
    login(client, "manager")
    response = client.post("/auth/account", data={"current": PASSWORD, "password": "Summer2026!!",
                                                  "confirm": "Summer2026!!"})
    assert b"too easy to guess" in response.data
    client.post("/auth/logout")
    assert b"Log out" in login(client, "manager").data
