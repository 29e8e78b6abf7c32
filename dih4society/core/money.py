"""Money: integer cents in the database, `Decimal` at the edges, one formatter."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel import numbers as babel_numbers
from flask_babel import get_locale

CENT = Decimal("0.01")
#: The largest amount accepted anywhere (EUR 10 billion): far inside BigInteger cents.
MAX_AMOUNT = Decimal("10000000000")


def to_cents(amount: Decimal | int | str) -> int:
    """Convert a euro amount to integer cents, refusing fractions of a cent."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    if not value.is_finite():
        raise ValueError("not a finite amount")
    if abs(value) > MAX_AMOUNT:
        raise ValueError("amount out of range")
    try:
        exact = value.quantize(CENT) == value
    except InvalidOperation as exc:
        raise ValueError("amount out of range") from exc
    if not exact:
        raise ValueError("amounts have at most two decimals")
    return int(value * 100)


def from_cents(cents: int | None) -> Decimal:
    """Integer cents to a two-decimal `Decimal` (None counts as zero)."""
    return (Decimal(cents or 0) / 100).quantize(CENT)


def share_of(cents: int, percent: Decimal | int) -> int:
    """`percent` % of an amount in cents, rounded half-up to the cent."""
    return int((Decimal(cents) * Decimal(percent) / 100).quantize(Decimal(1), ROUND_HALF_UP))


def co_payment_of(value_cents: int, percent: int) -> int:
    """What the beneficiary pays of a value: `percent` % of it, rounded half-up to the cent.

    The aid is the rest (`value - co_payment_of(value, percent)`), so co-payment and
    aid always add up to the value exactly (DESIGN.md §4)."""
    return share_of(value_cents, percent)


def aid_of(value_cents: int, percent: int) -> int:
    """The value received without paying (gross grant equivalent): value less the co-payment."""
    return value_cents - co_payment_of(value_cents, percent)


def eur(cents: int | None) -> str:
    """Format cents as euros for the current locale (``€1,234.50`` / ``1.234,50 €``).

    Romanian texts write the euro sign after the amount (CLDR's Romanian data would
    write ``EUR``): the same ``18.000,00 €`` on pages, in letters and in their tables."""
    return _eur_text(cents or 0, str(get_locale() or "en"))


@lru_cache(maxsize=8192)
def _eur_text(cents: int, locale: str) -> str:
    """One amount in one locale, formatted by Babel once (a page lists the same prices
    over and over; Babel's number formatting costs ~0.1 ms a call)."""
    if Locale.parse(locale).language == "ro":
        return babel_numbers.format_decimal(from_cents(cents), format="#,##0.00", locale=locale) + "\u00a0€"
    return babel_numbers.format_currency(from_cents(cents), "EUR", locale=locale)


def eur_plain(cents: int | None) -> str:
    """Locale-independent ``1,234,567.89`` (reports, exports) with a minus sign."""
    value = from_cents(cents)
    return f"{value:,.2f}"
