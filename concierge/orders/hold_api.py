"""The Holds tab as an API (seed 004 "Order Holds"): list an order's holds, and decide one — Mark
Resolved or Mark Unresolvable with a comment — under the order's lock (``X-Lease-Token``) and the
version it was based on (``If-Match``), as every console edit. The worker then settles the hold;
list the holds again (or read the order) to see the outcome."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Path, Router, Schema
from pydantic import Field, StringConstraints

from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut
from concierge.api.types import NO_CONTROL_CHARACTERS, ShortText
from concierge.core.errors import DomainError
from concierge.core.requests import ConciergeRequest
from concierge.orders import holds
from concierge.orders.console_api import (
    EDIT_HEADERS,
    ERRORS_EDIT,
    IfMatch,
    LeaseToken,
    console_order,
)
from concierge.orders.editing import EditGuard, parse_version
from concierge.orders.errors import OrderError
from concierge.orders.models import Order
from concierge.orders.selectors import access_order

router = Router(tags=["order console"])

CommentText = Annotated[
    str, StringConstraints(min_length=1, max_length=holds.COMMENT_MAX, pattern=NO_CONTROL_CHARACTERS)
]


class HoldOut(Schema):
    id: int
    reason: str
    status: str = Field(description="OPEN, RESOLVE_PENDING, UNRESOLVABLE_PENDING, RESOLVED or UNRESOLVABLE.")
    status_words: str = Field(description='The status as the Holds tab shows it: "Resolve pending".')
    privilege: str = Field(description="The privilege deciding this hold needs (its rule's).")
    decidable: bool = Field(description="Whether you may decide it now.")
    not_decidable_because: str = Field(description="Why you cannot decide it now; empty when you can.")
    comment: str
    decided_by: str | None
    decided_at: dt.datetime | None
    settled_at: dt.datetime | None


class OrderHoldsOut(Schema):
    number: str
    version: int = Field(description="Send it as `If-Match` with the next edit.")
    status: str
    holds: list[HoldOut]


class HoldDecisionIn(Schema):
    decision: Literal["resolved", "unresolvable"] = Field(description="Mark Resolved or Mark Unresolvable.")
    comment: CommentText = Field(
        description=f"Why; at most {holds.COMMENT_MAX} characters (longer is refused, not cut)."
    )


def _holds_out(request: ConciergeRequest, order: Order) -> OrderHoldsOut:
    rows = []
    for hold in order.holds.select_related("decided_by"):
        why = holds.why_cannot_decide(request.ctx, hold, order)
        rows.append(HoldOut(
            id=hold.pk, reason=hold.reason, status=hold.status, status_words=hold.get_status_display(),
            privilege=hold.privilege, decidable=not why, not_decidable_because=why, comment=hold.comment,
            decided_by=hold.decided_by.display_name if hold.decided_by else None, decided_at=hold.decided_at,
            settled_at=hold.settled_at,
        ))  # fmt: skip
    return OrderHoldsOut(number=order.number, version=order.version, status=order.status, holds=rows)


@router.get("/service/orders/{number}/holds", response={200: OrderHoldsOut, 404: ErrorOut, **ERRORS_AUTH,
                                                        **ERRORS_INPUT})  # fmt: skip
def console_order_holds(request: ConciergeRequest, number: ShortText) -> OrderHoldsOut:
    """The order's holds, each with whether you may decide it and why not."""
    return _holds_out(request, console_order(request, number))


@router.post("/service/orders/{number}/holds/{hold}/decision", response={200: OrderHoldsOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def console_hold_decide(request: ConciergeRequest, number: ShortText, payload: HoldDecisionIn,
                        hold: int = Path(..., ge=1, le=2**31 - 1, description="The hold's id (see the list)."),
                        if_match: str | None = IfMatch,
                        x_lease_token: str | None = LeaseToken) -> OrderHoldsOut:  # fmt: skip
    """Mark the hold resolved or unresolvable: it becomes RESOLVE_PENDING or UNRESOLVABLE_PENDING and
    the worker settles it; the lock stays. 403 `hold.privilege_required` when its rule needs a
    privilege you lack; 409 `hold.not_decidable` once decided or when the order is no longer On Hold."""
    order = console_order(request, number)
    if not order.holds.filter(pk=hold).exists():
        raise DomainError(OrderError.HOLD_NOT_FOUND, "No such hold on this order.", status=404)
    holds.hold_decide(request.ctx, hold_id=hold, decision=payload.decision, comment=payload.comment,
                      guard=EditGuard(version=parse_version(if_match), lease_token=x_lease_token))  # fmt: skip
    return _holds_out(request, access_order(request.ctx, order.number))
