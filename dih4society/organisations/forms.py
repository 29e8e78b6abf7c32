"""The registration form: the organisation and its first user."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, NumberRange, Optional

from ..core.forms import MoneyField, OnceTokenField
from .models import ORG_KIND_LABELS, OrgKind


def county_choices() -> list[SelectChoice]:
    """The hub's region first (in configured order), then every other county by name."""
    counties = current_app.config["COUNTIES"]
    region = [c for c in current_app.config["HUB_REGION_COUNTIES"] if c in counties]
    rest = sorted((c for c in counties if c not in region), key=lambda c: counties[c])
    return [SelectChoice("", _l("— choose —"))] + [SelectChoice(c, counties[c]) for c in region + rest]


class RegistrationForm(FlaskForm):
    kind = SelectField(_l("Kind of organisation"),
                       choices=[SelectChoice(k.value, ORG_KIND_LABELS[k]) for k in OrgKind],
                       validators=[DataRequired()])
    legal_name = StringField(_l("Legal name"), validators=[DataRequired(), Length(max=200)])
    fiscal_code = StringField(_l("Fiscal code (CUI)"), validators=[DataRequired(), Length(max=14)],
                              description=_l("With or without the RO prefix."))
    trade_register_no = StringField(_l("Trade-register number"),
                                    validators=[Optional(), Length(max=40)],
                                    description=_l("For companies, e.g. J12/1483/2015."))
    county = SelectField(_l("County"), validators=[DataRequired(message=_l("Choose a county."))])
    caen_code = StringField(_l("Main CAEN code"), validators=[DataRequired(), Length(min=4, max=4)])
    headcount = IntegerField(_l("Staff headcount (annual work units)"),
                             validators=[InputRequired(), NumberRange(min=0, max=10_000_000)])
    turnover = MoneyField(_l("Annual turnover (EUR)"), places=2,
                            validators=[InputRequired(), NumberRange(min=0, max=10**12)])
    balance_sheet = MoneyField(_l("Balance-sheet total (EUR)"), places=2,
                                 validators=[InputRequired(), NumberRange(min=0, max=10**12)])
    letter_language = SelectField(_l("Language of letters and notices"),
                                  choices=[SelectChoice("ro", "Română"), SelectChoice("en", "English")],
                                  default="ro",
                                  description=_l("Decision letters and state-aid notices are written in this language."))
    full_name = StringField(_l("Your full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Your e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                             description=_l("At least 12 characters; not a common password."))
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])
    submit = SubmitField(_l("Register"))
    #: One organisation per rendered form, however often it is sent.
    token = OnceTokenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.county.choices = county_choices()


class CorrectionForm(FlaskForm):
    """Admin: correct an organisation's data and figures (the fiscal code is its identity)."""

    kind = SelectField(_l("Kind of organisation"),
                       choices=[SelectChoice(k.value, k.label) for k in OrgKind], validators=[DataRequired()])
    legal_name = StringField(_l("Legal name"), validators=[DataRequired(), Length(max=200)])
    trade_register_no = StringField(_l("Trade-register number"), validators=[Optional(), Length(max=40)])
    county = SelectField(_l("County"), validators=[DataRequired(message=_l("Choose a county."))])
    caen_code = StringField(_l("Main CAEN code"), validators=[DataRequired(), Length(min=4, max=4)])
    headcount = IntegerField(_l("Staff headcount (annual work units)"),
                             validators=[InputRequired(), NumberRange(min=0, max=10_000_000)])
    turnover = MoneyField(_l("Annual turnover (EUR)"), validators=[InputRequired(), NumberRange(min=0, max=10**12)])
    balance_sheet = MoneyField(_l("Balance-sheet total (EUR)"),
                               validators=[InputRequired(), NumberRange(min=0, max=10**12)])
    reason = TextAreaField(_l("Why the correction (kept in the audit log)"),
                           validators=[DataRequired(), Length(max=1000)], render_kw={"rows": 2},
                           description=_l("For example: the 2025 financial statements, received by e-mail."))
    submit = SubmitField(_l("Save the correction"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.county.choices = county_choices()


class InviteForm(FlaskForm):
    """A member invites a colleague by e-mail."""

    email = EmailField(_l("Colleague's e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send the invitation"))
    token = OnceTokenField()


class JoinForm(FlaskForm):
    """The invited colleague's own account."""

    full_name = StringField(_l("Your full name"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                             description=_l("At least 12 characters; not a common password."))
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])
    submit = SubmitField(_l("Join"))


class MemberActionForm(FlaskForm):
    """Remove a colleague or withdraw an invitation: only the button (and the CSRF token)."""
