from __future__ import annotations

from typing import TYPE_CHECKING

from concierge.carts.models import Cart, CartLine
from concierge.catalog.pricing import Buyer, LineIn, Priced, price_lines
from concierge.core.prepared import PreparedQuery

if TYPE_CHECKING:
    from concierge.core.context import ActingContext


def active_cart(ctx: ActingContext, *, anonymous_token: str | None) -> Cart | None:
    """The active cart of the customer served, or of the anonymous visitor's cookie."""
    carts = Cart.objects.select_related("store").filter(status=Cart.Status.ACTIVE)
    if ctx.customer is not None:
        return carts.filter(customer=ctx.customer).first()
    if ctx.user is None and anonymous_token:
        return carts.filter(anonymous_digest=Cart.digest_of(anonymous_token), customer__isnull=True).first()
    return None


# A cart's lines with their SKUs, products and categories: read by every change and every answer
# of a cart, so compiled once per process (core/prepared.py).
_LINES = PreparedQuery(
    lambda cart_id: (
        CartLine.objects.select_related("sku__product__category").filter(cart_id=cart_id).order_by("added_at", "id")
    ),
    cart_id=-7_000_000_001,
)
_LINE_CART = CartLine._meta.get_field("cart")


def cart_lines(cart: Cart) -> list[CartLine]:
    """The cart's lines in the order they were added, with their SKUs and products (each line's
    ``cart`` is ``cart``): the ones a change just wrote when ``cart`` is the row it returned
    (``Cart.lines_read``), else read now."""
    if cart.lines_read is not None:
        return cart.lines_read
    lines = _LINES.run(cart_id=cart.pk)
    for line in lines:
        _LINE_CART.set_cached_value(line, cart)
    return lines


def priced_cart(buyer: Buyer, cart: Cart, lines: list[CartLine] | None = None) -> Priced:
    """The cart priced for ``buyer`` now, in the cart's currency: prices and promotions are never
    stored on a cart."""
    lines = cart_lines(cart) if lines is None else lines
    return price_lines(cart_buyer(buyer, cart), [LineIn(line.sku, line.quantity) for line in lines])


def cart_buyer(buyer: Buyer, cart: Cart) -> Buyer:
    """``buyer`` pricing ``cart``: in the currency the cart is priced in (one currency per cart)."""
    return buyer.in_currency(cart.currency or cart.store.currency)


def account_open_cart(account_id: int) -> Cart | None:
    """An organization's open cart: its active one (a seller or an associate buying for the
    organization shops in the organization's own cart)."""
    return Cart.objects.select_related("store").filter(customer_id=account_id, status=Cart.Status.ACTIVE).first()
