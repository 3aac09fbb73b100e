"""Money: a Decimal amount with its ISO 4217 currency. Never a float.

Rounding happens in one place (:meth:`Money.rounded`, half-up to the currency's minor unit), and
amounts of different currencies never mix: adding USD to CAD raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.core import Locale, default_locale
from babel.numbers import NumberPattern, get_currency_precision


class CurrencyMismatch(ValueError):
    pass


@lru_cache(maxsize=64)
def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: 0.01 for USD, 1 for JPY."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def to_decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money is never a float: pass a Decimal, an int or a string")
    try:
        return value if isinstance(value, Decimal) else Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _check(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float | Money):
            raise TypeError("multiply money by a Decimal or an int")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._check(other)
        return self.amount >= other.amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    def rounded(self) -> Money:
        """Half-up to the currency's minor unit: the one rounding rule of Concierge."""
        return Money(self.amount.quantize(minor_unit(self.currency), rounding=ROUND_HALF_UP), self.currency)

    def format(self, locale: str = "en_US") -> str:
        """The amount, rounded, in ``locale``'s standard currency format (Babel's ``format_currency``)."""
        return _formatted(str(self.rounded().amount), self.currency, locale)

    def __str__(self) -> str:
        return f"{self.rounded().amount} {self.currency}"


@lru_cache(maxsize=64)
def _currency_format(locale: str) -> tuple[Locale, NumberPattern]:
    # No locale: the process's, as Babel's format_currency falls back to it.
    parsed = Locale.parse(locale or default_locale("LC_MONETARY") or "en_US_POSIX")
    return parsed, parsed.currency_formats["standard"]


# Formatted amounts by their text, currency and locale: a page shows the same prices over and over
# (a cart's lines, a catalog's cards), and Babel's formatting of one costs some 50 µs. The text, not
# the Decimal, is the key: Decimal("-0.00") equals Decimal("0.00") but is written "-$0.00".
@lru_cache(maxsize=8192)
def _formatted(amount: str, currency: str, locale: str) -> str:
    parsed, pattern = _currency_format(locale)
    text: str = pattern.apply(Decimal(amount), parsed, currency=currency, currency_digits=True)
    return text


def money_sum(items: list[Money], currency: str) -> Money:
    total = Money.zero(currency)
    for item in items:
        total += item
    return total
