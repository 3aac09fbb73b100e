"""The Create Return and Create Exchange wizards of the order console (seed 004 "Returns, Exchanges
and Refunds", "Digital Asset Return").

Step one (the items: quantity, reason, comments; for shippable goods whether they must be received
first) and its **Next** only check what was entered and show step two, writing nothing. Step two is
the refund (the suggested amount, which may be lowered; the original payment source, another of the
customer's cards, or **Manual Refund**) or, for an exchange, the SKUs to send and the difference in
price; its **Next** creates the return through the order's edit guard (the lock this browser holds
and the version the page showed) and shows the RMA; **Finish** goes back to the order.

A received return whose refund was rejected, declined or failed offers **Issue Refund** on the
Returns and exchanges tab (seed 004 "Creating a Refund"): the amount, a note and the Refund Options;
its **Next** issues the refund through the order's edit guard, and **Finish** goes back to the tab.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concierge.catalog.models import Sku
from concierge.core.errors import DomainError, NotFound
from concierge.core.forms import checks_text
from concierge.core.requests import ConciergeRequest
from concierge.identity.roles import Priv
from concierge.orders.editing import EditGuard, parse_version
from concierge.orders.locks import ORDER_HEARTBEAT
from concierge.orders.models import Order
from concierge.orders.refunds import original_source_label, other_sources, refund_sources
from concierge.orders.selectors import access_order
from concierge.payments.models import Refund
from concierge.returns import services
from concierge.returns.models import Return, ReturnReason
from concierge.returns.services import ItemIn, RefundIn, ReturnIn
from concierge.service.order_views import held_token, order_url, refused, render_order
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
    return ReturnIn(kind=_kind(data), items=tuple(items), receipt_required=data.get("receipt_required") == "1",
                    refund=_refund_in(data))  # fmt: skip


def _refund_in(data: Any) -> RefundIn:
    """The refund fields (amount, Refund Options, note) as the service's request."""
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
    return RefundIn(amount=amount, destination=str(data.get("destination") or Return.Destination.ORIGINAL),
                    source_id=_int(data.get("source")), note=str(data.get("note", "")))  # fmt: skip


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
        "sources": list(refund_sources(order)),  # the customer's cards and the order's account's
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


# --- Issue Refund: another refund for a received return --------------------------------------------

NO_RETURN_PRIVILEGE = "Issuing a refund for a return needs the Can Create Return privilege."


def _received(order: Order, rma: str) -> Return:
    ret = Return.objects.filter(order=order, rma=(rma or "").strip().upper()).first()
    if ret is None:
        raise Http404("No such return.")
    return ret


def _refund_wizard(order: Order, ret: Return, *, step: str, values: dict[str, Any],
                   errors: dict[str, list[str]], refund: Refund | None = None,
                   notice: str = "") -> dict[str, Any]:  # fmt: skip
    limits = services.refund_limits(ret)
    return {
        "step": step, "ret": ret, "values": values, "errors": errors, "refund": refund, "notice": notice,
        "issued": limits.issued.amount, "most": limits.most.amount, "suggested": limits.suggested.amount,
        "threshold": order.store.refund_approval_threshold, "original_label": original_source_label(order),
        "other_sources": other_sources(order), "note_max": services.NOTE_LIMIT,
        "action": reverse("service:order_return_refund", args=[order.number, ret.rma]),
        "finish_url": order_url(order, "returns"),
    }  # fmt: skip


def _refund_page(request: ConciergeRequest, order: Order, wizard: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render_order(request, order.number, tab="returns", status=status, return_refund_wizard=wizard)


def _refund_refused(request: ConciergeRequest, order: Order, message: str, *, status: int) -> HttpResponse:
    dialog = {"title": "Issue Refund", "message": message, "reload_url": order_url(order, "returns"), "reload": False}
    return render_order(request, order.number, tab="returns", status=status, dialog=dialog)


@checks_text
@require_http_methods(["GET", "POST"])
@staff_required
def return_refund(request: ConciergeRequest, number: str, rma: str) -> HttpResponse:
    """GET: Issue Refund's first page (or, with ``done``, its last); POST (**Next**): another refund
    for a received return whose refund was rejected, declined or failed, under the order's guard."""
    order = _order(request, number)
    ret = _received(order, rma)
    if not request.ctx.has_perm(Priv.CREATE_RETURN):
        return _refund_refused(request, order, NO_RETURN_PRIVILEGE, status=403)
    if request.method == "GET":
        if "done" in request.GET:
            done = _int(request.GET.get("done"))
            refund = Refund.objects.filter(order=order, rma=ret.rma, pk=done or 0).first()
            return _refund_page(request, order, _refund_wizard(order, ret, step="done", values={}, errors={},
                                                               refund=refund))  # fmt: skip
        if why := services.why_no_new_refund(ret):
            return _refund_refused(request, order, why, status=409)
        limits = services.refund_limits(ret)
        values = {"amount": f"{limits.suggested.amount:.2f}", "note": "", "destination": Return.Destination.ORIGINAL,
                  "source": ""}  # fmt: skip
        notice = (
            ""
            if _editing(request, order)
            else (f"Order {order.number} is not open for editing by you: Cancel, choose Edit, then Issue Refund.")
        )
        return _refund_page(request, order, _refund_wizard(order, ret, step="amount", values=values, errors={},
                                                           notice=notice))  # fmt: skip
    values = {f: request.POST.get(f, "") for f in ("amount", "note", "destination", "source")}
    before = Refund.objects.filter(order=order, rma=ret.rma).order_by("-pk").values_list("pk", flat=True).first() or 0
    try:
        wanted = _refund_in(request.POST)
        guard = EditGuard(version=parse_version(request.POST.get("version")), lease_token=held_token(request, order))
        services.return_refund(request.ctx, order_id=order.pk, rma=ret.rma, guard=guard, refund=wanted)
    except DomainError as exc:
        if exc.fields and exc.status in {402, 422}:
            wizard = _refund_wizard(order, _received(order, rma), step="amount", values=values, errors=exc.fields)
            return _refund_page(request, order, wizard, status=exc.status)
        return refused(request, order, exc, "returns")
    new = Refund.objects.filter(order=order, rma=ret.rma, pk__gt=before).order_by("-pk").first()
    last_page = reverse("service:order_return_refund", args=[order.number, ret.rma])
    return redirect(f"{last_page}?done={new.pk if new else 0}")
