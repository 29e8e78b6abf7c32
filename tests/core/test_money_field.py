"""MoneyField: each wrong amount gets its own message, and only that one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from applications.builders import FORM, as_user, service_id
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.validators import InputRequired, NumberRange

from dih4society.core.forms import MoneyField


class AmountForm(Form):
    amount = MoneyField("Amount", validators=[InputRequired(), NumberRange(min=Decimal("0.01"))])


@pytest.mark.parametrize("raw, message", [
    ("abc", "Enter an amount in euros, e.g. 1500.50."),
    ("NaN", "Enter an amount in euros, e.g. 1500.50."),
    ("1.500,50", "Enter an amount in euros, e.g. 1500.50."),
    ("1e30", "This amount is too large: at most €10,000,000,000.00."),
    ("100.555", "Use at most two decimals (whole cents)."),
    ("0", "Number must be at least 0.01."),
])
def test_each_wrong_amount_has_one_message_of_its_own(ctx, raw, message):
    form = AmountForm(MultiDict({"amount": raw}))
    assert not form.validate()
    assert form.amount.errors == [message]


@pytest.mark.parametrize("raw, value", [("1500.50", "1500.50"), (" 1 500 ", "1500"), ("1e3", "1000"),
                                        ("2.500", "2.5")])
def test_good_amounts_are_read(ctx, raw, value):
    form = AmountForm(MultiDict({"amount": raw}))
    assert form.validate(), form.errors
    assert form.amount.data == Decimal(value)


def test_the_application_form_says_what_is_wrong_with_the_amount(app, seeded):
    client = as_user(app, "applicant")
    sid = service_id(app)
    for raw, message in (("abc", b"Enter an amount in euros"), ("1e30", b"This amount is too large"),
                         ("100.555", b"Use at most two decimals (whole cents).")):
        response = client.post(f"/applications/new?service_id={sid}", data={**FORM, "requested": raw, "save": "1"})
        assert response.status_code == 200 and message in response.data, raw
        assert b"at least 0.01" not in response.data
