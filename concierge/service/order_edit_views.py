"""The order view's actions, each a POST: open the editor (the order locks), its heartbeat, close it
(or leave the page: the order unlocks), Unlock Order, and the edits. Every edit carries the version
the page showed and the token of the lock this browser holds, and goes through the order's edit
guard (``orders/editing.py``): nothing is written without both."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import wraps

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
from concierge.service.views import View, staff_required


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


def order_action(tab: str, *, ends_edit: bool, posted_tab: bool = False) -> Callable[[Callable[..., str]], View]:
    """An order view's POST by console staff: the decorated ``action(request, order, **url_kwargs)``
    does the work and returns the message shown; a refusal shows the page with it (``refused``).
    ``ends_edit``: the edit released the lock, so this browser forgets its token. Back to ``tab``,
    or to the tab the form names when ``posted_tab``."""

    def decorate(action: Callable[..., str]) -> View:
        @require_POST
        @staff_required
        @wraps(action)
        def view(request: ConciergeRequest, number: str, **kwargs: str) -> HttpResponse:
            back = _tab(request, tab) if posted_tab else tab
            return _act(request, number, back, lambda order: action(request, order, **kwargs), ends_edit=ends_edit)

        return view

    return decorate


@order_action("summary", ends_edit=False, posted_tab=True)
def order_edit(request: ConciergeRequest, order: Order) -> str:
    """Open the order for editing: it locks automatically (seed 004)."""
    grant = locks.order_lock(
        request.ctx, order_id=order.pk, expected_version=parse_version(request.POST.get("version"))
    )
    remember_token(request, order, grant.token)
    return f"Order {order.number} is locked for you to edit."


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


@order_action("summary", ends_edit=False, posted_tab=True)
def order_unlock(request: ConciergeRequest, order: Order) -> str:
    """Unlock Order (supervisors): removes someone else's lock, with a reason."""
    previous = locks.order_force_unlock(request.ctx, order_id=order.pk, reason=request.POST.get("reason", ""))
    return f"Order {order.number} unlocked." if previous else f"Order {order.number} was not locked."


def _address(request: ConciergeRequest) -> dict[str, str]:
    return {f: request.POST.get(f, "") for f in services.ADDRESS_FIELDS}


@order_action("summary", ends_edit=True)
def order_billing(request: ConciergeRequest, order: Order) -> str:
    services.order_billing_update(request.ctx, order_id=order.pk, guard=_guard(request, order),
                                  address=_address(request))  # fmt: skip
    return f"Order {order.number} saved; it is unlocked."


@order_action("summary", ends_edit=True)
def order_cancel(request: ConciergeRequest, order: Order) -> str:
    services.order_cancel(request.ctx, order_id=order.pk, reason=request.POST.get("reason", ""),
                          guard=_guard(request, order))  # fmt: skip
    return f"Order {order.number} cancelled."


@order_action("details", ends_edit=True)
def shipment_shipping(request: ConciergeRequest, order: Order, shipment: str) -> str:
    services.shipment_shipping_update(
        request.ctx, shipment_id=_shipment_id(order, shipment), guard=_guard(request, order),
        shipping_method_code=request.POST.get("shipping_method", ""), address=_address(request),
    )  # fmt: skip
    return f"Order {order.number} saved; it is unlocked."


@order_action("details", ends_edit=False)
def shipment_release(request: ConciergeRequest, order: Order, shipment: str) -> str:
    services.shipment_release(request.ctx, shipment_id=_shipment_id(order, shipment), guard=_guard(request, order))
    return f"Shipment {shipment} released."


@order_action("details", ends_edit=False)
def shipment_cancel(request: ConciergeRequest, order: Order, shipment: str) -> str:
    services.shipment_cancel(request.ctx, shipment_id=_shipment_id(order, shipment), guard=_guard(request, order),
                             reason=request.POST.get("reason", ""))  # fmt: skip
    return f"Shipment {shipment} cancelled."


@checks_text
@order_action("notes", ends_edit=False)
def order_note(request: ConciergeRequest, order: Order) -> str:
    """A note is added to the order's history, not an edit of the order: no lock or version needed."""
    services.order_note_add(request.ctx, order_id=order.pk, text=request.POST.get("text", ""))
    return "Note added."
