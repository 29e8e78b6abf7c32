"""The CI's own guards: the PostgreSQL pass must have run race tests on PostgreSQL."""

from types import SimpleNamespace

from conftest import race_tests_passed_on


def _report(nodeid, *, when="call", passed=True, dialect=None):
    props = [("race_dialect", dialect)] if dialect else []
    return SimpleNamespace(nodeid=nodeid, when=when, passed=passed, user_properties=props)


def test_only_race_tests_that_passed_on_the_required_dialect_count():
    reports = [
        _report("plain"),  # not a race test
        _report("on-sqlite", dialect="sqlite"),
        _report("setup-phase", when="setup", dialect="postgresql"),
        _report("failed", passed=False, dialect="postgresql"),
        _report("raced", dialect="postgresql"),
    ]
    assert race_tests_passed_on(reports, "postgresql") == ["raced"]
    assert race_tests_passed_on(reports[:4], "postgresql") == []
    assert race_tests_passed_on(reports, "sqlite") == ["on-sqlite"]
