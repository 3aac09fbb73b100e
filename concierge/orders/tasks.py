"""Background work of orders: retries of the payment step that follows a committed change.

Each task takes an id, calls a service keyed by that id, and so has one effect however often it
runs."""

from __future__ import annotations

from django.tasks import task

from concierge.core.context import ActingContext
from concierge.orders.refunds import refund_issue
from concierge.orders.services import order_reverse_payment, shipment_capture


@task()
def capture_shipment(shipment_id: int) -> str:
    result = shipment_capture(ActingContext.system("orders"), shipment_id=shipment_id)
    return result.status if result is not None else "nothing to capture"


@task()
def reverse_cancelled_order(order_id: int) -> str:
    result = order_reverse_payment(ActingContext.system("orders"), order_id=order_id)
    return result.status if result is not None else "nothing to reverse"


@task()
def issue_refund(refund_id: int) -> str:
    """Issue a pending refund whose call did not happen after its commit (keyed per refund: once)."""
    return refund_issue(ActingContext.system("orders"), refund_id=refund_id).status
