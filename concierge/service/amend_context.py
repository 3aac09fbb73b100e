"""What the Details tab shows for amending an order: the customer's saved addresses (Move Item),
the change awaiting payment authorization with the customer's payment sources (the Payment
Authorization dialog), and the change just authorized (Done)."""

from __future__ import annotations

from typing import Any

from concierge.core.requests import ConciergeRequest
from concierge.orders import amendments
from concierge.orders.models import Amendment
from concierge.orders.selectors import OrderView


def amend_context(request: ConciergeRequest, view: OrderView, *, editing: bool) -> dict[str, Any]:
    if view.tab != "details":
        return {}
    order = view.order
    context: dict[str, Any] = {}
    if editing:
        # Items move out of unreleased shipments to an address; quantities change until release.
        context["movable_shipments"] = {s.pk for s in view.shipments if s.can_edit_shipping()}
        context["changeable_shipments"] = {s.pk for s in view.shipments if s.can_cancel()}
        context["saved_addresses"] = list(order.customer.addresses.order_by("-is_default_shipping", "id"))
        pending = amendments.pending_amendment(order)
        if pending is not None:
            context["amendment"] = pending
            context["payment_sources"] = amendments.payment_sources(order)
    authorized = request.GET.get("authorized", "")
    if authorized.isdigit():
        context["authorized_change"] = (
            order.amendments.filter(pk=int(authorized), status=Amendment.Status.APPLIED)
            .select_related("authorization")
            .first()
        )
    return context
