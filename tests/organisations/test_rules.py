"""Fiscal codes and the SME size class (Recommendation 2003/361), at every edge."""

import pytest

from dih4society.core.errors import DomainError
from dih4society.organisations.models import OrgKind, SizeClass
from dih4society.organisations.services import (
    check_kind_fits_size,
    classify_size,
    normalise_fiscal_code,
    normalise_trade_register,
)

M = 100_000_000  # EUR 1 million in cents


@pytest.mark.parametrize("raw, expected, vat", [
    ("18547290", "18547290", False),
    ("RO18547290", "18547290", True),
    ("ro 185 472 90", "18547290", True),
    (" 18547290 ", "18547290", False),
    ("14399840", "14399840", False),
])
def test_valid_fiscal_codes_are_normalised(raw, expected, vat):
    assert normalise_fiscal_code(raw) == (expected, vat)


@pytest.mark.parametrize("raw, message", [
    ("18547291", "check digit"),
    ("RO18547299", "check digit"),
    ("1854A290", "only digits"),
    ("RO", "Enter"),
    ("", "Enter"),
    ("12345678901", "2 to 10"),
    ("1", "2 to 10"),
    ("-18547290", "only digits"),
])
def test_invalid_fiscal_codes_are_refused(ctx, raw, message):
    with pytest.raises(DomainError) as exc:
        normalise_fiscal_code(raw)
    assert message in exc.value.message
    assert exc.value.field == "fiscal_code"


def test_trade_register_number(ctx):
    assert normalise_trade_register("j12/1483/2015") == "J12/1483/2015"
    assert normalise_trade_register("  ") is None
    with pytest.raises(DomainError):
        normalise_trade_register("X99/abc")


@pytest.mark.parametrize("staff, turnover, balance, expected", [
    (9, 2 * M, 2 * M, SizeClass.MICRO),
    (10, 2 * M, 2 * M, SizeClass.SMALL),            # staff edge 9/10
    (9, 2 * M + 1, 2 * M, SizeClass.MICRO),          # turnover over, balance within: still micro
    (9, 2 * M + 1, 2 * M + 1, SizeClass.SMALL),      # both over 2 m
    (49, 10 * M, 99 * M, SizeClass.SMALL),
    (50, 10 * M, 10 * M, SizeClass.MEDIUM),          # staff edge 49/50
    (49, 10 * M + 1, 10 * M + 1, SizeClass.MEDIUM),  # turnover edge 10 m
    (249, 50 * M, 99 * M, SizeClass.MEDIUM),
    (249, 50 * M + 1, 43 * M, SizeClass.MEDIUM),     # balance sheet 43 m saves it
    (249, 50 * M + 1, 43 * M + 1, SizeClass.SMALL_MIDCAP),  # both over: not an SME
    (250, 1 * M, 1 * M, SizeClass.SMALL_MIDCAP),     # staff edge 249/250
    (749, 150 * M, 500 * M, SizeClass.SMALL_MIDCAP),
    (750, 1 * M, 1 * M, SizeClass.LARGE),
    (700, 150 * M + 1, 129 * M + 1, SizeClass.LARGE),
])
def test_size_class_at_every_threshold(staff, turnover, balance, expected):
    assert classify_size(staff, turnover, balance) is expected


def test_sme_over_limits_is_offered_small_midcap(ctx):
    with pytest.raises(DomainError) as exc:
        check_kind_fits_size(OrgKind.SME, SizeClass.SMALL_MIDCAP)
    assert "small mid-cap" in exc.value.message


def test_large_enterprise_cannot_apply_as_sme(ctx):
    with pytest.raises(DomainError) as exc:
        check_kind_fits_size(OrgKind.SME, SizeClass.LARGE)
    assert "large enterprise" in exc.value.message


def test_small_midcap_with_sme_figures_is_told_to_choose_sme(ctx):
    with pytest.raises(DomainError) as exc:
        check_kind_fits_size(OrgKind.SMALL_MIDCAP, SizeClass.SMALL)
    assert "SME" in exc.value.message


def test_public_bodies_have_any_size(ctx):
    check_kind_fits_size(OrgKind.PUBLIC_INSTITUTION, SizeClass.LARGE)
    check_kind_fits_size(OrgKind.HEALTH_ORG, SizeClass.LARGE)
