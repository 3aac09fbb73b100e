from __future__ import annotations

import contextlib

from django.utils.functional import SimpleLazyObject

from concierge.assist.verification import shopper_topic
from concierge.carts.models import Cart
from concierge.carts.selectors import active_cart, cart_lines, priced_cart
from concierge.carts.sharing import cart_topic
from concierge.catalog.pricing import buyer_for
from concierge.catalog.selectors import categories
from concierge.core import live
from concierge.core.errors import DomainError
from concierge.core.requests import ConciergeRequest
from concierge.storefront.cart_cookie import cart_token, forget_lease, lease_token, remember_lease


def _mini_cart(request: ConciergeRequest) -> dict[str, object] | None:
    ctx = request.ctx
    if ctx.user is not None and ctx.customer is None:
        return None  # staff have no cart of their own
    cart = active_cart(ctx, anonymous_token=None if ctx.is_assisting else cart_token(request))
    lines = cart_lines(cart) if cart else []
    summary: dict[str, object] = {"count": sum(line.quantity for line in lines), "subtotal": None}
    if cart is not None and (ctx.is_assisting or cart.lease_is_live()):
        summary.update(_lock_state(request, cart))
    if cart is not None and lines:
        with contextlib.suppress(DomainError):  # an unpriceable line: the cart page explains it
            summary["subtotal"] = priced_cart(buyer_for(ctx, store=cart.store), cart, lines).net
    if ctx.customer is not None and ctx.user is not None and not ctx.is_assisting:
        # The customer's own pages hear what customer service does in their cart (carts/sharing.py)
        # and the code a session asks them to confirm (assist/verification.py): one stream a page.
        topics = [shopper_topic(ctx.user.pk)] + ([cart_topic(cart.pk)] if cart is not None else [])
        summary["live_token"] = live.stream_token(ctx.user.pk, topics)
    return summary


def _lock_state(request: ConciergeRequest, cart: Cart) -> dict[str, object]:
    """Who holds the cart's lock, as the mini cart shows it. An agent whose lock was taken over is
    told once, on their next page, and their stale token is dropped."""
    ctx = request.ctx
    live = cart.lease_is_live()
    mine = ctx.is_assisting and live and cart.lease_holder_id == ctx.signed_in_user.pk
    state: dict[str, object] = {
        "locked_by_me": mine,
        "locked_by": cart.lease_holder_name() if live and not mine else "",
        "locked_until": cart.lease_expires_at if mine else None,
        "lost_to": "",
    }
    held = lease_token(request, cart.pk) if ctx.is_assisting else None
    if held and held != cart.lease_token:
        state["lost_to"] = cart.lease_holder_name() if live else ""
        forget_lease(request, cart.pk)
    elif mine and not held:
        remember_lease(request, cart.pk, cart.lease_token)  # their own lock, from before a key rotation
    return state


def _locale(request: ConciergeRequest) -> str:
    ctx = getattr(request, "ctx", None)
    if ctx is None:
        return "en_US"
    customer = ctx.customer
    return (customer.preferred_locale if customer is not None else "") or (ctx.store.locale if ctx.store else "en_US")


def shop(request: ConciergeRequest) -> dict[str, object]:
    """The mini cart, the category menu and the locale amounts are written in (the customer's
    preferred one, else the store's), computed only if a template uses them."""
    return {
        "mini_cart": SimpleLazyObject(lambda: _mini_cart(request)),
        "menu_categories": SimpleLazyObject(lambda: list(categories())),
        "locale": SimpleLazyObject(lambda: _locale(request)),
    }
