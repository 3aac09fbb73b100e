from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from concierge.carts.selectors import active_cart, cart_lines, priced_cart
from concierge.catalog.pricing import buyer_for
from concierge.catalog.selectors import categories
from concierge.core.errors import DomainError
from concierge.storefront.cart_cookie import cart_token


def _mini_cart(request: HttpRequest) -> dict[str, object] | None:
    ctx = request.ctx
    if ctx.user is not None and ctx.customer is None:
        return None  # staff have no cart of their own
    cart = active_cart(ctx, anonymous_token=cart_token(request))
    lines = cart_lines(cart) if cart else []
    if not lines:
        return {"count": 0, "subtotal": None}
    try:
        priced = priced_cart(buyer_for(ctx, store=cart.store), cart, lines)
    except DomainError:
        return {"count": sum(line.quantity for line in lines), "subtotal": None}
    return {"count": sum(line.quantity for line in lines), "subtotal": priced.net}


def _locale(request: HttpRequest) -> str:
    ctx = getattr(request, "ctx", None)
    if ctx is None:
        return "en_US"
    customer = ctx.customer
    return (customer.preferred_locale if customer is not None else "") or (ctx.store.locale if ctx.store else "en_US")


def shop(request: HttpRequest) -> dict[str, object]:
    """The mini cart, the category menu and the locale amounts are written in (the customer's
    preferred one, else the store's), computed only if a template uses them."""
    return {
        "mini_cart": SimpleLazyObject(lambda: _mini_cart(request)),
        "menu_categories": SimpleLazyObject(lambda: list(categories())),
        "locale": SimpleLazyObject(lambda: _locale(request)),
    }
