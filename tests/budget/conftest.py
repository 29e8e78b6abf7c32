"""Budget fixtures (helpers in `budget/helpers.py`, imported as ``budget.helpers``)."""

import pytest
from budget.helpers import Hub, build_hub


@pytest.fixture
def hub(ctx) -> Hub:
    """A hub inside the test's app context (not committed: the test's own transaction)."""
    return build_hub()
