"""Returns and exchanges as an API (seed 004): an order's returns, the suggested refund, creating
and cancelling a return or exchange, and another refund for a received return whose refund was
rejected, declined or failed (order edits: ``If-Match`` with the order's version and
``X-Lease-Token`` with its lock, as every order edit), and the Warehouse's search and receipts
(``If-Match`` with the *return's* version: the warehouse holds no order lock)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from django.db.models import prefetch_related_objects
from ninja import Header, Query, Router, Schema
from pydantic import Field, StringConstraints, field_validator

from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut
from concierge.api.types import NO_CONTROL_CHARACTERS, AmountText, ShortText
from concierge.core.errors import DomainError, NotFound, PermissionDenied
from concierge.core.requests import ConciergeRequest
from concierge.identity.roles import Priv
from concierge.orders.console_api import (
    EDIT_HEADERS,
    ERRORS_EDIT,
    IfMatch,
    LeaseToken,
    console_order,
)
from concierge.orders.editing import EditGuard, parse_version
from concierge.orders.models import Order
from concierge.orders.selectors import Day
from concierge.payments.models import Refund
from concierge.returns import services
from concierge.returns.errors import ReturnError
from concierge.returns.models import Return
from concierge.returns.selectors import RETURN_LINES, ReturnCriteria, search_returns
from concierge.returns.services import COMMENTS_LIMIT, NOTE_LIMIT, ItemIn, RefundIn, ReturnIn

router = Router(tags=["returns"])
ReturnIfMatch = Header(None, alias="If-Match", include_in_schema=False)
RECEIPT_HEADERS = {"parameters": [{
    "in": "header", "name": "If-Match", "required": True,
    "description": 'The version of the return the receipt is based on (ReturnOut.version), e.g. "2". Missing: '
                   "428 `return.version_required`; another version: 412 `return.stale`.",
    "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]{1,10}"?$', "minLength": 1},
}]}  # fmt: skip
ERRORS_READ = {404: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT}
Comments = Annotated[str, StringConstraints(max_length=COMMENTS_LIMIT, pattern=NO_CONTROL_CHARACTERS)]
Note = Annotated[str, StringConstraints(max_length=NOTE_LIMIT, pattern=NO_CONTROL_CHARACTERS)]
Destination = Literal["ORIGINAL", "OTHER_SOURCE", "MANUAL"]


class ReturnItemIn(Schema):
    order_line: int = Field(ge=1, le=2**63 - 1, description="The id of the order line (ConsoleLineOut.id).")
    quantity: int = Field(ge=1, le=100_000, description="At most what was shipped and not yet returned.")
    reason: int = Field(ge=1, le=2**63 - 1, description="A return reason's id (GET /service/return-reasons).")
    comments: Comments = ""
    exchange_sku: ShortText = Field(default="", description="An exchange: the SKU code to send (default: the same).")


class ReturnCreateIn(Schema):
    kind: Literal["RETURN", "EXCHANGE"] = "RETURN"
    items: list[ReturnItemIn] = Field(min_length=1, max_length=200)
    receipt_required: bool = Field(default=True, description="Shippable goods must be received first (digital: "
                                   "never).")  # fmt: skip
    refund_amount: AmountText | None = Field(default=None, description='At most the suggestion, e.g. "12.50"; '
                                             "omitted: the suggestion.")  # fmt: skip
    refund_destination: Destination = "ORIGINAL"
    refund_source: int | None = Field(default=None, ge=1, le=2**63 - 1, description="For OTHER_SOURCE: a card id.")
    note: Note = ""


class ReturnLineOut(Schema):
    id: int
    order_line: int
    sku_code: str
    product_name: str
    quantity: int
    received_quantity: int
    reason: str
    comments: str
    digital: bool
    price: Decimal
    discount: Decimal
    tax: Decimal
    value: Decimal
    exchange_sku: str


class ReturnRefundOut(Schema):
    amount: Decimal
    currency: str
    destination: str
    status: str = Field(description="AWAITING_APPROVAL, PENDING, ISSUED, REJECTED, DECLINED or FAILED.")
    reason: str = Field(description="Why it was rejected (the approver's reason) or declined (the gateway's words).")


class ReturnOut(Schema):
    rma: str
    kind: str
    status: str = Field(description="AWAITING_RECEIPT, RECEIVED (the goods are back, its refund not issued yet), "
                        "COMPLETED or CANCELLED.")  # fmt: skip
    refund_waiting: str = Field(description="A RECEIVED return: APPROVAL (its refund awaits a second person's "
                                "approval), ISSUING (being issued) or REFUSED (rejected, declined or failed: "
                                "another refund completes it). Blank otherwise.")  # fmt: skip
    version: int = Field(description="Send as If-Match with a receipt.")
    order: str
    customer_name: str
    email: str
    receipt_required: bool
    currency: str
    value: Decimal = Field(description="What the returned units cost the customer (the suggestion before a cap).")
    refund_amount: Decimal
    refund_destination: str
    exchange_order: str | None
    exchange_charge: Decimal
    created_at: dt.datetime
    lines: list[ReturnLineOut]
    refunds: list[ReturnRefundOut]


class ReturnRefundIn(Schema):
    """Another refund for a received return whose refund was rejected, declined or failed."""

    amount: AmountText | None = Field(default=None, description='At most what the goods are worth less what was '
                                      'issued, e.g. "12.50"; omitted: what is left of its refund; "0": nothing more '
                                      "(the return completes).")  # fmt: skip
    destination: Destination = "ORIGINAL"
    source: int | None = Field(default=None, ge=1, le=2**63 - 1, description="For OTHER_SOURCE: a card of the "
                               "customer or of the order's account.")  # fmt: skip
    note: Note = ""


class OrderReturnOut(Schema):
    """The answer of an order edit: the order's new version (the next If-Match) and the return."""

    version: int
    ret: ReturnOut = Field(alias="return")


class SuggestionOut(Schema):
    value: Decimal
    refundable: Decimal
    suggested: Decimal
    exchange_charge: Decimal | None
    exchange_refund: Decimal | None
    currency: str


class ReceiptItemIn(Schema):
    line: int = Field(ge=1, le=2**63 - 1, description="ReturnLineOut.id")
    quantity: int = Field(ge=0, le=100_000)


class ReceiptIn(Schema):
    items: list[ReceiptItemIn] = Field(min_length=1, max_length=200)


class ReturnSearchIn(Schema):
    rma: Annotated[str, StringConstraints(max_length=20, pattern=NO_CONTROL_CHARACTERS)] = ""
    order_number: Annotated[str, StringConstraints(max_length=20, pattern=NO_CONTROL_CHARACTERS)] = ""
    name: Annotated[str, StringConstraints(max_length=160, pattern=NO_CONTROL_CHARACTERS)] = ""
    email: Annotated[str, StringConstraints(max_length=254, pattern=NO_CONTROL_CHARACTERS)] = ""
    status: Literal["", "AWAITING_RECEIPT", "RECEIVED", "COMPLETED", "CANCELLED"] = ""
    created_from: Day = Field(default=None, description="First day created, e.g. 2026-11-01.")
    created_to: Day = Field(default=None, description="Last day created, e.g. 2026-11-30.")

    @field_validator("created_from", "created_to", mode="before")
    @classmethod
    def _day(cls, value: object) -> object:
        """A day as YYYY-MM-DD or nothing (the empty value a form sends); never a number of seconds."""
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
            raise ValueError("Not a date: use a day that exists, e.g. 2026-11-30.")
        return value.strip()


class ReturnableOut(Schema):
    order_line: int
    sku_code: str
    product_name: str
    digital: bool
    shipped: int
    returned: int
    available: int


class ReasonOut(Schema):
    id: int
    name: str
    system: bool


def _return(request: ConciergeRequest, rma: str) -> Return:
    try:
        return services.access_return(request.ctx, rma)
    except NotFound as exc:
        raise DomainError(ReturnError.NOT_FOUND, "No such return.", status=404) from exc


def refunds_by_return(returns: list[Return]) -> dict[tuple[int, str], list[Refund]]:
    """The refunds of these returns (a refund names its order and the return's RMA), in one query."""
    found: dict[tuple[int, str], list[Refund]] = {}
    rmas = {ret.rma for ret in returns}
    for refund in Refund.objects.filter(rma__in=rmas, order_id__in={ret.order_id for ret in returns}):
        found.setdefault((refund.order_id, refund.rma), []).append(refund)
    return found


def returns_out(returns: list[Return]) -> list[ReturnOut]:
    """A page of returns: their lines and their refunds read at once, not per return."""
    prefetch_related_objects(returns, RETURN_LINES)  # skips returns whose lines were fetched already
    refunds = refunds_by_return(returns)
    return [return_out(ret, refunds=refunds.get((ret.order_id, ret.rma), [])) for ret in returns]


def return_out(ret: Return, *, refunds: list[Refund] | None = None) -> ReturnOut:
    prefetch_related_objects([ret], RETURN_LINES)
    lines = [
        ReturnLineOut(id=line.pk, order_line=line.order_line_id, sku_code=line.order_line.sku_code,
                      product_name=line.order_line.product_name, quantity=line.quantity,
                      received_quantity=line.received_quantity, reason=line.reason.name, comments=line.comments,
                      digital=line.is_digital, price=line.price, discount=line.discount, tax=line.tax,
                      value=line.value, exchange_sku=line.exchange_sku.code if line.exchange_sku else "")
        for line in ret.lines.all()
    ]  # fmt: skip
    if refunds is None:
        refunds = list(Refund.objects.filter(order_id=ret.order_id, rma=ret.rma))
    refunds_out = [ReturnRefundOut(amount=r.amount, currency=r.currency, destination=r.destination,
                                   status=r.status, reason=r.decision_note or (r.message if r.status != "ISSUED"
                                                                               else "")) for r in refunds]  # fmt: skip
    return ReturnOut(
        rma=ret.rma, kind=ret.kind, status=ret.status, refund_waiting=_waiting(ret, refunds),
        version=ret.version, order=ret.order_number,
        customer_name=ret.customer_name, email=ret.email, receipt_required=ret.receipt_required,
        currency=ret.currency, value=ret.value, refund_amount=ret.refund_amount,
        refund_destination=ret.refund_destination,
        exchange_order=ret.exchange_order.number if ret.exchange_order else None,
        exchange_charge=ret.exchange_charge, created_at=ret.created_at, lines=lines, refunds=refunds_out,
    )  # fmt: skip


def _waiting(ret: Return, refunds: list[Refund]) -> str:
    """``Return.refund_wait`` from refunds read already."""
    if ret.status != Return.Status.RECEIVED:
        return ""
    statuses = {r.status for r in refunds}
    if Refund.Status.AWAITING_APPROVAL in statuses:
        return "APPROVAL"
    return "ISSUING" if Refund.Status.PENDING in statuses else "REFUSED"


def _request(payload: ReturnCreateIn) -> ReturnIn:
    return ReturnIn(
        kind=payload.kind,
        items=tuple(ItemIn(order_line_id=i.order_line, quantity=i.quantity, reason_id=i.reason, comments=i.comments,
                           exchange_sku_code=i.exchange_sku) for i in payload.items),
        receipt_required=payload.receipt_required,
        refund=RefundIn(amount=Decimal(payload.refund_amount) if payload.refund_amount else None,
                        destination=payload.refund_destination, source_id=payload.refund_source, note=payload.note),
    )  # fmt: skip


def _edited(order: Order, ret: Return) -> OrderReturnOut:
    version = Order.objects.filter(pk=order.pk).values_list("version", flat=True).get()
    return OrderReturnOut(version=version, **{"return": return_out(Return.objects.get(pk=ret.pk))})


@router.get("/service/return-reasons", response={200: list[ReasonOut], **ERRORS_AUTH})
def return_reasons(request: ConciergeRequest) -> list[ReasonOut]:
    """The reasons a return may give: the system's and the custom ones added in the admin."""
    if not request.ctx.has_perm(Priv.USE_SERVICE_CONSOLE):
        raise PermissionDenied("Return reasons are for customer service staff.")
    from concierge.returns.models import ReturnReason

    return [ReasonOut(id=r.pk, name=r.name, system=r.is_system) for r in ReturnReason.objects.filter(is_active=True)]


@router.get("/service/orders/{number}/returnable", response={200: list[ReturnableOut], **ERRORS_READ})
def order_returnable(request: ConciergeRequest, number: ShortText) -> list[ReturnableOut]:
    """Each line of the order with what was shipped and is already returned: what can come back."""
    return [ReturnableOut(order_line=r.line.pk, sku_code=r.line.sku_code, product_name=r.line.product_name,
                          digital=r.is_digital, shipped=r.shipped, returned=r.returned, available=r.available)
            for r in services.returnable_lines(console_order(request, number))]  # fmt: skip


@router.get("/service/orders/{number}/returns", response={200: list[ReturnOut], **ERRORS_READ})
def order_returns(request: ConciergeRequest, number: ShortText) -> list[ReturnOut]:
    """The order's returns and exchanges, newest first (the Returns and exchanges tab)."""
    return returns_out(list(services.returns_of(console_order(request, number))))


@router.post("/service/orders/{number}/returns/quote", response={200: SuggestionOut, **ERRORS_READ})
def order_return_quote(request: ConciergeRequest, number: ShortText, payload: ReturnCreateIn) -> SuggestionOut:
    """The wizard's first Next: the items checked and the suggested refund (or the exchange's price
    difference). It writes nothing."""
    order = console_order(request, number)
    items = services.check_items(order, _request(payload))
    worth = services.suggestion(order, items)
    quote = services.exchange_quote(order, items, worth, rma="") if payload.kind == "EXCHANGE" else None
    return SuggestionOut(value=worth.value.amount, refundable=worth.refundable.amount, suggested=worth.amount.amount,
                         exchange_charge=quote.charge.amount if quote else None,
                         exchange_refund=quote.refund.amount if quote else None, currency=order.currency)  # fmt: skip


@router.post("/service/orders/{number}/returns", response={200: OrderReturnOut, 402: ErrorOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS, by_alias=True)  # fmt: skip
def order_return_create(
    request: ConciergeRequest, number: ShortText, payload: ReturnCreateIn, if_match: str | None = IfMatch,
    x_lease_token: str | None = LeaseToken,
) -> OrderReturnOut:  # fmt: skip
    """Create Return / Create Exchange (the create_return privilege), under the order's lock; the lock
    stays. Nothing to receive (digital assets, or no receipt asked for): completed at once."""
    order = console_order(request, number)
    guard = EditGuard(version=parse_version(if_match), lease_token=x_lease_token)
    ret = services.return_create(request.ctx, order_id=order.pk, guard=guard, request=_request(payload))
    return _edited(order, ret)


@router.post("/service/orders/{number}/returns/{rma}/cancel", response={200: OrderReturnOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS, by_alias=True)  # fmt: skip
def order_return_cancel(request: ConciergeRequest, number: ShortText, rma: ShortText, if_match: str | None = IfMatch,
                        x_lease_token: str | None = LeaseToken) -> OrderReturnOut:  # fmt: skip
    """Cancel a return or exchange nothing of which has been received, under the order's lock."""
    order = console_order(request, number)
    guard = EditGuard(version=parse_version(if_match), lease_token=x_lease_token)
    ret = services.return_cancel(request.ctx, order_id=order.pk, rma=rma.strip().upper(), guard=guard)
    return _edited(order, ret)


@router.post("/service/orders/{number}/returns/{rma}/refund", response={200: OrderReturnOut, **ERRORS_EDIT},
             openapi_extra=EDIT_HEADERS, by_alias=True)  # fmt: skip
def order_return_refund(
    request: ConciergeRequest, number: ShortText, rma: ShortText, payload: ReturnRefundIn,
    if_match: str | None = IfMatch, x_lease_token: str | None = LeaseToken,
) -> OrderReturnOut:  # fmt: skip
    """Another refund for a RECEIVED return whose refund was rejected, declined or failed (the
    create_return privilege), under the order's lock; the lock stays. Issued, the return completes;
    above the store's threshold it awaits approval by someone else. While its refund awaits approval
    or is being issued: 409 `return.illegal_transition`."""
    order = console_order(request, number)
    guard = EditGuard(version=parse_version(if_match), lease_token=x_lease_token)
    choice = RefundIn(amount=Decimal(payload.amount) if payload.amount else None, destination=payload.destination,
                      source_id=payload.source, note=payload.note)  # fmt: skip
    ret = services.return_refund(request.ctx, order_id=order.pk, rma=rma, guard=guard, refund=choice)
    return _edited(order, ret)


@router.get("/service/returns", response={200: list[ReturnOut], **ERRORS_READ})
def returns_search(request: ConciergeRequest, params: Query[ReturnSearchIn]) -> list[ReturnOut]:
    """The Warehouse's Returns search: every term narrows; at most 50, newest first."""
    if not (services.may_receive(request.ctx) or request.ctx.has_perm(Priv.USE_SERVICE_CONSOLE)):
        raise PermissionDenied("Returns are for warehouse and customer service staff.")
    if params.created_from and params.created_to and params.created_to < params.created_from:
        return []  # a window no return falls in (JSON Schema cannot say "after")
    criteria = ReturnCriteria.parse({k: ("" if v is None else str(v)) for k, v in params.dict().items()})
    return returns_out(search_returns(request.ctx, criteria))


@router.get("/service/returns/{rma}", response={200: ReturnOut, **ERRORS_READ})
def return_detail(request: ConciergeRequest, rma: ShortText) -> ReturnOut:
    return return_out(_return(request, rma))


@router.post("/service/returns/{rma}/receive", response={200: ReturnOut, 409: ErrorOut, 412: ErrorOut,
                                                         428: ErrorOut, **ERRORS_READ},
             openapi_extra=RECEIPT_HEADERS)  # fmt: skip
def return_receive(request: ConciergeRequest, rma: ShortText, payload: ReceiptIn,
                   if_match: str | None = ReturnIfMatch) -> ReturnOut:  # fmt: skip
    """Receive returned items (warehouse staff): partial receipts allowed; the full receipt completes
    the return, issuing its refund or releasing its exchange order."""
    ret = _return(request, rma)
    try:
        version = parse_version(if_match)
    except DomainError as exc:
        raise DomainError(ReturnError.STALE, "The return version must be a number.", status=412) from exc
    quantities: dict[int, int] = {}
    for item in payload.items:
        quantities[item.line] = quantities.get(item.line, 0) + item.quantity
    return return_out(services.return_receive(request.ctx, rma=ret.rma, version=version, quantities=quantities))
