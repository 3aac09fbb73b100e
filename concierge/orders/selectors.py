from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from concierge.core.errors import NotFound
from concierge.orders.models import Order, OrderLine, Shipment

if TYPE_CHECKING:
    from concierge.core.context import ActingContext


def orders_of_customer(ctx: ActingContext) -> QuerySet[Order]:
    """The customer served's orders, newest first (nothing for a context with no customer)."""
    if ctx.customer is None:
        return Order.objects.none()
    return Order.objects.filter(customer=ctx.customer).select_related("store").order_by("-placed_at", "-id")


def access_own_order(ctx: ActingContext, number: str) -> Order:
    """One of the customer served's orders with everything its page shows; another customer's
    order is "not found", exactly like a missing one."""
    order = (
        orders_of_customer(ctx)
        .select_related("placed_by")
        .prefetch_related(
            Prefetch(
                "shipments",
                queryset=Shipment.objects.select_related("pickup_location").prefetch_related(
                    Prefetch("lines", queryset=OrderLine.objects.order_by("id"))
                ),
            ),
            "holds",
            "transactions",
            "data_values",
        )
        .filter(number=number)
        .first()
    )
    if order is None:
        raise NotFound("No such order.")
    return order
