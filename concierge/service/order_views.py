"""The order console (seed 004 "Order Workflow Process"): search, the order view with its tabs,
editing under the order's lock, events and notes. Views parse, call one service, render."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from concierge.core import lease_tokens
from concierge.core.errors import DomainError, NotFound
from concierge.identity.roles import Priv
from concierge.orders import locks, services
from concierge.orders.errors import OrderError
from concierge.orders.models import Order
from concierge.orders.selectors import (
    SORT_LABELS,
    OrderSearch,
    Sort,
    access_order,
    order_timeline,
    search_orders,
)
from concierge.service.views import staff_required
from concierge.stores.models import ShippingMethod

TABS = [
    ("summary", "Summary"),
    ("details", "Details"),
    ("payments", "Payments"),
    ("returns", "Returns and exchanges"),
    ("notes", "Notes"),
    ("holds", "Holds"),
]
SEARCH_FIELDS = ("number", "first_name", "last_name", "email", "phone", "postal_code", "status", "store")


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@require_GET
@staff_required
def order_search(request: HttpRequest) -> HttpResponse:
    """The Orders tab of the search pane and the Order Search Results, sortable by column header."""
    get = request.GET
    ctx = request.ctx
    sort = get.get("sort", Sort.NUMBER)
    sort = Sort(sort) if sort in Sort._value2member_map_ else Sort.NUMBER
    descending = get.get("dir") == "desc"
    values = {f: get.get(f, "").strip()[:80] for f in SEARCH_FIELDS}
    values["status"] = values["status"] if values["status"] in Order.Status.values else ""
    terms = OrderSearch(
        **values,
        placed_from=_date(get.get("placed_from", "")),
        placed_to=_date(get.get("placed_to", "")),
        sort=sort,
        descending=descending,
        after=get.get("after", "")[:400],
    )
    error = ""
    try:
        page = search_orders(ctx, terms)
    except DomainError as exc:
        error, page = exc.message, search_orders(ctx, OrderSearch(**{**terms.__dict__, "after": ""}))
    filters = {k: v for k, v in {**values, "placed_from": get.get("placed_from", ""),
                                 "placed_to": get.get("placed_to", "")}.items() if v}  # fmt: skip
    columns = []
    for column in Sort:
        active = column == sort
        next_dir = "asc" if active and descending else "desc" if active else "asc"
        columns.append({
            "label": SORT_LABELS[column], "active": active, "descending": descending,
            "url": "?" + urlencode({**filters, "sort": column.value, "dir": next_dir}),
            "aria_sort": ("descending" if descending else "ascending") if active else "none",
        })  # fmt: skip
    base = {**filters, "sort": sort.value, "dir": "desc" if descending else "asc"}
    return render(
        request,
        "service/orders/search.html",
        {
            "page": page,
            "values": values,
            "placed_from": get.get("placed_from", ""),
            "placed_to": get.get("placed_to", ""),
            "statuses": Order.Status.choices,
            "stores": ctx.user.stores.order_by("name"),
            "columns": columns,
            "searched": bool(filters) or "sort" in get,
            "next_url": "?" + urlencode({**base, "after": page.next_cursor}) if page.next_cursor else "",
            "first_url": "?" + urlencode(base) if terms.after else "",
            "error": error,
        },
    )


def _token(request: HttpRequest, order: Order) -> str | None:
    return lease_tokens.held_token(request, "order", order.pk)


def _remember(request: HttpRequest, order: Order, token: str | None) -> None:
    if token:
        lease_tokens.remember(request, "order", order.pk, token)
    else:
        lease_tokens.forget(request, "order", order.pk)


def _order_or_404(request: HttpRequest, number: str) -> Order:
    try:
        return access_order(request.ctx, number)
    except NotFound as exc:
        raise Http404("No such order.") from exc


def _page(request: HttpRequest, order: Order, *, tab: str, status: int = 200, **extra: Any) -> HttpResponse:
    ctx = request.ctx
    token = _token(request, order)
    editing = bool(token and order.lease_token == token and order.lease_is_live())
    locked = order.lease_is_live()
    context = {
        "order": order,
        "tab": tab if tab in dict(TABS) else "summary",
        "tabs": TABS,
        "editing": editing,
        "locked": locked,
        "locked_by_me": locked and order.lease_holder_id == ctx.user.pk,
        "locked_by_other": locked and order.lease_holder_id != ctx.user.pk,
        "holder_name": order.lease_holder_name() if locked else "",
        "can_unlock": ctx.has_perm(Priv.UNLOCK_ORDER),
        "shipments": list(order.shipments.all()),
        "values": {},
        "field_errors": {},
        "version": order.version,
        **extra,
    }
    posted, errors = context["values"], context["field_errors"]
    if context["tab"] == "summary" and editing:
        current = {f: getattr(order, f"billing_{f}") for f in services.ADDRESS_FIELDS}
        context["billing_fields"] = _fields(current, posted, errors, with_phone=True)
    if context["tab"] == "details" and editing:
        context["shipping_methods"] = list(ShippingMethod.objects.filter(store_id=order.store_id, is_active=True))
        for shipment in context["shipments"]:
            current = {f: getattr(shipment, f"ship_{f}", "") for f in services.ADDRESS_FIELDS}
            shipment.form_fields = _fields(current, posted, errors, with_phone=False)
    if context["tab"] == "payments":
        context["transactions"] = list(order.transactions.order_by("created_at", "id"))
        totals: dict[str, Any] = {}
        for t in context["transactions"]:
            if t.status == "SUCCEEDED":
                label = t.get_kind_display()
                totals[label] = totals.get(label, 0) + t.amount
        context["payment_summary"] = sorted(totals.items())
    if context["tab"] == "notes":
        context["timeline"] = [_describe(entry) for entry in order_timeline(order)]
    if context["tab"] == "holds":
        context["holds"] = list(order.holds.all())
    return render(request, "service/orders/order.html", context, status=status)


LABELS = {"first_name": "First name", "last_name": "Last name", "line1": "Address", "line2": "Address line 2",
          "city": "City", "region": "State/Region", "postal_code": "Postal code", "country": "Country",
          "phone": "Phone"}  # fmt: skip
OPTIONAL = {"line2", "region", "phone"}


def _fields(current: dict[str, str], posted: Any, errors: dict[str, list[str]], *, with_phone: bool) -> list[dict]:
    """The address inputs, refilled with what was posted when a save was refused for its input."""
    return [
        {"name": f, "label": LABELS[f], "value": posted.get(f, current[f]) if posted else current[f],
         "errors": errors.get(f, []), "required": f not in OPTIONAL}
        for f in services.ADDRESS_FIELDS if with_phone or f != "phone"
    ]  # fmt: skip


# The timeline in the CSR's words (seed 004: "event action"); unknown actions show as recorded.
ACTION_WORDS = {
    "order.placed": "Order placed",
    "order.locked": "Order locked for editing",
    "order.unlocked": "Order unlocked",
    "order.force_unlocked": "Order unlocked by a supervisor",
    "order.billing_address_changed": "Billing address changed",
    "order.cancelled": "Order cancelled",
    "order.note_added": "Note",
    "shipment.released": "Shipment released",
    "shipment.shipped": "Shipment shipped",
    "shipment.cancelled": "Shipment cancelled",
    "shipment.shipping_changed": "Shipping changed",
    "payment.authorize_succeeded": "Payment authorized",
    "payment.capture_succeeded": "Payment captured",
    "payment.reverse_succeeded": "Authorization reversed",
    "payment.refund_succeeded": "Payment refunded",
}
UNLOCK_REASONS = {"saved": "on save", "closed": "editor closed", "signed out": "signed out"}
FIELD_WORDS = {"locked_by": "Locked by", "status": "Order status", "shipment_status": "Shipment status"}


def _describe(entry: Any) -> dict[str, Any]:
    event = entry.event
    data = event.data or {}
    changes = [
        (FIELD_WORDS.get(field, field.replace("billing_", "billing ").replace("ship_", "ship to ").replace("_", " ")),
         pair[0], pair[1])
        for field, pair in (event.changes or {}).items()
    ]  # fmt: skip
    detail = []
    if data.get("shipment"):
        detail.append(f"Shipment {data['shipment']}")
    if event.action == "order.unlocked":
        detail.append(UNLOCK_REASONS.get(data.get("reason", ""), data.get("reason", "")))
    elif data.get("reason") and event.action != "order.note_added":
        detail.append(f"Reason: {data['reason']}")
    if event.action == "order.placed" and data.get("total"):
        detail.append(f"Total {data['total']} {data.get('currency', '')}".strip())
    return {
        "event": event,
        "on_behalf_of": entry.on_behalf_of,
        "words": ACTION_WORDS.get(event.action, event.action),
        "kind": event.action.replace(".", "-"),
        "text": data.get("text", "") if event.action == "order.note_added" else "",
        "changes": changes,
        "detail": " · ".join(detail),
    }


@require_GET
@staff_required
def order_view(request: HttpRequest, number: str) -> HttpResponse:
    """The order, read-only unless this browser holds its lock (GET never changes a row)."""
    return _page(request, _order_or_404(request, number), tab=request.GET.get("tab", "summary"))


def _url(order: Order, tab: str) -> str:
    return reverse("service:order", args=[order.number]) + f"?tab={tab}"


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _refused(request: HttpRequest, number: str, exc: DomainError, tab: str, **extra: Any) -> HttpResponse:
    """Show a refusal as the seed's dialog over the freshly read order (nothing was saved)."""
    order = _order_or_404(request, number)
    if exc.code == OrderError.LOCK_LOST:
        _remember(request, number, None)
    title = {
        OrderError.STALE: "Order changed",
        OrderError.LOCKED: "Order locked",
        OrderError.LOCK_LOST: "Lock lost",
    }.get(exc.code, "")
    if exc.fields and not title:
        messages_for_form = {"field_errors": exc.fields, "values": request.POST, "form_error": exc.message}
        return _page(request, order, tab=tab, status=exc.status, **messages_for_form, **extra)
    reload_url = _url(order, tab)
    dialog = {"title": title or "Not saved", "message": exc.message, "reload_url": reload_url,
              "reload": exc.code in {OrderError.STALE, OrderError.LOCK_LOST}}  # fmt: skip
    if exc.code == OrderError.STALE:
        # The page keeps the version this person loaded until they choose Reload (seed 004).
        extra["version"] = _version(request)
    return _page(request, order, tab=tab, status=exc.status, dialog=dialog, **extra)


def _act(request: HttpRequest, number: str, tab: str, action: Callable[[Order, str | None], str],
         *, ends_edit: bool) -> HttpResponse:  # fmt: skip
    order = _order_or_404(request, number)
    try:
        message = action(order, _token(request, order))
    except DomainError as exc:
        return _refused(request, number, exc, tab)
    if ends_edit:
        _remember(request, order, None)
    messages.success(request, message)
    return redirect(_url(order, tab))


@require_POST
@staff_required
def order_edit(request: HttpRequest, number: str) -> HttpResponse:
    """Open the order for editing: it locks automatically (seed 004)."""
    tab = request.POST.get("tab", "summary")

    def lock(order: Order, _token: str | None) -> str:
        grant = locks.order_lock(request.ctx, order_id=order.pk, expected_version=_version(request))
        _remember(request, order, grant.token)
        return f"Order {order.number} is locked for you to edit."

    return _act(request, number, tab, lock, ends_edit=False)


@require_POST
@staff_required
def order_close(request: HttpRequest, number: str) -> HttpResponse:
    """Close the editor, abandoning changes: the order unlocks."""
    order = _order_or_404(request, number)
    token = _token(request, order)
    _remember(request, order, None)
    if token:
        # The lock may already be gone (unlocked by a supervisor, or expired): closing is done anyway.
        with contextlib.suppress(DomainError):
            locks.order_unlock(request.ctx, order_id=order.pk, lease_token=token)
    messages.success(request, f"Order {order.number} closed; it is unlocked.")
    return redirect(_url(order, request.POST.get("tab", "summary")))


@require_POST
@staff_required
def order_unlock(request: HttpRequest, number: str) -> HttpResponse:
    """Unlock Order (supervisors): removes someone else's lock, with a reason."""

    def unlock(order: Order, _token: str | None) -> str:
        previous = locks.order_force_unlock(request.ctx, order_id=order.pk, reason=request.POST.get("reason", ""))
        return f"Order {order.number} unlocked." if previous else f"Order {order.number} was not locked."

    return _act(request, number, request.POST.get("tab", "summary"), unlock, ends_edit=False)


def _address(request: HttpRequest) -> dict[str, str]:
    return {f: request.POST.get(f, "") for f in services.ADDRESS_FIELDS}


@require_POST
@staff_required
def order_billing(request: HttpRequest, number: str) -> HttpResponse:
    def save(order: Order, token: str | None) -> str:
        services.order_billing_update(request.ctx, order_id=order.pk, expected_version=_version(request),
                                      lease_token=token, address=_address(request))  # fmt: skip
        return f"Order {order.number} saved; it is unlocked."

    return _act(request, number, "summary", save, ends_edit=True)


@require_POST
@staff_required
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    def cancel(order: Order, token: str | None) -> str:
        services.order_cancel(request.ctx, order_id=order.pk, reason=request.POST.get("reason", ""),
                              expected_version=_version(request), lease_token=token)  # fmt: skip
        return f"Order {order.number} cancelled."

    return _act(request, number, "summary", cancel, ends_edit=True)


def _shipment_id(order: Order, shipment_number: str) -> int:
    for shipment in order.shipments.all():
        if shipment.number == shipment_number:
            return shipment.pk
    raise Http404("No such shipment.")


@require_POST
@staff_required
def shipment_shipping(request: HttpRequest, number: str, shipment: str) -> HttpResponse:
    def save(order: Order, token: str | None) -> str:
        services.shipment_shipping_update(
            request.ctx, shipment_id=_shipment_id(order, shipment), expected_version=_version(request),
            lease_token=token, shipping_method_code=request.POST.get("shipping_method", ""),
            address=_address(request),
        )  # fmt: skip
        return f"Order {order.number} saved; it is unlocked."

    return _act(request, number, "details", save, ends_edit=True)


@require_POST
@staff_required
def shipment_release(request: HttpRequest, number: str, shipment: str) -> HttpResponse:
    def release(order: Order, token: str | None) -> str:
        services.shipment_release(request.ctx, shipment_id=_shipment_id(order, shipment),
                                  expected_version=_version(request), lease_token=token or "")  # fmt: skip
        return f"Shipment {shipment} released."

    return _act(request, number, "details", release, ends_edit=False)


@require_POST
@staff_required
def shipment_cancel(request: HttpRequest, number: str, shipment: str) -> HttpResponse:
    def cancel(order: Order, token: str | None) -> str:
        services.shipment_cancel(request.ctx, shipment_id=_shipment_id(order, shipment),
                                 expected_version=_version(request), lease_token=token,
                                 reason=request.POST.get("reason", ""))  # fmt: skip
        return f"Shipment {shipment} cancelled."

    return _act(request, number, "details", cancel, ends_edit=False)


@require_POST
@staff_required
def order_note(request: HttpRequest, number: str) -> HttpResponse:
    def add(order: Order, _token: str | None) -> str:
        services.order_note_add(request.ctx, order_id=order.pk, text=request.POST.get("text", ""))
        return "Note added."

    return _act(request, number, "notes", add, ends_edit=False)
