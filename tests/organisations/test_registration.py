"""Registering an organisation through the form: every wrong field gets its message."""

import pytest
import sqlalchemy as sa

from dih4society.auth.models import Role, User
from dih4society.extensions import db
from dih4society.organisations.models import Organisation, OrgKind, SizeClass

GOOD = {
    "kind": "sme", "legal_name": "Prelucrări Mecanice Dej SRL", "fiscal_code": "RO 18547290",
    "trade_register_no": "J12/1483/2015", "county": "CJ", "caen_code": "2511", "headcount": "12",
    "turnover": "1500000.00", "balance_sheet": "900000", "full_name": "Ștefan Mureșan",
    "email": "Stefan@Prelucrari.example", "password": "violet-tractor-harbour",
    "confirm": "violet-tractor-harbour",
}


def _count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_register_creates_organisation_and_logged_in_applicant(app, client):
    response = client.post("/organisations/register", data=GOOD, follow_redirects=True)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Prelucrări Mecanice Dej SRL" in text and "Small enterprise" in text
    assert "Log out" in text
    with app.app_context():
        org = db.session.scalar(sa.select(Organisation))
        assert (org.fiscal_code, org.vat_registered, org.size_class) == ("18547290", True, SizeClass.SMALL)
        assert org.kind is OrgKind.SME and org.undertaking_group == "18547290"
        assert org.turnover_cents == 150_000_000
        user = db.session.scalar(sa.select(User))
        assert user.email == "stefan@prelucrari.example" and user.role is Role.APPLICANT
        assert user.organisation_id == org.id
        assert user.last_login_at is not None  # logged in at once: not "Last login: never"


@pytest.mark.parametrize("field, value, message", [
    ("fiscal_code", "18547291", "check digit"),
    ("fiscal_code", "18A47290", "only digits"),
    ("fiscal_code", "123456789012", "2 to 10"),
    ("trade_register_no", "", "trade-register number"),
    ("trade_register_no", "K99/x", "Not a valid trade-register"),
    ("county", "XX", "Not a valid choice"),
    ("caen_code", "25A1", "CAEN"),
    ("headcount", "-1", "Number must be"),
    ("turnover", "abc", "Enter an amount in euros"),
    ("turnover", "1e30", "This amount is too large"),
    ("turnover", "sNaN", "Enter an amount in euros"),
    ("turnover", "1.005", "at most two decimals"),
    ("password", "short", "at least 12"),
    ("confirm", "different-password-1", "differ"),
    ("email", "not-an-email", "Invalid email"),
])
def test_wrong_field_gets_message_and_changes_nothing(app, client, field, value, message):
    data = {**GOOD, field: value}
    if field == "password":
        data["confirm"] = value
    response = client.post("/organisations/register", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(app, Organisation) == 0 and _count(app, User) == 0


def test_sme_over_the_limits_is_offered_small_midcap(app, client):
    data = {**GOOD, "headcount": "300", "turnover": "60000000", "balance_sheet": "50000000"}
    response = client.post("/organisations/register", data=data)
    assert "small mid-cap" in response.get_data(as_text=True)
    assert _count(app, Organisation) == 0
    response = client.post("/organisations/register", data={**data, "kind": "small_midcap"},
                           follow_redirects=True)
    assert "Small mid-cap" in response.get_data(as_text=True)
    assert _count(app, Organisation) == 1


def test_duplicate_fiscal_code_refused(app, client):
    client.post("/organisations/register", data=GOOD)
    client.post("/auth/logout")
    response = client.post("/organisations/register",
                           data={**GOOD, "fiscal_code": "18547290", "email": "other@example.org"})
    assert "already registered" in response.get_data(as_text=True)
    assert _count(app, Organisation) == 1 and _count(app, User) == 1


def test_duplicate_email_refused_without_half_written_organisation(app, client):
    client.post("/organisations/register", data=GOOD)
    client.post("/auth/logout")
    response = client.post("/organisations/register",
                           data={**GOOD, "fiscal_code": "14399840", "email": "STEFAN@prelucrari.example"})
    assert "already exists" in response.get_data(as_text=True)
    assert _count(app, Organisation) == 1


def test_public_institution_needs_no_trade_register(app, client):
    data = {**GOOD, "kind": "public_institution", "trade_register_no": "", "headcount": "900",
            "legal_name": "Primăria Comunei Florești"}
    response = client.post("/organisations/register", data=data, follow_redirects=True)
    assert "Primăria Comunei Florești" in response.get_data(as_text=True)


def test_county_list_puts_the_region_first(client):
    text = client.get("/organisations/register").get_data(as_text=True)
    positions = [text.index(f'value="{c}"') for c in ("BH", "BN", "CJ", "MM", "SM", "SJ", "AB")]
    assert positions == sorted(positions)


def test_registration_sent_twice_registers_once_and_never_logs_in_the_replay(app, client):
    import re

    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"',
                      client.get("/organisations/register").get_data(as_text=True)).group(1)
    first = client.post("/organisations/register", data={**GOOD, "token": token})
    assert first.status_code == 302 and first.headers["Location"].endswith("/organisations/mine")
    replay = app.test_client().post("/organisations/register", data={**GOOD, "token": token},
                                    follow_redirects=True)
    text = replay.get_data(as_text=True)
    assert "Your organisation is registered. Log in" in text and "Log out" not in text
    assert _count(app, Organisation) == 1 and _count(app, User) == 1


def test_every_wrong_field_is_reported_in_one_round_trip(app, client):
    # Wrong for the form itself (amount, e-mail, headcount) AND for the rules (check digit,
    # trade register, CAEN, password): all eight come back together.
    data = {**GOOD, "fiscal_code": "18547291", "trade_register_no": "K99/x", "caen_code": "25A1",
            "headcount": "-1", "turnover": "abc", "email": "not-an-email",
            "password": "short", "confirm": "other"}
    text = client.post("/organisations/register", data=data).get_data(as_text=True)
    for message in ("check digit", "Not a valid trade-register", "CAEN", "Number must be",
                    "Enter an amount in euros", "Invalid email", "at least 12", "differ"):
        assert message in text, message
    assert _count(app, Organisation) == 0


def test_rule_errors_are_reported_together_when_the_form_itself_is_fine(app, client):
    data = {**GOOD, "fiscal_code": "18547291", "caen_code": "25A1", "password": "password1234",
            "confirm": "password1234"}
    text = client.post("/organisations/register", data=data).get_data(as_text=True)
    assert "check digit" in text and "CAEN" in text and "too common" in text


def test_an_existing_fiscal_code_points_to_an_invitation(app, client):
    client.post("/organisations/register", data=GOOD)
    other = app.test_client()
    text = other.post("/organisations/register", data={**GOOD, "email": "ana@prelucrari.example"}).get_data(
        as_text=True)
    assert "already registered" in text and "invite you" in text


def test_an_error_keeps_the_other_fields_and_says_to_retype_the_password(client):
    text = client.post("/organisations/register", data={**GOOD, "caen_code": "25A1"}).get_data(as_text=True)
    assert 'value="Prelucrări Mecanice Dej SRL"' in text and 'value="Stefan@Prelucrari.example"' in text
    assert "violet-tractor-harbour" not in text
    assert "Type the password again in both fields." in text
