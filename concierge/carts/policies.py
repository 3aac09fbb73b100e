"""Who may see and change a cart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from concierge.carts.models import Cart
from concierge.customers.policies import check_may_cart, check_may_purchase_in

if TYPE_CHECKING:
    from concierge.core.context import ActingContext


def owns_cart(ctx: ActingContext, cart: Cart, *, anonymous_token: str | None) -> bool:
    """The customer served owns their cart; an anonymous visitor owns the cart of their cookie."""
    if cart.customer_id is not None:
        return ctx.customer is not None and cart.customer_id == ctx.customer.pk
    return bool(anonymous_token) and cart.anonymous_digest == Cart.digest_of(anonymous_token or "")


def check_may_transact(ctx: ActingContext) -> None:
    """Nobody changes the cart of a disabled customer or organization (bar 28), nor an associate
    whose role only browses (``customers.policies.check_may_cart``); a suspended account's cart
    still changes."""
    check_may_cart(ctx)


def check_may_purchase(ctx: ActingContext) -> None:
    """Checkout: as above, and a suspended account buys nothing (``account.suspended``), nor an
    associate whose role does not place orders."""
    check_may_purchase_in(ctx)
