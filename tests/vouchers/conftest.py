"""Fixtures of the voucher tests: the workflow tests' cast."""

from __future__ import annotations

import pytest


@pytest.fixture
def cast(ctx, seeded):
    from applications.builders import make_cast

    return make_cast()
