"""Customer lists in the console (seed 002 "Customer List"): each list the CSR may see, on the
Customer Service page with its count and on its own page with its columns, sortable headers and
pages. While open, the page fetches just its table again every few seconds (htmx), so customers
appear and leave without a reload. Pick-Up In-Store Customers has the buttons Mark ready for pickup
and Picked up: one-step order edits under the order's lock and the version the list showed
(``orders/pickup.py``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from concierge.core.errors import DomainError, NotFound
from concierge.core.requests import ConciergeRequest
from concierge.orders.editing import parse_version
from concierge.orders.pickup import PickupStep, pickup_step
from concierge.orders.selectors import access_order, shipment_id_of
from concierge.presence.lists import PICKUP, ListError, OpenList, access_list, list_count, list_page, visible_lists
from concierge.service.views import staff_required

# How often an open list fetches its table again (seconds); the home page's counts, less often.
REFRESH_SECONDS = 5
COUNTS_REFRESH_SECONDS = 15


def list_counts(request: ConciergeRequest) -> list[tuple[OpenList, int]]:
    """The lists the CSR may see with how many rows each has now (for the Customer Service page)."""
    ctx = request.ctx
    return [(open_list, list_count(ctx, open_list)) for open_list in visible_lists(ctx)]


@require_GET
@staff_required
def lists_counts(request: ConciergeRequest) -> HttpResponse:
    """The Customer Service page's "Customer lists" section alone, which it fetches again every
    ``COUNTS_REFRESH_SECONDS``."""
    return render(request, "service/lists/_counts.html",
                  {"customer_lists": list_counts(request), "refresh": COUNTS_REFRESH_SECONDS})  # fmt: skip


def _page_number(value: str) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


@require_GET
@staff_required
def list_view(request: ConciergeRequest, slug: str) -> HttpResponse:
    """One list: its page of rows, sorted by a clicked header (``sort``, ``dir``), paged (``page``).
    An htmx request (the page refreshing itself) gets just the table."""
    ctx = request.ctx
    try:
        open_list = access_list(ctx, slug)
    except DomainError as exc:
        raise Http404("No such customer list.") from exc
    sort = request.GET.get("sort", "")
    direction = request.GET.get("dir", "")
    descending = {"desc": True, "asc": False}.get(direction)
    status = 200
    notice = ""
    try:
        page = list_page(
            ctx, open_list, sort=sort, descending=descending, page=_page_number(request.GET.get("page", ""))
        )
    except DomainError as exc:
        # A stale page number (the list got shorter) or a sort it does not offer: the first page,
        # sorted its usual way, with a word about it.
        notice = exc.message
        status = 200 if exc.code == ListError.PAGE_INVALID else 400
        page = list_page(ctx, open_list)
    context: dict[str, Any] = {
        "page": page,
        "open_list": open_list,
        "is_pickup": open_list.kind is PICKUP,
        "refresh": REFRESH_SECONDS,
        "notice": notice,
        "query": request.GET.urlencode(),
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "service/lists/list.html#table", context, status=status)
    return render(request, "service/lists/list.html", context, status=status)


_DONE = {
    PickupStep.READY: "Order {number} is ready for pickup.",
    PickupStep.PICKED_UP: "Order {number} has been picked up.",
}


@require_POST
@staff_required
def pickup_action(request: ConciergeRequest, number: str, shipment: str, step: str) -> HttpResponse:
    """Mark ready for pickup / Picked up, from the Pick-Up list: the version the list showed names
    what the CSR saw (an order changed since is refused, as is one someone else has open)."""
    ctx = request.ctx
    try:
        pickup = PickupStep(step)
        order = access_order(ctx, number)
        shipment_id = shipment_id_of(order, shipment)
    except (ValueError, NotFound) as exc:
        raise Http404("No such order.") from exc
    back = request.POST.get("back", "")
    if not back.startswith("/service/lists/"):
        back = reverse("service:lists_list", args=["pick-up-in-store-customers"])
    try:
        pickup_step(ctx, shipment_id=shipment_id, version=parse_version(request.POST.get("version")), step=pickup)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, _DONE[pickup].format(number=order.number))
    return redirect(back)
