"""Who may change an order: console staff of the order's store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from concierge.identity.policies import stores_served
from concierge.identity.roles import Priv

if TYPE_CHECKING:
    from concierge.core.context import ActingContext
    from concierge.orders.models import Order


def can_manage_order(ctx: ActingContext, order: Order) -> bool:
    """Console staff who serve the order's store; work Concierge does itself (no user) also may."""
    if ctx.user is None:
        return bool(ctx.system_label)
    return ctx.has_perm(Priv.USE_SERVICE_CONSOLE) and order.store_id in stores_served(ctx)
