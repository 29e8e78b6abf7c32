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
    assert "3.000,00\xa0EUR" in text  # Romanian (CLDR): dot thousands, comma decimals, EUR after


def test_english_money_format(client, seeded):
    from conftest import login

    login(client, "applicant")
    text = client.get("/catalogue/?category=skills_training").get_data(as_text=True)
    assert "€3,000.00" in text


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"lang": "xx"})
    assert 'lang="en"' in client.get("/auth/login").get_data(as_text=True)
