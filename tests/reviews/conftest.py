"""Fixtures of the review tests (the cast is shared with tests/applications)."""

import pytest


@pytest.fixture
def cast(ctx, seeded):
    """Everyone a review test needs (see applications/builders.Cast), in the test's app context."""
    from applications.builders import make_cast

    return make_cast()
