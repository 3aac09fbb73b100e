"""The Create Return and Create Exchange wizards of the order console (seed 004 "Returns, Exchanges
and Refunds", "Digital Asset Return").

Step one (the items: quantity, reason, comments; for shippable goods whether they must be received
first) and its **Next** only check what was entered and show step two, writing nothing. Step two is
the refund (the suggested amount, which may be lowered; the original payment source, another of the
customer's cards, or **Manual Refund**) or, for an exchange, the SKUs to send and the difference in
price; its **Next** creates the return through the order's edit guard (the lock this browser holds
and the version the page showed) and shows the RMA; **Finish** goes back to the order.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from concierge.catalog.models import Sku
from concierge.core.errors import DomainError, NotFound
from concierge.core.forms import checks_text
from concierge.core.requests import ConciergeRequest
from concierge.identity.roles import Priv
from concierge.orders.editing import EditGuard, parse_version
from concierge.orders.locks import ORDER_HEARTBEAT
from concierge.orders.models import Order
from concierge.orders.selectors import access_order
from concierge.payments.models import PaymentSource, Refund
from concierge.returns import services
from concierge.returns.models import Return, ReturnReason
from concierge.returns.services import ItemIn, RefundIn, ReturnIn
from concierge.service.order_views import held_token, order_url, refused
from concierge.service.views import staff_required

NOT_CARRIED = frozenset({"csrfmiddlewaretoken", "go", "amount", "destination", "source", "note"})
ITEM_FIELDS = {"quantity", "reason", "comments", "sku", "items"}
TITLES: dict[str, str] = {Return.Kind.RETURN: "Create Return", Return.Kind.EXCHANGE: "Create Exchange"}


def _order(request: ConciergeRequest, number: str) -> Order:
    try:
        return access_order(request.ctx, number)
    except NotFound as exc:
        raise Http404("No such order.") from exc


def _kind(data: Any) -> str:
    kind = str(data.get("kind", Return.Kind.RETURN))
    return kind if kind in Return.Kind.values else Return.Kind.RETURN


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _request(order: Order, data: Any) -> ReturnIn:
    """The wizard's fields as the service's request (what step one and step two posted)."""
    items = []
    for returnable in services.returnable_lines(order):
        pk = returnable.line.pk
        raw = str(data.get(f"quantity-{pk}", "") or "").strip()
        quantity = _int(raw) if raw else 0
        if quantity is None:
            raise DomainError("return.quantity_invalid", "Check the items to return.", status=422,
                              fields={f"quantity-{pk}": ["Enter a whole number."]})  # fmt: skip
        items.append(ItemIn(order_line_id=pk, quantity=quantity, reason_id=_int(data.get(f"reason-{pk}")),
                            comments=str(data.get(f"comments-{pk}", "")),
                            exchange_sku_code=str(data.get(f"sku-{pk}", ""))))  # fmt: skip
    amount: Decimal | None = None
    if (raw_amount := str(data.get("amount", "") or "").strip()) != "":
        try:
            amount = Decimal(raw_amount)
        except InvalidOperation as exc:
            raise DomainError("return.refund_invalid", "Enter the refund as an amount.", status=422,
                              fields={"amount": ["Enter the refund as an amount, e.g. 12.50."]}) from exc  # fmt: skip
        if not amount.is_finite():
            raise DomainError("return.refund_invalid", "Enter the refund as an amount.", status=422,
                              fields={"amount": ["Enter the refund as an amount, e.g. 12.50."]})  # fmt: skip
    refund = RefundIn(amount=amount, destination=str(data.get("destination") or Return.Destination.ORIGINAL),
                      source_id=_int(data.get("source")), note=str(data.get("note", "")))  # fmt: skip
    return ReturnIn(kind=_kind(data), items=tuple(items), receipt_required=data.get("receipt_required") == "1",
                    refund=refund)  # fmt: skip


def _editing(request: ConciergeRequest, order: Order) -> bool:
    token = held_token(request, order)
    return bool(token and order.lease_token == token and order.lease_is_live())


def _render(request: ConciergeRequest, order: Order, *, step: str, kind: str, data: Any = None,
            errors: dict[str, list[str]] | None = None, form_error: str = "", status: int = 200,
            **extra: Any) -> HttpResponse:  # fmt: skip
    data = data if data is not None else {}
    errors = errors or {}
    rows = []
    for returnable in services.returnable_lines(order):
        pk = returnable.line.pk
        variants = (
            list(Sku.objects.filter(product_id=returnable.line.sku.product_id, is_active=True)
                 .exclude(kind=Sku.Kind.DIGITAL).order_by("code"))
            if kind == Return.Kind.EXCHANGE and not returnable.is_digital else []
        )  # fmt: skip
        rows.append({
            "r": returnable, "pk": pk, "quantity": data.get(f"quantity-{pk}", ""),
            "reason": _int(data.get(f"reason-{pk}")), "comments": data.get(f"comments-{pk}", ""),
            "sku": data.get(f"sku-{pk}", returnable.line.sku_code), "variants": variants,
            "errors": [m for f in ("quantity", "reason", "comments", "sku") for m in errors.get(f"{f}-{pk}", [])],
        })  # fmt: skip
    context = {
        "order": order, "step": step, "kind": kind, "title": TITLES[kind], "rows": rows, "data": data,
        "errors": errors, "form_error": form_error, "reasons": ReturnReason.objects.filter(is_active=True),
        "editing": _editing(request, order), "heartbeat_seconds": int(ORDER_HEARTBEAT.total_seconds()),
        "may_create": request.ctx.has_perm(Priv.CREATE_RETURN),
        "version": data.get("version", order.version), "why_not": services.why_no_returns(order),
        "carried": [(k, v) for k, v in data.items() if k not in NOT_CARRIED], **extra,
    }  # fmt: skip
    return render(request, "service/orders/return_wizard.html", context, status=status)


@require_GET
@staff_required
def return_new(request: ConciergeRequest, number: str) -> HttpResponse:
    """Step one of Create Return / Create Exchange (``?kind=EXCHANGE``): read-only, it only shows."""
    order = _order(request, number)
    return _render(request, order, step="items", kind=_kind(request.GET), data={"receipt_required": "1"})


def _money_step(
    request: ConciergeRequest, order: Order, data: Any, *, refusal: DomainError | None = None
) -> HttpResponse:
    """Step two, after step one's Next: the items are checked (nothing is written) and priced."""
    kind = _kind(data)
    try:
        wanted = _request(order, data)
        items = services.check_items(order, wanted)
    except DomainError as exc:
        return _render(request, order, step="items", kind=kind, data=data, errors=exc.fields,
                       form_error=exc.message, status=exc.status)  # fmt: skip
    worth = services.suggestion(order, items)
    extra: dict[str, Any] = {
        "checked": items, "suggestion": worth,
        "receipt": services.needs_receipt(items, requested=wanted.receipt_required),
        "sources": [s for s in PaymentSource.objects.filter(customer_id=order.customer_id, is_active=True,
                                                            kind=PaymentSource.Kind.CARD)],
        "original": services.original_source(order),
    }  # fmt: skip
    if kind == Return.Kind.EXCHANGE:
        try:
            extra["quote"] = services.exchange_quote(order, items, worth, rma="")
        except DomainError as exc:
            return _render(request, order, step="items", kind=kind, data=data, errors=exc.fields,
                           form_error=exc.message, status=exc.status)  # fmt: skip
    if refusal is not None:
        extra.update(errors=refusal.fields, form_error=refusal.message, status=refusal.status)
    return _render(request, order, step="money", kind=kind, data=data, **extra)


@checks_text
@require_POST
@staff_required
def return_next(request: ConciergeRequest, number: str) -> HttpResponse:
    """Next from step one (or Back from step two): checks and shows; writes nothing."""
    order = _order(request, number)
    if request.POST.get("go") == "back":
        return _render(request, order, step="items", kind=_kind(request.POST), data=request.POST)
    return _money_step(request, order, request.POST)


@checks_text
@require_POST
@staff_required
def return_create(request: ConciergeRequest, number: str) -> HttpResponse:
    """Next from step two: the return is created under the order's lock and the version shown."""
    order = _order(request, number)
    try:
        guard = EditGuard(version=parse_version(request.POST.get("version")), lease_token=held_token(request, order))
        ret = services.return_create(request.ctx, order_id=order.pk, guard=guard, request=_request(order, request.POST))
    except DomainError as exc:
        if exc.status in {402, 422} and exc.fields:  # the input: shown on the step it belongs to
            fresh = _order(request, number)
            if any(name.split("-")[0] in ITEM_FIELDS for name in exc.fields):
                return _render(request, fresh, step="items", kind=_kind(request.POST), data=request.POST,
                               errors=exc.fields, form_error=exc.message, status=exc.status)  # fmt: skip
            return _money_step(request, fresh, request.POST, refusal=exc)
        return refused(request, order, exc, "details")
    return redirect(reverse("service:order_return_done", args=[order.number, ret.rma]))


@require_GET
@staff_required
def return_done(request: ConciergeRequest, number: str, rma: str) -> HttpResponse:
    """The wizard's last page: the RMA, its status and refund, and Finish (back to the order)."""
    order = _order(request, number)
    ret = Return.objects.filter(order=order, rma=rma).select_related("exchange_order").first()
    if ret is None:
        raise Http404("No such return.")
    return _render(request, order, step="done", kind=ret.kind, ret=ret, items=services.describe_items(ret),
                   refunds=list(Refund.objects.filter(order=order, rma=ret.rma)))  # fmt: skip


@require_POST
@staff_required
def return_cancel(request: ConciergeRequest, number: str, rma: str) -> HttpResponse:
    """Cancel a return or exchange nothing of which has been received (under the order's lock)."""
    order = _order(request, number)
    try:
        guard = EditGuard(version=parse_version(request.POST.get("version")), lease_token=held_token(request, order))
        services.return_cancel(request.ctx, order_id=order.pk, rma=rma, guard=guard)
    except DomainError as exc:
        return refused(request, order, exc, "returns")
    messages.success(request, f"{rma} cancelled.")
    return redirect(order_url(order, "returns"))
