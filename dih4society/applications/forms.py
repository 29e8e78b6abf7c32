"""Forms of the application pages. Money is a two-decimal `DecimalField` (→ cents in the route).

Every form binds only the fields it declares, so extra posted fields (``state``,
``approved_amount``, ``organisation_id``…) are never read. The forms of the action
bar carry a prefix, so several can share the application page without id clashes.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..core.forms import MoneyField, OnceTokenField
from ..core.money import to_cents
from .attachments import KINDS


def two_decimals(_form, field) -> None:
    """Refuse fractions of a cent (DecimalField would round them silently on display)."""
    if field.data is None:
        return
    try:
        to_cents(field.data)
    except ValueError as exc:
        raise ValidationError(_l("Use at most two decimals.")) from exc


def cents(value: Decimal | None) -> int:
    """A validated form amount in integer cents."""
    return to_cents(value or 0)


class OutsideAidRowForm(Form):
    """One row of de minimis aid from another grantor (blank rows are ignored)."""

    grantor = StringField(_l("Grantor"), validators=[Optional(), Length(max=200)])
    granted_on = DateField(_l("Date granted"), validators=[Optional()])
    amount = MoneyField(_l("Amount (EUR)"), places=2,
                          validators=[Optional(), NumberRange(min=Decimal("0.01"), max=10_000_000), two_decimals])

    def is_blank(self) -> bool:
        return not (self.grantor.data or "").strip() and self.granted_on.data is None and self.amount.data is None

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not self.is_blank():
            for fld, message in ((self.grantor, _l("Name the grantor.")),
                                 (self.granted_on, _l("Give the date.")),
                                 (self.amount, _l("Give the amount."))):
                if not fld.data:
                    fld.errors = list(fld.errors) + [message]
                    ok = False
        return ok


class ApplicationForm(FlaskForm):
    """The applicant's form: justification, amount, declarations, aid from elsewhere."""

    justification = TextAreaField(
        _l("Why does your organisation need this service?"),
        description=_l("What you want to achieve, who will take part, and how you will use the result."),
        validators=[Length(max=5000)], render_kw={"rows": 6})
    requested = MoneyField(_l("Value requested (EUR)"), places=2,
                             description=_l("At most the service's market value."),
                             validators=[InputRequired(), NumberRange(min=Decimal("0.01")), two_decimals])
    decl_sme = BooleanField(_l(
        "SME declaration: the organisation's data (staff headcount, turnover, balance sheet, partner and "
        "linked enterprises) are true and complete."))
    decl_not_in_difficulty = BooleanField(_l("The organisation is not an undertaking in difficulty."))
    decl_no_recovery_order = BooleanField(_l(
        "The organisation has no unpaid state-aid recovery order."))
    decl_outside_aid_complete = BooleanField(_l(
        "The de minimis aid received from other grantors in the last three years is listed below, "
        "completely (or there was none)."))
    outside_aid = FieldList(FormField(OutsideAidRowForm), label=_l("De minimis aid from other grantors"),
                            min_entries=1, max_entries=50)
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Save and submit"))
    #: A new application is created once per rendered form, however often it is sent.
    token = OnceTokenField()

    def aid_rows(self) -> list[OutsideAidRowForm]:
        return [entry.form for entry in self.outside_aid if not entry.form.is_blank()]


class ActionForm(FlaskForm):
    """A step that needs nothing but the button (and the CSRF token)."""


class ReturnForm(FlaskForm):
    question = TextAreaField(_l("Question for the applicant"), validators=[DataRequired(), Length(max=5000)],
                             render_kw={"rows": 3})


class ResubmitForm(FlaskForm):
    answer = TextAreaField(_l("Your answer"), validators=[DataRequired(), Length(max=5000)],
                           render_kw={"rows": 4})


class ApproveForm(FlaskForm):
    amount = MoneyField(_l("Approved amount (EUR)"), places=2,
                          description=_l("At most the requested amount."),
                          validators=[InputRequired(), NumberRange(min=Decimal("0.01")), two_decimals])
    #: The approval stage the page showed (1 first or only, 2 second): a stale page is refused.
    stage = HiddenField(default="", validators=[Optional(), AnyOf(["", "1", "2"])])


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the applicant will read it)"),
                           validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 3})


class DeliveryForm(FlaskForm):
    delivered_on = DateField(_l("Delivered on"), validators=[InputRequired()])
    notes = TextAreaField(_l("What was delivered"), validators=[DataRequired(), Length(max=5000)],
                          render_kw={"rows": 4})
    actual_cost = MoneyField(_l("Actual cost (EUR)"), places=2,
                               description=_l("At most the approved amount."),
                               validators=[InputRequired(), NumberRange(min=0), two_decimals])


class ConfirmForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 2})


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason for cancelling"), validators=[DataRequired(), Length(max=5000)],
                           render_kw={"rows": 3})


class UploadForm(FlaskForm):
    kind = SelectField(_l("Document"), choices=[SelectChoice(value, label) for value, label in KINDS.items()])
    file = FileField(_l("File (PDF, PNG or JPEG)"), validators=[FileRequired()])
    token = OnceTokenField()


#: Transition name → (form class, prefix): the forms of the action bar.
STEP_FORMS = {
    "submit": (ActionForm, "submit"),
    "withdraw": (ActionForm, "withdraw"),
    "start_review": (ActionForm, "start-review"),
    "return_for_info": (ReturnForm, "return"),
    "resubmit": (ResubmitForm, "resubmit"),
    "approve": (ApproveForm, "approve"),
    "reject": (RejectForm, "reject"),
    "start_delivery": (ActionForm, "start-delivery"),
    "record_delivery": (DeliveryForm, "delivery"),
    "confirm": (ConfirmForm, "confirm"),
    "cancel": (CancelForm, "cancel"),
}
