"""Money is Decimal with a currency; rounding in one place; currencies never mix (bar 16)."""

from decimal import Decimal

import pytest
from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from concierge.core.money import CurrencyMismatch, Money

amounts = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=4, allow_nan=False)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        Money(14.25, "USD")  # type: ignore[arg-type]  # the point of the test


def test_currencies_never_mix():
    with pytest.raises(CurrencyMismatch):
        Money(Decimal(1), "USD") + Money(Decimal(1), "CAD")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [("14.245", "USD", "14.25"), ("14.244", "USD", "14.24"), ("-0.005", "USD", "-0.01"), ("1425.5", "JPY", "1426")],
)
def test_rounding_is_half_up_to_the_minor_unit(amount, currency, expected):
    assert Money(Decimal(amount), currency).rounded().amount == Decimal(expected)


@pytest.mark.parametrize(
    ("money", "locale", "text"),
    [
        (Money(Decimal("14.25"), "USD"), "en_US", "$14.25"),
        (Money(Decimal("1234.5"), "USD"), "en_US", "$1,234.50"),
        (Money(Decimal("14.25"), "CAD"), "en_CA", "$14.25"),
        (Money(Decimal("14.25"), "EUR"), "de_DE", "14,25\xa0€"),
    ],
)
def test_locale_formatting(money, locale, text):
    assert money.format(locale) == text


LOCALES = ["en_US", "en_CA", "fr_CA", "de_DE", "fr_FR", "ja_JP", "en_IN", "ar_EG", "nl_NL"]


@given(amounts, st.sampled_from(["USD", "CAD", "EUR", "JPY", "INR", "BHD"]), st.sampled_from(LOCALES))
def test_an_amount_is_written_as_babel_writes_it_asked_once_or_again(a, currency, locale):
    expected = format_currency(Money(a, currency).rounded().amount, currency, locale=locale)
    assert Money(a, currency).format(locale) == expected
    assert Money(a, currency).format(locale) == expected  # the second time, from what was written before


def test_minus_zero_is_not_written_as_zero():
    assert Money(Decimal("-0.001"), "USD").format("en_US") == format_currency(Decimal("-0.00"), "USD", locale="en_US")
    assert Money(Decimal("0.001"), "USD").format("en_US") == "$0.00"


@given(amounts, amounts)
def test_addition_is_exact_and_commutative(a, b):
    assert (Money(a, "USD") + Money(b, "USD")).amount == a + b == (Money(b, "USD") + Money(a, "USD")).amount


@given(amounts)
def test_rounding_moves_by_at_most_half_a_cent(a):
    assert abs(Money(a, "USD").rounded().amount - a) <= Decimal("0.005")


def test_no_locale_formats_as_babel_does_without_one():
    """An empty locale (a store saved without one) is the process's, as Babel's own fallback."""
    assert Money(Decimal("12.50"), "USD").format("") == format_currency(Decimal("12.50"), "USD", locale="")
