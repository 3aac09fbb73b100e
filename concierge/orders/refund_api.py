"""Refunds of an order as an API (seed 004 "Creating a Refund"; RELIABILITY bars 17, 18 and 20).

Creating, approving and rejecting a refund are edits of the order: each names the order version in
``If-Match`` and carries the order lock's token in ``X-Lease-Token`` (POST …/lock), and the lock is
released when it is done, as a save in the console releases it. Errors have the one shape
``{"code", "message", "fields"}``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Router, Schema, Status
from pydantic import Field, StringConstraints

from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut
from concierge.api.types import NO_CONTROL_CHARACTERS, ShortText
from concierge.core.money import Money
from concierge.core.requests import ConciergeRequest
from concierge.orders.console_api import (
    EDIT_HEADERS,
    ERRORS_EDIT,
    IfMatch,
    LeaseToken,
    console_order,
    console_staff,
    edit_guard,
)
from concierge.orders.models import Order
from concierge.orders.refunds import (
    NOTE_MAX,
    order_refund_approve,
    order_refund_create,
    order_refund_reject,
    order_refunds,
    refundable,
    refunds_awaiting_approval,
)
from concierge.payments.models import Refund

router = Router(tags=["refunds"])

NoteText = Annotated[str, StringConstraints(min_length=1, max_length=NOTE_MAX, pattern=NO_CONTROL_CHARACTERS)]


class RefundIn(Schema):
    amount: str = Field(
        pattern=r"^[0-9]{1,10}(\.[0-9]{1,2})?$",
        examples=["12.50"],
        description="In the order's currency, to the cent, e.g. 12.50; above zero and at most what is "
        "refundable (422 `refund.amount_too_large`).",
    )
    destination: Literal["ORIGINAL", "OTHER_SOURCE", "MANUAL"] = Field(
        description="ORIGINAL: the original payment source; OTHER_SOURCE: another of the customer's cards "
        "(`source_id`); MANUAL: Manual Refund, paid by other means (a cheque) and only recorded."
    )
    source_id: int | None = Field(None, description="The card for OTHER_SOURCE (GET …/refunds lists them).")
    note: NoteText = Field(description=f"The details; at most {NOTE_MAX} characters (longer is refused, not cut).")


class RejectIn(Schema):
    reason: NoteText = Field(description=f"Why; at most {NOTE_MAX} characters.")


class RefundOut(Schema):
    id: int
    order: str
    version: int = Field(description="The order's version now (after this change): send it as If-Match next.")
    amount: Decimal
    currency: str
    destination: str
    refund_to: str = Field(description='Where the money goes, in words: "Visa ending in 4242", "Manual Refund".')
    status: str = Field(description="AWAITING_APPROVAL, PENDING, ISSUED, REJECTED, DECLINED or FAILED.")
    status_label: str
    note: str
    rma: str = Field(description="The return's RMA code; empty for a refund made outside a return.")
    message: str = Field(description="The gateway's words when a refund was declined or failed.")
    requested_by: str
    decided_by: str
    decision_note: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    settled_at: dt.datetime | None


class OrderRefundsOut(Schema):
    refundable: Decimal = Field(description="What can still be refunded: captured, less refunded and pending.")
    currency: str
    refunds: list[RefundOut]


def refund_out(refund: Refund, *, version: int | None = None) -> RefundOut:
    """``version``: the order's version when the caller read it already (a list of one order's refunds)."""
    order = refund.order
    if version is None:
        version = Order.objects.filter(pk=order.pk).values_list("version", flat=True).get()
    return RefundOut(
        id=refund.pk, order=order.number, version=version,
        amount=refund.amount, currency=refund.currency, destination=refund.destination,
        refund_to=refund.destination_label, status=refund.status, status_label=refund.get_status_display(),
        note=refund.note, rma=refund.rma, message=refund.message,
        requested_by=refund.requested_by.display_name if refund.requested_by else "Concierge",
        decided_by=refund.decided_by.display_name if refund.decided_by else "", decision_note=refund.decision_note,
        created_at=refund.created_at, decided_at=refund.decided_at, settled_at=refund.settled_at,
    )  # fmt: skip


@router.get("/service/orders/{number}/refunds", response={200: OrderRefundsOut, 404: ErrorOut, **ERRORS_AUTH,
                                                           **ERRORS_INPUT})  # fmt: skip
def console_order_refunds(request: ConciergeRequest, number: ShortText) -> OrderRefundsOut:
    """The order's refunds, oldest first, and what can still be refunded."""
    order = console_order(request, number)
    return OrderRefundsOut(refundable=refundable(order).amount, currency=order.currency,
                           refunds=[refund_out(r, version=order.version) for r in order_refunds(order)])  # fmt: skip


@router.post("/service/orders/{number}/refunds", response={201: RefundOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def console_order_refund_create(request: ConciergeRequest, number: ShortText, payload: RefundIn,
                                if_match: str | None = IfMatch,
                                x_lease_token: str | None = LeaseToken) -> Status:  # fmt: skip
    """Create Refund (the Can Create Refund privilege), at any time for an order: at most what its
    payments captured, less refunds made or pending (422 `refund.amount_too_large`). Above the store's
    approval threshold it answers `AWAITING_APPROVAL` and waits for a second person; otherwise it is
    issued at once (`ISSUED`, or `DECLINED` by the card issuer). The order unlocks."""
    order = console_order(request, number)
    refund = order_refund_create(
        request.ctx, order_id=order.pk, guard=edit_guard(if_match, x_lease_token),
        amount=Money(Decimal(payload.amount), order.currency), destination=payload.destination,
        source_id=payload.source_id, note=payload.note,
    )  # fmt: skip
    return Status(201, refund_out(refund))


@router.post("/service/orders/{number}/refunds/{refund_id}/approve", response={200: RefundOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def console_order_refund_approve(request: ConciergeRequest, number: ShortText, refund_id: int,
                                 if_match: str | None = IfMatch,
                                 x_lease_token: str | None = LeaseToken) -> RefundOut:  # fmt: skip
    """Approve a refund awaiting approval (Approve Refund; never its requester: 403 `refund.own_request`);
    it is issued. The order unlocks."""
    order = console_order(request, number)
    refund = order_refund_approve(request.ctx, order_id=order.pk, refund_id=refund_id,
                                  guard=edit_guard(if_match, x_lease_token))  # fmt: skip
    return refund_out(refund)


@router.post("/service/orders/{number}/refunds/{refund_id}/reject", response={200: RefundOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def console_order_refund_reject(request: ConciergeRequest, number: ShortText, refund_id: int, payload: RejectIn,
                                if_match: str | None = IfMatch,
                                x_lease_token: str | None = LeaseToken) -> RefundOut:  # fmt: skip
    """Reject a refund awaiting approval, with a reason (Approve Refund; never its requester); its
    amount can be refunded again. The order unlocks."""
    order = console_order(request, number)
    refund = order_refund_reject(request.ctx, order_id=order.pk, refund_id=refund_id,
                                 guard=edit_guard(if_match, x_lease_token), reason=payload.reason)  # fmt: skip
    return refund_out(refund)


@router.get("/service/refunds/awaiting-approval", response={200: list[RefundOut], **ERRORS_AUTH, **ERRORS_INPUT})
def console_refunds_awaiting_approval(request: ConciergeRequest) -> list[RefundOut]:
    """For an approver: the refunds of the stores they serve waiting for a second person (empty
    without the Approve Refund privilege)."""
    console_staff(request)
    # Each refund's order is read with it (select_related), so its version is not read again per refund.
    return [refund_out(r, version=r.order.version) for r in refunds_awaiting_approval(request.ctx, limit=100)]
