"""The caller's cart. Anonymous callers keep their cart with the X-Cart-Token header; a change may
name the version it was based on (If-Match) and is refused with 412 if the cart moved on."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Header, Router, Schema, Status
from pydantic import Field

from concierge.api.auth import identify
from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut
from concierge.api.types import BodyId, Id, Quantity, ShortText
from concierge.carts import services
from concierge.carts.errors import CartError
from concierge.carts.models import Cart
from concierge.carts.selectors import active_cart, cart_lines, priced_cart
from concierge.catalog.api import MoneyOut, money_out
from concierge.catalog.pricing import buyer_for
from concierge.core.errors import CommonError, DomainError
from concierge.identity.api import acting_as_text

router = Router(tags=["cart"])
ERRORS = {404: ErrorOut, 409: ErrorOut, 412: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT}
CartToken = Header(None, alias="X-Cart-Token", description="An anonymous caller's cart token.")
# A version that does not parse is a precondition that cannot hold: 412, like a stale one.
IfMatch = Header(None, alias="If-Match", description='The cart version the change is based on: "3".')
LeaseToken = Header(None, alias="X-Lease-Token", description="An assisting agent's cart lock token.")


class CartLineOut(Schema):
    id: int
    sku: str
    product: str
    option: str
    quantity: int
    unit_price: MoneyOut
    discount: MoneyOut
    total: MoneyOut
    promotions: list[str]


class CartOut(Schema):
    id: int
    code: str
    version: int
    currency: str
    lines: list[CartLineOut]
    subtotal: MoneyOut
    discount: MoneyOut
    tax: MoneyOut
    total: MoneyOut
    promotions: list[str]
    acting_as: str
    token: str | None = Field(None, description="Only when a new anonymous cart was created: keep it.")
    locked_by: str | None = Field(None, description="The agent who holds the cart's lock, if anyone does.")
    lease_token: str | None = Field(None, description="To the lock's holder only: send it as X-Lease-Token.")


class LineAddIn(Schema):
    sku_id: BodyId
    quantity: Quantity = Field(1, ge=1, le=services.MAX_QUANTITY)


class LineChangeIn(Schema):
    quantity: Quantity = Field(ge=0, le=services.MAX_QUANTITY, description="0 removes the line.")


class MergeIn(Schema):
    token: ShortText


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    try:
        return int(if_match.strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError as exc:
        raise DomainError(CartError.STALE, 'If-Match must be the cart version, e.g. "3".', status=412) from exc


def cart_out(request: HttpRequest, cart: Cart, *, token: str | None = None) -> CartOut:
    buyer = buyer_for(request.ctx, store=cart.store)
    lines = cart_lines(cart)
    priced = priced_cart(buyer, cart, lines)
    locale = buyer.locale
    return CartOut(
        id=cart.pk, code=cart.code, version=cart.version, currency=priced.currency,
        lines=[
            CartLineOut(id=line.pk, sku=line.sku.code, product=line.sku.product.name, option=line.sku.name,
                        quantity=line.quantity, unit_price=money_out(p.unit_price, locale),
                        discount=money_out(p.discount, locale), total=money_out(p.total, locale),
                        promotions=list(p.promotions))
            for line, p in zip(lines, priced.lines, strict=True)
        ],
        subtotal=money_out(priced.subtotal, locale), discount=money_out(priced.discount, locale),
        tax=money_out(priced.tax, locale), total=money_out(priced.subtotal - priced.discount + priced.tax, locale),
        promotions=list(priced.promotions), acting_as=acting_as_text(request.ctx), token=token,
        locked_by=cart.lease_holder_name() if cart.lease_is_live() else None,
        lease_token=cart.lease_token if cart.lease_held_by(request.ctx.user) else None,
    )  # fmt: skip


def _cart(request: HttpRequest, token: str | None) -> Cart:
    cart = active_cart(request.ctx, anonymous_token=token)
    if cart is None:
        raise DomainError(CartError.NOT_FOUND, "There is no cart yet: add an item first.", status=404)
    return cart


@router.get("/cart", response={200: CartOut, **ERRORS}, auth=None)
def cart_get(request: HttpRequest, x_cart_token: str | None = CartToken) -> CartOut:
    """The caller's active cart, priced now (prices are never stored on a cart)."""
    identify(request)
    return cart_out(request, _cart(request, x_cart_token))


@router.post("/cart/lines", response={201: CartOut, **ERRORS}, auth=None)
def cart_line_add(request: HttpRequest, payload: LineAddIn, x_cart_token: str | None = CartToken,
                  if_match: str | None = IfMatch, x_lease_token: str | None = LeaseToken) -> Status:  # fmt: skip
    """Add a SKU; the cart is created on the first add. Any price sent is ignored."""
    identify(request)
    cart, new_token = services.cart_open(request.ctx, anonymous_token=x_cart_token)
    token = new_token or x_cart_token
    cart = services.cart_add(request.ctx, cart=cart, sku_id=payload.sku_id, quantity=payload.quantity,
                             anonymous_token=token, expected_version=_version(if_match),
                             lease_token=x_lease_token)  # fmt: skip
    return Status(201, cart_out(request, cart, token=new_token))


@router.patch("/cart/lines/{line_id}", response={200: CartOut, **ERRORS}, auth=None)
def cart_line_change(request: HttpRequest, line_id: Id, payload: LineChangeIn, x_cart_token: str | None = CartToken,
                     if_match: str | None = IfMatch, x_lease_token: str | None = LeaseToken) -> CartOut:  # fmt: skip
    identify(request)
    cart = services.cart_set_quantity(request.ctx, cart=_cart(request, x_cart_token), line_id=line_id,
                                      quantity=payload.quantity, anonymous_token=x_cart_token,
                                      expected_version=_version(if_match), lease_token=x_lease_token)  # fmt: skip
    return cart_out(request, cart)


@router.delete("/cart/lines/{line_id}", response={200: CartOut, **ERRORS}, auth=None)
def cart_line_remove(request: HttpRequest, line_id: Id, x_cart_token: str | None = CartToken,
                     if_match: str | None = IfMatch, x_lease_token: str | None = LeaseToken) -> CartOut:  # fmt: skip
    identify(request)
    cart = services.cart_remove(request.ctx, cart=_cart(request, x_cart_token), line_id=line_id,
                                anonymous_token=x_cart_token, expected_version=_version(if_match),
                                lease_token=x_lease_token)  # fmt: skip
    return cart_out(request, cart)


@router.post("/cart/merge", response={200: CartOut, **ERRORS}, auth=None)
def cart_merge(request: HttpRequest, payload: MergeIn) -> CartOut:
    """A signed-in customer takes the lines of the anonymous cart with this token into theirs."""
    identify(request)
    if request.ctx.customer is None:
        raise DomainError(CommonError.AUTH_REQUIRED, "Sign in as a customer to merge a cart.", status=401)
    cart = services.cart_merge_anonymous(request.ctx, anonymous_token=payload.token)
    if cart is None:
        raise DomainError(CartError.NOT_FOUND, "No anonymous cart has that token.", status=404)
    return cart_out(request, cart)
