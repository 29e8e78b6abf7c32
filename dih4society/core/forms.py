"""Form fields shared by every feature."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, HiddenField
from wtforms.validators import StopValidation

from .money import MAX_AMOUNT, eur, to_cents


class MoneyField(DecimalField):
    """A euro amount: finite, at most two decimals, within `money.MAX_AMOUNT`.

    Each way of getting it wrong has its own message next to the field, and only that
    one: not a number (``abc``, ``NaN``, ``1.500,50``), too large (``1e30``), fractions
    of a cent (``100.555``). Never an exception further down."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("places", 2)
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
            return
        raw = str(valuelist[0]).strip().replace(" ", "").replace("\u00a0", "")
        self.data = None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise ValueError(self.gettext(_l("Enter an amount in euros, e.g. 1500.50.")))
        if abs(value) > MAX_AMOUNT:
            raise ValueError(self.gettext(_l("This amount is too large: at most %(max)s.")) % {
                "max": eur(int(MAX_AMOUNT * 100))})
        if value.as_tuple().exponent < -2 and value != value.quantize(Decimal("0.01")):
            raise ValueError(self.gettext(_l("Use at most two decimals (whole cents).")))
        to_cents(value)  # cannot fail any more: finite, in range, whole cents
        self.data = value

    def pre_validate(self, form):
        # An amount that could not be read has said why; "must be at least 0.01" would
        # only add a wrong second reason.
        if self.process_errors:
            raise StopValidation()


def show_error(form, exc, default: str | None = None) -> None:
    """Put a DomainError's message next to its field (or `default`), else on the form.
    A `DomainErrors` puts each of its messages next to its own field."""
    for field_name, message in getattr(exc, "errors", None) or [(exc.field, exc.message)]:
        add_error(form, field_name, message, default)


def add_error(form, field_name: str | None, message: str, default: str | None = None,
              only_if_clean: bool = False) -> None:
    """One message next to `field_name` (or `default`), else among the form's errors.
    `only_if_clean`: skip a field that already has an error (its own is more precise)."""
    target = getattr(form, field_name or "", None)
    if target is None and default:
        target = getattr(form, default, None)
    if target is None or not isinstance(getattr(target, "errors", None), list | tuple):
        if message not in form.form_errors:
            form.form_errors.append(message)
        return
    if only_if_clean and any(target.errors):
        return
    if message not in target.errors:
        target.errors = list(target.errors) + [message]


_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def new_token() -> str:
    """A fresh one-time form token (see `core/once.py`)."""
    return uuid.uuid4().hex


def _token_or_new(value: str | None) -> str:
    # A missing or malformed token (a form from an old page) gets a fresh one: the
    # request is not protected against doubling, but it is never refused for it.
    return value if value and _TOKEN.match(value) else new_token()


class OnceTokenField(HiddenField):
    """The hidden one-time token of a create form: a new one per rendered form,
    the posted one kept when the form is shown again with errors."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("default", new_token)
        kwargs.setdefault("filters", [_token_or_new])
        super().__init__(label, validators, **kwargs)
