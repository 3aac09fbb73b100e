"""The order view (seed 004 "Order Workflow Process"): the order's tabs, read-only unless this browser
holds the order's lock, and the seed's dialogs when a change is refused. The page's data comes from
the ``order_page`` selector; search, the edit actions and the timeline's words have their modules
beside this one (``order_search_views``, ``order_edit_views``, ``order_timeline``)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from concierge.core import lease_tokens
from concierge.core.errors import DomainError, NotFound
from concierge.core.requests import ConciergeRequest
from concierge.identity.roles import Priv
from concierge.orders import locks, services
from concierge.orders.errors import OrderError
from concierge.orders.holds import COMMENT_MAX as HOLD_COMMENT_MAX
from concierge.orders.holds import why_cannot_decide
from concierge.orders.models import Order
from concierge.orders.selectors import OrderView, order_page
from concierge.service.amend_context import amend_context
from concierge.service.order_timeline import describe_all
from concierge.service.refund_context import refund_context
from concierge.service.return_tabs import return_context
from concierge.service.views import staff_required

TABS = [
    ("summary", "Summary"),
    ("details", "Details"),
    ("payments", "Payments"),
    ("returns", "Returns and exchanges"),
    ("notes", "Notes"),
    ("holds", "Holds"),
]
LABELS = {"first_name": "First name", "last_name": "Last name", "line1": "Address", "line2": "Address line 2",
          "city": "City", "region": "State/Region", "postal_code": "Postal code", "country": "Country",
          "phone": "Phone"}  # fmt: skip
OPTIONAL = {"line2", "region", "phone"}


def held_token(request: ConciergeRequest, order: Order) -> str | None:
    return lease_tokens.held_token(request, "order", order.pk)


def remember_token(request: ConciergeRequest, order: Order, token: str | None) -> None:
    if token:
        lease_tokens.remember(request, "order", order.pk, token)
    else:
        lease_tokens.forget(request, "order", order.pk)


def order_url(order: Order, tab: str) -> str:
    return reverse("service:order", args=[order.number]) + f"?tab={tab}"


def _view(request: ConciergeRequest, number: str, tab: str) -> OrderView:
    try:
        return order_page(request.ctx, number, tab=tab, lock_events=request.GET.get("locks") == "1")
    except NotFound as exc:
        raise Http404("No such order.") from exc


def _fields(current: dict[str, str], posted: Any, errors: dict[str, list[str]], *, with_phone: bool) -> list[dict]:
    """The address inputs, refilled with what was posted when a save was refused for its input."""
    return [
        {"name": f, "label": LABELS[f], "value": posted.get(f, current[f]) if posted else current[f],
         "errors": errors.get(f, []), "required": f not in OPTIONAL}
        for f in services.ADDRESS_FIELDS if with_phone or f != "phone"
    ]  # fmt: skip


def render_order(request: ConciergeRequest, number: str, *, tab: str, status: int = 200, **extra: Any) -> HttpResponse:
    view = _view(request, number, tab)
    order = view.order
    token = held_token(request, order)
    editing = bool(token and order.lease_token == token and view.locked_by_me)
    context: dict[str, Any] = {
        "view": view,
        "order": order,
        "tab": view.tab,
        "tabs": TABS,
        "editing": editing,
        "locked": view.locked,
        "locked_by_me": view.locked_by_me,
        "locked_by_other": view.locked_by_other,
        "holder_name": view.holder_name,
        "can_unlock": request.ctx.has_perm(Priv.UNLOCK_ORDER),
        "shipments": view.shipments,
        "shipping_methods": view.shipping_methods,
        "transactions": view.transactions,
        "payment_summary": view.payment_summary,
        "holds": view.holds,
        "timeline": describe_all(view.timeline),
        "lock_events_hidden": view.lock_events_hidden,
        "show_lock_events": request.GET.get("locks") == "1",
        "heartbeat_seconds": int(locks.ORDER_HEARTBEAT.total_seconds()),
        "values": {},
        "field_errors": {},
        "version": order.version,
        **refund_context(request.ctx, order, tab=view.tab),
        **amend_context(request, view, editing=editing),  # the Details tab's amendments
        **extra,
    }
    if view.tab == "holds":
        # Each hold with why this person cannot decide it now ("" when they can).
        context["hold_rows"] = [(h, why_cannot_decide(request.ctx, h, order)) for h in view.holds]
        context["holds_pending"] = any(h.is_pending for h in view.holds)
        context["hold_comment_max"] = HOLD_COMMENT_MAX
    context.update(return_context(request, view))  # Create Return / Exchange (Details), the Returns tab
    posted, errors = context["values"], context["field_errors"]
    if view.tab == "summary" and editing:
        current = {f: getattr(order, f"billing_{f}") for f in services.ADDRESS_FIELDS}
        context["billing_fields"] = _fields(current, posted, errors, with_phone=True)
    if view.tab == "details" and editing:
        for shipment in view.shipments:
            current = {f: getattr(shipment, f"ship_{f}", "") for f in services.ADDRESS_FIELDS}
            shipment.form_fields = _fields(current, posted, errors, with_phone=False)  # type: ignore[attr-defined]  # for the template
    return render(request, "service/orders/order.html", context, status=status)


@require_GET
@staff_required
def order_view(request: ConciergeRequest, number: str) -> HttpResponse:
    """The order, read-only unless this browser holds its lock (GET never changes a row)."""
    return render_order(request, number, tab=request.GET.get("tab", "summary"))


DIALOG_TITLES: dict[str, str] = {
    OrderError.STALE: "Order changed",
    OrderError.VERSION_REQUIRED: "Order changed",
    OrderError.LOCKED: "Order locked",
    OrderError.LOCK_LOST: "Lock lost",
}


def refused(request: ConciergeRequest, order: Order, exc: DomainError, tab: str) -> HttpResponse:
    """Show a refusal as the seed's dialog over the freshly read order (nothing was saved): someone
    else's lock ("Order locked"), a lock this browser no longer holds ("Lock lost"), a page older
    than the order or one that named no version ("Order changed"); input errors on the form."""
    if exc.code == OrderError.LOCK_LOST:
        remember_token(request, order, None)
    title = DIALOG_TITLES.get(exc.code, "")
    if exc.fields and not title:
        return render_order(request, order.number, tab=tab, status=exc.status, field_errors=exc.fields,
                            values=request.POST, form_error=exc.message)  # fmt: skip
    message = exc.message
    if exc.code == OrderError.VERSION_REQUIRED:
        message = (f"Order {order.number} cannot be saved: the page did not say which version of the order it "
                   "showed. Reload the order and make the change again.")  # fmt: skip
    reloadable = {OrderError.STALE, OrderError.VERSION_REQUIRED, OrderError.LOCK_LOST}
    dialog = {"title": title or "Not saved", "message": message, "reload_url": order_url(order, tab),
              "reload": exc.code in reloadable}  # fmt: skip
    extra: dict[str, Any] = {"dialog": dialog}
    if exc.code == OrderError.STALE:
        # The page keeps the version this person loaded until they choose Reload (seed 004).
        extra["version"] = request.POST.get("version", "")
    return render_order(request, order.number, tab=tab, status=exc.status, **extra)
