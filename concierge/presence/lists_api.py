"""Customer lists in the API (seed 002 "Customer List"): the lists the caller may open, and one page
of a list's rows. Customer service staff only; rows of the stores they serve only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Query, Router, Schema
from pydantic import Field, StringConstraints

from concierge.api.schemas import ERRORS_AUTH, ErrorOut
from concierge.core.errors import PermissionDenied
from concierge.core.requests import ConciergeRequest
from concierge.presence.lists import (
    Cell,
    OpenList,
    Page,
    access_list,
    list_columns,
    list_count,
    list_page,
    may_see_lists,
    visible_lists,
)

router = Router(tags=["customer lists"])

Slug = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern="^[-a-zA-Z0-9_]+$")]


class ListColumnOut(Schema):
    key: str
    label: str
    sortable: bool


class CustomerListOut(Schema):
    slug: str
    name: str
    description: str
    kind: str = Field(description="The registered list kind: the query the list runs.")
    columns: list[ListColumnOut]
    default_sort: str
    sort_descending: bool
    page_size: int
    count: int = Field(description="How many rows the list has now, for the caller.")


class ListCustomerOut(Schema):
    customer_id: str = Field(description="The customer's shared ID (the deep link's `customer`).")
    name: str
    profile: str = Field(description="The customer's profile page in the console.")
    access: str = Field(description="The deep link into Access customer's account (confirmed in the console).")


class ListRowOut(Schema):
    customer: ListCustomerOut
    in_store: bool = Field(description="Pick-Up lists: the customer is in the store now (such rows come first).")
    values: dict[str, str | int | None] = Field(
        description="The row's value for each column key: text, a whole number, a time (ISO 8601) or an amount "
        "(a decimal string, in `currency`); null when there is none."
    )
    currency: str | None = Field(None, description="The currency of the row's amounts (the cart total).")
    order: str | None = Field(None, description="The order the row is about (Pick-Up lists), by number.")
    shipment: str | None = Field(None, description="The pickup shipment (Pick-Up lists), by number.")
    order_version: int | None = Field(None, description="Its version, for `If-Match` on the pickup actions.")


class ListRowsOut(Schema):
    customer_list: CustomerListOut
    rows: list[ListRowOut]
    total: int
    page: int
    pages: int
    sort: str
    direction: Literal["asc", "desc"]


class ListRowsQuery(Schema):
    sort: str = Field("", max_length=40, pattern="^[a-z_]*$", description="A sortable column key of the list.")
    direction: Literal["", "asc", "desc"] = Field("", description="Empty: the list's default direction.")
    page: int = Field(1, ge=1, le=100_000)


def _staff(request: ConciergeRequest) -> None:
    if not may_see_lists(request.ctx):
        raise PermissionDenied("Customer lists are for customer service staff.")


def _list_out(open_list: OpenList, count: int) -> CustomerListOut:
    definition, kind = open_list.definition, open_list.kind
    return CustomerListOut(
        slug=definition.slug, name=definition.name, description=definition.description, kind=kind.key,
        columns=[ListColumnOut(key=c.key, label=c.label, sortable=c.sortable) for c in list_columns(definition, kind)],
        default_sort=definition.default_sort or kind.default_sort, sort_descending=definition.sort_descending,
        page_size=definition.page_size, count=count,
    )  # fmt: skip


def _json(value: Any) -> str | int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _rows_out(page: Page) -> list[ListRowOut]:
    rows = []
    for row in page.rows:
        shipment = row.obj if page.kind.key == "pickup" else None
        has_cart = any(c.cell == Cell.CART for c, _ in row.cells)
        rows.append(ListRowOut(
            customer=ListCustomerOut(customer_id=row.customer.shared_id, name=row.customer.display_name,
                                     profile=f"/service/customers/{row.customer.pk}/",
                                     access=f"/service/assist/?customer={row.customer.shared_id}"),
            in_store=row.in_store,
            values={c.key: _json(v) for c, v in row.cells},
            currency=getattr(row.obj, "list_cart_currency", None) if has_cart else None,
            order=shipment.order.number if shipment is not None else None,
            shipment=shipment.number if shipment is not None else None,
            order_version=shipment.order.version if shipment is not None else None,
        ))  # fmt: skip
    return rows


@router.get("/service/lists", response={200: list[CustomerListOut], **ERRORS_AUTH})
def customer_lists(request: ConciergeRequest) -> list[CustomerListOut]:
    """The customer lists the caller may open, in their order, each with its count now."""
    _staff(request)
    ctx = request.ctx
    return [_list_out(open_list, list_count(ctx, open_list)) for open_list in visible_lists(ctx)]


@router.get("/service/lists/{slug}/rows", response={200: ListRowsOut, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut,
                                                    **ERRORS_AUTH})  # fmt: skip
def customer_list_rows(request: ConciergeRequest, slug: Slug, params: Query[ListRowsQuery]) -> ListRowsOut:
    """One page of a list's rows, sorted by one of its sortable columns (400 `list.sort_invalid`
    otherwise); a page past the end is 404 `list.page_invalid`."""
    _staff(request)
    ctx = request.ctx
    open_list = access_list(ctx, slug)
    descending = {"asc": False, "desc": True}.get(params.direction)
    page = list_page(ctx, open_list, sort=params.sort, descending=descending, page=params.page)
    return ListRowsOut(customer_list=_list_out(open_list, page.total), rows=_rows_out(page), total=page.total,
                       page=page.page, pages=page.pages, sort=page.sort,
                       direction="desc" if page.descending else "asc")  # fmt: skip
