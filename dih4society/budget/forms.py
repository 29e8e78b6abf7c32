"""Budget set-up forms (admins) and the filters of the ledger and the aid register."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from ..catalogue.models import CATEGORY_LABELS, Category
from ..core.forms import MoneyField
from .models import LEDGER_LABELS, LedgerKind


class EnvelopeForm(FlaskForm):
    """The envelope and its funding split."""

    envelope = MoneyField(_l("Envelope (EUR)"), places=2,
                            validators=[InputRequired(), NumberRange(min=0, max=1_000_000_000)],
                            description=_l("A change is booked on the unallocated reserve."))
    eu_share_percent = IntegerField(_l("EU share (%)"), validators=[InputRequired(), NumberRange(min=0, max=100)],
                                    description=_l("The rest is national co-financing."))
    submit_envelope = SubmitField(_l("Save envelope"))


class TransferForm(FlaskForm):
    """Move allocation from one account to another (a pair of ledger entries)."""

    source = SelectField(_l("From account"), coerce=int)
    target = SelectField(_l("To account"), coerce=int)
    amount = MoneyField(_l("Amount (EUR)"), places=2,
                          validators=[InputRequired(), NumberRange(min=0.01, max=1_000_000_000)])
    note = StringField(_l("Note"), validators=[Length(max=500)])
    #: One token per rendered form: a double click or a resent request books once.
    token = HiddenField(validators=[InputRequired(), Regexp(r"^[0-9a-f]{32}$")])
    submit_transfer = SubmitField(_l("Transfer"))


class AccountForm(FlaskForm):
    """Open a partner × category account."""

    partner_id = SelectField(_l("Partner"), coerce=int)
    category = SelectField(_l("EDIH category"), choices=[SelectChoice(c.value, CATEGORY_LABELS[c]) for c in Category])
    submit_account = SubmitField(_l("Create account"))


class LedgerFilterForm(FlaskForm):
    """Filters of the ledger list (GET, no CSRF token needed)."""

    class Meta:
        csrf = False

    account = SelectField(_l("Account"), coerce=int, default=0, validators=[Optional()])
    kind = SelectField(_l("Movement"), default="",
                       choices=[SelectChoice("", _l("All movements"))]
                       + [SelectChoice(k.value, LEDGER_LABELS[k]) for k in LedgerKind])
    reference = StringField(_l("Application reference"), validators=[Length(max=20)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
