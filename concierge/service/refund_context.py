"""What the order page shows of refunds: whether this person may create or decide refunds, and on
the Payments and Returns and exchanges tabs the order's refunds and what is left to refund."""

from __future__ import annotations

from typing import Any

from concierge.core.context import ActingContext
from concierge.identity.roles import Priv
from concierge.orders.models import Order
from concierge.orders.refunds import order_refunds, refundable

REFUND_TABS = frozenset({"payments", "returns"})


def refund_context(ctx: ActingContext, order: Order, *, tab: str) -> dict[str, Any]:
    context: dict[str, Any] = {
        "can_create_refund": ctx.has_perm(Priv.CREATE_REFUND),
        "can_approve_refund": ctx.has_perm(Priv.APPROVE_REFUND),
        "viewer_id": ctx.user.pk if ctx.user is not None else None,
    }
    if tab in REFUND_TABS:
        context["refunds"] = order_refunds(order)
        context["refundable"] = refundable(order).amount
    return context
