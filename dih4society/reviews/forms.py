"""The rubric form (built from the configured criteria), conflicts, and rubric set-up."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from .models import RECOMMENDATION_LABELS, Recommendation, RubricCriterion


class ReviewFormBase(FlaskForm):
    """Recommendation and comment; `review_form()` adds one score field per criterion."""

    recommendation = SelectField(_l("Recommendation"),
                                 choices=[SelectChoice("", "—")] + [SelectChoice(r.value, RECOMMENDATION_LABELS[r]) for r in Recommendation],
                                 validate_choice=False)

    def validate_recommendation(self, field) -> None:
        if field.data and field.data not in {r.value for r in Recommendation}:
            raise ValidationError(_l("Choose a recommendation from the list."))
    comment = TextAreaField(_l("Comment"), validators=[Length(max=5000)], render_kw={"rows": 5})
    save = SubmitField(_l("Save for later"))
    complete = SubmitField(_l("Complete review"))

    criteria: list[RubricCriterion] = []

    def score_fields(self):
        return [getattr(self, f"score_{c.code}") for c in self.criteria]

    def scores(self) -> dict[str, int | None]:
        return {c.code: getattr(self, f"score_{c.code}").data for c in self.criteria}


def review_form(criteria: list[RubricCriterion], **kwargs) -> ReviewFormBase:
    """A review form with a 0–5 field per criterion; the weight rides along for the live total."""

    class ReviewForm(ReviewFormBase):
        pass

    for criterion in criteria:
        setattr(ReviewForm, f"score_{criterion.code}", IntegerField(
            criterion.label, validators=[Optional(), NumberRange(min=0, max=5)],
            description=_l("Weight %(w)s · 0 (absent) to 5 (excellent)", w=criterion.weight),
            render_kw={"type": "number", "min": 0, "max": 5, "step": 1, "inputmode": "numeric",
                       "data-weight": criterion.weight, "class": "rubric-score"}))
    ReviewForm.criteria = criteria
    return ReviewForm(**kwargs)


class ConflictForm(FlaskForm):
    reason = TextAreaField(_l("What is the conflict?"), validators=[DataRequired(), Length(max=2000)],
                           description=_l("You will be removed from this application: no review, "
                                          "no decision, no delivery step."),
                           render_kw={"rows": 2})


class CriterionForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    label_en = StringField(_l("Criterion in English"), validators=[DataRequired(), Length(max=200)])
    label_ro = StringField(_l("Criterion in Romanian"), validators=[Length(max=200)],
                           description=_l("Empty: readers of Romanian see the English text."))
    weight = IntegerField(_l("Weight"), validators=[InputRequired(), NumberRange(min=1, max=10)], default=1)
    position = IntegerField(_l("Position"), validators=[InputRequired(), NumberRange(min=0, max=999)], default=0)
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))
