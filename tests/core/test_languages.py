"""Languages: the interface follows the chosen locale; money and dates by locale."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    """Compile the .po catalogues the way `make install` does (the .mo files are not committed)."""
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-d",
                    str(ROOT / "translations")], check=True, capture_output=True)


def test_romanian_interface_and_money_format(app, client, seeded):
    from conftest import login

    client.post("/language", data={"lang": "ro"})
    text = client.get("/auth/login").get_data(as_text=True)
    assert 'lang="ro"' in text and "Autentificare" in text
    login(client, "applicant")
    text = client.get("/catalogue/?category=skills_training").get_data(as_text=True)
    assert "Catalogul de servicii" in text
    assert "3.000,00\xa0€" in text  # Romanian: dot thousands, comma decimals, € after


def test_english_money_format(client, seeded):
    from conftest import login

    login(client, "applicant")
    text = client.get("/catalogue/?category=skills_training").get_data(as_text=True)
    assert "€3,000.00" in text


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"lang": "xx"})
    assert 'lang="en"' in client.get("/auth/login").get_data(as_text=True)


def test_default_locale_is_configurable(app, client):
    app.config["DEFAULT_LOCALE"] = "ro"
    try:
        assert 'lang="ro"' in client.get("/auth/login").get_data(as_text=True)
    finally:
        app.config["DEFAULT_LOCALE"] = "en"
    assert 'lang="en"' in client.get("/auth/login").get_data(as_text=True)


def test_the_demo_configuration_is_romanian_first():
    import os

    import config

    assert config.DevelopmentConfig.DEFAULT_LOCALE == os.environ.get("DEFAULT_LOCALE", "ro")
    assert config.DevelopmentConfig.BABEL_DEFAULT_LOCALE == config.DevelopmentConfig.DEFAULT_LOCALE


def test_the_switcher_keeps_the_page_and_remembers_the_user_preference(app, client, seeded):
    import sqlalchemy as sa
    from conftest import login

    from dih4society.auth.models import User
    from dih4society.extensions import db

    login(client, "applicant")
    response = client.post("/language", data={"lang": "ro", "next": "/catalogue/?category=skills_training"})
    assert response.headers["Location"].endswith("/catalogue/?category=skills_training")
    with app.app_context():
        assert db.session.scalar(sa.select(User.locale).where(User.email.like("applicant@%"))) == "ro"
    # A fresh session of the same user opens in Romanian.
    other = app.test_client()
    login(other, "applicant")
    assert 'lang="ro"' in other.get("/auth/account").get_data(as_text=True)
    # Set on the profile page too; a foreign `next` is ignored.
    response = client.post("/language", data={"lang": "en", "next": "https://evil.example/"})
    assert response.headers["Location"].endswith("/")
    assert "evil" not in response.headers["Location"]
    assert 'id="preferred-language"' in client.get("/auth/account").get_data(as_text=True)
