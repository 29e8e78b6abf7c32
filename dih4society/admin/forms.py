"""Admin forms for users."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from ..auth.models import ROLE_LABELS, Role
from ..core.forms import OnceTokenField

STAFF_ROLE_CHOICES = [SelectChoice(r.value, ROLE_LABELS[r]) for r in Role if r is not Role.APPLICANT]


class StaffUserForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=STAFF_ROLE_CHOICES)
    partner_id = SelectField(_l("Partner (for partner staff)"), coerce=int)
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Create user"))
    token = OnceTokenField()


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=STAFF_ROLE_CHOICES)
    partner_id = SelectField(_l("Partner"), coerce=int)
    submit = SubmitField(_l("Change role"))


class ActionForm(FlaskForm):
    """An empty form: a CSRF-protected button."""

    submit = SubmitField(_l("Confirm"))
