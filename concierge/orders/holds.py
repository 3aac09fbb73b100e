"""Deciding an order's holds (seed 004 "Order Holds").

On the Holds tab a member of customer service selects a hold, chooses Mark Resolved or Mark
Unresolvable, enters a comment and submits: :func:`hold_decide` makes the hold RESOLVE_PENDING or
UNRESOLVABLE_PENDING under the order's lock and version (the lock stays, so the next hold can be
decided in the same sitting) and enqueues its settlement in the same transaction. The worker then
settles it, as the seed's Integration Server does (:func:`hold_settle`, Concierge's own change):
RESOLVED or UNRESOLVABLE. When every hold of the order is resolved the order goes on — In Progress,
or Completed when nothing is left to ship — and its held shipments go back to Inventory Assigned;
an unresolvable hold cancels the order through the one cancellation (``order_cancel_within``:
stock back, payment authorization reversed).

Each hold names the privilege its rule requires of whoever decides it (``Hold.privilege``):
``resolve_hold`` for customer service, ``resolve_review_hold`` for the reviews a supervisor makes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.core.forms import text_problem
from concierge.identity.models import Privilege
from concierge.orders.actions import OrderAction
from concierge.orders.editing import SYSTEM, Guard, OrderEdit, Then, order_edit
from concierge.orders.errors import OrderError
from concierge.orders.models import Hold, Order, Shipment
from concierge.orders.services import order_cancel_within, order_reverse_payment

COMMENT_MAX = 1000


class HoldDecision(StrEnum):
    """What the person decided: the seed's two buttons."""

    RESOLVED = "resolved"  # Mark Resolved
    UNRESOLVABLE = "unresolvable"  # Mark Unresolvable


_PENDING = {
    HoldDecision.RESOLVED: Hold.Status.RESOLVE_PENDING,
    HoldDecision.UNRESOLVABLE: Hold.Status.UNRESOLVABLE_PENDING,
}
_MARKED = {HoldDecision.RESOLVED: OrderAction.HOLD_MARKED_RESOLVED,
           HoldDecision.UNRESOLVABLE: OrderAction.HOLD_MARKED_UNRESOLVABLE}  # fmt: skip
_SETTLED: dict[str, str] = {
    Hold.Status.RESOLVE_PENDING: Hold.Status.RESOLVED,
    Hold.Status.UNRESOLVABLE_PENDING: Hold.Status.UNRESOLVABLE,
}
# The privileges' own words, as the admin shows them ("Can resolve order holds").
PRIVILEGE_WORDS = {f"identity.{codename}": words for codename, words in Privilege._meta.permissions}


def why_cannot_decide(ctx: ActingContext, hold: Hold, order: Order) -> str:
    """Why this person cannot decide ``hold`` now ("" when they can): the hold's state and the
    order's, then the privilege its rule requires. The Holds tab shows it; the service enforces it."""
    if why := hold.why_not_decidable(order):
        return why
    if not ctx.has_perm(hold.privilege):
        words = PRIVILEGE_WORDS.get(hold.privilege, hold.privilege)
        return f"Deciding this hold needs the privilege “{words}”, which you do not have. Ask a supervisor."
    return ""


def _decision(value: str) -> HoldDecision:
    try:
        return HoldDecision(value)
    except ValueError:
        message = "Choose Mark Resolved or Mark Unresolvable."
        raise DomainError(OrderError.HOLD_DECISION_INVALID, message, status=422,
                          fields={"decision": [message]}) from None  # fmt: skip


def _comment(value: str) -> str:
    comment = (value or "").strip()
    if problem := text_problem(comment, limit=COMMENT_MAX, required="Enter a comment."):
        raise DomainError(OrderError.HOLD_COMMENT_INVALID, problem, status=422, fields={"comment": [problem]})
    return comment


def _order_of_hold(hold_id: int) -> int:
    order_id = Hold.objects.filter(pk=hold_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise DomainError(OrderError.HOLD_NOT_FOUND, "No such hold.", status=404)
    return order_id


def _locked_hold(edit: OrderEdit, hold_id: int) -> Hold:
    """The hold, locked after its order (always in that order)."""
    hold = Hold.objects.select_for_update().filter(pk=hold_id, order_id=edit.order.pk).first()
    if hold is None:
        raise DomainError(OrderError.HOLD_NOT_FOUND, "No such hold.", status=404)
    return hold


def hold_decide(ctx: ActingContext, *, hold_id: int, decision: str, comment: str, guard: Guard) -> Hold:
    """Mark Resolved or Mark Unresolvable with a comment: the hold becomes pending, and the worker's
    settlement is enqueued with the change. Under the order's lock, which stays with its holder."""
    chosen, comment = _decision(decision), _comment(comment)
    with order_edit(ctx, order_id=_order_of_hold(hold_id), guard=guard, then=Then.KEEP) as edit:
        hold = _locked_hold(edit, hold_id)
        if why := hold.why_not_decidable(edit.order):
            raise DomainError(OrderError.HOLD_NOT_DECIDABLE, why, status=409)
        if why := why_cannot_decide(ctx, hold, edit.order):
            raise DomainError(OrderError.HOLD_PRIVILEGE_REQUIRED, why, status=403)
        before = hold.status
        hold.transition_to(_PENDING[chosen])
        hold.comment, hold.decided_by, hold.decided_at = comment, ctx.user, clock.now()
        hold.save(update_fields=["status", "comment", "decided_by", "decided_at"])
        edit.record(_MARKED[chosen], changes={"hold_status": (before, hold.status)},
                    data={"hold": hold.pk, "reason": hold.reason, "comment": comment})  # fmt: skip
        # Committed with the decision: the worker settles it (the seed's message to the Integration Server).
        from concierge.orders.tasks import settle_hold  # the one allowed cycle, holds <-> tasks

        settle_hold.enqueue(hold.pk)
    return hold


def hold_settle(ctx: ActingContext, *, hold_id: int) -> Hold:
    """The worker's part: a pending hold becomes RESOLVED or UNRESOLVABLE, and the order follows.
    Idempotent: a hold already settled is left as it is, so a second delivery changes nothing (and
    a cancellation's reversal, keyed per order, is made once)."""
    with order_edit(ctx, order_id=_order_of_hold(hold_id), guard=SYSTEM, then=Then.KEEP) as edit:
        hold = _locked_hold(edit, hold_id)
        if hold.is_pending:
            _settle(edit, hold)
    if edit.order.status == Order.Status.CANCELLED:
        order_reverse_payment(edit.ctx, order_id=edit.order.pk)  # keyed: once, however often this runs
    return hold


def _settle(edit: OrderEdit, hold: Hold) -> None:
    order = edit.order
    before = hold.status
    hold.transition_to(_SETTLED[hold.status])
    hold.settled_at = clock.now()
    hold.save(update_fields=["status", "settled_at"])
    data: dict[str, Any] = {"hold": hold.pk, "reason": hold.reason}
    action = OrderAction.HOLD_RESOLVED if hold.status == Hold.Status.RESOLVED else OrderAction.HOLD_UNRESOLVABLE
    edit.record(action, changes={"hold_status": (before, hold.status)}, data=data)
    if order.status != Order.Status.ON_HOLD:
        return  # already cancelled by another hold: nothing more follows
    if hold.status == Hold.Status.UNRESOLVABLE:
        order_cancel_within(edit, reason=f"Hold could not be resolved: {hold.reason}")
    elif not order.holds.exclude(status=Hold.Status.RESOLVED).exists():
        _release_from_hold(edit)


def _release_from_hold(edit: OrderEdit) -> None:
    """Every hold resolved: held shipments go back to Inventory Assigned, and the order to In
    Progress — or Completed when nothing is left to ship."""
    order = edit.order
    for shipment in sorted(order.shipments.select_for_update(), key=lambda s: s.pk):
        if shipment.status == Shipment.Status.ON_HOLD:
            shipment.transition_to(Shipment.Status.INVENTORY_ASSIGNED)
            shipment.save(update_fields=["status"])
    to_ship = order.shipments.exclude(status__in=[Shipment.Status.SHIPPED, Shipment.Status.CANCELLED]).exists()
    before = order.status
    order.transition_to(Order.Status.IN_PROGRESS if to_ship else Order.Status.COMPLETED)
    order.save(update_fields=["status"])
    edit.record(OrderAction.HOLDS_RESOLVED, changes={"status": (before, order.status)})
