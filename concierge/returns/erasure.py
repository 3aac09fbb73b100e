"""The returns domain's part of Remove customer data: the customer's name and email copied on
their returns, and notes and line comments that name them. Registered in
:class:`concierge.returns.apps.ReturnsConfig` (see :mod:`concierge.customers.erasure`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from concierge.customers.erasure import ErasedValues, register_eraser
from concierge.returns.models import Return, ReturnLine

if TYPE_CHECKING:
    from collections.abc import Iterable

    from concierge.customers.models import Customer


def _returns_of(customer: Customer) -> QuerySet[Return]:
    return Return.objects.filter(order__customer=customer)


def return_values(customer: Customer) -> Iterable[str]:
    """The customer's name and email as their returns copied them."""
    for row in _returns_of(customer).values_list("customer_first_name", "customer_last_name", "email"):
        yield from (str(v) for v in row)


def erase_returns(customer: Customer, erased: ErasedValues) -> dict[str, int]:
    """Blank the returns' copies of the customer, and the notes and comments that name them."""
    returns = _returns_of(customer)
    counts = {"returns": returns.update(customer_first_name="", customer_last_name="", email="")}
    returns.filter(erased.mentioning("note")).update(note="")
    ReturnLine.objects.filter(Q(ret__in=returns) & erased.mentioning("comments")).update(comments="")
    return counts


def register() -> None:
    register_eraser("returns", erase_returns, values=return_values)
