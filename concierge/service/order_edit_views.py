"""The order view's actions, each a POST: open the editor (the order locks), its heartbeat, close it
(or leave the page: the order unlocks), Unlock Order, and the edits. Every edit carries the version
the page showed and the token of the lock this browser holds, and goes through the order's edit
guard (``orders/editing.py``): nothing is written without both."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from concierge.core.errors import DomainError, NotFound
from concierge.core.forms import checks_text
from concierge.core.requests import ConciergeRequest
from concierge.orders import locks, services
from concierge.orders.editing import EditGuard, parse_version
from concierge.orders.models import Order
from concierge.orders.selectors import access_order, shipment_id_of
from concierge.service.order_views import held_token, order_url, refused, remember_token
from concierge.service.views import staff_required


def _order(request: ConciergeRequest, number: str) -> Order:
    try:
        return access_order(request.ctx, number)
    except NotFound as exc:
        raise Http404("No such order.") from exc


def _shipment_id(order: Order, number: str) -> int:
    try:
        return shipment_id_of(order, number)
    except NotFound as exc:
        raise Http404("No such shipment.") from exc


def _tab(request: ConciergeRequest, default: str) -> str:
    return request.POST.get("tab", default)


def _guard(request: ConciergeRequest, order: Order) -> EditGuard:
    """What this page's edit carries: the version it showed and the lock token this browser holds."""
    return EditGuard(version=parse_version(request.POST.get("version")), lease_token=held_token(request, order))


def _act(
    request: ConciergeRequest, number: str, tab: str, action: Callable[[Order], str], *, ends_edit: bool
) -> HttpResponse:
    order = _order(request, number)
    try:
        message = action(order)
    except DomainError as exc:
        return refused(request, order, exc, tab)
    if ends_edit:
        remember_token(request, order, None)
    messages.success(request, message)
    return redirect(order_url(order, tab))


@require_POST
@staff_required
def order_edit(request: ConciergeRequest, number: str) -> HttpResponse:
    """Open the order for editing: it locks automatically (seed 004)."""

    def lock(order: Order) -> str:
        grant = locks.order_lock(
            request.ctx, order_id=order.pk, expected_version=parse_version(request.POST.get("version"))
        )
        remember_token(request, order, grant.token)
        return f"Order {order.number} is locked for you to edit."

    return _act(request, number, _tab(request, "summary"), lock, ends_edit=False)


@require_POST
@staff_required
def order_heartbeat(request: ConciergeRequest, number: str) -> HttpResponse:
    """The open editor renews its lock (a POST from the page every minute; a GET never renews)."""
    order = _order(request, number)
    try:
        grant = locks.order_lock_renew(request.ctx, order_id=order.pk, lease_token=held_token(request, order))
    except DomainError as exc:
        remember_token(request, order, None)
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"expires_at": grant.expires_at.isoformat()})


@require_POST
@staff_required
def order_close(request: ConciergeRequest, number: str) -> HttpResponse:
    """Close the editor, abandoning changes, or leave the page (``left``, sent by the page as it
    goes): the order unlocks."""
    order = _order(request, number)
    token = held_token(request, order)
    left = request.POST.get("left") == "1"
    remember_token(request, order, None)
    if token:
        # The lock may already be gone (unlocked by a supervisor, or expired): closing is done anyway.
        with contextlib.suppress(DomainError):
            locks.order_unlock(request.ctx, order_id=order.pk, lease_token=token, reason="left" if left else "closed")
    if left:
        return HttpResponse(status=204)
    messages.success(request, f"Order {order.number} closed; it is unlocked.")
    return redirect(order_url(order, _tab(request, "summary")))


@require_POST
@staff_required
def order_unlock(request: ConciergeRequest, number: str) -> HttpResponse:
    """Unlock Order (supervisors): removes someone else's lock, with a reason."""

    def unlock(order: Order) -> str:
        previous = locks.order_force_unlock(request.ctx, order_id=order.pk, reason=request.POST.get("reason", ""))
        return f"Order {order.number} unlocked." if previous else f"Order {order.number} was not locked."

    return _act(request, number, _tab(request, "summary"), unlock, ends_edit=False)


def _address(request: ConciergeRequest) -> dict[str, str]:
    return {f: request.POST.get(f, "") for f in services.ADDRESS_FIELDS}


@require_POST
@staff_required
def order_billing(request: ConciergeRequest, number: str) -> HttpResponse:
    def save(order: Order) -> str:
        services.order_billing_update(request.ctx, order_id=order.pk, guard=_guard(request, order),
                                      address=_address(request))  # fmt: skip
        return f"Order {order.number} saved; it is unlocked."

    return _act(request, number, "summary", save, ends_edit=True)


@require_POST
@staff_required
def order_cancel(request: ConciergeRequest, number: str) -> HttpResponse:
    def cancel(order: Order) -> str:
        services.order_cancel(request.ctx, order_id=order.pk, reason=request.POST.get("reason", ""),
                              guard=_guard(request, order))  # fmt: skip
        return f"Order {order.number} cancelled."

    return _act(request, number, "summary", cancel, ends_edit=True)


@require_POST
@staff_required
def shipment_shipping(request: ConciergeRequest, number: str, shipment: str) -> HttpResponse:
    def save(order: Order) -> str:
        services.shipment_shipping_update(
            request.ctx, shipment_id=_shipment_id(order, shipment), guard=_guard(request, order),
            shipping_method_code=request.POST.get("shipping_method", ""), address=_address(request),
        )  # fmt: skip
        return f"Order {order.number} saved; it is unlocked."

    return _act(request, number, "details", save, ends_edit=True)


@require_POST
@staff_required
def shipment_release(request: ConciergeRequest, number: str, shipment: str) -> HttpResponse:
    def release(order: Order) -> str:
        services.shipment_release(request.ctx, shipment_id=_shipment_id(order, shipment), guard=_guard(request, order))
        return f"Shipment {shipment} released."

    return _act(request, number, "details", release, ends_edit=False)


@require_POST
@staff_required
def shipment_cancel(request: ConciergeRequest, number: str, shipment: str) -> HttpResponse:
    def cancel(order: Order) -> str:
        services.shipment_cancel(request.ctx, shipment_id=_shipment_id(order, shipment), guard=_guard(request, order),
                                 reason=request.POST.get("reason", ""))  # fmt: skip
        return f"Shipment {shipment} cancelled."

    return _act(request, number, "details", cancel, ends_edit=False)


@checks_text
@require_POST
@staff_required
def order_note(request: ConciergeRequest, number: str) -> HttpResponse:
    """A note is added to the order's history, not an edit of the order: no lock or version needed."""

    def add(order: Order) -> str:
        services.order_note_add(request.ctx, order_id=order.pk, text=request.POST.get("text", ""))
        return "Note added."

    return _act(request, number, "notes", add, ends_edit=False)
