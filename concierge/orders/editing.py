"""The one way into a change of an order (seed 004 "Order Locking"; RELIABILITY bars 11-13 and 29).

Every console edit of an order — billing address, shipping, release, cancel shipment, cancel order,
and every edit later issues add (returns, refunds, splits, quantities) — is written as::

    with order_edit(ctx, order_id=order.pk, guard=EditGuard(version=v, lease_token=t),
                    then=Then.RELEASE) as edit:
        ...change edit.order (and edit.shipment(pk)) ...
        edit.record(OrderAction.BILLING_ADDRESS_CHANGED, changes=changes)

``order_edit`` locks the order row (another store's order is "not found"), checks the policy,
requires both the version the editor loaded and the token of the lock they hold — a missing version
is 428, a missing or foreign token 409, an order that moved on 412 — runs the change, bumps the
version once when something was recorded, writes the audit events, and then releases the lock (a
save, seed 004) or keeps it for the next action. There is no optional guard: a caller either brings
an :class:`EditGuard` or is Concierge itself (the worker's retries, checkout, the warehouse feed,
demo data), which says so with :data:`SYSTEM` and may only do so from ``ActingContext.system(...)``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F

from concierge.audit.models import Event
from concierge.audit.services import record
from concierge.core import clock, leases
from concierge.core.edits import SYSTEM, EditGuard, Guard, SystemChange, Then, is_system, version_of
from concierge.core.errors import DomainError, NotFound, PermissionDenied
from concierge.orders.actions import OrderAction
from concierge.orders.errors import OrderError
from concierge.orders.locks import (
    ORDER_LEASE,
    ORDER_LEASE_TTL,
    locked_by_other_error,
    locked_order,
    modified_since_loaded_error,
    version_required_error,
)
from concierge.orders.models import Order, Shipment

if TYPE_CHECKING:
    from concierge.core.context import ActingContext

# The guard types live in ``core/edits.py`` (customer records use them too); order code imports
# them from here, beside ``order_edit``.
__all__ = [
    "SYSTEM",
    "EditGuard",
    "Guard",
    "OrderEdit",
    "SystemChange",
    "Then",
    "check_guard",
    "order_append",
    "order_edit",
    "order_of_shipment",
    "parse_version",
]


@dataclass
class OrderEdit:
    """The order under change, locked for the caller's transaction, and the events to record."""

    ctx: ActingContext  # the caller's context, acting for the order's customer (both are audited)
    order: Order
    events: list[tuple[str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    recorded: list[Event] = field(default_factory=list)  # the events written, once the change is done

    def shipment(self, shipment_id: int) -> Shipment:
        """One of the order's shipments, locked after the order (always in that order)."""
        shipment = Shipment.objects.select_for_update().filter(pk=shipment_id, order_id=self.order.pk).first()
        if shipment is None:
            raise NotFound("No such shipment.")
        return shipment

    def record(self, action: str, *, changes: dict[str, Any] | None = None, data: dict[str, Any] | None = None) -> None:
        """An audit event of this change, written when the change is done (with the version bump)."""
        self.events.append((action, changes or {}, data or {}))


def order_of_shipment(shipment_id: int) -> int:
    """The id of the order a shipment belongs to (the row ``order_edit`` then locks)."""
    order_id = Shipment.objects.filter(pk=shipment_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise NotFound("No such shipment.")
    return order_id


def check_guard(order: Order, guard: EditGuard, *, user_id: int) -> None:
    """The loaded version (missing → 428, moved on → 412), then the lock's live token (missing or
    foreign → 409, naming a holder who is someone else). A good token renews the lease."""
    if guard.version is None:
        raise version_required_error()
    if guard.version != order.version:
        raise modified_since_loaded_error(order)
    token = guard.lease_token or ""
    theirs = not token or secrets.compare_digest(token, order.lease_token)
    if order.lease_is_live() and order.lease_holder_id != user_id and theirs:
        # Someone else holds the lock: with no token, or with theirs (a token is no one's to lend),
        # this person can only view the order. An old token of their own is "lock lost" below.
        raise locked_by_other_error(order)
    if not token:
        raise DomainError(
            OrderError.LOCK_LOST,
            f"Order {order.number} is not open for editing by you: choose Edit to lock it, then make the change.",
            status=409,
            data={"locked_by": order.lease_holder_name() if order.lease_is_live() else None},
        )
    leases.check(order, token, codes=ORDER_LEASE, ttl=ORDER_LEASE_TTL)


@contextmanager
def order_edit(ctx: ActingContext, *, order_id: int, guard: Guard, then: Then) -> Iterator[OrderEdit]:
    """Lock → policy → guard → the caller's change → version bump → audit → release or keep."""
    with transaction.atomic():
        if isinstance(guard, SystemChange):
            if not is_system(ctx):
                raise PermissionDenied("Only Concierge itself changes an order without its lock.")
        elif ctx.user is None:
            raise PermissionDenied("Editing an order needs a signed-in member of customer service.")
        order = locked_order(ctx, order_id)  # store scope and console access: else "not found"
        if isinstance(guard, EditGuard):
            check_guard(order, guard, user_id=ctx.signed_in_user.pk)
        edit = OrderEdit(ctx=ctx.for_customer(order.customer, account=order.account), order=order)
        yield edit
        if edit.events:
            Order.objects.filter(pk=order.pk).update(version=F("version") + 1, updated_at=clock.now())
            order.version += 1
            _write(edit)
        if then == Then.RELEASE and isinstance(guard, EditGuard) and order.lease_is_live():
            leases.clear(order)
            record(edit.ctx, action=OrderAction.UNLOCKED, subject_kind="order", subject_id=order.pk,
                   data={"reason": "saved"})  # fmt: skip


@contextmanager
def order_append(ctx: ActingContext, *, order_id: int) -> Iterator[OrderEdit]:
    """An addition to the order's history that changes none of its fields (a CSR's note): console
    access to the order's store is required, its lock and version are not (ADR 0006)."""
    if ctx.user is None:
        raise NotFound("No such order.")
    with transaction.atomic():
        order = locked_order(ctx, order_id)
        edit = OrderEdit(ctx=ctx.for_customer(order.customer, account=order.account), order=order)
        yield edit
        _write(edit)


def _write(edit: OrderEdit) -> None:
    for action, changes, data in edit.events:
        edit.recorded.append(record(edit.ctx, action=action, subject_kind="order", subject_id=edit.order.pk,
                                    changes=changes, data=data))  # fmt: skip


def parse_version(value: str | None) -> int | None:
    """The order version an edit names — a page's hidden field or ``If-Match`` ("3", '"3"',
    'W/"3"'); ``None`` when not given (``order_edit`` then answers 428)."""
    if value is None or not str(value).strip():
        return None
    try:
        return version_of(value)
    except ValueError as exc:
        raise DomainError(OrderError.STALE, 'The order version must be a number, e.g. "3".', status=412) from exc
