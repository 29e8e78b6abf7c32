"""Fixtures of the DMA tests: the workflow cast, and helpers for answers."""

from __future__ import annotations

import random

import pytest

from dih4society.assessments import questionnaire as qn
from dih4society.assessments.demo import answers_at


@pytest.fixture
def cast(ctx, seeded):
    from applications.builders import make_cast

    return make_cast()


def full_answers(variant: str = qn.SME, maturity: float = 0.5, seed: int = 3) -> dict:
    """A complete, valid set of answers for the current questionnaire of `variant`."""
    return answers_at(qn.current(variant), maturity, random.Random(seed))


def form_data(answers: dict, variant: str = qn.SME, action: str = "save") -> dict:
    """The questionnaire form's fields for `answers` (as the browser posts them)."""
    data: dict = {"variant": variant, "version": qn.CURRENT_VERSION[variant], "action": action}
    for code, value in answers.items():
        if isinstance(value, list):
            data[f"q-{code}"] = value
        else:
            for row, choice in value.items():
                data[f"q-{code}-{row}"] = str(choice)
    return data
