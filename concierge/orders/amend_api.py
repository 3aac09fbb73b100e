"""Amending an order through the API (seed 004 "Splitting a Shipment", "Updating an Order"): Move
Item (split a shipment), new quantities, a shipping method dearer than the payment covers, and the
Payment Authorization step (authorize on a source, or discard).

Every route is an edit: ``If-Match`` names the order version and ``X-Lease-Token`` the lock held
(the console API's rules, ``console_api``). A change the payment covers answers ``APPLIED``; one
that needs more answers ``PENDING`` with ``to_authorize`` and the order's new ``version``, which
``POST …/authorization`` then names in ``If-Match``. A declined authorization is 402
``payment.declined``; the change stays pending. Prices and totals are the server's: a body names
only lines, quantities, an address and a method.
"""

from __future__ import annotations

from decimal import Decimal

from ninja import Router, Schema
from pydantic import Field

from concierge.api.schemas import ErrorOut
from concierge.api.types import ShortText
from concierge.core.errors import DomainError
from concierge.core.requests import ConciergeRequest
from concierge.orders import amendments
from concierge.orders.amendments import QUANTITY_MAX
from concierge.orders.console_api import (
    EDIT_HEADERS,
    ERRORS_EDIT,
    AddressIn,
    IfMatch,
    LeaseToken,
    RequiredLine,
    console_order,
    edit_guard,
    shipment_id,
)
from concierge.orders.models import Amendment, Order
from concierge.payments.errors import PaymentError

router = Router(tags=["order amendments"])
ERRORS_AMEND = {**ERRORS_EDIT, 402: ErrorOut}  # 402: the authorization was declined


class LineQuantityIn(Schema):
    line_id: int = Field(ge=1, le=2**31 - 1)
    quantity: int = Field(ge=1, le=QUANTITY_MAX, description="A whole number of units, at least 1.")


class SplitIn(Schema):
    lines: list[LineQuantityIn] = Field(min_length=1, max_length=100,
                                        description="The lines to move and how many of each.")  # fmt: skip
    shipping_method: RequiredLine
    address_id: int | None = Field(None, ge=1, le=2**31 - 1, description="One of the customer's saved addresses.")
    address: AddressIn | None = Field(None, description="A new address, when no saved one is named.")


class QuantitiesIn(Schema):
    lines: list[LineQuantityIn] = Field(min_length=1, max_length=100)


class ShippingChangeIn(Schema):
    shipping_method: RequiredLine
    address: AddressIn


class AuthorizeIn(Schema):
    change_id: int = Field(ge=1, le=2**31 - 1, description="The pending change (its `id`).")
    payment_source_id: int = Field(ge=1, le=2**31 - 1, description="One of the customer's active payment sources.")


class DiscardIn(Schema):
    change_id: int = Field(ge=1, le=2**31 - 1)


class AmendmentOut(Schema):
    id: int
    kind: str = Field(description="QUANTITY, SPLIT or SHIPPING.")
    status: str = Field(description="APPLIED (made), PENDING (awaiting Payment Authorization) or DISCARDED.")
    summary: str
    currency: str
    old_total: Decimal
    new_total: Decimal
    to_authorize: Decimal = Field(description="What a pending change authorizes: the new total less what is captured.")
    version: int = Field(description="The order's version now: name it in If-Match for the next edit.")
    authorized_on: str = Field(description="The payment source the change was authorized on; empty if none.")


def _out(amendment: Amendment, order: Order) -> AmendmentOut:
    version = Order.objects.values_list("version", flat=True).get(pk=order.pk)
    authorization = amendment.authorization
    return AmendmentOut(
        id=amendment.pk, kind=amendment.kind, status=amendment.status, summary=amendment.summary,
        currency=order.currency, old_total=amendment.old_total, new_total=amendment.new_total,
        to_authorize=amendment.to_authorize, version=version,
        authorized_on=authorization.source_label if authorization is not None else "",
    )  # fmt: skip


def _lines(lines: list[LineQuantityIn]) -> dict[int, int]:
    return {line.line_id: line.quantity for line in lines}


@router.post("/service/orders/{number}/shipments/{shipment}/split", response={200: AmendmentOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def amend_split(request: ConciergeRequest, number: ShortText, shipment: ShortText, payload: SplitIn,
                if_match: str | None = IfMatch, x_lease_token: str | None = LeaseToken) -> AmendmentOut:  # fmt: skip
    """Move Item: move lines (or a quantity of one) of an unreleased shipment to a new shipment at a
    saved or new address by a shipping method; the lock stays."""
    order = console_order(request, number)
    amendment = amendments.propose_move(
        request.ctx, shipment_id=shipment_id(order, shipment), guard=edit_guard(if_match, x_lease_token),
        lines=_lines(payload.lines), shipping_method_code=payload.shipping_method, address_id=payload.address_id,
        address=payload.address.dict() if payload.address is not None else None,
    )  # fmt: skip
    return _out(amendment, order)


@router.post("/service/orders/{number}/quantities", response={200: AmendmentOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def amend_quantities(request: ConciergeRequest, number: ShortText, payload: QuantitiesIn,
                     if_match: str | None = IfMatch,
                     x_lease_token: str | None = LeaseToken) -> AmendmentOut:  # fmt: skip
    """New quantities of lines not yet released; stock is checked and taken or given back."""
    order = console_order(request, number)
    amendment = amendments.propose_quantities(request.ctx, order_id=order.pk, guard=edit_guard(if_match, x_lease_token),
                                              quantities=_lines(payload.lines))  # fmt: skip
    return _out(amendment, order)


@router.post("/service/orders/{number}/shipments/{shipment}/shipping-change",
             response={200: AmendmentOut, **ERRORS_EDIT}, openapi_extra=EDIT_HEADERS)  # fmt: skip
def amend_shipping(request: ConciergeRequest, number: ShortText, shipment: ShortText, payload: ShippingChangeIn,
                   if_match: str | None = IfMatch, x_lease_token: str | None = LeaseToken) -> AmendmentOut:  # fmt: skip
    """A shipment's shipping method and address, through Payment Authorization when the method
    costs more than the payment covers (``PUT …/shipping`` refuses that with 409
    ``order.authorization_required``)."""
    order = console_order(request, number)
    amendment = amendments.propose_shipping(
        request.ctx, shipment_id=shipment_id(order, shipment), guard=edit_guard(if_match, x_lease_token),
        shipping_method_code=payload.shipping_method, address=payload.address.dict(),
    )  # fmt: skip
    return _out(amendment, order)


@router.post("/service/orders/{number}/authorization", response={200: AmendmentOut, **ERRORS_AMEND},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def amend_authorize(request: ConciergeRequest, number: ShortText, payload: AuthorizeIn,
                    if_match: str | None = IfMatch,
                    x_lease_token: str | None = LeaseToken) -> AmendmentOut:  # fmt: skip
    """Authorize the pending change on a payment source: approved, the change is made (APPLIED) and
    the authorization it replaces reversed; declined, 402 ``payment.declined`` and the change stays
    pending for another source. An order that moved on: 412, and the new authorization is reversed."""
    order = console_order(request, number)
    result = amendments.amendment_authorize(request.ctx, amendment_id=payload.change_id,
                                            guard=edit_guard(if_match, x_lease_token),
                                            source_id=payload.payment_source_id)  # fmt: skip
    if not result.approved:
        message = result.transaction.message or "The payment was declined."
        raise DomainError(PaymentError.DECLINED, message, status=402, fields={"payment_source_id": [message]})
    return _out(result.amendment, order)


@router.post("/service/orders/{number}/authorization/abandon", response={200: AmendmentOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS)  # fmt: skip
def amend_abandon(request: ConciergeRequest, number: ShortText, payload: DiscardIn,
                  if_match: str | None = IfMatch, x_lease_token: str | None = LeaseToken) -> AmendmentOut:  # fmt: skip
    """Discard the change awaiting authorization: the order stays as it was."""
    order = console_order(request, number)
    amendment = amendments.amendment_discard(request.ctx, amendment_id=payload.change_id,
                                             guard=edit_guard(if_match, x_lease_token))  # fmt: skip
    return _out(amendment, order)
