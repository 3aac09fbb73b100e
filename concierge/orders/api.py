"""The caller's own orders."""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import Field

from concierge.api.auth import token_or_session
from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut, OrderOut, OrderSummaryOut, order_out
from concierge.api.types import ShortText
from concierge.core.errors import DomainError, NotFound
from concierge.core.requests import ConciergeRequest
from concierge.orders.errors import OrderError
from concierge.orders.models import Order
from concierge.orders.selectors import access_own_order, orders_of_customer

router = Router(tags=["orders"])


class OrdersIn(Schema):
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=100_000)


@router.get("/orders", response={200: list[OrderSummaryOut], **ERRORS_AUTH, **ERRORS_INPUT}, auth=token_or_session)
def orders_mine(request: ConciergeRequest, params: Query[OrdersIn]) -> list[Order]:
    """The caller's orders, newest first."""
    return list(orders_of_customer(request.ctx)[params.offset : params.offset + params.limit])


@router.get("/orders/{number}", response={200: OrderOut, 404: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT},
            auth=token_or_session)  # fmt: skip
def order_detail(request: ConciergeRequest, number: ShortText) -> OrderOut:
    try:
        return order_out(access_own_order(request.ctx, number))
    except NotFound as exc:
        raise DomainError(OrderError.NOT_FOUND, "No such order.", status=404) from exc
