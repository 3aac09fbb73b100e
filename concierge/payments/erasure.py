"""The payments domain's part of Remove customer data: the holder names on the customer's payment
sources, and refund notes that name them; every amount stays as it was. Registered in
:class:`concierge.payments.apps.PaymentsConfig` (see :mod:`concierge.customers.erasure`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from concierge.customers.erasure import ErasedValues, register_eraser
from concierge.payments.models import PaymentSource, Refund

if TYPE_CHECKING:
    from collections.abc import Iterable

    from concierge.customers.models import Customer


def payment_values(customer: Customer) -> Iterable[str]:
    """The holder names on the customer's payment sources (active or not)."""
    return [str(v) for v in PaymentSource.objects.filter(customer=customer).values_list("holder_name", flat=True)]


def payment_subjects(customer: Customer) -> Iterable[tuple[str, str]]:
    """The customer's payment sources, as audit subjects (the admin records its changes of each)."""
    sources = PaymentSource.objects.filter(customer=customer).values_list("pk", flat=True)
    return [("paymentsource", str(pk)) for pk in sources]


def erase_payments(customer: Customer, erased: ErasedValues) -> dict[str, int]:
    """Blank the holder names, and refund notes on the customer's orders that name them."""
    counts = {
        "payment sources": PaymentSource.objects.filter(customer=customer)
        .exclude(holder_name="")
        .update(holder_name="")
    }
    refunds = Refund.objects.filter(order__customer=customer)
    refunds.filter(erased.mentioning("note")).update(note="")
    refunds.filter(erased.mentioning("decision_note")).update(decision_note="")
    return counts


def register() -> None:
    register_eraser("payments", erase_payments, values=payment_values, subjects=payment_subjects)
