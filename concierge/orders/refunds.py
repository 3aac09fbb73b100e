"""Refunds of an order (seed 004 "Creating a Refund"; RELIABILITY bars 17, 18 and 20).

A refund is opened inside an order edit (``refund_open(edit, ...)``: the order row is locked, the
caller's guard checked): its amount is reserved on one capture of the order and on the order itself,
each by a conditional UPDATE that only passes while refunded + pending refunds stay within what was
captured — the database's check constraints refuse anything else — so refunds never exceed the
captured amount, per payment and per order, to the cent, however many run at once. A refund above
the store's approval threshold waits as Awaiting Approval until a second person with the Approve
Refund privilege approves it (or rejects it, which gives the reservation back); the requester never
decides their own refund. A pending refund is issued after its transaction commits
(``refund_issue``): the gateway call is keyed per refund, a Manual Refund is recorded and not sent,
and a decline gives the reservation back. Its retry task is enqueued in the same transaction.

Create Refund outside a return is ``order_refund_create``; a return's refund is opened by the
returns code inside its own edit, with the return's RMA, and the returns code hears how each refund
settles (issued, declined, failed, rejected) through :func:`on_refund_settled`, in the transaction
that settles it — orders never import returns.

Where a refund may go (:func:`refund_sources`) is one rule for both: the original payment source,
Manual Refund, or another active card on file of the order's customer or of the account (the B2B
organization) the order was placed for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db.models import DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError, NotFound, PermissionDenied
from concierge.core.forms import text_problem
from concierge.core.money import Money
from concierge.identity.policies import stores_served
from concierge.identity.roles import Priv
from concierge.orders.actions import OrderAction
from concierge.orders.editing import SYSTEM, Guard, OrderEdit, Then, order_edit
from concierge.orders.models import Order
from concierge.payments.errors import PaymentError
from concierge.payments.models import PaymentSource, PaymentTransaction, Refund
from concierge.payments.refunds import (
    capture_refundable,
    capture_release,
    capture_reserve,
    payment_refund,
    refund_key,
    refundable_captures,
)

if TYPE_CHECKING:
    from concierge.identity.models import User

NOTE_MAX = 500  # Refund.note and Refund.decision_note
RMA_MAX = 20  # Refund.rma
# A refund whose gateway call failed to run right after its commit is issued by the task this much later.
RETRY_AFTER = dt.timedelta(minutes=5)
_R, _D = Refund.Status, Refund.Destination
# Told of every refund that settles (issued, declined, failed or rejected), inside the order edit
# that settles it: the returns domain completes a received return whose refund is issued.
RefundSettled = Callable[[OrderEdit, Refund], None]
_settled_listeners: list[RefundSettled] = []


def on_refund_settled(listener: RefundSettled) -> None:
    """Call ``listener(edit, refund)`` whenever a refund settles, in the settling transaction (once
    per listener, however often this is called: an app registers in its ``ready``)."""
    if listener not in _settled_listeners:
        _settled_listeners.append(listener)


def _settled(edit: OrderEdit, refund: Refund) -> None:
    for listener in _settled_listeners:
        listener(edit, refund)


def _invalid(field: str, message: str, *, code: PaymentError = PaymentError.REFUND_INVALID) -> DomainError:
    return DomainError(code, message, status=422, fields={field: [message]})


def _captured(order_id: int) -> Decimal:
    total = PaymentTransaction.objects.filter(
        order_id=order_id, kind=PaymentTransaction.Kind.CAPTURE, status=PaymentTransaction.Status.SUCCEEDED
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal(0)


def refundable(order: Order) -> Money:
    """What can still be refunded on ``order``: captured - refunded - pending refunds (read now)."""
    reserved = Order.objects.filter(pk=order.pk).values_list("refund_reserved", flat=True).first() or Decimal(0)
    return Money(_captured(order.pk) - reserved, order.currency)


def largest_refund(order: Order) -> Money:
    """The most one refund can be: what its fullest capture still holds, within the order's refundable."""
    per_capture = max((capture_refundable(c) for c in refundable_captures(order.pk)), default=Decimal(0))
    return Money(min(per_capture, refundable(order).amount), order.currency)


def _order_reserve(order_id: int, amount: Decimal) -> bool:
    """Reserve ``amount`` on the order while its refunds stay within what its captures hold, in one
    conditional UPDATE (the ``orders_refunds_within_total`` constraint backs it)."""
    captured = Subquery(
        PaymentTransaction.objects.filter(
            order_id=OuterRef("pk"), kind=PaymentTransaction.Kind.CAPTURE, status=PaymentTransaction.Status.SUCCEEDED
        )
        .values("order_id")
        .annotate(total=Sum("amount"))
        .values("total")[:1]
    )
    money = DecimalField(max_digits=12, decimal_places=2)
    ceiling = Coalesce(captured, Value(Decimal(0)), output_field=money) - Value(amount, output_field=money)
    return (
        Order.objects.filter(pk=order_id, refund_reserved__lte=ceiling).update(
            refund_reserved=F("refund_reserved") + amount
        )
        == 1
    )


def _release(refund: Refund) -> None:
    """Give back the reservation of a refund that will not be paid (declined, failed, rejected)."""
    capture_release(refund.capture_id, refund.amount)
    Order.objects.filter(pk=refund.order_id, refund_reserved__gte=refund.amount).update(
        refund_reserved=F("refund_reserved") - refund.amount
    )


def _clean_amount(order: Order, amount: Money) -> Decimal:
    if amount.currency != order.currency:
        raise _invalid("amount", f"Enter the amount in the order's currency, {order.currency}.")
    if amount.amount <= 0:
        raise _invalid("amount", "Enter an amount above zero.")
    if amount.rounded().amount != amount.amount:
        raise _invalid("amount", "Enter the amount to the cent, e.g. 12.50.")
    return amount.amount


def refund_sources(order: Order) -> QuerySet[PaymentSource]:
    """The cards a refund of ``order`` may go to as "Another payment source": the active cards on
    file of the order's customer and of the account (B2B organization) it was placed for. The one
    rule for Create Refund and for a return's refund."""
    customer_ids = [order.customer_id, *([order.account_id] if order.account_id else [])]
    return PaymentSource.objects.filter(customer_id__in=customer_ids, is_active=True, kind=PaymentSource.Kind.CARD)


def refund_source(order: Order, source_id: int | None) -> PaymentSource | None:
    """One of :func:`refund_sources`, or None when ``source_id`` names none of them."""
    return refund_sources(order).filter(pk=source_id or 0).first()


def _destination(order: Order, destination: str, source_id: int | None) -> tuple[str, PaymentSource | None]:
    if destination not in _D.values:
        raise _invalid("destination", "Choose where the refund goes: the original payment source, another payment "
                                      "source or Manual Refund.")  # fmt: skip
    if destination != _D.OTHER_SOURCE:
        return destination, None
    source = refund_source(order, source_id)
    if source is None:
        raise _invalid("source", "Choose one of the customer's cards on file.")
    return destination, source


def refund_open(
    edit: OrderEdit,
    *,
    amount: Money,
    destination: str,
    source_id: int | None,
    note: str,
    rma: str = "",
    requester: User | None = None,
) -> Refund:
    """Open a refund of ``edit.order`` inside the caller's order edit (the order row locked).

    Validates the amount (the order's currency, above zero, to the cent, at most what is refundable
    per payment and per order), reserves it on the capture that holds it and on the order by
    conditional UPDATEs, records the refund — Awaiting Approval above the store's threshold, else
    Pending — and its audit event, and for a pending refund enqueues its issue task in the same
    transaction. After the commit, call :func:`refund_issue` (or let the task do it). A refund outside
    a return (no ``rma``) needs the Can Create Refund privilege; inside one, the caller's return
    privilege was checked by the caller. ``destination``: ``Refund.Destination``; ``source_id``: one
    of :func:`refund_sources` for ``OTHER_SOURCE``. ``requester``: who asked for it, when not the
    acting user (a return's refund, opened by Concierge on receipt, was asked for by the CSR who
    created the return: they may not approve it either)."""
    ctx, order = edit.ctx, edit.order
    if not rma and ctx.user is not None and not ctx.has_perm(Priv.CREATE_REFUND):
        raise PermissionDenied("Creating a refund needs the Can Create Refund privilege.")
    value = _clean_amount(order, amount)
    destination, source = _destination(order, destination, source_id)
    note = (note or "").strip()
    if problem := text_problem(note, limit=NOTE_MAX):
        raise _invalid("note", problem)
    if problem := text_problem(rma, limit=RMA_MAX):
        raise _invalid("rma", problem)
    left = refundable(order)
    if value > left.amount:
        message = (
            f"At most {left.amount} {order.currency} can be refunded on this order (captured, less what was "
            "refunded or is pending)."
            if left.amount > 0
            else "Nothing can be refunded on this order: no payment has been captured, or it was all refunded."
        )
        raise _invalid("amount", message, code=PaymentError.REFUND_TOO_LARGE)
    capture = next((c for c in refundable_captures(order.pk) if capture_refundable(c) >= value), None)
    if capture is None:
        most = largest_refund(order)
        raise _invalid("amount", f"One refund can be at most {most.amount} {order.currency} (what one payment "
                                 "capture still holds); refund the rest in a second refund.",
                       code=PaymentError.REFUND_TOO_LARGE)  # fmt: skip
    if not (capture_reserve(capture.pk, value) and _order_reserve(order.pk, value)):
        # Another refund took it between the read above and the reservation: nothing was reserved
        # (the caller's transaction rolls the first UPDATE back with this refusal).
        raise _invalid("amount", "Another refund of this order was made meanwhile; reload the order and try again.",
                       code=PaymentError.REFUND_TOO_LARGE)  # fmt: skip
    threshold = order.store.refund_approval_threshold
    status = _R.AWAITING_APPROVAL if value > threshold else _R.PENDING
    if destination == _D.ORIGINAL:
        source, label = capture.source, capture.source_label
    else:
        label = source.label if source is not None else "Manual Refund"
    refund = Refund.objects.create(
        order=order, capture=capture, amount=value, currency=order.currency, destination=destination,
        source=source, source_label=label[:80], note=note, rma=rma, status=status,
        requested_by=requester or ctx.user,
    )  # fmt: skip
    action = OrderAction.REFUND_AWAITING_APPROVAL if status == _R.AWAITING_APPROVAL else OrderAction.REFUND_REQUESTED
    edit.record(action, data=_event_data(refund, note=note))
    if status == _R.PENDING:
        _enqueue_issue(refund)
    return refund


def _event_data(refund: Refund, **extra: Any) -> dict[str, Any]:
    data = {"refund": refund.pk, "amount": str(refund.amount), "currency": refund.currency,
            "destination": refund.destination_label, "rma": refund.rma}  # fmt: skip
    return {**data, **{k: v for k, v in extra.items() if v}}


def _enqueue_issue(refund: Refund) -> None:
    # Committed with the change: if the call after the commit does not happen, the task makes it.
    from concierge.orders.tasks import issue_refund  # the one allowed cycle, a domain's services <-> tasks

    issue_refund.using(run_after=clock.now() + RETRY_AFTER).enqueue(refund.pk)


_OUTCOMES: dict[str, tuple[str, OrderAction]] = {
    PaymentTransaction.Status.SUCCEEDED: (_R.ISSUED, OrderAction.REFUND_ISSUED),
    PaymentTransaction.Status.DECLINED: (_R.DECLINED, OrderAction.REFUND_DECLINED),
    PaymentTransaction.Status.FAILED: (_R.FAILED, OrderAction.REFUND_FAILED),
}


def refund_issue(ctx: ActingContext, *, refund_id: int) -> Refund:
    """Issue a pending refund, after the transaction that opened (or approved) it committed: the
    gateway call keyed ``refund-<id>`` (one call however often this runs), or, for a Manual Refund,
    the record that it was paid by other means. A declined or failed call gives the reservation
    back. Idempotent: a refund no longer pending is answered as it is."""
    refund = Refund.objects.select_related("order", "capture", "capture__source", "source").get(pk=refund_id)
    if refund.status != _R.PENDING:
        return refund
    transaction: PaymentTransaction | None = None
    status: str
    if refund.destination == _D.MANUAL:
        status, action, message = _R.ISSUED, OrderAction.REFUND_RECORDED, ""
    else:
        try:
            transaction = payment_refund(ctx, refund=refund)
        except DomainError as exc:
            if exc.code == PaymentError.IN_FLIGHT:
                return refund  # another run is making the call; it settles the refund
            if exc.code == PaymentError.GATEWAY_UNAVAILABLE:
                transaction = PaymentTransaction.objects.get(idempotency_key=refund_key(refund))
            elif exc.code == PaymentError.SOURCE_NOT_FOUND:
                transaction = None
            else:
                raise
        if transaction is None:
            status, action, message = _R.FAILED, OrderAction.REFUND_FAILED, "The payment method is no longer on file."
        else:
            status, action = _OUTCOMES[transaction.status]
            message = transaction.message
    system = ActingContext.system("refunds", store=refund.order.store)
    with order_edit(system, order_id=refund.order_id, guard=SYSTEM, then=Then.KEEP) as edit:
        row = Refund.objects.select_for_update().get(pk=refund.pk)
        if row.status != _R.PENDING:
            return row  # settled meanwhile by another run
        row.transition_to(status)
        row.transaction, row.message, row.settled_at = transaction, message[:200], clock.now()
        row.save(update_fields=["status", "transaction", "message", "settled_at"])
        if status != _R.ISSUED:
            _release(row)
        edit.record(action, data=_event_data(row, message=message))
        _settled(edit, row)
    return row


# --- Create Refund and the four-eyes decision, from the console and the API ------------------------


def order_refund_create(
    ctx: ActingContext,
    *,
    order_id: int,
    guard: Guard,
    amount: Money,
    destination: str,
    source_id: int | None,
    note: str,
) -> Refund:
    """Create Refund (seed 004), outside a return and at any time: a save under the order's lock,
    which ends it. Issued at once unless it waits for approval."""
    if not ctx.has_perm(Priv.CREATE_REFUND):
        raise PermissionDenied("Creating a refund needs the Can Create Refund privilege.")
    if problem := text_problem((note or "").strip(), limit=NOTE_MAX, required="Write a note with the details."):
        raise _invalid("note", problem)
    with order_edit(ctx, order_id=order_id, guard=guard, then=Then.RELEASE) as edit:
        refund = refund_open(edit, amount=amount, destination=destination, source_id=source_id, note=note)
    if refund.status == _R.PENDING:
        return refund_issue(edit.ctx, refund_id=refund.pk)
    return refund


def _decider(ctx: ActingContext, verb: str) -> None:
    if not ctx.has_perm(Priv.APPROVE_REFUND):
        raise PermissionDenied(f"Only someone with the Approve Refund privilege can {verb} a refund.")


def _awaiting(edit: OrderEdit, refund_id: int, verb: str) -> Refund:
    refund = Refund.objects.select_for_update().filter(pk=refund_id, order_id=edit.order.pk).first()
    if refund is None:
        raise NotFound("No such refund.")
    if refund.status != _R.AWAITING_APPROVAL:
        raise DomainError(PaymentError.REFUND_NOT_AWAITING,
                          f"This refund is {refund.get_status_display()}: it is no longer awaiting approval.",
                          status=409)  # fmt: skip
    if refund.requested_by_id is not None and refund.requested_by_id == edit.ctx.signed_in_user.pk:
        raise DomainError(PaymentError.REFUND_OWN_REQUEST,
                          f"You requested this refund, so you cannot {verb} it: another person with the Approve "
                          "Refund privilege must decide (four-eyes).", status=403)  # fmt: skip
    return refund


def order_refund_approve(ctx: ActingContext, *, order_id: int, refund_id: int, guard: Guard) -> Refund:
    """Approve a refund awaiting approval (a second person with Approve Refund, never its requester):
    it becomes pending and is issued. A save under the order's lock, which ends it."""
    _decider(ctx, "approve")
    with order_edit(ctx, order_id=order_id, guard=guard, then=Then.RELEASE) as edit:
        refund = _awaiting(edit, refund_id, "approve")
        refund.transition_to(_R.PENDING)
        refund.decided_by, refund.decided_at = ctx.user, clock.now()
        refund.save(update_fields=["status", "decided_by", "decided_at"])
        edit.record(OrderAction.REFUND_APPROVED, data=_event_data(refund))
        _enqueue_issue(refund)
    return refund_issue(edit.ctx, refund_id=refund.pk)


def order_refund_reject(ctx: ActingContext, *, order_id: int, refund_id: int, guard: Guard, reason: str) -> Refund:
    """Reject a refund awaiting approval, with a reason (a second person, never its requester): its
    reserved amount can be refunded again. A save under the order's lock, which ends it."""
    _decider(ctx, "reject")
    reason = (reason or "").strip()
    if problem := text_problem(reason, limit=NOTE_MAX, required="Give a reason for rejecting the refund."):
        raise _invalid("reason", problem)
    with order_edit(ctx, order_id=order_id, guard=guard, then=Then.RELEASE) as edit:
        refund = _awaiting(edit, refund_id, "reject")
        refund.transition_to(_R.REJECTED)
        refund.decided_by, refund.decided_at, refund.decision_note = ctx.user, clock.now(), reason
        refund.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        _release(refund)
        edit.record(OrderAction.REFUND_REJECTED, data=_event_data(refund, reason=reason))
        _settled(edit, refund)
    return refund


# --- What the console and the API show ------------------------------------------------------------


def parse_amount(text: str, currency: str) -> Money:
    """An amount typed by a person ("12.50"; a thousands comma is allowed), or a field error."""
    cleaned = (text or "").strip().replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise _invalid("amount", "Enter an amount, e.g. 12.50.") from exc
    if not value.is_finite():
        raise _invalid("amount", "Enter an amount, e.g. 12.50.")
    return Money(value, currency)


def order_refunds(order: Order) -> list[Refund]:
    """The order's refunds, oldest first, with who requested and who decided them."""
    return list(order.refunds.select_related("requested_by", "decided_by").order_by("created_at", "id"))


def original_source_label(order: Order) -> str:
    """Refund Options: the payment source the order was paid with, in words."""
    capture = next(iter(refundable_captures(order.pk)), None)
    if capture is not None:
        return capture.source_label or "Original payment source"
    authorization = order.transactions.filter(kind=PaymentTransaction.Kind.AUTHORIZE).first()
    return authorization.source_label if authorization is not None else "Original payment source"


def other_sources(order: Order) -> list[PaymentSource]:
    """Refund Options: the customer's (or their organization's) other cards on file."""
    original = {c.source_id for c in refundable_captures(order.pk)}
    return [s for s in refund_sources(order) if s.pk not in original]


def refunds_awaiting_approval(ctx: ActingContext, *, limit: int = 20) -> list[Refund]:
    """For an approver: the refunds of the stores they serve waiting for a second person, oldest
    first (the Customer Service home). Empty without the Approve Refund privilege."""
    if not ctx.has_perm(Priv.APPROVE_REFUND):
        return []
    return list(
        Refund.objects.filter(status=_R.AWAITING_APPROVAL, order__store_id__in=stores_served(ctx))
        .select_related("order", "order__store", "requested_by")
        .order_by("created_at", "id")[:limit]
    )
