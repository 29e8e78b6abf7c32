"""Catalogue filters and the admin's service form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.forms import MoneyField
from ..organisations.models import ORG_KIND_LABELS, OrgKind
from .models import CATEGORY_LABELS, LEGAL_BASIS_LABELS, Category, LegalBasis


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ServiceForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20),
                       Regexp(r"^[A-Z0-9][A-Z0-9-]*$", message=_l("Capital letters, digits and dashes."))])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    name_ro = StringField(_l("Name in Romanian"), validators=[Length(max=200)],
                          description=_l("Empty: readers of Romanian see the English name."))
    description_en = TextAreaField(_l("Description in English"), validators=[Length(max=5000)])
    description_ro = TextAreaField(_l("Description in Romanian"), validators=[Length(max=5000)])
    category = SelectField(_l("EDIH category"), choices=[SelectChoice(c.value, CATEGORY_LABELS[c]) for c in Category])
    partner_id = SelectField(_l("Delivering partner"), coerce=int)
    market_value = MoneyField(_l("Market value (EUR)"), places=2,
                                validators=[InputRequired(), NumberRange(min=0.01, max=10_000_000)])
    co_payment_percent = IntegerField(
        _l("Co-payment (%)"),
        description=_l("The share of the value the beneficiary pays itself; 0 means it pays nothing. "
                       "The rest is the state aid it receives."),
        validators=[InputRequired(), NumberRange(min=0, max=99, message=_l("The co-payment is a whole percentage from 0 to 99."))])
    legal_basis = SelectField(_l("Legal basis"), choices=[SelectChoice(b.value, LEGAL_BASIS_LABELS[b]) for b in LegalBasis])
    eligible_kinds = MultiCheckboxField(_l("Eligible organisations"),
                                        choices=[SelectChoice(k.value, ORG_KIND_LABELS[k]) for k in OrgKind],
                                        validators=[DataRequired(message=_l("Choose at least one kind."))])
    active = BooleanField(_l("Active (shown in the catalogue)"), default=True)
    submit = SubmitField(_l("Save"))
