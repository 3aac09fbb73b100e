"""What the order page shows of returns and exchanges (read only): Create Return and Create Exchange
on the Details tab, and the Returns and exchanges tab's list with each return's refunds."""

from __future__ import annotations

from typing import Any

from concierge.core.requests import ConciergeRequest
from concierge.identity.roles import Priv
from concierge.orders.selectors import OrderView
from concierge.payments.models import Refund
from concierge.returns import services


def return_context(request: ConciergeRequest, view: OrderView) -> dict[str, Any]:
    """What the order page shows of returns: Create Return / Create Exchange on Details (with the
    reason when they are not offered), and the Returns and exchanges tab's list."""
    order = view.order
    if view.tab == "details":
        return {"may_create_return": request.ctx.has_perm(Priv.CREATE_RETURN),
                "why_no_returns": services.why_no_returns(order)}  # fmt: skip
    if view.tab == "returns":
        returns = services.returns_of(order)
        refunds: dict[str, list[Refund]] = {}
        for refund in Refund.objects.filter(order=order).exclude(rma="").order_by("created_at", "id"):
            refunds.setdefault(refund.rma, []).append(refund)
        for ret in returns:
            ret.refunds = refunds.get(ret.rma, [])  # type: ignore[attr-defined]  # for the template
        return {"returns": returns, "may_create_return": request.ctx.has_perm(Priv.CREATE_RETURN)}
    return {}
