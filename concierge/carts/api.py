"""The caller's cart. Anonymous callers keep their cart with the X-Cart-Token header; a change may
name the version it was based on (If-Match) and is refused with 412 if the cart moved on.

An agent assisting a customer locks, unlocks and takes over the customer's cart, and binds an
anonymous cart to it, here too; changes under a lock send its token as ``X-Lease-Token``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Header, Router, Schema, Status
from pydantic import Field, StringConstraints

from concierge.api.auth import identify, token_or_session
from concierge.api.schemas import ERRORS_AUTH, ERRORS_INPUT, ErrorOut, Out
from concierge.api.types import NO_CONTROL_CHARACTERS, BodyId, Id, Quantity, ShortText
from concierge.carts import binding, locks, services
from concierge.carts.currency import organization_currency_change, organization_to_change
from concierge.carts.errors import CartError
from concierge.carts.models import Cart
from concierge.carts.selectors import active_cart, cart_lines, priced_cart
from concierge.catalog.api import MoneyOut, money_out
from concierge.catalog.pricing import buyer_for
from concierge.core.context import ActingContext
from concierge.core.errors import CommonError, DomainError
from concierge.core.requests import ConciergeRequest
from concierge.customers.records_api import EDIT_HEADERS, ERRORS_EDIT, edit_guard
from concierge.customers.records_api import IfMatch as RecordIfMatch
from concierge.customers.records_api import LeaseToken as RecordLeaseToken
from concierge.identity.api import ActingOut, acting_as_text, acting_out
from concierge.identity.models import User

router = Router(tags=["cart"])
ERRORS = {404: ErrorOut, 409: ErrorOut, 412: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT}
CartToken = Header(None, alias="X-Cart-Token", description="An anonymous caller's cart token.")
# A version that does not parse is a precondition that cannot hold: 412, like a stale one.
IfMatch = Header(None, alias="If-Match", description='The cart version the change is based on: "3".')
LeaseToken = Header(None, alias="X-Lease-Token", description="An assisting agent's cart lock token.")


class CartLineOut(Out):
    id: int
    sku: str
    product: str
    option: str
    quantity: int
    unit_price: MoneyOut
    discount: MoneyOut
    total: MoneyOut
    promotions: list[str]


class CartOut(Out):
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


def cart_out(request: ConciergeRequest, cart: Cart, *, token: str | None = None) -> CartOut:
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
        locked_by=cart.lease_holder_name(request.ctx.user) if cart.lease_is_live() else None,
        lease_token=cart.lease_token if cart.lease_held_by(request.ctx.user) else None,
    )  # fmt: skip


def _cart(request: ConciergeRequest, token: str | None) -> Cart:
    cart = active_cart(request.ctx, anonymous_token=token)
    if cart is None:
        raise DomainError(CartError.NOT_FOUND, "There is no cart yet: add an item first.", status=404)
    return cart


@router.get("/cart", response={200: CartOut, **ERRORS}, auth=None)
def cart_get(request: ConciergeRequest, x_cart_token: str | None = CartToken) -> CartOut:
    """The caller's active cart, priced now (prices are never stored on a cart)."""
    identify(request)
    return cart_out(request, _cart(request, x_cart_token))


@router.post("/cart/lines", response={201: CartOut, **ERRORS}, auth=None)
def cart_line_add(request: ConciergeRequest, payload: LineAddIn, x_cart_token: str | None = CartToken,
                  if_match: str | None = IfMatch, x_lease_token: str | None = LeaseToken) -> Status:  # fmt: skip
    """Add a SKU; the cart is created on the first add. Any price sent is ignored."""
    identify(request)
    version, ctx = _version(if_match), request.ctx
    cart = services.cart_add_to_active(ctx, sku_id=payload.sku_id, quantity=payload.quantity,
                                       anonymous_token=x_cart_token, expected_version=version,
                                       lease_token=x_lease_token)  # fmt: skip
    new_token = None
    if cart is None:  # the first add opens the cart
        opened, new_token = services.cart_open(ctx, anonymous_token=x_cart_token)
        cart = services.cart_add(ctx, cart=opened, sku_id=payload.sku_id, quantity=payload.quantity,
                                 anonymous_token=new_token or x_cart_token, expected_version=version,
                                 lease_token=x_lease_token)  # fmt: skip
    return Status(201, cart_out(request, cart, token=new_token))


@router.patch("/cart/lines/{line_id}", response={200: CartOut, **ERRORS}, auth=None)
def cart_line_change(request: ConciergeRequest, line_id: Id, payload: LineChangeIn,
                     x_cart_token: str | None = CartToken, if_match: str | None = IfMatch,
                     x_lease_token: str | None = LeaseToken) -> CartOut:  # fmt: skip
    identify(request)
    cart = services.cart_set_quantity(request.ctx, cart=_cart(request, x_cart_token), line_id=line_id,
                                      quantity=payload.quantity, anonymous_token=x_cart_token,
                                      expected_version=_version(if_match), lease_token=x_lease_token)  # fmt: skip
    return cart_out(request, cart)


@router.delete("/cart/lines/{line_id}", response={200: CartOut, **ERRORS}, auth=None)
def cart_line_remove(request: ConciergeRequest, line_id: Id, x_cart_token: str | None = CartToken,
                     if_match: str | None = IfMatch, x_lease_token: str | None = LeaseToken) -> CartOut:  # fmt: skip
    identify(request)
    cart = services.cart_remove(request.ctx, cart=_cart(request, x_cart_token), line_id=line_id,
                                anonymous_token=x_cart_token, expected_version=_version(if_match),
                                lease_token=x_lease_token)  # fmt: skip
    return cart_out(request, cart)


@router.post("/cart/merge", response={200: CartOut, **ERRORS}, auth=None)
def cart_merge(request: ConciergeRequest, payload: MergeIn) -> CartOut:
    """A signed-in customer takes the lines of the anonymous cart with this token into theirs."""
    identify(request)
    if request.ctx.customer is None:
        raise DomainError(CommonError.AUTH_REQUIRED, "Sign in as a customer to merge a cart.", status=401)
    cart = binding.cart_merge_anonymous(request.ctx, anonymous_token=payload.token)
    if cart is None:
        raise DomainError(CartError.NOT_FOUND, "No anonymous cart has that token.", status=404)
    return cart_out(request, cart)


# --- An assisting agent's cart lock (seed 000 step 7) and binding a cart by its code (seed 002) ---

CodeText = Annotated[str, StringConstraints(max_length=12, pattern=NO_CONTROL_CHARACTERS)]
LOCK_ERRORS = {404: ErrorOut, 409: ErrorOut, **ERRORS_AUTH, **ERRORS_INPUT}


class CartLockIn(Schema):
    takeover: bool = Field(False, description="Take the lock over from another agent who holds it.")


class CartLockOut(Schema):
    cart_id: int
    cart_code: str
    lease_token: str = Field(description="Send it as X-Lease-Token with every change under this lock.")
    expires_at: dt.datetime
    took_over_from: str | None
    acting: ActingOut


class BindIn(Schema):
    code: CodeText


class BoundOut(Schema):
    cart_id: int
    cart_code: str
    version: int
    lines: int
    acting: ActingOut


def _require_assisting(ctx: ActingContext) -> None:
    if not ctx.is_assisting:
        raise DomainError(CartError.NOT_ASSISTING, "Start an assisted session first.", status=403)


@router.post("/assist/cart/lock", response={200: CartLockOut, **LOCK_ERRORS}, auth=token_or_session)
def cart_lock(request: ConciergeRequest, payload: CartLockIn) -> CartLockOut:
    """Lock the assisted customer's cart (or take the lock over with ``takeover``)."""
    ctx = request.ctx
    _require_assisting(ctx)
    cart, _ = services.cart_open(ctx, anonymous_token=None)
    grant = locks.cart_lock(ctx, cart=cart, takeover=payload.takeover)
    previous = User.objects.filter(pk=grant.previous_holder_id).first() if grant.previous_holder_id else None
    return CartLockOut(cart_id=cart.pk, cart_code=cart.code, lease_token=grant.token, expires_at=grant.expires_at,
                       took_over_from=previous.display_name if previous else None, acting=acting_out(ctx))  # fmt: skip


@router.post("/assist/cart/unlock", response={204: None, **LOCK_ERRORS}, auth=token_or_session)
def cart_unlock(request: ConciergeRequest, x_lease_token: str | None = LeaseToken) -> Status:
    ctx = request.ctx
    _require_assisting(ctx)
    cart = active_cart(ctx, anonymous_token=None)
    if cart is None:
        raise DomainError(CartError.NOT_FOUND, "The customer has no cart.", status=404)
    locks.cart_unlock(ctx, cart=cart, lease_token=x_lease_token)
    return Status(204, None)


@router.post("/assist/cart/bind", response={200: BoundOut, **LOCK_ERRORS}, auth=token_or_session)
def cart_bind(request: ConciergeRequest, payload: BindIn, x_lease_token: str | None = LeaseToken) -> BoundOut:
    """Bind the anonymous cart with this code to the assisted customer (its items join their cart)."""
    ctx = request.ctx
    cart = binding.cart_bind(ctx, code=payload.code, lease_token=x_lease_token)
    return BoundOut(cart_id=cart.pk, cart_code=cart.code, version=cart.version, lines=cart.lines.count(),
                    acting=acting_out(ctx))  # fmt: skip


# --- An organization's preferred currency (seed 003 "How to change preferred currency for an Organization") ---


class OrganizationCurrencyIn(Schema):
    currency: str = Field(pattern="^[A-Za-z]{3}$", description="ISO 4217 code, e.g. EUR: one the store sells in.")
    confirm: bool = Field(
        False,
        description="Re-price the items of the organization's open cart (asked by 409 "
        "`organization.currency_confirm`).",
    )


class OrganizationCurrencyOut(Schema):
    id: int
    currency: str
    version: int = Field(description="The record's version now: send it as `If-Match` with the next edit.")
    cart_repriced: bool = Field(description="Whether the organization's open cart is now priced in `currency`.")
    lines: int = Field(description="How many lines the organization's open cart has.")


@router.post("/organizations/{account_id}/currency", response={200: OrganizationCurrencyOut, **ERRORS_EDIT},
             auth=token_or_session, openapi_extra=EDIT_HEADERS)  # fmt: skip
def organization_currency(request: ConciergeRequest, account_id: Id, payload: OrganizationCurrencyIn,
                          if_match: str | None = RecordIfMatch,
                          x_lease_token: str | None = RecordLeaseToken) -> OrganizationCurrencyOut:  # fmt: skip
    """Change the organization's preferred currency, under the record's lock (`X-Lease-Token`) and
    version (`If-Match`). With items in its open cart, confirm first: 409 `organization.currency_confirm`
    says how many lines are re-priced; then send `confirm`. A currency the store does not sell in, or
    an item without a price in it: 422 `organization.currency_unavailable`. The record unlocks."""
    account = organization_to_change(request.ctx, account_id)  # another's: 404 before its headers are read
    guard = edit_guard(if_match, x_lease_token)
    change = organization_currency_change(request.ctx, account_id=account.pk, currency=payload.currency,
                                          guard=guard, confirm=payload.confirm)  # fmt: skip
    return OrganizationCurrencyOut(id=change.account.pk, currency=change.currency, version=change.account.version,
                                   cart_repriced=change.cart_repriced, lines=change.lines)  # fmt: skip
