"""DMA scoring: pure functions from raw answers to scores (no database, no request).

question → 0–10, dimension = mean of its questions × 10 → 0–100, overall = plain mean
of the six dimensions, band from the overall rounded half up. Where the sources
disagree (see DMA.md), the platform's choice is a named constant here, and the rule
version is stored with every assessment, so a confirmed official rule replaces it in
one place without changing the meaning of old results.

Arithmetic is exact (`Fraction`) until the end; dimensions are rounded to two
decimals half up, and the overall is the mean of those *rounded* dimensions, so an
export row's overall always equals the rule applied to the six figures it prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from . import questionnaire as q

RULE_VERSION = "dih4s-2024.1"

#: INV rows: invested = 1, planned only = 0.5, neither = 0 (dmsa's documented rule).
INVEST_WEIGHTS = {"invested": Fraction(1), "planned": Fraction(1, 2), "no": Fraction(0)}
#: P9 rows: implemented = 1, planned = 0.5, neither = 0.
ADOPTION_WEIGHTS = {"implemented": Fraction(1), "planned": Fraction(1, 2), "no": Fraction(0)}
#: Yes / partially / no.
YPN_WEIGHTS = {"yes": Fraction(1), "partial": Fraction(1, 2), "no": Fraction(0)}
#: S05 rows: level 0..5, divided by the top level.
TOP_LEVEL = 5
#: S7's negative option ("no digital collection") scores the question 0 and excludes the rest.
NEGATIVE_SCORES_ZERO = True
#: Bands on the overall rounded to a whole number (half up): upper bounds, inclusive.
BANDS = ((25, "basic"), (50, "average"), (75, "moderately_advanced"), (100, "advanced"))
BAND_LABELS = {
    "basic": q.T("Basic", "De bază"),
    "average": q.T("Average", "Mediu"),
    "moderately_advanced": q.T("Moderately advanced", "Moderat avansat"),
    "advanced": q.T("Advanced", "Avansat"),
}
TWO = Decimal("0.01")


class AnswerError(ValueError):
    """Answers that do not fit the questionnaire (the message names the question)."""


def _row_weights(question: q.Question) -> dict:
    if question.kind == q.INVEST:
        return INVEST_WEIGHTS
    if question.kind == q.ADOPTION:
        return ADOPTION_WEIGHTS
    if question.kind == q.YPN:
        return YPN_WEIGHTS
    return {str(n): Fraction(n, TOP_LEVEL) for n in range(TOP_LEVEL + 1)}


def allowed_row_values(question: q.Question) -> tuple[str, ...]:
    return tuple(_row_weights(question))


def check_answer(question: q.Question, value) -> None:
    """Refuse a value that is not one of the question's options (AnswerError)."""
    if question.kind == q.MULTI:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise AnswerError(f"{question.code}: a list of options is expected")
        allowed = set(question.option_codes) | {q.NONE_OPTION}
        unknown = [v for v in value if v not in allowed]
        if unknown:
            raise AnswerError(f"{question.code}: {', '.join(sorted(unknown))} is not an option of this question")
        if len(set(value)) != len(value):
            raise AnswerError(f"{question.code}: an option is ticked twice")
        exclusive = {q.NONE_OPTION, question.negative} & set(value)
        if exclusive and len(value) > 1:
            raise AnswerError(f"{question.code}: '{exclusive.pop()}' cannot be ticked with other options")
        return
    if not isinstance(value, dict):
        raise AnswerError(f"{question.code}: one answer per row is expected")
    rows = set(question.option_codes)
    allowed = allowed_row_values(question)
    for row, choice in value.items():
        if row not in rows:
            raise AnswerError(f"{question.code}: {row} is not a row of this question")
        if str(choice) not in allowed or isinstance(choice, bool):
            raise AnswerError(f"{question.code}.{row}: {choice} is not an allowed answer")


def is_complete(question: q.Question, value) -> bool:
    """Whether the question is fully answered (every row, or at least one tick)."""
    if value is None:
        return False
    if question.kind == q.MULTI:
        return bool(value)
    return set(value) == set(question.option_codes)


def question_score(question: q.Question, value) -> Fraction:
    """One complete answer → 0..10 (exact)."""
    if question.kind == q.MULTI:
        ticked = set(value) - {q.NONE_OPTION}
        if question.negative and question.negative in ticked and NEGATIVE_SCORES_ZERO:
            return Fraction(0)
        positive = [c for c in question.option_codes if c != question.negative]
        return Fraction(len(ticked & set(positive)), len(positive)) * 10
    weights = _row_weights(question)
    rows = question.option_codes
    return sum((weights[str(value[row])] for row in rows), Fraction(0)) / len(rows) * 10


def round2(value: Fraction | Decimal) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(TWO, rounding=ROUND_HALF_UP)


def overall_of(dimension_scores) -> Decimal:
    """The overall index: the plain mean of the six (two-decimal) dimension scores."""
    values = [Fraction(Decimal(str(v))) for v in dimension_scores]
    return round2(sum(values, Fraction(0)) / len(values))


def band_of(overall) -> str:
    """The band of an overall score, rounded to a whole number half up first."""
    whole = int(Decimal(str(overall)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    for upper, band in BANDS:
        if whole <= upper:
            return band
    return BANDS[-1][1]


@dataclass(frozen=True)
class Result:
    """The scores of a complete set of answers."""

    questions: dict[str, Decimal]  # 0..10
    dimensions: dict[str, Decimal]  # 0..100, two decimals
    overall: Decimal
    band: str
    rule: str = RULE_VERSION


def validate(questionnaire: q.Questionnaire, answers: dict) -> None:
    """Refuse answers to questions that are not in this questionnaire, or invalid values."""
    if not isinstance(answers, dict):
        raise AnswerError("answers must be a mapping of question codes")
    for code, value in answers.items():
        question = questionnaire.by_code.get(code)
        if question is None:
            raise AnswerError(f"{code} is not a question of the {questionnaire.variant.upper()} "
                              f"questionnaire version {questionnaire.version}")
        check_answer(question, value)


def missing(questionnaire: q.Questionnaire, answers: dict) -> list[str]:
    """Codes of the questions not yet fully answered, in order."""
    return [question.code for question in questionnaire.questions
            if not is_complete(question, answers.get(question.code))]


def score(questionnaire: q.Questionnaire, answers: dict) -> Result:
    """Scores of a complete, valid set of answers (AnswerError otherwise)."""
    validate(questionnaire, answers)
    gaps = missing(questionnaire, answers)
    if gaps:
        raise AnswerError(f"unanswered: {', '.join(gaps)}")
    per_question = {question.code: question_score(question, answers[question.code])
                    for question in questionnaire.questions}
    dimensions = {}
    for dim in questionnaire.dimensions:
        scores = [per_question[question.code] for question in questionnaire.questions_of(dim.code)]
        dimensions[dim.code] = round2(sum(scores, Fraction(0)) / len(scores) * 10)
    overall = overall_of(dimensions.values())
    return Result({code: round2(value) for code, value in per_question.items()}, dimensions,
                  overall, band_of(overall))
