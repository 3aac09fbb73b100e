"""Changes to placed orders: release a shipment (capturing its share of the payment), mark it
shipped, cancel an order (reversing what was not captured and putting the stock back).

Each runs in one transaction with the order row locked, moves states only through the transition
tables, bumps the order's version and records the audit event.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, Sum

from concierge.audit.services import record
from concierge.catalog.models import Sku
from concierge.core import clock
from concierge.core.errors import DomainError, NotFound
from concierge.core.money import Money
from concierge.orders.errors import OrderError
from concierge.orders.models import Order, Shipment
from concierge.orders.policies import can_manage_order
from concierge.payments.models import PaymentTransaction
from concierge.payments.services import payment_capture, payment_reverse

if TYPE_CHECKING:
    from concierge.core.context import ActingContext


# A capture or reversal that failed right after its change committed is retried this much later.
RETRY_AFTER = dt.timedelta(minutes=5)


def _locked_order(ctx: ActingContext, order_id: int) -> Order:
    order = Order.objects.select_for_update(of=("self",)).select_related("store").filter(pk=order_id).first()
    if order is None or not can_manage_order(ctx, order):
        raise NotFound("No such order.")
    return order


def _bump(order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(version=F("version") + 1, updated_at=clock.now())
    order.version += 1


def _authorization(order: Order) -> PaymentTransaction | None:
    return order.transactions.filter(kind=PaymentTransaction.Kind.AUTHORIZE, status="SUCCEEDED").first()


def _shipment_amount(shipment: Shipment) -> Decimal:
    lines = shipment.lines.aggregate(total=Sum("total"))["total"] or Decimal(0)
    return lines + shipment.shipping_price


def shipment_release(ctx: ActingContext, *, shipment_id: int) -> Shipment:
    """Release a shipment to the warehouse and capture its share of the authorized payment."""
    shipment = Shipment.objects.select_related("order").filter(pk=shipment_id).first()
    if shipment is None:
        raise NotFound("No such shipment.")
    with transaction.atomic():
        order = _locked_order(ctx, shipment.order_id)
        shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
        if order.status == Order.Status.ON_HOLD:
            raise DomainError(OrderError.ILLEGAL_TRANSITION, "Resolve the order's holds before releasing.", status=409)
        shipment.transition_to(Shipment.Status.RELEASED)
        shipment.released_at = clock.now()
        shipment.save(update_fields=["status", "released_at"])
        before = order.status
        if order.status == Order.Status.CREATED:
            order.transition_to(Order.Status.IN_PROGRESS)
            order.save(update_fields=["status"])
        _bump(order)
        record(ctx, action="shipment.released", subject_kind="order", subject_id=order.pk,
               changes={"status": (before, order.status)}, data={"shipment": shipment.number})  # fmt: skip
        # Committed with the release: if the capture below fails, the task captures later.
        from concierge.orders.tasks import capture_shipment

        capture_shipment.using(run_after=clock.now() + RETRY_AFTER).enqueue(shipment.pk)
    # After the release commits: the gateway is not part of our transaction.
    shipment_capture(ctx, shipment_id=shipment.pk)
    return shipment


def shipment_capture(ctx: ActingContext, *, shipment_id: int) -> PaymentTransaction | None:
    """Capture a released shipment's share of the authorization; keyed per shipment, so running it
    again (the retry task) captures once."""
    shipment = Shipment.objects.select_related("order").get(pk=shipment_id)
    authorization = _authorization(shipment.order)
    amount = _shipment_amount(shipment)
    if authorization is None or amount <= 0 or shipment.status == Shipment.Status.CANCELLED:
        return None
    return payment_capture(ctx, authorization=authorization, amount=Money(amount, shipment.order.currency),
                           idempotency_key=f"shipment-{shipment.pk}-capture")  # fmt: skip


def shipment_ship(ctx: ActingContext, *, shipment_id: int) -> Shipment:
    """The warehouse shipped it (or the customer picked it up); the order follows its shipments."""
    shipment = Shipment.objects.filter(pk=shipment_id).first()
    if shipment is None:
        raise NotFound("No such shipment.")
    with transaction.atomic():
        order = _locked_order(ctx, shipment.order_id)
        shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
        shipment.transition_to(Shipment.Status.SHIPPED)
        shipment.shipped_at = clock.now()
        shipment.save(update_fields=["status", "shipped_at"])
        before = order.status
        _follow_shipments(order)
        _bump(order)
        record(ctx, action="shipment.shipped", subject_kind="order", subject_id=order.pk,
               changes={"status": (before, order.status)}, data={"shipment": shipment.number})  # fmt: skip
    return shipment


def _follow_shipments(order: Order) -> None:
    statuses = set(order.shipments.exclude(status=Shipment.Status.CANCELLED).values_list("status", flat=True))
    if statuses and statuses <= {Shipment.Status.SHIPPED}:
        target = Order.Status.COMPLETED
    elif Shipment.Status.SHIPPED in statuses:
        target = Order.Status.PARTIALLY_SHIPPED
    else:
        return
    if order.status != target:
        order.transition_to(target)
        order.save(update_fields=["status"])


def order_cancel(ctx: ActingContext, *, order_id: int, reason: str) -> Order:
    """Cancel an order nothing of which has shipped: cancel its shipments, put their stock back and
    reverse the payment authorization."""
    reason = reason.strip()
    if not reason:
        raise DomainError(OrderError.ILLEGAL_TRANSITION, "Give a reason for cancelling.", status=422,
                          fields={"reason": ["Give a reason for cancelling."]})  # fmt: skip
    with transaction.atomic():
        order = _locked_order(ctx, order_id)
        before = order.status
        order.transition_to(Order.Status.CANCELLED)
        shipments = list(order.shipments.select_for_update().prefetch_related("lines__sku"))
        if any(s.status in {Shipment.Status.RELEASED, Shipment.Status.SHIPPED} for s in shipments):
            raise DomainError(OrderError.ILLEGAL_TRANSITION, "A released or shipped shipment cannot be cancelled here.",
                              status=409)  # fmt: skip
        for shipment in sorted(shipments, key=lambda s: s.pk):
            shipment.transition_to(Shipment.Status.CANCELLED)
            shipment.save(update_fields=["status"])
            for line in sorted(shipment.lines.all(), key=lambda item: item.sku_id):
                if line.sku.track_stock and not line.sku.is_digital:
                    Sku.objects.filter(pk=line.sku_id).update(stock_on_hand=F("stock_on_hand") + line.quantity)
        order.save(update_fields=["status"])
        _bump(order)
        record(ctx, action="order.cancelled", subject_kind="order", subject_id=order.pk,
               changes={"status": (before, order.status)}, data={"reason": reason[:500]})  # fmt: skip
        # Committed with the cancellation: if the reversal below fails, the task reverses later.
        from concierge.orders.tasks import reverse_cancelled_order

        reverse_cancelled_order.using(run_after=clock.now() + RETRY_AFTER).enqueue(order.pk)
    order_reverse_payment(ctx, order_id=order.pk)
    return order


def order_reverse_payment(ctx: ActingContext, *, order_id: int) -> PaymentTransaction | None:
    """Reverse a cancelled order's authorization; keyed per order, so running it again reverses once."""
    order = Order.objects.get(pk=order_id)
    authorization = _authorization(order)
    if authorization is None or order.status != Order.Status.CANCELLED:
        return None
    return payment_reverse(ctx, authorization=authorization, idempotency_key=f"order-{order.pk}-cancel-reverse")
