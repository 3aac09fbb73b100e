"""The orders domain's part of Remove customer data: its copies of the customer's name, email,
phone and addresses on orders and shipments (and the pickup and alternate contacts), and notes of
order data and amendments that name them. Every amount stays as it was. Registered in
:class:`concierge.orders.apps.OrdersConfig` (see :mod:`concierge.customers.erasure`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from concierge.customers.erasure import ErasedValues, register_eraser
from concierge.orders.models import Amendment, Order, OrderData, Shipment

if TYPE_CHECKING:
    from collections.abc import Iterable

    from concierge.customers.models import Customer

_ORDER_COPIES = ("email", "billing_first_name", "billing_last_name", "billing_line1", "billing_line2", "billing_phone")
_SHIPMENT_COPIES = (
    "ship_first_name", "ship_last_name", "ship_line1", "ship_line2", "primary_first_name", "primary_last_name",
    "primary_email", "primary_phone", "alternate_first_name", "alternate_last_name", "alternate_email",
    "alternate_phone",
)  # fmt: skip


def order_values(customer: Customer) -> Iterable[str]:
    """The customer's name, email, phone and streets as their orders and shipments copied them."""
    orders = Order.objects.filter(customer=customer)
    for rows in (
        orders.values_list(*_ORDER_COPIES),
        Shipment.objects.filter(order__in=orders).values_list(*_SHIPMENT_COPIES),
    ):
        for row in rows:
            yield from (str(v) for v in row)


def order_subjects(customer: Customer) -> Iterable[tuple[str, str]]:
    """The customer's orders, as audit subjects (their events are redacted of the customer)."""
    return [("order", str(pk)) for pk in Order.objects.filter(customer=customer).values_list("pk", flat=True)]


def erase_orders(customer: Customer, erased: ErasedValues) -> dict[str, int]:
    """Blank the copies of the customer's name and addresses on their orders and shipments."""
    order_ids = list(Order.objects.filter(customer=customer).values_list("pk", flat=True))
    counts = {}
    counts["orders"] = Order.objects.filter(pk__in=order_ids).update(
        email="", billing_first_name="", billing_last_name="", billing_line1="", billing_line2="",
        billing_city="", billing_region="", billing_postal_code="", billing_phone="",
    )  # fmt: skip
    counts["shipments"] = Shipment.objects.filter(order_id__in=order_ids).update(
        ship_first_name="", ship_last_name="", ship_line1="", ship_line2="", ship_city="", ship_region="",
        ship_postal_code="", primary_first_name="", primary_last_name="", primary_email="", primary_phone="",
        alternate_first_name="", alternate_last_name="", alternate_email="", alternate_phone="",
    )  # fmt: skip
    OrderData.objects.filter(Q(order_id__in=order_ids) & erased.mentioning("value")).update(value="")
    Amendment.objects.filter(Q(order_id__in=order_ids) & erased.mentioning("summary", "change")).update(
        summary="Details removed with the customer's data", change={}
    )
    return counts


def register() -> None:
    register_eraser("orders", erase_orders, values=order_values, subjects=order_subjects)
