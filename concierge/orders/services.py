"""Changes to placed orders: release a shipment (capturing its share of the payment), mark it
shipped, cancel an order or one shipment (reversing what was not captured and putting the stock
back), and the console's edits of the billing address and of a shipment's shipping.

Every change goes through ``orders/editing.py::order_edit``: one transaction with the order row
locked, the guard checked (the editor's lock and loaded version, or ``SYSTEM`` for Concierge's own
work), states moved only through the transition tables, the version bumped and the audit event
recorded. Payment calls run after that transaction commits; a retry task committed with it covers
a gateway that fails in between.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import F, Sum

from concierge.audit.models import Event
from concierge.catalog.models import Sku
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.core.forms import text_problem
from concierge.core.money import Money
from concierge.orders.actions import OrderAction
from concierge.orders.editing import Guard, OrderEdit, Then, order_append, order_edit, order_of_shipment
from concierge.orders.errors import OrderError
from concierge.orders.locks import clean_reason
from concierge.orders.models import Order, Shipment
from concierge.payments.models import PaymentTransaction
from concierge.payments.services import (
    authorization_released,
    authorization_reversed,
    payment_capture,
    payment_reverse,
)
from concierge.stores.models import ShippingMethod

# A capture or reversal that failed right after its change committed is retried this much later.
RETRY_AFTER = dt.timedelta(minutes=5)


def live_authorization(order: Order) -> PaymentTransaction | None:
    """The order's authorization in force: the newest successful one not reversed. A change that
    raised the total authorized a new one and then reversed the one before (orders/amendments.py)."""
    authorizations = order.transactions.filter(kind=PaymentTransaction.Kind.AUTHORIZE, status="SUCCEEDED")
    for authorization in authorizations.order_by("-created_at", "-id"):
        if not authorization_reversed(authorization):
            return authorization
    return None


def _succeeded_sum(transactions: Any) -> Decimal:
    return transactions.filter(status="SUCCEEDED").aggregate(total=Sum("amount"))["total"] or Decimal(0)


def captured_total(order: Order) -> Decimal:
    return _succeeded_sum(order.transactions.filter(kind=PaymentTransaction.Kind.CAPTURE))


def authorization_headroom(order: Order) -> Decimal:
    """What the authorization in force still holds for the order: authorized, not released, not captured."""
    authorization = live_authorization(order)
    if authorization is None:
        return Decimal(0)
    captured = _succeeded_sum(authorization.children.filter(kind=PaymentTransaction.Kind.CAPTURE))
    return authorization.amount - authorization_released(authorization) - captured


def payment_covers(order: Order, new_total: Decimal) -> bool:
    """Whether the order's payment covers ``new_total`` without a new authorization."""
    return new_total - captured_total(order) <= authorization_headroom(order)


def _shipment_amount(shipment: Shipment) -> Decimal:
    lines = shipment.lines.aggregate(total=Sum("total"))["total"] or Decimal(0)
    return lines + shipment.shipping_price


def _restock(shipment: Shipment) -> None:
    """Put a cancelled shipment's stock back, SKU rows in primary-key order (no lock-order cycle)."""
    for line in sorted(shipment.lines.select_related("sku"), key=lambda item: item.sku_id):
        if line.sku.track_stock and not line.sku.is_digital:
            Sku.objects.filter(pk=line.sku_id).update(stock_on_hand=F("stock_on_hand") + line.quantity)


def _cancel_reason(reason: str | None) -> str:
    return clean_reason(reason, required_code=OrderError.REASON_INVALID, required="Give a reason for cancelling.")


def shipment_release(ctx: ActingContext, *, shipment_id: int, guard: Guard) -> Shipment:
    """Release a shipment to the warehouse and capture its share of the authorized payment. From
    the console it is one step under the order's lock, which stays with its holder."""
    with order_edit(ctx, order_id=order_of_shipment(shipment_id), guard=guard, then=Then.KEEP) as edit:
        order, shipment = edit.order, edit.shipment(shipment_id)
        if why := shipment.why_not_releasable(order):
            code = OrderError.ILLEGAL_TRANSITION if order.status == Order.Status.ON_HOLD else \
                OrderError.SHIPMENT_ILLEGAL_TRANSITION  # fmt: skip
            raise DomainError(code, why, status=409)
        shipment.transition_to(Shipment.Status.RELEASED)
        shipment.released_at = clock.now()
        shipment.save(update_fields=["status", "released_at"])
        before = order.status
        if order.status == Order.Status.CREATED:
            order.transition_to(Order.Status.IN_PROGRESS)
            order.save(update_fields=["status"])
        edit.record(OrderAction.SHIPMENT_RELEASED, changes={"status": (before, order.status)},
                    data={"shipment": shipment.number})  # fmt: skip
        # Committed with the release: if the capture below fails, the task captures later.
        from concierge.orders.tasks import capture_shipment  # the one allowed cycle, services <-> tasks

        capture_shipment.using(run_after=clock.now() + RETRY_AFTER).enqueue(shipment.pk)
    # After the release commits: the gateway is not part of our transaction.
    shipment_capture(edit.ctx, shipment_id=shipment.pk)
    return shipment


def shipment_capture(ctx: ActingContext, *, shipment_id: int) -> PaymentTransaction | None:
    """Capture a released shipment's share of the authorization; keyed per shipment, so running it
    again (the retry task) captures once."""
    shipment = Shipment.objects.select_related("order").get(pk=shipment_id)
    key = f"shipment-{shipment.pk}-capture"
    # Captured already (on the authorization then in force, which a later change may have replaced).
    if (done := PaymentTransaction.objects.filter(idempotency_key=key).exclude(status="PENDING").first()) is not None:
        return done
    authorization = live_authorization(shipment.order)
    amount = _shipment_amount(shipment)
    if authorization is None or amount <= 0 or shipment.status == Shipment.Status.CANCELLED:
        return None
    return payment_capture(ctx, authorization=authorization, amount=Money(amount, shipment.order.currency),
                           idempotency_key=key)  # fmt: skip


def shipment_ship(ctx: ActingContext, *, shipment_id: int, guard: Guard) -> Shipment:
    """The warehouse shipped it (or the customer picked it up); the order follows its shipments."""
    with order_edit(ctx, order_id=order_of_shipment(shipment_id), guard=guard, then=Then.KEEP) as edit:
        order, shipment = edit.order, edit.shipment(shipment_id)
        shipment.transition_to(Shipment.Status.SHIPPED)
        shipment.shipped_at = clock.now()
        shipment.save(update_fields=["status", "shipped_at"])
        before = order.status
        _follow_shipments(order)
        edit.record(OrderAction.SHIPMENT_SHIPPED, changes={"status": (before, order.status)},
                    data={"shipment": shipment.number})  # fmt: skip
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


def order_cancel(ctx: ActingContext, *, order_id: int, reason: str, guard: Guard) -> Order:
    """Cancel an order nothing of which has been released or shipped: cancel its shipments, put their
    stock back and reverse the payment authorization. From the console it is a save under the
    order's lock, and ends it."""
    reason = _cancel_reason(reason)
    with order_edit(ctx, order_id=order_id, guard=guard, then=Then.RELEASE) as edit:
        order_cancel_within(edit, reason=reason)
    order_reverse_payment(edit.ctx, order_id=edit.order.pk)
    return edit.order


def order_cancel_within(edit: OrderEdit, *, reason: str) -> None:
    """Cancel the order of an open ``order_edit`` (its row locked): refused once a shipment has gone
    to the warehouse; its shipments are cancelled and their stock put back, the cancellation is
    recorded, and the reversal of its authorization is enqueued with the change. The caller calls
    ``order_reverse_payment`` once the change has committed (the task covers a failure of that)."""
    reason = _cancel_reason(reason)
    order = edit.order
    shipments = sorted(order.shipments.select_for_update(), key=lambda s: s.pk)
    if why := order.why_not_cancellable(shipments):
        raise DomainError(OrderError.ILLEGAL_TRANSITION, why, status=409)
    before = order.status
    order.transition_to(Order.Status.CANCELLED)
    for shipment in shipments:
        if shipment.status != Shipment.Status.CANCELLED:
            shipment.transition_to(Shipment.Status.CANCELLED)
            shipment.save(update_fields=["status"])
            _restock(shipment)
    order.save(update_fields=["status"])
    edit.record(OrderAction.CANCELLED, changes={"status": (before, order.status)}, data={"reason": reason})
    # Committed with the cancellation: if the reversal after it fails, the task reverses later.
    from concierge.orders.tasks import reverse_cancelled_order  # the one allowed cycle, services <-> tasks

    reverse_cancelled_order.using(run_after=clock.now() + RETRY_AFTER).enqueue(order.pk)


def order_reverse_payment(ctx: ActingContext, *, order_id: int) -> PaymentTransaction | None:
    """Reverse a cancelled order's authorization; keyed per order, so running it again reverses once."""
    order = Order.objects.get(pk=order_id)
    authorization = live_authorization(order)
    if authorization is None or order.status != Order.Status.CANCELLED:
        return None
    return payment_reverse(ctx, authorization=authorization, idempotency_key=f"order-{order.pk}-cancel-reverse")


# --- Console edits under the order's lock (seed 004 "Viewing and Editing an Order") ---------------


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
        required = "This field is required." if field in _REQUIRED else ""
        if problem := text_problem(value, limit=_MAX[field], required=required):
            errors[field] = [problem]
    country = clean["country"]
    if country and not text_problem(country) and not (len(country) == 2 and country.isalpha()):
        errors["country"] = ["A two-letter country code, e.g. US."]
    if errors:
        raise DomainError(OrderError.ADDRESS_INVALID, "Check the address.", status=422, fields=errors)
    return clean


def order_billing_update(ctx: ActingContext, *, order_id: int, guard: Guard, address: dict[str, Any]) -> Order:
    """Save the order's billing address (editable while the order is not completed); unlocks it."""
    clean = _clean_address(address, with_phone=True)
    with order_edit(ctx, order_id=order_id, guard=guard, then=Then.RELEASE) as edit:
        order = edit.order
        if why := order.why_billing_not_editable():
            raise DomainError(OrderError.NOT_EDITABLE, why, status=409)
        changes = _set_address(order, "billing", clean)
        if changes:
            order.save(update_fields=list(changes))
            edit.record(OrderAction.BILLING_ADDRESS_CHANGED, changes=changes)
    return order


def _set_address(row: Order | Shipment, prefix: str, address: dict[str, str]) -> dict[str, tuple[Any, Any]]:
    """Set ``row``'s ``<prefix>_<field>`` address fields; the changes as ``{name: (before, after)}``."""
    changes: dict[str, tuple[Any, Any]] = {}
    for field, value in address.items():
        before = getattr(row, f"{prefix}_{field}")
        if before != value:
            changes[f"{prefix}_{field}"] = (before, value)
            setattr(row, f"{prefix}_{field}", value)
    return changes


def shipment_shipping_update(
    ctx: ActingContext, *, shipment_id: int, guard: Guard, shipping_method_code: str, address: dict[str, Any]
) -> Shipment:
    """Save a shipment's shipping method and address (until it is released); unlocks the order.
    A method of another price changes the order's shipping and total by the difference."""
    clean = _clean_address(address, with_phone=False)
    with order_edit(ctx, order_id=order_of_shipment(shipment_id), guard=guard, then=Then.RELEASE) as edit:
        order, shipment = edit.order, edit.shipment(shipment_id)
        if why := shipment.why_shipping_not_editable():
            raise DomainError(OrderError.NOT_EDITABLE, why, status=409)
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
            if difference > 0 and not payment_covers(order, order.total + difference):
                message = (f"{method.name} costs {difference} {order.currency} more than the payment authorized "
                           "for this order: the change needs a new payment authorization.")  # fmt: skip
                raise DomainError(OrderError.AUTHORIZATION_REQUIRED, message, status=409,
                                  fields={"shipping_method": [message]})  # fmt: skip
            shipment.shipping_method, shipment.shipping_method_name = method, method.name
            shipment.shipping_price = method.price
            if difference:
                Order.objects.filter(pk=order.pk).update(
                    shipping_total=F("shipping_total") + difference, total=F("total") + difference
                )
        changes.update(_set_address(shipment, "ship", clean))
        if changes:
            shipment.save(update_fields=[
                "shipping_method", "shipping_method_name", "shipping_price", *(f"ship_{f}" for f in clean)
            ])  # fmt: skip
            edit.record(OrderAction.SHIPPING_CHANGED, changes=changes, data={"shipment": shipment.number})
    return shipment


def shipment_cancel(ctx: ActingContext, *, shipment_id: int, guard: Guard, reason: str) -> Shipment:
    """Cancel one shipment not yet released and put its stock back; when no shipment is left, the
    order is cancelled and its payment authorization reversed. The lock stays with its holder."""
    reason = _cancel_reason(reason)
    with order_edit(ctx, order_id=order_of_shipment(shipment_id), guard=guard, then=Then.KEEP) as edit:
        order, shipment = edit.order, edit.shipment(shipment_id)
        if why := shipment.why_not_cancellable():
            raise DomainError(OrderError.NOT_EDITABLE, why, status=409)
        before = shipment.status
        shipment.transition_to(Shipment.Status.CANCELLED)
        shipment.save(update_fields=["status"])
        _restock(shipment)
        order_before = order.status
        if not order.shipments.exclude(status=Shipment.Status.CANCELLED).exists():
            order.transition_to(Order.Status.CANCELLED)
            order.save(update_fields=["status"])
        changes: dict[str, tuple[Any, Any]] = {"shipment_status": (before, shipment.status)}
        if order.status != order_before:
            changes["status"] = (order_before, order.status)
        edit.record(
            OrderAction.SHIPMENT_CANCELLED, changes=changes, data={"shipment": shipment.number, "reason": reason}
        )
        if order.status == Order.Status.CANCELLED:
            from concierge.orders.tasks import reverse_cancelled_order  # the one allowed cycle, services <-> tasks

            reverse_cancelled_order.using(run_after=clock.now() + RETRY_AFTER).enqueue(order.pk)
    if order.status == Order.Status.CANCELLED:
        order_reverse_payment(edit.ctx, order_id=order.pk)
    return shipment


NOTE_MAX = 2000


def order_note_add(ctx: ActingContext, *, order_id: int, text: str) -> Event:
    """A CSR's comment on the order; it joins the order's events (seed 004). A note is an addition
    to the order's history, not an edit of the order: it needs console access to the order's
    store, not its lock or version (ADR 0006)."""
    text = (text or "").strip()
    if message := text_problem(text, limit=NOTE_MAX, required="Write a note."):
        raise DomainError(OrderError.NOTE_INVALID, message, status=422, fields={"text": [message]})
    with order_append(ctx, order_id=order_id) as edit:
        edit.record(OrderAction.NOTE_ADDED, data={"text": text})
    return edit.recorded[0]
