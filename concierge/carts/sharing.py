"""The shared cart: while customer service edits a customer's cart, the customer's own open pages
hear of each change at once ("Ann from customer service added Canyon Base Layer"), and of the
moment the cart is theirs again. The pages listen on the cart's topic (``core/live.py``); the
event carries only what the customer's own cart page shows."""

from __future__ import annotations

from concierge.carts.models import Cart
from concierge.core import live
from concierge.core.context import ActingContext


def cart_topic(cart_id: int) -> str:
    return f"cart:{cart_id}"


def _helper(ctx: ActingContext) -> str:
    user = ctx.user
    name = (user.first_name or user.get_full_name()) if user is not None else ""
    return f"{name or 'Someone'} from customer service"


def tell_shopper(ctx: ActingContext, cart: Cart, what: str) -> None:
    """``what`` the agent acting in ``ctx`` did to the customer's ``cart`` ("added Canyon Base
    Layer"), for the customer's open pages, once the change commits. Nothing when the customer
    changes their own cart: their page already shows it."""
    if not ctx.is_assisting:
        return
    live.publish(cart_topic(cart.pk), "changed", {"message": f"{_helper(ctx)} {what}.", "version": cart.version})


def tell_shopper_handed_back(ctx: ActingContext, cart: Cart) -> None:
    """The agent let go of the cart (Unlock, the end of the session): the customer may check out."""
    live.publish(
        cart_topic(cart.pk),
        "handed_back",
        {"message": f"{_helper(ctx)} has finished with your cart: you can check out now.", "version": cart.version},
    )
