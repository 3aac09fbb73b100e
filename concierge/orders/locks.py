"""Order locks (seed 004 "Order Locking"), as leases of the one mechanism in ``core/leases.py``.

Opening an order for editing locks it for the CSR; anyone else then sees it read-only, naming who
edits it. The lock ends when its holder saves, closes the editor, leaves the page, or signs out. The
open editor renews it with a heartbeat (``order_lock_renew``, a POST every minute), so the lease is
short: a crashed browser's lock expires after ``ORDER_LEASE_TTL``, minutes, not half an hour. A
supervisor with the Unlock Order privilege may remove it, giving a reason. Every change of holder
is an audit event on the order's timeline; renewals are not (they change no holder).

Changes made under the lock go through ``orders/editing.py::order_edit``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast

from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from concierge.audit.services import record
from concierge.core import clock, leases
from concierge.core.errors import DomainError, NotFound, PermissionDenied
from concierge.core.forms import text_problem
from concierge.core.prepared import PreparedQuery
from concierge.identity.roles import Priv
from concierge.orders.actions import OrderAction
from concierge.orders.errors import OrderError
from concierge.orders.models import Order
from concierge.orders.policies import can_manage_order

if TYPE_CHECKING:
    from concierge.core.context import ActingContext
    from concierge.identity.models import User

ORDER_LEASE_TTL = dt.timedelta(minutes=3)
# The editor page renews its lease this often (a third of the TTL: two heartbeats may be lost).
ORDER_HEARTBEAT = dt.timedelta(minutes=1)
REASON_MAX = 500
ORDER_LEASE = leases.LeaseCodes(held=OrderError.LOCKED, lost=OrderError.LOCK_LOST, noun="order")


# The order row under its lock, alone or with its store, customer and account (an edit acts for the
# customer), compiled once per process (core/prepared.py): run inside the caller's transaction.
_LOCKED = PreparedQuery(
    lambda order_id: Order.objects.select_for_update(of=("self",)).filter(pk=order_id)[:1], order_id=-7_000_000_001
)
_LOCKED_WITH_PARTIES = PreparedQuery(
    lambda order_id: (
        Order.objects.select_for_update(of=("self",))
        .select_related("store", "customer", "account")
        .filter(pk=order_id)[:1]
    ),
    order_id=-7_000_000_001,
)


def locked_order(ctx: ActingContext, order_id: int, *, with_parties: bool = True) -> Order:
    """The order row, locked for the rest of the caller's transaction; another store's is "not found".
    ``with_parties`` reads its store, customer and account in the same statement (an edit acts for
    the customer); opening and closing the editor need the row alone, which costs a third as much."""
    if connection.get_autocommit():
        raise TransactionManagementError("locked_order() locks the row for a transaction: call it in one")
    order = (_LOCKED_WITH_PARTIES if with_parties else _LOCKED).first(order_id=order_id)
    if order is None or not can_manage_order(ctx, order):
        raise NotFound("No such order.")
    return order


def locked_by_other_error(order: Order, data: dict | None = None) -> DomainError:
    """Seed 004: someone else is modifying the order; this person can only view it."""
    return DomainError(
        OrderError.LOCKED,
        f"{order.lease_holder_name()} is modifying order {order.number}. You can only view it in read-only mode.",
        status=409,
        data=data or {"locked_by": order.lease_holder_name()},
    )


def clean_reason(reason: str | None, *, required_code: OrderError, required: str) -> str:
    """A reason given for a change: required, at most ``REASON_MAX`` characters (refused, not cut),
    no NUL or other control characters."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(required_code, required, status=422, fields={"reason": [required]})
    if message := text_problem(reason, limit=REASON_MAX):
        raise DomainError(OrderError.REASON_INVALID, message, status=422, fields={"reason": [message]})
    return reason


def edited_elsewhere_error(order: Order) -> DomainError:
    """Seed 004: the order moved on after this person loaded it, so they may not start editing it."""
    return DomainError(
        OrderError.STALE,
        f"Order {order.number} cannot be edited as another user has made changes.",
        status=412,
        data={"version": order.version},
    )


def modified_since_loaded_error(order: Order) -> DomainError:
    """Seed 004: a save based on an older version of the order is refused; nothing is overwritten."""
    return DomainError(
        OrderError.STALE,
        f"Order {order.number} cannot be saved: the order has been modified since the page was loaded. "
        "Reload it to see the changes.",
        status=412,
        data={"version": order.version},
    )


def version_required_error() -> DomainError:
    return DomainError(OrderError.VERSION_REQUIRED, "Name the version of the order you loaded (If-Match).", status=428)


def order_lock(ctx: ActingContext, *, order_id: int, expected_version: int | None = None) -> leases.Grant:
    """Open the order for editing: lock it for ``ctx.user``. Their own live lock is renewed and keeps
    its token (a reopened browser carries on); someone else's is refused, naming them. With
    ``expected_version``, an order that changed since it was loaded is refused too."""
    if ctx.user is None:
        raise PermissionDenied()
    with transaction.atomic():
        order = locked_order(ctx, order_id, with_parties=False)
        if expected_version is not None and expected_version != order.version:
            raise edited_elsewhere_error(order)
        renewing = order.lease_held_by(ctx.user)
        try:
            grant = leases.acquire(order, holder=ctx.user, ttl=ORDER_LEASE_TTL, codes=ORDER_LEASE)
        except DomainError as exc:
            raise locked_by_other_error(order, exc.data) from exc
        if not renewing:
            record(ctx, action=OrderAction.LOCKED, subject_kind="order", subject_id=order.pk,
                   data={"number": order.number, "expires_at": grant.expires_at.isoformat()})  # fmt: skip
    return grant


def order_lock_renew(ctx: ActingContext, *, order_id: int, lease_token: str | None) -> leases.Grant:
    """The open editor's heartbeat: pushes its lease's expiry out by the TTL. Only the live token
    renews (a lock that was unlocked, taken or expired is 409 ``order.lock_lost``); no event."""
    if ctx.user is None:
        raise PermissionDenied()
    with transaction.atomic():
        order = locked_order(ctx, order_id, with_parties=False)
        leases.check(order, lease_token, codes=ORDER_LEASE, ttl=ORDER_LEASE_TTL)
    expires_at = cast("dt.datetime", order.lease_expires_at)  # live: leases.check refused any other
    return leases.Grant(token=order.lease_token, expires_at=expires_at, previous_holder_id=None)


def order_unlock(ctx: ActingContext, *, order_id: int, lease_token: str | None, reason: str = "closed") -> None:
    """The holder closes the editor (abandoning changes): only the lock's token may release it."""
    with transaction.atomic():
        order = locked_order(ctx, order_id, with_parties=False)
        leases.release(order, lease_token, codes=ORDER_LEASE)
        record(ctx, action=OrderAction.UNLOCKED, subject_kind="order", subject_id=order.pk, data={"reason": reason})


def order_force_unlock(ctx: ActingContext, *, order_id: int, reason: str) -> int | None:
    """A supervisor's Unlock Order: needs the privilege and a reason; audited with the previous
    holder. Returns that holder's id (None when the order was not locked: nothing changes)."""
    if not ctx.has_perm(Priv.UNLOCK_ORDER):
        raise PermissionDenied("Unlocking an order needs the Unlock Order privilege.")
    reason = clean_reason(reason, required_code=OrderError.UNLOCK_REASON_REQUIRED,
                          required="Give a reason for unlocking the order.")  # fmt: skip
    with transaction.atomic():
        order = locked_order(ctx, order_id, with_parties=False)
        if not order.lease_is_live():
            return None
        holder = order.lease_holder_name()
        previous = leases.clear(order)
        record(ctx, action=OrderAction.FORCE_UNLOCKED, subject_kind="order", subject_id=order.pk,
               changes={"locked_by": (holder, None)},
               data={"reason": reason, "previous_holder_id": previous})  # fmt: skip
    return previous


def order_locks_release_all(ctx: ActingContext, *, user: User) -> int:
    """Signing out closes every order ``user`` has open (seed 004): each of their live locks ends,
    one audit event per order. Returns how many were released."""
    released = 0
    ids = list(
        Order.objects.filter(lease_holder=user, lease_expires_at__gt=clock.now())
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for order_id in ids:
        with transaction.atomic():
            order = Order.objects.select_for_update(of=("self",)).filter(pk=order_id).first()
            if order is None or not order.lease_held_by(user):
                continue
            leases.clear(order)
            record(ctx, action=OrderAction.UNLOCKED, subject_kind="order", subject_id=order.pk,
                   data={"reason": "signed out"})  # fmt: skip
            released += 1
    return released
