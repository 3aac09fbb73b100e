"""Who may see and change a cart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from concierge.carts.models import Cart
from concierge.customers.policies import check_active

if TYPE_CHECKING:
    from concierge.core.context import ActingContext


def owns_cart(ctx: ActingContext, cart: Cart, *, anonymous_token: str | None) -> bool:
    """The customer served owns their cart; an anonymous visitor owns the cart of their cookie."""
    if cart.customer_id is not None:
        return ctx.customer is not None and cart.customer_id == ctx.customer.pk
    return bool(anonymous_token) and cart.anonymous_digest == Cart.digest_of(anonymous_token or "")


def check_may_transact(ctx: ActingContext) -> None:
    """Nobody changes the cart of, or checks out for, a disabled customer or organization (bar 28)."""
    for party in (ctx.customer, ctx.account):
        if party is not None:
            check_active(party)
