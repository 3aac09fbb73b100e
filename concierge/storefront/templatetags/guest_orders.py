"""My Account's offer to attach the orders placed as a guest with the shopper's email address."""

from __future__ import annotations

from typing import Any

from django import template

from concierge.assist.guest_checkout import guest_order_count

register = template.Library()


@register.inclusion_tag("storefront/_guest_orders_offer.html", takes_context=True)
def guest_orders_offer(context: dict[str, Any]) -> dict[str, Any]:
    """How many guest orders wait (a count only: nothing is shown or attached without the emailed link)."""
    ctx = context.get("ctx")
    customer = getattr(ctx, "customer", None)
    count = guest_order_count(customer) if customer is not None and customer.user_id else 0
    return {"count": count}
