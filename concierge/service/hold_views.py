"""The Holds tab's action (seed 004 "Order Holds"): select a hold, Mark Resolved or Mark
Unresolvable, enter a comment and Submit. The hold becomes pending and the worker settles it; the
tab's Reload (and the page itself, while a hold is pending) shows the outcome. Like every edit of
the order it carries the version the page showed and this browser's lock token."""

from __future__ import annotations

from django.http import Http404

from concierge.core.forms import checks_text
from concierge.core.requests import ConciergeRequest
from concierge.orders import holds
from concierge.orders.editing import EditGuard, parse_version
from concierge.orders.models import Hold, Order
from concierge.service.order_edit_views import order_action
from concierge.service.order_views import held_token


def _hold_id(request: ConciergeRequest, order: Order) -> int:
    """The hold selected in the list: one of this order's, else "not found"."""
    value = request.POST.get("hold", "")
    hold_id = int(value) if value.isdigit() else None
    if hold_id is None or not Hold.objects.filter(pk=hold_id, order_id=order.pk).exists():
        raise Http404("No such hold.")
    return hold_id


@checks_text
@order_action("holds", ends_edit=False)
def hold_decide(request: ConciergeRequest, order: Order) -> str:
    """Submit: the selected hold is marked resolved or unresolvable; the order stays open for
    editing, so the next hold can be decided in the same sitting."""
    decision = request.POST.get("decision", "")
    hold = holds.hold_decide(
        request.ctx, hold_id=_hold_id(request, order), decision=decision, comment=request.POST.get("comment", ""),
        guard=EditGuard(version=parse_version(request.POST.get("version")), lease_token=held_token(request, order)),
    )  # fmt: skip
    status = hold.get_status_display().lower()
    return f"Hold “{hold.reason}” is {status}: it is being processed. Reload to see the outcome."
