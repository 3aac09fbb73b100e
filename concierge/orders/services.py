"""Changes to placed orders: release a shipment (capturing its share of the payment), mark it
shipped, cancel an order (reversing what was not captured and putting the stock back).

Each runs in one transaction with the order row locked, moves states only through the transition
tables, bumps the order's version and records the audit event.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Sum

from concierge.audit.models import Event
from concierge.audit.services import record
from concierge.catalog.models import Sku
from concierge.core import clock, leases
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError, NotFound
from concierge.core.money import Money
from concierge.orders.errors import OrderError
from concierge.orders.locks import guard_edit
from concierge.orders.models import Order, Shipment
from concierge.orders.policies import can_manage_order
from concierge.payments.models import PaymentTransaction
from concierge.payments.services import payment_capture, payment_reverse
from concierge.stores.models import ShippingMethod

# A capture or reversal that failed right after its change committed is retried this much later.
RETRY_AFTER = dt.timedelta(minutes=5)


def _locked_order(ctx: ActingContext, order_id: int) -> Order:
    order = Order.objects.select_for_update(of=("self",)).select_related("store").filter(pk=order_id).first()
    if order is None or not can_manage_order(ctx, order):
        raise NotFound("No such order.")
    return order


def _locked_shipment(ctx: ActingContext, shipment_id: int) -> tuple[Order, Shipment]:
    """Inside the caller's transaction: the shipment's order locked (its store checked), then the
    shipment, always in that order."""
    order_id = Shipment.objects.filter(pk=shipment_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise NotFound("No such shipment.")
    order = _locked_order(ctx, order_id)
    return order, Shipment.objects.select_for_update().get(pk=shipment_id)


def _bump(order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(version=F("version") + 1, updated_at=clock.now())
    order.version += 1


def _authorization(order: Order) -> PaymentTransaction | None:
    return order.transactions.filter(kind=PaymentTransaction.Kind.AUTHORIZE, status="SUCCEEDED").first()


def _shipment_amount(shipment: Shipment) -> Decimal:
    lines = shipment.lines.aggregate(total=Sum("total"))["total"] or Decimal(0)
    return lines + shipment.shipping_price


def shipment_release(
    ctx: ActingContext, *, shipment_id: int, expected_version: int | None = None, lease_token: str | None = None
) -> Shipment:
    """Release a shipment to the warehouse and capture its share of the authorized payment.

    From the console (``lease_token`` given) it is a save under the order's lock, which stays
    with its holder for the next action."""
    with transaction.atomic():
        order, shipment = _locked_shipment(ctx, shipment_id)
        if lease_token is not None or expected_version is not None:
            guard_edit(order, expected_version=expected_version, lease_token=lease_token)
            ctx = for_customer(ctx, order)
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
    with transaction.atomic():
        order, shipment = _locked_shipment(ctx, shipment_id)
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


def order_cancel(
    ctx: ActingContext,
    *,
    order_id: int,
    reason: str,
    expected_version: int | None = None,
    lease_token: str | None = None,
) -> Order:
    """Cancel an order nothing of which has shipped: cancel its shipments, put their stock back and
    reverse the payment authorization. From the console (``lease_token`` given) it is a save under
    the order's lock, and ends it."""
    reason = reason.strip()
    if not reason:
        raise DomainError(OrderError.ILLEGAL_TRANSITION, "Give a reason for cancelling.", status=422,
                          fields={"reason": ["Give a reason for cancelling."]})  # fmt: skip
    with transaction.atomic():
        order = _locked_order(ctx, order_id)
        guarded = lease_token is not None or expected_version is not None
        if guarded:
            guard_edit(order, expected_version=expected_version, lease_token=lease_token)
            ctx = for_customer(ctx, order)
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
        if guarded:
            _end_edit(ctx, order)
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


# --- Console edits under the order's lock (seed 004 "Viewing and Editing an Order") ---------------


def for_customer(ctx: ActingContext, order: Order) -> ActingContext:
    """A console change to an order is made for its customer: the audit log names both."""
    if ctx.customer is not None:
        return ctx
    # Field by field: request.ctx may be a lazy wrapper, which dataclasses.replace does not accept.
    values = {f.name: getattr(ctx, f.name) for f in dataclasses.fields(ActingContext)}
    return ActingContext(**{**values, "customer": order.customer, "account": order.account})


def _end_edit(ctx: ActingContext, order: Order) -> None:
    """Saving unlocks the order, on completion of the save transaction (seed 004)."""
    leases.clear(order)
    record(ctx, action="order.unlocked", subject_kind="order", subject_id=order.pk, data={"reason": "saved"})


ADDRESS_FIELDS = ("first_name", "last_name", "line1", "line2", "city", "region", "postal_code", "country", "phone")
_REQUIRED = {"first_name", "last_name", "line1", "city", "postal_code", "country"}
_MAX = {"first_name": 80, "last_name": 80, "line1": 160, "line2": 160, "city": 80, "region": 80, "postal_code": 20,
        "country": 2, "phone": 32}  # fmt: skip


def _clean_address(address: dict[str, Any], *, with_phone: bool) -> dict[str, str]:
    fields = [f for f in ADDRESS_FIELDS if with_phone or f != "phone"]
    clean = {f: str(address.get(f) or "").strip() for f in fields}
    clean["country"] = clean["country"].upper()
    errors: dict[str, list[str]] = {}
    for field, value in clean.items():
        if field in _REQUIRED and not value:
            errors[field] = ["This field is required."]
        elif len(value) > _MAX[field]:
            errors[field] = [f"At most {_MAX[field]} characters."]
    if clean["country"] and not (len(clean["country"]) == 2 and clean["country"].isalpha()):
        errors["country"] = ["A two-letter country code, e.g. US."]
    if errors:
        raise DomainError(OrderError.ADDRESS_INVALID, "Check the address.", status=422, fields=errors)
    return clean


def order_billing_update(
    ctx: ActingContext, *, order_id: int, expected_version: int | None, lease_token: str | None,
    address: dict[str, Any],
) -> Order:  # fmt: skip
    """Save the order's billing address (editable while the order is not completed); unlocks it."""
    clean = _clean_address(address, with_phone=True)
    with transaction.atomic():
        order = _locked_order(ctx, order_id)
        guard_edit(order, expected_version=expected_version, lease_token=lease_token)
        ctx = for_customer(ctx, order)
        if not order.can_edit_billing():
            raise DomainError(OrderError.NOT_EDITABLE, f"The billing address of a {order.get_status_display().lower()} "
                              "order cannot be changed.", status=409)  # fmt: skip
        changes = {}
        for field, value in clean.items():
            before = getattr(order, f"billing_{field}")
            if before != value:
                changes[f"billing_{field}"] = (before, value)
                setattr(order, f"billing_{field}", value)
        if changes:
            order.save(update_fields=list(changes))
            _bump(order)
            record(ctx, action="order.billing_address_changed", subject_kind="order", subject_id=order.pk,
                   changes=changes)  # fmt: skip
        _end_edit(ctx, order)
    return order


def shipment_shipping_update(
    ctx: ActingContext, *, shipment_id: int, expected_version: int | None, lease_token: str | None,
    shipping_method_code: str, address: dict[str, Any],
) -> Shipment:  # fmt: skip
    """Save a shipment's shipping method and address (until it is released); unlocks the order.
    A method of another price changes the order's shipping and total by the difference."""
    clean = _clean_address(address, with_phone=False)
    with transaction.atomic():
        order, shipment = _locked_shipment(ctx, shipment_id)
        guard_edit(order, expected_version=expected_version, lease_token=lease_token)
        ctx = for_customer(ctx, order)
        if not shipment.can_edit_shipping():
            raise DomainError(OrderError.NOT_EDITABLE, f"Shipment {shipment.number} is "
                              f"{shipment.get_status_display().lower()}: its shipping can no longer be changed.",
                              status=409)  # fmt: skip
        method = ShippingMethod.objects.filter(
            store_id=order.store_id, code=shipping_method_code, is_active=True
        ).first()
        if method is None:
            message = "Choose a shipping method of the order's store."
            raise DomainError(OrderError.SHIPPING_METHOD_INVALID, message, status=422,
                              fields={"shipping_method": [message]})  # fmt: skip
        changes: dict[str, tuple[Any, Any]] = {}
        if shipment.shipping_method_id != method.pk:
            changes["shipping_method"] = (shipment.shipping_method_name, method.name)
            changes["shipping_price"] = (str(shipment.shipping_price), str(method.price))
            difference = method.price - shipment.shipping_price
            authorization = _authorization(order)
            if difference > 0 and authorization is not None and order.total + difference > authorization.amount:
                message = (f"{method.name} costs {difference} {order.currency} more than the payment authorized "
                           "for this order; choose another shipping method.")  # fmt: skip
                raise DomainError(OrderError.SHIPPING_METHOD_INVALID, message, status=422,
                                  fields={"shipping_method": [message]})  # fmt: skip
            shipment.shipping_method, shipment.shipping_method_name = method, method.name
            shipment.shipping_price = method.price
            if difference:
                Order.objects.filter(pk=order.pk).update(
                    shipping_total=F("shipping_total") + difference, total=F("total") + difference
                )
        for field, value in clean.items():
            before = getattr(shipment, f"ship_{field}")
            if before != value:
                changes[f"ship_{field}"] = (before, value)
                setattr(shipment, f"ship_{field}", value)
        if changes:
            shipment.save(update_fields=[
                "shipping_method", "shipping_method_name", "shipping_price", *(f"ship_{f}" for f in clean)
            ])  # fmt: skip
            _bump(order)
            record(ctx, action="shipment.shipping_changed", subject_kind="order", subject_id=order.pk,
                   changes=changes, data={"shipment": shipment.number})  # fmt: skip
        _end_edit(ctx, order)
    return shipment


def shipment_cancel(
    ctx: ActingContext, *, shipment_id: int, expected_version: int | None, lease_token: str | None, reason: str
) -> Shipment:
    """Cancel one shipment not yet released and put its stock back; when no shipment is left, the
    order is cancelled and its payment authorization reversed. The lock stays with its holder."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(OrderError.ILLEGAL_TRANSITION, "Give a reason for cancelling.", status=422,
                          fields={"reason": ["Give a reason for cancelling."]})  # fmt: skip
    with transaction.atomic():
        order, shipment = _locked_shipment(ctx, shipment_id)
        guard_edit(order, expected_version=expected_version, lease_token=lease_token)
        ctx = for_customer(ctx, order)
        if not shipment.can_cancel():
            raise DomainError(OrderError.NOT_EDITABLE, f"Shipment {shipment.number} is "
                              f"{shipment.get_status_display().lower()}: it can no longer be cancelled here.",
                              status=409)  # fmt: skip
        before = shipment.status
        shipment.transition_to(Shipment.Status.CANCELLED)
        shipment.save(update_fields=["status"])
        for line in sorted(shipment.lines.select_related("sku"), key=lambda item: item.sku_id):
            if line.sku.track_stock and not line.sku.is_digital:
                Sku.objects.filter(pk=line.sku_id).update(stock_on_hand=F("stock_on_hand") + line.quantity)
        order_before = order.status
        if not order.shipments.exclude(status=Shipment.Status.CANCELLED).exists():
            order.transition_to(Order.Status.CANCELLED)
            order.save(update_fields=["status"])
        _bump(order)
        changes: dict[str, tuple[Any, Any]] = {"shipment_status": (before, shipment.status)}
        if order.status != order_before:
            changes["status"] = (order_before, order.status)
        record(ctx, action="shipment.cancelled", subject_kind="order", subject_id=order.pk, changes=changes,
               data={"shipment": shipment.number, "reason": reason[:500]})  # fmt: skip
        if order.status == Order.Status.CANCELLED:
            from concierge.orders.tasks import reverse_cancelled_order

            reverse_cancelled_order.using(run_after=clock.now() + RETRY_AFTER).enqueue(order.pk)
    if order.status == Order.Status.CANCELLED:
        order_reverse_payment(ctx, order_id=order.pk)
    return shipment


NOTE_MAX = 2000


def order_note_add(ctx: ActingContext, *, order_id: int, text: str) -> Event:
    """A CSR's comment on the order; it joins the order's events (seed 004). Notes change nothing
    on the order, so they need neither its lock nor its version."""
    text = (text or "").strip()
    if not text or len(text) > NOTE_MAX:
        message = "Write a note." if not text else f"A note is at most {NOTE_MAX} characters."
        raise DomainError(OrderError.NOTE_INVALID, message, status=422, fields={"text": [message]})
    if ctx.user is None:
        raise NotFound("No such order.")
    with transaction.atomic():
        order = _locked_order(ctx, order_id)
        return record(for_customer(ctx, order), action="order.note_added", subject_kind="order",
                      subject_id=order.pk, data={"text": text})  # fmt: skip
