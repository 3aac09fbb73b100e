"""The order console as an API (seed 004): search, detail, lock and unlock, edits, notes, timeline.

Edits name the order version they were based on in ``If-Match`` (412 ``order.stale`` when the
order moved on, 428 ``order.version_required`` without it) and carry the lock's token in
``X-Lease-Token`` (409 ``order.lock_lost`` once it is no longer theirs).
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Header, Query, Router, Schema, Status
from pydantic import Field

from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut
from concierge.api.types import LongText, NameText, PhoneText, ShortText
from concierge.core.errors import DomainError, NotFound, PermissionDenied
from concierge.identity.policies import can_use_console
from concierge.orders import locks, services
from concierge.orders.errors import OrderError
from concierge.orders.models import Order
from concierge.orders.selectors import OrderSearch, Sort, access_order, order_timeline, search_orders

router = Router(tags=["order console"])
IfMatch = Header(None, alias="If-Match", description='The order version the change is based on: "3".')
LeaseToken = Header(None, alias="X-Lease-Token", description="The order lock's token (POST …/lock answers it).")
ERRORS_EDIT = {404: ErrorOut, 409: ErrorOut, 412: ErrorOut, 428: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT}


DATE = r"^([0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))?$"


def _date(value: str) -> dt.date | None:
    """A YYYY-MM-DD day; a day past the month's end (02-30) means its last day."""
    if not value:
        return None
    year, month, day = (int(part) for part in value.split("-"))
    last = calendar.monthrange(max(year, 1), month)[1]
    return dt.date(max(year, 1), month, min(day, last))


class OrderSearchIn(Schema):
    number: ShortText = ""
    first_name: NameText = ""
    last_name: NameText = ""
    email: ShortText = ""
    phone: PhoneText = ""
    postal_code: NameText = ""
    status: str = Field("", pattern="^(|CREATED|ON_HOLD|IN_PROGRESS|PARTIALLY_SHIPPED|COMPLETED|CANCELLED|"
                                    "AWAITING_EXCHANGE)$")  # fmt: skip
    store: NameText = ""
    placed_from: str = Field("", pattern=DATE, description="First day placed, e.g. 2026-11-01.")
    placed_to: str = Field("", pattern=DATE, description="Last day placed, e.g. 2026-11-30.")
    sort: Sort = Sort.NUMBER
    direction: str = Field("asc", pattern="^(asc|desc)$")
    after: str = Field("", max_length=400, pattern="^[A-Za-z0-9_-]*$", description="next_cursor of the last page")
    limit: int = Field(25, ge=1, le=100)


class OrderRowOut(Schema):
    number: str
    store: str
    customer_name: str
    placed_at: dt.datetime
    total: Decimal
    currency: str
    status: str
    locked: bool


class OrderSearchOut(Schema):
    orders: list[OrderRowOut]
    total: int = Field(description="Matches, counted up to 1,000.")
    more: bool = Field(description="More than `total` match.")
    next_cursor: str = Field(description="Pass as `after` for the next page; empty on the last page.")


class AddressIn(Schema):
    first_name: NameText
    last_name: NameText
    line1: ShortText
    line2: ShortText = ""
    city: NameText
    region: NameText = ""
    postal_code: NameText
    country: str = Field(pattern="^[A-Za-z]{2}$")
    phone: PhoneText = ""


class ShippingIn(Schema):
    shipping_method: ShortText
    address: AddressIn


class ReasonIn(Schema):
    reason: LongText


class NoteIn(Schema):
    text: LongText


class LockOut(Schema):
    lease_token: str
    expires_at: dt.datetime
    version: int


class ConsoleLineOut(Schema):
    sku_code: str
    product_name: str
    quantity: int
    unit_price: Decimal
    total: Decimal


class ConsoleShipmentOut(Schema):
    number: str
    kind: str
    status: str
    shipping_method_name: str
    shipping_price: Decimal
    ship_to: dict[str, str]
    editable: bool
    lines: list[ConsoleLineOut]


class ConsoleOrderOut(Schema):
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
    locked_by: str | None
    locked_until: dt.datetime | None
    promotions: list[str]
    shipments: list[ConsoleShipmentOut]
    holds: list[dict[str, str]]


class EventOut(Schema):
    occurred_at: dt.datetime
    actor: str
    on_behalf_of: str
    action: str
    changes: dict[str, list]
    data: dict


def _staff(request: HttpRequest) -> None:
    if request.ctx.user is None or not can_use_console(request.ctx.user):
        raise PermissionDenied("The order console is for customer service staff.")


def _order(request: HttpRequest, number: str) -> Order:
    _staff(request)
    try:
        return access_order(request.ctx, number)
    except NotFound as exc:
        raise DomainError(OrderError.NOT_FOUND, "No such order.", status=404) from exc


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    try:
        return int(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError as exc:
        raise DomainError(OrderError.STALE, 'If-Match must be the order version, e.g. "3".', status=412) from exc


def _address(prefix: str, obj: object) -> dict[str, str]:
    return {f: getattr(obj, f"{prefix}{f}", "") for f in services.ADDRESS_FIELDS if hasattr(obj, f"{prefix}{f}")}


def console_order_out(order: Order) -> ConsoleOrderOut:
    live = order.lease_is_live()
    return ConsoleOrderOut(
        number=order.number, version=order.version, status=order.status, store=order.store.code,
        customer=order.customer.display_name, account=order.account.display_name if order.account else None,
        email=order.email, currency=order.currency, total=order.total, placed_at=order.placed_at,
        billing_address=_address("billing_", order), billing_editable=order.can_edit_billing(),
        locked_by=order.lease_holder_name() if live else None, locked_until=order.lease_expires_at if live else None,
        promotions=order.promotions,
        shipments=[_shipment_out(s) for s in order.shipments.all()],
        holds=[{"reason": h.reason, "status": h.status} for h in order.holds.all()],
    )  # fmt: skip


def _shipment_out(s: object) -> ConsoleShipmentOut:
    return ConsoleShipmentOut(
        number=s.number, kind=s.kind, status=s.status, shipping_method_name=s.shipping_method_name,
        shipping_price=s.shipping_price, ship_to=_address("ship_", s), editable=s.can_edit_shipping(),
        lines=[ConsoleLineOut.model_validate(line, from_attributes=True) for line in s.lines.all()],
    )  # fmt: skip


def _shipment_id(order: Order, number: str) -> int:
    for shipment in order.shipments.all():
        if shipment.number == number:
            return shipment.pk
    raise DomainError(OrderError.NOT_FOUND, "No such shipment.", status=404)


@router.get("/service/orders", response={200: OrderSearchOut, 404: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT})
def console_order_search(request: HttpRequest, params: Query[OrderSearchIn]) -> OrderSearchOut:
    """Orders of the stores the caller serves; customer terms match the billing address by prefix."""
    _staff(request)
    terms = params.dict()
    terms.update(placed_from=_date(params.placed_from), placed_to=_date(params.placed_to),
                 descending=terms.pop("direction") == "desc")  # fmt: skip
    page = search_orders(request.ctx, OrderSearch(**terms))
    return OrderSearchOut(
        orders=[OrderRowOut(number=o.number, store=o.store.code, customer_name=o.customer_name, placed_at=o.placed_at,
                            total=o.total, currency=o.currency, status=o.status, locked=o.lease_is_live())
                for o in page.orders],
        total=page.total, more=page.more, next_cursor=page.next_cursor,
    )  # fmt: skip


@router.get("/service/orders/{number}", response={200: ConsoleOrderOut, 404: ErrorOut, **ERRORS_AUTH,
                                                  **ERRORS_INPUT})  # fmt: skip
def console_order_detail(request: HttpRequest, number: ShortText) -> ConsoleOrderOut:
    return console_order_out(_order(request, number))


@router.post("/service/orders/{number}/lock", response={200: LockOut, **ERRORS_EDIT})
def console_order_lock(request: HttpRequest, number: ShortText, if_match: str | None = IfMatch) -> LockOut:
    """Open the order for editing. Another holder's live lock: 409 naming them. Your own: renewed,
    same token. With If-Match, an order that changed since you loaded it: 412."""
    order = _order(request, number)
    grant = locks.order_lock(request.ctx, order_id=order.pk, expected_version=_version(if_match))
    return LockOut(lease_token=grant.token, expires_at=grant.expires_at, version=order.version)


@router.delete("/service/orders/{number}/lock", response={204: None, **ERRORS_EDIT})
def console_order_unlock(request: HttpRequest, number: ShortText, x_lease_token: str | None = LeaseToken) -> Status:
    """Close the editor: only the lock's token releases it."""
    locks.order_unlock(request.ctx, order_id=_order(request, number).pk, lease_token=x_lease_token)
    return Status(204, None)


@router.post("/service/orders/{number}/unlock", response={200: ConsoleOrderOut, **ERRORS_EDIT})
def console_order_force_unlock(request: HttpRequest, number: ShortText, payload: ReasonIn) -> ConsoleOrderOut:
    """Unlock Order (the unlock-order privilege): removes anyone's lock, with a reason; audited."""
    order = _order(request, number)
    locks.order_force_unlock(request.ctx, order_id=order.pk, reason=payload.reason)
    return console_order_out(access_order(request.ctx, order.number))


@router.put("/service/orders/{number}/billing-address", response={200: ConsoleOrderOut, **ERRORS_EDIT})
def console_order_billing(request: HttpRequest, number: ShortText, payload: AddressIn, if_match: str | None = IfMatch,
                          x_lease_token: str | None = LeaseToken) -> ConsoleOrderOut:  # fmt: skip
    """Save the billing address (until the order is completed); the order unlocks."""
    order = _order(request, number)
    services.order_billing_update(request.ctx, order_id=order.pk, expected_version=_version(if_match),
                                  lease_token=x_lease_token, address=payload.dict())  # fmt: skip
    return console_order_out(access_order(request.ctx, order.number))


@router.put("/service/orders/{number}/shipments/{shipment}/shipping", response={200: ConsoleOrderOut, **ERRORS_EDIT})
def console_shipment_shipping(request: HttpRequest, number: ShortText, shipment: ShortText, payload: ShippingIn,
                              if_match: str | None = IfMatch,
                              x_lease_token: str | None = LeaseToken) -> ConsoleOrderOut:  # fmt: skip
    """Save a shipment's shipping method and address (until it is released); the order unlocks."""
    order = _order(request, number)
    services.shipment_shipping_update(
        request.ctx, shipment_id=_shipment_id(order, shipment), expected_version=_version(if_match),
        lease_token=x_lease_token, shipping_method_code=payload.shipping_method, address=payload.address.dict(),
    )  # fmt: skip
    return console_order_out(access_order(request.ctx, order.number))


@router.post("/service/orders/{number}/notes", response={201: EventOut, 404: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT})
def console_order_note(request: HttpRequest, number: ShortText, payload: NoteIn) -> Status:
    """A comment that joins the order's events and notes (no lock or version needed)."""
    order = _order(request, number)
    event = services.order_note_add(request.ctx, order_id=order.pk, text=payload.text)
    return Status(201, _event_out(event, order.customer.display_name))


def _event_out(event: object, on_behalf_of: str) -> EventOut:
    return EventOut(occurred_at=event.occurred_at, actor=event.actor_label, on_behalf_of=on_behalf_of,
                    action=event.action, changes=event.changes or {}, data=event.data or {})  # fmt: skip


@router.get("/service/orders/{number}/timeline", response={200: list[EventOut], 404: ErrorOut, **ERRORS_AUTH,
                                                           **ERRORS_INPUT})  # fmt: skip
def console_order_timeline(request: HttpRequest, number: ShortText) -> list[EventOut]:
    """Everything that happened to the order, newest first, read from the audit log."""
    return [_event_out(e.event, e.on_behalf_of) for e in order_timeline(_order(request, number))]


@router.post("/service/orders/{number}/cancel", response={200: ConsoleOrderOut, **ERRORS_EDIT})
def console_order_cancel(request: HttpRequest, number: ShortText, payload: ReasonIn, if_match: str | None = IfMatch,
                         x_lease_token: str | None = LeaseToken) -> ConsoleOrderOut:  # fmt: skip
    """Cancel the order (nothing released or shipped yet) under its lock; the order unlocks."""
    order = _order(request, number)
    version = _version(if_match)
    if version is None:
        raise locks.version_required_error()
    services.order_cancel(request.ctx, order_id=order.pk, reason=payload.reason, expected_version=version,
                          lease_token=x_lease_token or "")  # fmt: skip
    return console_order_out(access_order(request.ctx, order.number))


@router.post("/service/orders/{number}/shipments/{shipment}/release", response={200: ConsoleOrderOut, **ERRORS_EDIT})
def console_shipment_release(request: HttpRequest, number: ShortText, shipment: ShortText,
                             if_match: str | None = IfMatch,
                             x_lease_token: str | None = LeaseToken) -> ConsoleOrderOut:  # fmt: skip
    """Release the shipment to the warehouse (its share of the payment is captured); the lock stays."""
    order = _order(request, number)
    version = _version(if_match)
    if version is None:
        raise locks.version_required_error()
    services.shipment_release(request.ctx, shipment_id=_shipment_id(order, shipment), expected_version=version,
                              lease_token=x_lease_token or "")  # fmt: skip
    return console_order_out(access_order(request.ctx, order.number))


@router.post("/service/orders/{number}/shipments/{shipment}/cancel", response={200: ConsoleOrderOut, **ERRORS_EDIT})
def console_shipment_cancel(request: HttpRequest, number: ShortText, shipment: ShortText, payload: ReasonIn,
                            if_match: str | None = IfMatch,
                            x_lease_token: str | None = LeaseToken) -> ConsoleOrderOut:  # fmt: skip
    """Cancel a shipment not yet released (its stock goes back); the lock stays."""
    order = _order(request, number)
    services.shipment_cancel(request.ctx, shipment_id=_shipment_id(order, shipment),
                             expected_version=_version(if_match), lease_token=x_lease_token,
                             reason=payload.reason)  # fmt: skip
    return console_order_out(access_order(request.ctx, order.number))
