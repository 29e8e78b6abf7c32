"""Forms of the DMA pages; the questionnaire itself is read by `parse_answers`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from . import questionnaire as qn

PREFIX = "q-"


class WaiverForm(FlaskForm):
    reason = TextAreaField(_l("Why the T0 assessment is waived"), validators=[InputRequired(), Length(max=2000)])
    submit = SubmitField(_l("Waive the T0 assessment"))


class SatisfactionForm(FlaskForm):
    score = IntegerField(_l("Overall, how satisfied are you with the service? (1 = not at all, 10 = fully)"),
                         validators=[InputRequired(), NumberRange(min=1, max=10)])
    would_recommend = RadioField(_l("Would you recommend this service to another organisation?"),
                                 choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))], validators=[InputRequired()])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Send"))


class AnswerParseError(ValueError):
    """A field that is not part of the questionnaire."""


def parse_answers(questionnaire: qn.Questionnaire, form) -> dict:
    """Raw answers from the posted form: ``q-<code>`` (ticks) and ``q-<code>-<row>`` (one per row).

    Fields naming no question of this questionnaire are refused; the values themselves are
    checked by `scoring.validate` in the service."""
    answers: dict = {}
    for name in form.keys():
        if not name.startswith(PREFIX):
            continue
        code, _sep, row = name[len(PREFIX):].partition("-")
        question = questionnaire.by_code.get(code)
        if question is None:
            raise AnswerParseError(f"{code} is not a question of this questionnaire")
        if question.kind == qn.MULTI:
            if row:
                raise AnswerParseError(f"{code} has no rows")
            ticked = [v for v in form.getlist(name) if v]
            if ticked:
                answers[code] = ticked
        else:
            if not row:
                raise AnswerParseError(f"{code} needs one answer per row")
            values = form.getlist(name)
            if len(values) != 1:
                raise AnswerParseError(f"{code}.{row}: one answer expected")
            if values[0] != "":
                answers.setdefault(code, {})[row] = values[0]
    return answers
