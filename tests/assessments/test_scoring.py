"""The DMA scoring rule (DMA.md): worked examples, extremes, and properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dih4society.assessments import questionnaire as qn
from dih4society.assessments import scoring
from dih4society.organisations.models import OrgKind

SME = qn.current(qn.SME)
PSO = qn.current(qn.PSO)
BOTH = pytest.mark.parametrize("questionnaire", [SME, PSO], ids=["sme", "pso"])


def extreme(questionnaire: qn.Questionnaire, high: bool) -> dict:
    answers = {}
    for question in questionnaire.questions:
        if question.kind == qn.MULTI:
            answers[question.code] = ([c for c in question.option_codes if c != question.negative]
                                      if high else [qn.NONE_OPTION])
        else:
            values = scoring.allowed_row_values(question)
            best = "5" if question.kind == qn.LEVEL else values[0]
            worst = "0" if question.kind == qn.LEVEL else values[-1]
            answers[question.code] = {r: best if high else worst for r in question.option_codes}
    return answers


def test_structure_matches_dma_md():
    assert [(q.code, q.dimension, q.kind, len(q.options)) for q in SME.questions] == [
        ("S1", "D1", "invest", 10), ("S2", "D1", "multi", 10), ("S3", "D2", "multi", 10),
        ("S4", "D2", "level", 7), ("S5", "D3", "multi", 7), ("S6", "D3", "multi", 8),
        ("S7", "D4", "multi", 8), ("S8", "D4", "multi", 6), ("S9", "D5", "level", 5),
        ("S10", "D6", "multi", 10), ("S11", "D6", "ypn", 5)]
    assert [(q.code, q.dimension, q.kind, len(q.options)) for q in PSO.questions] == [
        ("P1", "D1", "multi", 10), ("P2", "D1", "invest", 8), ("P3", "D2", "multi", 9),
        ("P4", "D2", "level", 8), ("P5", "D3", "multi", 7), ("P6", "D3", "multi", 10),
        ("P7", "D4", "multi", 9), ("P8", "D4", "multi", 6), ("P9", "D5", "adoption", 16),
        ("P10", "D6", "multi", 9), ("P11", "D6", "ypn", 5)]
    for questionnaire in (SME, PSO):
        for question in questionnaire.questions:
            assert question.text.en and question.text.ro and question.text.en != question.text.ro
            assert len(set(question.option_codes)) == len(question.options)
            assert all(o.text.en and o.text.ro for o in question.options)


def test_variant_follows_the_organisation_kind():
    assert qn.variant_for_kind(OrgKind.SME) == qn.SME
    assert qn.variant_for_kind(OrgKind.SMALL_MIDCAP) == qn.SME
    assert qn.variant_for_kind(OrgKind.HEALTH_ORG) == qn.SME  # registered as undertakings
    assert qn.variant_for_kind(OrgKind.PUBLIC_INSTITUTION) == qn.PSO


@BOTH
def test_all_minimum_is_zero_and_all_maximum_is_hundred(questionnaire):
    low = scoring.score(questionnaire, extreme(questionnaire, False))
    assert set(low.dimensions.values()) == {Decimal("0.00")} and low.overall == 0 and low.band == "basic"
    high = scoring.score(questionnaire, extreme(questionnaire, True))
    assert set(high.dimensions.values()) == {Decimal("100.00")} and high.overall == 100
    assert high.band == "advanced"


def test_question_rules_of_dma_md():
    s2, s4, s7, s11, s1 = (SME.by_code[c] for c in ("S2", "S4", "S7", "S11", "S1"))
    # MS: ticked ÷ options × 10.
    assert scoring.question_score(s2, ["needs", "funding", "infra"]) == 3
    # S05: sum of levels ÷ (rows × 5) × 10: 7 rows at 1,2,3,4,5,0,0 → 15/35×10.
    levels = dict(zip(s4.option_codes, ["1", "2", "3", "4", "5", "0", "0"], strict=True))
    assert float(scoring.question_score(s4, levels)) == pytest.approx(150 / 35)
    # YPN: 0 / 0.5 / 1 per row, mean × 10: yes, partial, partial, no, no → 2/5 × 10 = 4.
    ypn = dict(zip(s11.option_codes, ["yes", "partial", "partial", "no", "no"], strict=True))
    assert scoring.question_score(s11, ypn) == 4
    # INV: invested 1, planned 0.5: 4 invested + 2 planned of 10 rows → 5.
    inv = dict(zip(s1.option_codes, ["invested"] * 4 + ["planned"] * 2 + ["no"] * 4, strict=True))
    assert scoring.question_score(s1, inv) == 5
    # S7's negative option scores 0; the divisor is the 7 positive options.
    assert scoring.question_score(s7, ["nodigital"]) == 0
    assert float(scoring.question_score(s7, ["policy", "stored"])) == pytest.approx(20 / 7)


def test_worked_example_dimension_overall_and_band():
    answers = extreme(SME, False)
    answers["S2"] = ["needs", "funding", "infra"]  # S2 = 3 → D1 = mean(0, 3) × 10 = 15
    answers["S9"] = {r: "5" for r in SME.by_code["S9"].option_codes}  # D5 = S9 × 10 = 100
    answers["S11"] = {r: "partial" for r in SME.by_code["S11"].option_codes}  # S11 = 5 → D6 = 25
    result = scoring.score(SME, answers)
    assert result.dimensions == {"D1": Decimal("15.00"), "D2": Decimal("0.00"), "D3": Decimal("0.00"),
                                 "D4": Decimal("0.00"), "D5": Decimal("100.00"), "D6": Decimal("25.00")}
    assert result.overall == Decimal("23.33")  # 140 / 6
    assert result.band == "basic"


@pytest.mark.parametrize("overall, band", [(0, "basic"), (25, "basic"), ("25.49", "basic"), ("25.5", "average"),
                                           (50, "average"), ("50.5", "moderately_advanced"), (75, "moderately_advanced"),
                                           ("75.50", "advanced"), (100, "advanced")])
def test_bands_on_the_rounded_overall(overall, band):
    assert scoring.band_of(overall) == band


def test_overall_equals_the_rule_on_the_printed_dimensions():
    assert scoring.overall_of(["33.33", "33.33", "33.34", "0", "0", "0"]) == Decimal("16.67")


@BOTH
def test_bad_answers_are_refused(questionnaire):
    first_multi = next(q for q in questionnaire.questions if q.kind == qn.MULTI)
    first_rows = next(q for q in questionnaire.questions if q.kind == qn.LEVEL)
    other = SME if questionnaire is PSO else PSO
    bad = [
        {first_multi.code: ["not-an-option"]},
        {first_multi.code: [qn.NONE_OPTION, first_multi.option_codes[0]]},
        {first_multi.code: "x"},
        {first_rows.code: {first_rows.option_codes[0]: "6"}},
        {first_rows.code: {"nope": "1"}},
        {other.questions[0].code: []},  # a question of the other variant
        {"Z99": []},
    ]
    for answers in bad:
        with pytest.raises(scoring.AnswerError):
            scoring.validate(questionnaire, answers)


def test_incomplete_answers_cannot_be_scored():
    answers = extreme(SME, True)
    del answers["S5"]
    assert scoring.missing(SME, answers) == ["S5"]
    with pytest.raises(scoring.AnswerError, match="S5"):
        scoring.score(SME, answers)


# --- properties --------------------------------------------------------------------------------

def _answer_strategy(question: qn.Question):
    if question.kind == qn.MULTI:
        positive = [c for c in question.option_codes if c != question.negative]
        return st.lists(st.sampled_from(positive), unique=True).map(lambda v: v or [qn.NONE_OPTION])
    values = list(scoring.allowed_row_values(question))
    return st.fixed_dictionaries({r: st.sampled_from(values) for r in question.option_codes})


def answers_of(questionnaire):
    return st.fixed_dictionaries({q.code: _answer_strategy(q) for q in questionnaire.questions})


def _raise_one(question: qn.Question, value, data):
    """`value` with one answer raised (one more tick, or one row one step up)."""
    if question.kind == qn.MULTI:
        free = [c for c in question.option_codes if c != question.negative and c not in value]
        if not free:
            return value
        return [c for c in value if c != qn.NONE_OPTION] + [data.draw(st.sampled_from(free))]
    weights = scoring._row_weights(question)
    row = data.draw(st.sampled_from(question.option_codes))
    higher = [v for v, w in weights.items() if w > weights[str(value[row])]]
    if not higher:
        return value
    return {**value, row: data.draw(st.sampled_from(higher))}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([SME, PSO]).flatmap(lambda q: st.tuples(st.just(q), answers_of(q))), st.data())
def test_scores_in_range_and_monotone(pair, data):
    questionnaire, answers = pair
    before = scoring.score(questionnaire, answers)
    assert all(Decimal(0) <= v <= Decimal(100) for v in before.dimensions.values())
    assert Decimal(0) <= before.overall <= Decimal(100)
    assert before.overall == scoring.overall_of(before.dimensions.values())
    question = data.draw(st.sampled_from(questionnaire.questions))
    raised = {**answers, question.code: _raise_one(question, answers[question.code], data)}
    after = scoring.score(questionnaire, raised)
    assert all(after.dimensions[d] >= before.dimensions[d] for d in before.dimensions)
    assert after.overall >= before.overall


def test_public_sector_interoperability_planned_counts_half():
    p9 = PSO.by_code["P9"]
    rows = dict(zip(p9.option_codes, ["implemented"] * 8 + ["planned"] * 4 + ["no"] * 4, strict=True))
    assert scoring.question_score(p9, rows) == Decimal("6.25")
    answers = extreme(PSO, False) | {"P9": rows}
    result = scoring.score(PSO, answers)
    assert result.dimensions["D5"] == Decimal("62.50")  # D5 is P9 alone
    assert result.overall == Decimal("10.42")  # 62.5 / 6 = 10.4166… half up
