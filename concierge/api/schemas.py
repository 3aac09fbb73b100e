"""Schemas more than one domain's routes answer with: the error shape and the customer's order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from concierge.orders.models import Order


class Out(BaseModel):
    """What a route answers with, built by the route from its values (``SomeOut(...)``, or
    ``SomeOut.model_validate(row, from_attributes=True)``) and validated once.

    django-ninja's ``Schema`` reads whatever it is given through a getter that follows managers and
    calls callables, and it does so again for each nested answer when the response is validated: a
    20-line cart's answer spent some 4 ms of its request there. An answer needs none of that."""

    model_config = ConfigDict(from_attributes=True)


class ErrorOut(Schema):
    """Every 4xx and 5xx answer of the API has this shape."""

    code: str
    message: str
    fields: dict[str, list[str]] = {}


# The error statuses a route may answer, for its ``response=`` declaration.
ERRORS_AUTH = {401: ErrorOut, 403: ErrorOut}
ERRORS_INPUT = {400: ErrorOut, 422: ErrorOut}


# --- Orders, as the customer sees them (their own orders, and the answer of a checkout) ---------


class OrderLineOut(Schema):
    sku_code: str
    product_name: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal


class ShipmentOut(Schema):
    number: str
    kind: str
    status: str
    shipping_method_name: str
    lines: list[OrderLineOut]


class OrderSummaryOut(Schema):
    number: str
    status: str
    currency: str
    total: Decimal
    placed_at: dt.datetime


class OrderOut(OrderSummaryOut):
    subtotal: Decimal
    discount_total: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    promotions: list[str]
    placed_with_help: bool
    purchase_order: str = Field(description="The buyer's purchase-order number; empty when none was given.")
    shipments: list[ShipmentOut]


def order_out(order: Order) -> OrderOut:
    return OrderOut(
        number=order.number, status=order.status, currency=order.currency, total=order.total,
        placed_at=order.placed_at, subtotal=order.subtotal, discount_total=order.discount_total,
        shipping_total=order.shipping_total, tax_total=order.tax_total, promotions=order.promotions,
        placed_with_help=order.placed_on_behalf, purchase_order=order.purchase_order,
        shipments=[
            ShipmentOut(number=s.number, kind=s.kind, status=s.status, shipping_method_name=s.shipping_method_name,
                        lines=[OrderLineOut.model_validate(line, from_attributes=True) for line in s.lines.all()])
            for s in order.shipments.all()
        ],
    )  # fmt: skip
