"""Pickup in store (seed 002 "Pick-Up In-Store Customers", seed 001 BOPIS): customer service marks
a pickup shipment ready for pickup, and picked up when the customer collects it.

Both are order edits like any other (``orders/editing.py::order_edit``): the order's lock and the
version the editor loaded, or :data:`SYSTEM` for Concierge's own work; audited on the order's
timeline. Marked ready, a shipment not yet released is released (its share of the payment is
captured, as ``shipment_release`` does); picked up, it is shipped — collected — and the order follows
its shipments (Completed when nothing is left).

The Pick-Up list's buttons are one-step edits (:func:`pickup_step`): the order is locked for the
CSR with the version the list showed (refused, naming the holder, when someone else has it open;
412 when it changed since), changed and saved — its lock released — in one transaction.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import transaction

from concierge.core import clock
from concierge.core.errors import DomainError
from concierge.orders import locks
from concierge.orders.actions import OrderAction
from concierge.orders.editing import EditGuard, Guard, OrderEdit, Then, order_edit, order_of_shipment
from concierge.orders.errors import OrderError
from concierge.orders.models import Order, Shipment
from concierge.orders.services import RETRY_AFTER, shipment_capture
from concierge.orders.services import _follow_shipments as follow_shipments

if TYPE_CHECKING:
    from concierge.core.context import ActingContext


class PickupStep(StrEnum):
    READY = "ready"
    PICKED_UP = "picked-up"


def _pickup_shipment(edit: OrderEdit, shipment_id: int) -> Shipment:
    shipment = edit.shipment(shipment_id)
    if shipment.kind != Shipment.Kind.PICKUP:
        raise DomainError(OrderError.PICKUP_NOT_ALLOWED, f"Shipment {shipment.number} is not picked up in store.",
                          status=409)  # fmt: skip
    return shipment


def _mark_ready(edit: OrderEdit, shipment_id: int) -> Shipment:
    order, shipment = edit.order, _pickup_shipment(edit, shipment_id)
    if shipment.ready_for_pickup_at is not None and shipment.status == Shipment.Status.RELEASED:
        raise DomainError(OrderError.PICKUP_NOT_ALLOWED, f"Order {order.number} is already ready for pickup.",
                          status=409)  # fmt: skip
    if shipment.status == Shipment.Status.INVENTORY_ASSIGNED:
        if why := shipment.why_not_releasable(order):
            raise DomainError(OrderError.PICKUP_NOT_ALLOWED, why, status=409)
        shipment.transition_to(Shipment.Status.RELEASED)
        shipment.released_at = clock.now()
        # Committed with the release: if the capture after it fails, the task captures later.
        from concierge.orders.tasks import capture_shipment  # the one allowed cycle, services <-> tasks

        capture_shipment.using(run_after=clock.now() + RETRY_AFTER).enqueue(shipment.pk)
    elif shipment.status != Shipment.Status.RELEASED:
        raise DomainError(OrderError.PICKUP_NOT_ALLOWED,
                          f"Shipment {shipment.number} is {shipment.get_status_display().lower()}: "
                          "it cannot be made ready for pickup.", status=409)  # fmt: skip
    shipment.ready_for_pickup_at = clock.now()
    shipment.save(update_fields=["status", "released_at", "ready_for_pickup_at"])
    before = order.status
    if order.status == Order.Status.CREATED:
        order.transition_to(Order.Status.IN_PROGRESS)
        order.save(update_fields=["status"])
    edit.record(OrderAction.READY_FOR_PICKUP, changes={"status": (before, order.status)},
                data={"shipment": shipment.number})  # fmt: skip
    return shipment


def _picked_up(edit: OrderEdit, shipment_id: int) -> Shipment:
    order, shipment = edit.order, _pickup_shipment(edit, shipment_id)
    if shipment.status == Shipment.Status.SHIPPED:
        raise DomainError(OrderError.PICKUP_NOT_ALLOWED, f"Order {order.number} has already been picked up.",
                          status=409)  # fmt: skip
    if shipment.ready_for_pickup_at is None or shipment.status != Shipment.Status.RELEASED:
        message = f"Order {order.number} is not ready for pickup: mark it ready first."
        raise DomainError(OrderError.PICKUP_NOT_READY, message, status=409)
    shipment.transition_to(Shipment.Status.SHIPPED)
    shipment.shipped_at = clock.now()
    shipment.save(update_fields=["status", "shipped_at"])
    before = order.status
    follow_shipments(order)
    edit.record(OrderAction.PICKED_UP, changes={"status": (before, order.status)}, data={"shipment": shipment.number})
    return shipment


_STEPS = {PickupStep.READY: _mark_ready, PickupStep.PICKED_UP: _picked_up}


def pickup_mark_ready(ctx: ActingContext, *, shipment_id: int, guard: Guard) -> Shipment:
    """Mark a pickup shipment ready for pickup (releasing it first if need be); the lock stays."""
    with order_edit(ctx, order_id=order_of_shipment(shipment_id), guard=guard, then=Then.KEEP) as edit:
        shipment = _mark_ready(edit, shipment_id)
    shipment_capture(edit.ctx, shipment_id=shipment.pk)  # after the commit: the gateway is not ours
    return shipment


def pickup_collected(ctx: ActingContext, *, shipment_id: int, guard: Guard) -> Shipment:
    """The customer picked the shipment up: it is shipped and the order follows; the lock stays."""
    with order_edit(ctx, order_id=order_of_shipment(shipment_id), guard=guard, then=Then.KEEP) as edit:
        return _picked_up(edit, shipment_id)


def pickup_step(ctx: ActingContext, *, shipment_id: int, version: int | None, step: PickupStep) -> Shipment:
    """One button of the Pick-Up list: lock the order with the version the list showed, make the
    change and save, in one transaction (nothing is kept when it is refused). A CSR who already has
    the order open for editing keeps their lock."""
    if version is None:
        raise locks.version_required_error()
    order_id = order_of_shipment(shipment_id)
    with transaction.atomic():
        held = Order.objects.filter(pk=order_id).first()
        already_theirs = held is not None and ctx.user is not None and held.lease_held_by(ctx.user)
        grant = locks.order_lock(ctx, order_id=order_id, expected_version=version)
        then = Then.KEEP if already_theirs else Then.RELEASE
        with order_edit(ctx, order_id=order_id, guard=EditGuard(version=version, lease_token=grant.token),
                        then=then) as edit:  # fmt: skip
            shipment = _STEPS[step](edit, shipment_id)
    if step == PickupStep.READY:
        shipment_capture(edit.ctx, shipment_id=shipment.pk)
    return shipment
