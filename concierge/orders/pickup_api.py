"""Pickup in store in the order console API (seed 002 "Pick-Up In-Store Customers"): mark a pickup
shipment ready for pickup, and picked up. Order edits like the console's others: ``If-Match`` names
the order version (428 without it, 412 when the order moved on) and ``X-Lease-Token`` the order lock
the caller holds (``POST /service/orders/{number}/lock``); the lock stays with them."""

from __future__ import annotations

from ninja import Router

from concierge.api.types import ShortText
from concierge.core.requests import ConciergeRequest
from concierge.orders.console_api import (
    EDIT_HEADERS,
    ERRORS_EDIT,
    ConsoleOrderOut,
    IfMatch,
    LeaseToken,
    console_order,
    console_order_out,
    edit_guard,
    shipment_id,
)
from concierge.orders.pickup import pickup_collected, pickup_mark_ready
from concierge.orders.selectors import access_order

router = Router(tags=["order console"])


@router.post("/service/orders/{number}/shipments/{shipment}/ready-for-pickup",
             response={200: ConsoleOrderOut, **ERRORS_EDIT}, openapi_extra=EDIT_HEADERS)  # fmt: skip
def console_pickup_ready(request: ConciergeRequest, number: ShortText, shipment: ShortText,
                         if_match: str | None = IfMatch,
                         x_lease_token: str | None = LeaseToken) -> ConsoleOrderOut:  # fmt: skip
    """Mark a pickup shipment ready for pickup (released first if it was not; its share of the
    payment is captured). 409 `pickup.not_allowed` for another kind of shipment or one past it."""
    order = console_order(request, number)
    pickup_mark_ready(request.ctx, shipment_id=shipment_id(order, shipment), guard=edit_guard(if_match, x_lease_token))
    return console_order_out(access_order(request.ctx, order.number))


@router.post("/service/orders/{number}/shipments/{shipment}/picked-up",
             response={200: ConsoleOrderOut, **ERRORS_EDIT}, openapi_extra=EDIT_HEADERS)  # fmt: skip
def console_pickup_collected(request: ConciergeRequest, number: ShortText, shipment: ShortText,
                             if_match: str | None = IfMatch,
                             x_lease_token: str | None = LeaseToken) -> ConsoleOrderOut:  # fmt: skip
    """The customer picked the shipment up: it is shipped, and the order is completed when nothing is
    left. 409 `pickup.not_ready` until it is marked ready."""
    order = console_order(request, number)
    pickup_collected(request.ctx, shipment_id=shipment_id(order, shipment), guard=edit_guard(if_match, x_lease_token))
    return console_order_out(access_order(request.ctx, order.number))
