"""The suggested refund of returned items (seed 004: "The system suggests a figure based on the
purchase price, the promotions at the time of the order, and taxes").

An order line keeps what the customer paid for it as the one pricing function priced it: its
subtotal (unit price x quantity), its discount (its own best promotion plus its share of the cart's
best promotion, spread over the lines in proportion) and its tax. Returned units are worth their
share of each, prorated per unit and rounded to the currency's minor unit *cumulatively*: the
units returned so far are worth ``round(part x (before + q) / Q) - round(part x before / Q)``, so
returning every unit, in one return or several, gives back exactly what the line cost, to the cent.
The total is never above what the order can still refund.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from concierge.core.money import Money
from concierge.orders.models import OrderLine


@dataclass(frozen=True)
class LineValue:
    """What ``quantity`` units of an order line are worth back, by part."""

    line: OrderLine
    quantity: int
    price: Money
    discount: Money
    tax: Money

    @property
    def value(self) -> Money:
        return self.price - self.discount + self.tax


@dataclass(frozen=True)
class Suggestion:
    lines: tuple[LineValue, ...]
    value: Money  # what the returned units cost the customer
    refundable: Money  # what the order can still refund (captured - refunded - pending)
    amount: Money  # the suggestion: the value, at most what is refundable

    @property
    def capped(self) -> bool:
        return self.amount < self.value


def _share(part: Decimal, *, before: int, quantity: int, of: int, currency: str) -> Money:
    def upto(units: int) -> Money:
        return Money(part * units / of, currency).rounded()

    return upto(before + quantity) - upto(before)


def line_value(line: OrderLine, *, quantity: int, returned_before: int, currency: str) -> LineValue:
    """The worth of ``quantity`` more units of ``line`` after ``returned_before`` came back."""
    parts = {
        name: _share(amount, before=returned_before, quantity=quantity, of=line.quantity, currency=currency)
        for name, amount in (("price", line.subtotal), ("discount", line.discount), ("tax", line.tax))
    }
    return LineValue(line=line, quantity=quantity, **parts)


def suggest_refund(*, currency: str, items: Sequence[tuple[OrderLine, int, int]], refundable: Money) -> Suggestion:
    """``items``: (order line, quantity returned now, quantity returned before). ``refundable``:
    what the order can still refund, less what its other open returns will refund."""
    values = tuple(
        line_value(line, quantity=quantity, returned_before=before, currency=currency)
        for line, quantity, before in items
    )
    total = sum((v.value for v in values), Money.zero(currency))
    available = max(refundable, Money.zero(currency)).rounded()
    return Suggestion(lines=values, value=total, refundable=available, amount=min(total, available))
