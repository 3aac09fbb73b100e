"""The order console as an API (seed 004): search, detail, lock and unlock, edits, notes, timeline.

Edits name the order version they were based on in ``If-Match`` (412 ``order.stale`` when the
order moved on, 428 ``order.version_required`` without it) and carry the lock's token in
``X-Lease-Token`` (409 ``order.lock_lost`` once it is no longer theirs).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

from ninja import Header, Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut, Out
from concierge.api.types import NO_CONTROL_CHARACTERS, NameText, PhoneText, ShortText
from concierge.audit.actions import describe
from concierge.core.errors import DomainError, NotFound, PermissionDenied
from concierge.core.requests import ConciergeRequest
from concierge.identity.roles import Priv
from concierge.orders import locks, services
from concierge.orders.editing import EditGuard, parse_version
from concierge.orders.errors import OrderError
from concierge.orders.locks import REASON_MAX
from concierge.orders.models import Order, Shipment
from concierge.orders.selectors import (
    OrderRef,
    OrderSearch,
    access_order,
    access_order_ref,
    order_timeline,
    search_orders,
    shipment_id_of,
)
from concierge.orders.services import NOTE_MAX

if TYPE_CHECKING:
    from concierge.audit.models import Event

router = Router(tags=["order console"])
# Both headers are required on every edit; they are declared optional here only so that a missing one
# gets its own answer (428 order.version_required, 409 order.lock_lost) rather than a 422, and
# documented as required below (EDIT_HEADERS).
IfMatch = Header(None, alias="If-Match", include_in_schema=False)
LeaseToken = Header(None, alias="X-Lease-Token", include_in_schema=False)
_IF_MATCH_DOC = {
    "in": "header", "name": "If-Match", "required": True,
    "description": 'The order version the change is based on, e.g. "3". Missing: 428 `order.version_required`; '
                   "another version: 412 `order.stale`.",
    "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]{1,10}"?$', "minLength": 1},
}  # fmt: skip
_LEASE_TOKEN_DOC = {
    "in": "header", "name": "X-Lease-Token", "required": True,
    "description": "The token of the order lock you hold (POST …/lock answers it). Missing, or not the order's "
                   "live lock: 409 `order.lock_lost` (or `order.locked`, naming who holds it).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
}  # fmt: skip
EDIT_HEADERS = {"parameters": [_IF_MATCH_DOC, _LEASE_TOKEN_DOC]}
LEASE_HEADER = {"parameters": [_LEASE_TOKEN_DOC]}
ERRORS_EDIT = {404: ErrorOut, 409: ErrorOut, 412: ErrorOut, 428: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT}

ReasonText = Annotated[str, StringConstraints(min_length=1, max_length=REASON_MAX, pattern=NO_CONTROL_CHARACTERS)]
NoteText = Annotated[str, StringConstraints(min_length=1, max_length=NOTE_MAX, pattern=NO_CONTROL_CHARACTERS)]
RequiredName = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=NO_CONTROL_CHARACTERS)]
RequiredLine = Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=NO_CONTROL_CHARACTERS)]


class OrderRowOut(Out):
    number: str
    store: str
    customer_name: str
    placed_at: dt.datetime
    total: Decimal
    currency: str
    status: str
    locked: bool


class OrderSearchOut(Out):
    orders: list[OrderRowOut]
    total: int = Field(description="Matches, counted up to 1,000.")
    more: bool = Field(description="More than `total` match.")
    next_cursor: str = Field(description="Pass as `after` for the next page; empty on the last page.")
    previous_cursor: str = Field("", description="Pass as `before` for the previous page; empty on the first page.")


class AddressIn(Schema):
    first_name: RequiredName
    last_name: RequiredName
    line1: RequiredLine
    line2: ShortText = ""
    city: RequiredName
    region: NameText = ""
    postal_code: RequiredName
    country: str = Field(pattern="^[A-Za-z]{2}$")
    phone: PhoneText = ""


class ShippingIn(Schema):
    shipping_method: RequiredLine
    address: AddressIn


class ReasonIn(Schema):
    reason: ReasonText = Field(description=f"Why; at most {REASON_MAX} characters (longer is refused, not cut).")


class NoteIn(Schema):
    text: NoteText


class OrderLockOut(Out):
    """The order lock you now hold: send ``lease_token`` as ``X-Lease-Token`` and ``version`` as
    ``If-Match`` with each edit."""

    lease_token: str
    expires_at: dt.datetime
    version: int


class ConsoleLineOut(Out):
    sku_code: str
    product_name: str
    quantity: int
    unit_price: Decimal
    total: Decimal


class ConsoleShipmentOut(Out):
    number: str
    kind: str
    status: str
    shipping_method_name: str
    shipping_price: Decimal
    ship_to: dict[str, str]
    editable: bool
    release_unavailable: str = Field(description="Why Release Shipment is not available; empty when it is.")
    cancel_unavailable: str = Field(description="Why Cancel Shipment is not available; empty when it is.")
    pickup_state: str = Field("", description="Picked up in store: Not ready, Ready for pickup, Picked up or "
                              "Cancelled; empty for other shipments.")  # fmt: skip
    lines: list[ConsoleLineOut]


class ConsoleOrderOut(Out):
    number: str
    version: int
    status: str
    store: str
    customer: str
    account: str | None
    email: str
    currency: str
    total: Decimal
    placed_at: dt.datetime
    billing_address: dict[str, str]
    billing_editable: bool
    cancel_unavailable: str = Field(description="Why Cancel Order is not available (e.g. a shipment was released); "
                                    "empty when it is.")  # fmt: skip
    locked_by: str | None
    locked_until: dt.datetime | None
    promotions: list[str]
    shipments: list[ConsoleShipmentOut]
    holds: list[dict[str, str]]


class EventOut(Out):
    occurred_at: dt.datetime
    actor: str
    on_behalf_of: str
    action: str = Field(description='The declared audit action, for machines: "order.cancelled".')
    words: str = Field(description='The action as the order timeline shows it to people: "Order cancelled".')
    changes: dict[str, list]
    data: dict


def console_staff(request: ConciergeRequest) -> None:
    """Refuse anyone but customer service staff (403, the one error shape); warehouse staff, who
    use the console's Warehouse only, are refused the orders too."""
    if request.ctx.user is None or not request.ctx.has_perm(Priv.USE_SERVICE_CONSOLE):
        raise PermissionDenied("The order console is for customer service staff.")


def console_order(request: ConciergeRequest, number: str) -> Order:
    """The order ``number`` for the console's routes: staff only, in a store they serve, else 404."""
    console_staff(request)
    try:
        return access_order(request.ctx, number)
    except NotFound as exc:
        raise DomainError(OrderError.NOT_FOUND, "No such order.", status=404) from exc


def console_order_ref(request: ConciergeRequest, number: str) -> OrderRef:
    """The id and version of order ``number`` for routes that read the row under its lock (lock,
    unlock, the order's own edits): staff only, in a store they serve, else 404, as
    :func:`console_order`; one statement, not the order view's six."""
    console_staff(request)
    try:
        return access_order_ref(request.ctx, number)
    except NotFound as exc:
        raise DomainError(OrderError.NOT_FOUND, "No such order.", status=404) from exc


def edit_guard(if_match: str | None, lease_token: str | None) -> EditGuard:
    """What an API edit carries: the version it names in ``If-Match`` and the lease token it holds."""
    return EditGuard(version=parse_version(if_match), lease_token=lease_token)


def _address(prefix: str, obj: object) -> dict[str, str]:
    return {f: getattr(obj, f"{prefix}{f}", "") for f in services.ADDRESS_FIELDS if hasattr(obj, f"{prefix}{f}")}


def console_order_out(order: Order) -> ConsoleOrderOut:
    live = order.lease_is_live()
    return ConsoleOrderOut(
        number=order.number, version=order.version, status=order.status, store=order.store.code,
        customer=order.customer.display_name, account=order.account.display_name if order.account else None,
        email=order.email, currency=order.currency, total=order.total, placed_at=order.placed_at,
        billing_address=_address("billing_", order), billing_editable=order.can_edit_billing(),
        cancel_unavailable=order.why_not_cancellable(),
        locked_by=order.lease_holder_name() if live else None, locked_until=order.lease_expires_at if live else None,
        promotions=order.promotions,
        shipments=[_shipment_out(s) for s in order.shipments.all()],
        holds=[{"reason": h.reason, "status": h.status} for h in order.holds.all()],
    )  # fmt: skip


def _shipment_out(s: Shipment) -> ConsoleShipmentOut:
    return ConsoleShipmentOut(
        number=s.number, kind=s.kind, status=s.status, shipping_method_name=s.shipping_method_name,
        shipping_price=s.shipping_price, ship_to=_address("ship_", s), editable=s.can_edit_shipping(),
        release_unavailable=s.why_not_releasable(), cancel_unavailable=s.why_not_cancellable(),
        pickup_state=s.pickup_state() if s.kind == Shipment.Kind.PICKUP else "",
        lines=[ConsoleLineOut.model_validate(line, from_attributes=True) for line in s.lines.all()],
    )  # fmt: skip


def shipment_id(order: Order, number: str) -> int:
    try:
        return shipment_id_of(order, number)
    except NotFound as exc:
        raise DomainError(OrderError.NOT_FOUND, "No such shipment.", status=404) from exc


@router.get("/service/orders", response={200: OrderSearchOut, 400: ErrorOut, 404: ErrorOut, **ERRORS_AUTH,
                                         **ERRORS_INPUT})  # fmt: skip
def console_order_search(request: ConciergeRequest, params: Query[OrderSearch]) -> OrderSearchOut:
    """Orders of the stores the caller serves; customer terms match the billing address by prefix."""
    console_staff(request)
    page = search_orders(request.ctx, params)
    return OrderSearchOut(
        orders=[OrderRowOut(number=o.number, store=o.store.code, customer_name=o.customer_name, placed_at=o.placed_at,
                            total=o.total, currency=o.currency, status=o.status, locked=o.lease_is_live())
                for o in page.orders],
        total=page.total, more=page.more, next_cursor=page.next_cursor, previous_cursor=page.previous_cursor,
    )  # fmt: skip


@router.get("/service/orders/{number}", response={200: ConsoleOrderOut, 404: ErrorOut, **ERRORS_AUTH,
                                                  **ERRORS_INPUT})  # fmt: skip
def console_order_detail(request: ConciergeRequest, number: ShortText) -> ConsoleOrderOut:
    return console_order_out(console_order(request, number))


@router.post("/service/orders/{number}/lock", response={200: OrderLockOut, **ERRORS_EDIT})
def console_order_lock(request: ConciergeRequest, number: ShortText, if_match: str | None = IfMatch) -> OrderLockOut:
    """Open the order for editing (or renew your own lock: same token). Another holder's live lock:
    409 naming them. With If-Match, an order that changed since you loaded it: 412. An idle lock
    expires after a few minutes: renew it by posting here again while you work."""
    order = console_order_ref(request, number)
    grant = locks.order_lock(request.ctx, order_id=order.id, expected_version=parse_version(if_match))
    return OrderLockOut(lease_token=grant.token, expires_at=grant.expires_at, version=order.version)


@router.delete("/service/orders/{number}/lock", response={204: None, **ERRORS_EDIT}, openapi_extra=LEASE_HEADER)
def console_order_unlock(
    request: ConciergeRequest, number: ShortText, x_lease_token: str | None = LeaseToken
) -> Status:
    """Close the editor: only the lock's token releases it."""
    locks.order_unlock(request.ctx, order_id=console_order_ref(request, number).id, lease_token=x_lease_token)
    return Status(204, None)


@router.post("/service/orders/{number}/unlock", response={200: ConsoleOrderOut, **ERRORS_EDIT})
def console_order_force_unlock(request: ConciergeRequest, number: ShortText, payload: ReasonIn) -> ConsoleOrderOut:
    """Unlock Order (the unlock-order privilege): removes anyone's lock, with a reason; audited."""
    order = console_order_ref(request, number)
    locks.order_force_unlock(request.ctx, order_id=order.id, reason=payload.reason)
    return console_order_out(access_order(request.ctx, number))


@router.put("/service/orders/{number}/billing-address", response={200: ConsoleOrderOut, **ERRORS_EDIT},
            openapi_extra=EDIT_HEADERS)  # fmt: skip
def console_order_billing(request: ConciergeRequest, number: ShortText, payload: AddressIn,
                          if_match: str | None = IfMatch,
                          x_lease_token: str | None = LeaseToken) -> ConsoleOrderOut:  # fmt: skip
    """Save the billing address (until the order is completed); the order unlocks."""
    order = console_order_ref(request, number)
    services.order_billing_update(request.ctx, order_id=order.id, guard=edit_guard(if_match, x_lease_token),
                                  address=payload.dict())  # fmt: skip
    return console_order_out(access_order(request.ctx, number))


@router.put("/service/orders/{number}/shipments/{shipment}/shipping", response={200: ConsoleOrderOut, **ERRORS_EDIT},
            openapi_extra=EDIT_HEADERS)  # fmt: skip
def console_shipment_shipping(request: ConciergeRequest, number: ShortText, shipment: ShortText, payload: ShippingIn,
                              if_match: str | None = IfMatch,
                              x_lease_token: str | None = LeaseToken) -> ConsoleOrderOut:  # fmt: skip
    """Save a shipment's shipping method and address (until it is released); the order unlocks."""
    order = console_order(request, number)
    services.shipment_shipping_update(
        request.ctx, shipment_id=shipment_id(order, shipment), guard=edit_guard(if_match, x_lease_token),
        shipping_method_code=payload.shipping_method, address=payload.address.dict(),
    )  # fmt: skip
    return console_order_out(access_order(request.ctx, order.number))


@router.post("/service/orders/{number}/notes", response={201: EventOut, 404: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT})
def console_order_note(request: ConciergeRequest, number: ShortText, payload: NoteIn) -> Status:
    """A comment that joins the order's events and notes. A note adds to the order's history and
    changes none of its fields, so it needs no lock or version (ADR 0006)."""
    order = console_order(request, number)
    event = services.order_note_add(request.ctx, order_id=order.pk, text=payload.text)
    return Status(201, _event_out(event, order.customer.display_name))


def _event_out(event: Event, on_behalf_of: str) -> EventOut:
    return EventOut(occurred_at=event.occurred_at, actor=event.actor_label, on_behalf_of=on_behalf_of,
                    action=event.action, words=describe(event.action), changes=event.changes or {},
                    data=event.data or {})  # fmt: skip


@router.get("/service/orders/{number}/timeline", response={200: list[EventOut], 404: ErrorOut, **ERRORS_AUTH,
                                                           **ERRORS_INPUT})  # fmt: skip
def console_order_timeline(request: ConciergeRequest, number: ShortText) -> list[EventOut]:
    """Everything that happened to the order, newest first, read from the audit log."""
    return [_event_out(e.event, e.on_behalf_of) for e in order_timeline(console_order(request, number))]


@router.post("/service/orders/{number}/cancel", response={200: ConsoleOrderOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def console_order_cancel(request: ConciergeRequest, number: ShortText, payload: ReasonIn,
                         if_match: str | None = IfMatch,
                         x_lease_token: str | None = LeaseToken) -> ConsoleOrderOut:  # fmt: skip
    """Cancel the order (nothing released or shipped yet) under its lock; the order unlocks."""
    order = console_order_ref(request, number)
    services.order_cancel(request.ctx, order_id=order.id, reason=payload.reason,
                          guard=edit_guard(if_match, x_lease_token))  # fmt: skip
    return console_order_out(access_order(request.ctx, number))


@router.post("/service/orders/{number}/shipments/{shipment}/release", response={200: ConsoleOrderOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def console_shipment_release(request: ConciergeRequest, number: ShortText, shipment: ShortText,
                             if_match: str | None = IfMatch,
                             x_lease_token: str | None = LeaseToken) -> ConsoleOrderOut:  # fmt: skip
    """Release the shipment to the warehouse (its share of the payment is captured); the lock stays."""
    order = console_order(request, number)
    services.shipment_release(request.ctx, shipment_id=shipment_id(order, shipment),
                              guard=edit_guard(if_match, x_lease_token))  # fmt: skip
    return console_order_out(access_order(request.ctx, order.number))


@router.post("/service/orders/{number}/shipments/{shipment}/cancel", response={200: ConsoleOrderOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def console_shipment_cancel(request: ConciergeRequest, number: ShortText, shipment: ShortText, payload: ReasonIn,
                            if_match: str | None = IfMatch,
                            x_lease_token: str | None = LeaseToken) -> ConsoleOrderOut:  # fmt: skip
    """Cancel a shipment not yet released (its stock goes back); the lock stays."""
    order = console_order(request, number)
    services.shipment_cancel(request.ctx, shipment_id=shipment_id(order, shipment),
                             guard=edit_guard(if_match, x_lease_token), reason=payload.reason)  # fmt: skip
    return console_order_out(access_order(request.ctx, order.number))
