"""The call form (admins and managers) and the small forms of the ranking page."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..catalogue.forms import MultiCheckboxField
from ..core.forms import MoneyField
from ..organisations.models import OrgKind
from .models import SelectionMode

MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class CallForm(FlaskForm):
    title_en = StringField(_l("Title (English)"), validators=[DataRequired(), Length(max=200)])
    title_ro = StringField(_l("Title (Romanian)"), validators=[DataRequired(), Length(max=200)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=10_000)],
                                   render_kw={"rows": 4})
    description_ro = TextAreaField(_l("Description (Romanian)"), validators=[Length(max=10_000)],
                                   render_kw={"rows": 4})
    opens_at = DateTimeLocalField(_l("Opens (Europe/Bucharest time)"), format=MOMENT_FORMATS,
                                  validators=[InputRequired(message=_l("Give the opening moment."))])
    closes_at = DateTimeLocalField(_l("Closes (Europe/Bucharest time)"), format=MOMENT_FORMATS,
                                   description=_l("Submissions are accepted until this moment (excluded)."),
                                   validators=[InputRequired(message=_l("Give the closing moment."))])
    extension_reason = TextAreaField(_l("Reason for extending the closing"),
                                     description=_l("Needed when a call with applications closes later."),
                                     validators=[Optional(), Length(max=10_000)], render_kw={"rows": 2})
    eligible_kinds = MultiCheckboxField(_l("Organisations that may apply"),
                                        choices=[SelectChoice(k.value, k.label) for k in OrgKind])
    eligible_counties = MultiCheckboxField(_l("Counties (none ticked: every county)"))
    service_ids = MultiCheckboxField(_l("Services offered"), coerce=int)
    cap = MoneyField(_l("Cap of the call (EUR)"), places=2,
                     description=_l("What the call may commit in all; empty for no cap of its own."),
                     validators=[Optional(), NumberRange(min=Decimal("0.01"))])
    max_per_group = IntegerField(_l("Vouchers per organisation (undertaking group)"), default=1,
                                 validators=[InputRequired(), NumberRange(min=1, max=100)])
    selection_mode = SelectField(_l("Selection"), choices=[SelectChoice(m.value, m.label) for m in SelectionMode])
    min_score = IntegerField(_l("Minimum score (competitive calls, 0-100)"), default=0,
                             validators=[InputRequired(), NumberRange(min=0, max=100)])
    results_show_names = BooleanField(_l("Show applicants' names in the published results"), default=True)
    submit = SubmitField(_l("Save"))


class ActionForm(FlaskForm):
    """A button and its CSRF token."""


class PublishForm(FlaskForm):
    show_names = BooleanField(_l("Show applicants' names"), default=True)
