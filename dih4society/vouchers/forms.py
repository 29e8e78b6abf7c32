"""Forms of the agreement page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class AcceptForm(FlaskForm):
    full_name = StringField(_l("Your full name"), validators=[DataRequired(), Length(max=200)])
    confirm = BooleanField(_l("I have read the voucher agreement and accept it on behalf of my organisation."))
    content_hash = HiddenField()


class SignedUploadForm(FlaskForm):
    file = FileField(_l("The signed agreement (PDF)"), validators=[FileRequired()])


class ActionForm(FlaskForm):
    """A button and its CSRF token."""


class ExtendForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the extension"), validators=[DataRequired(), Length(max=5000)],
                           render_kw={"rows": 2})
