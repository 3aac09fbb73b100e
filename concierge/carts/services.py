"""Changes to carts: open, add, change and remove lines. Every change bumps the cart's version
and is audited. Who may change a locked cart is ``carts/locks.py``'s rule (``cart_lock``,
``cart_unlock`` and ``check_checkout_allowed`` are also importable from here, where checkout and
the cart takeover import them); merging and binding one cart into another is ``carts/binding.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F

from concierge.audit.services import record
from concierge.carts.actions import CartAction
from concierge.carts.errors import CartError
from concierge.carts.locks import cart_lock as cart_lock
from concierge.carts.locks import cart_unlock as cart_unlock
from concierge.carts.locks import changing_cart, guard_write
from concierge.carts.locks import check_checkout_allowed as check_checkout_allowed
from concierge.carts.models import Cart, CartLine
from concierge.carts.policies import check_may_transact
from concierge.carts.selectors import active_cart, cart_lines
from concierge.carts.sharing import tell_shopper
from concierge.catalog.models import Sku
from concierge.catalog.pricing import buyer_for, unit_prices
from concierge.core import clock
from concierge.core.errors import CommonError, DomainError
from concierge.core.prepared import PreparedUpdate

if TYPE_CHECKING:
    from concierge.core.context import ActingContext

MAX_QUANTITY = 999
# A line's new quantity, written by nearly every change of a cart: compiled once per process.
_LINE_QUANTITY = PreparedUpdate(
    lambda line_id: CartLine.objects.filter(pk=line_id), sets={"quantity": 7_000_000_002}, line_id=-7_000_000_001
)


def cart_open(ctx: ActingContext, *, anonymous_token: str | None) -> tuple[Cart, str | None]:
    """The active cart of the customer served (or of the anonymous visitor), created if there is
    none. Returns the cart and, when an anonymous cart was created, the new cookie token."""
    if (cart := active_cart(ctx, anonymous_token=anonymous_token)) is not None:
        return cart, None
    if ctx.user is not None and ctx.customer is None:
        raise DomainError(CommonError.PERMISSION_DENIED, "Staff do not shop as themselves.", status=403)
    if ctx.store is None:
        raise DomainError(CommonError.REQUEST_INVALID, "No store is set up yet.", status=503)
    check_may_transact(ctx)
    currency = buyer_for(ctx).currency
    token = None if ctx.customer is not None else (anonymous_token or Cart.new_token())
    for _ in range(5):
        try:
            with transaction.atomic():
                cart = Cart.objects.create(
                    store=ctx.store,
                    customer=ctx.customer,
                    anonymous_digest=Cart.digest_of(token) if token else None,
                    code=Cart.new_code(),
                    currency=currency,
                )
                record(
                    ctx, action=CartAction.CREATED, subject_kind="cart", subject_id=cart.pk,
                    data={"code": cart.code, "currency": currency},
                )  # fmt: skip
            return cart, token if ctx.customer is None else None
        except IntegrityError:
            # Another request created the customer's cart first (one active cart per customer), or
            # the random code was taken: use theirs, or try another code.
            if (cart := active_cart(ctx, anonymous_token=token)) is not None:
                return cart, None
    raise DomainError(CommonError.SERVER_ERROR, "Could not create a cart; please try again.", status=503)


def _changing_cart(
    ctx: ActingContext,
    cart_id: int,
    *,
    anonymous_token: str | None,
    expected_version: int | None,
    lease_token: str | None = None,
) -> Cart:
    """The cart row locked for a change by ``ctx`` with its version moved on, under its lease's
    rules (``carts/locks.py``)."""
    cart = changing_cart(ctx, cart_id=cart_id, anonymous_token=anonymous_token, expected_version=expected_version)
    if cart is None:  # by id it is found or refused: never here
        raise DomainError(CartError.NOT_FOUND, "No such cart.", status=404)
    guard_write(ctx, cart, lease_token)
    return cart


def close(cart: Cart, status: str) -> None:
    """Move ``cart`` (locked by the caller) out of ACTIVE by its state machine."""
    cart.transition_to(status)
    cart.updated_at = clock.now()
    cart.save(update_fields=["status", "updated_at"])


def bump(cart: Cart) -> None:
    """Move the version of ``cart`` on. The caller holds the row's lock (``select_for_update``), so
    the version it read is the row's: no reading it back."""
    now = clock.now()
    Cart.objects.filter(pk=cart.pk).update(version=F("version") + 1, updated_at=now)
    cart.version += 1
    cart.updated_at = now


def _check_quantity(quantity: object) -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        raise DomainError(
            CartError.QUANTITY_INVALID,
            f"Enter a quantity from 1 to {MAX_QUANTITY}.",
            status=422,
            fields={"quantity": [f"Enter a quantity from 1 to {MAX_QUANTITY}."]},
        )
    return quantity


def _check_stock(sku: Sku, quantity: int) -> None:
    if sku.track_stock and not sku.is_digital and quantity > sku.stock_on_hand:
        left = max(sku.stock_on_hand, 0)
        message = f"Only {left} of {sku.product.name} ({sku.name}) left in stock." if left else "Out of stock."
        raise DomainError(CartError.OUT_OF_STOCK, message, status=409, fields={"quantity": [message]})


def cart_add(
    ctx: ActingContext,
    *,
    cart: Cart,
    sku_id: int,
    quantity: int,
    anonymous_token: str | None = None,
    expected_version: int | None = None,
    lease_token: str | None = None,
) -> Cart:
    """Add ``quantity`` of a SKU (a line for it grows if there is one already). The cart returned
    holds its lines as written (``cart_lines`` answers with them)."""
    quantity = _check_quantity(quantity)
    with transaction.atomic():
        changed = _changing_cart(ctx, cart.pk, anonymous_token=anonymous_token, expected_version=expected_version,
                                 lease_token=lease_token)  # fmt: skip
        _add_line(ctx, changed, sku_id=sku_id, quantity=quantity)
    return changed


def cart_add_to_active(
    ctx: ActingContext,
    *,
    sku_id: int,
    quantity: int,
    anonymous_token: str | None = None,
    expected_version: int | None = None,
    lease_token: str | None = None,
) -> Cart | None:
    """``cart_add`` to the active cart of the customer served (or of ``anonymous_token``), found
    by the statement that locks it; None, changing nothing, when there is none yet (``cart_open``
    it, then ``cart_add``)."""
    quantity = _check_quantity(quantity)
    if ctx.customer is None and (ctx.user is not None or not anonymous_token):
        return None  # no cart of its own to find: cart_open says what happens
    with transaction.atomic():
        cart = changing_cart(ctx, cart_id=None, anonymous_token=anonymous_token, expected_version=expected_version)
        if cart is None:
            return None
        guard_write(ctx, cart, lease_token)
        _add_line(ctx, cart, sku_id=sku_id, quantity=quantity)
    return cart


def _add_line(ctx: ActingContext, cart: Cart, *, sku_id: int, quantity: int) -> None:
    """Add to ``cart`` (locked, its version moved on): the line grows or is created, audited."""
    lines = cart_lines(cart)  # under the lock: what the answer shows, read once
    line = next((line for line in lines if line.sku_id == sku_id), None)
    if line is not None:
        sku: Sku | None = line.sku
    else:
        sku = Sku.objects.select_related("product__category").filter(pk=sku_id).first()
    if sku is None or not sku.is_active or not sku.product.is_active:
        raise DomainError(CartError.SKU_UNAVAILABLE, "This item is no longer available.", status=404)
    buyer = buyer_for(ctx, store=cart.store)
    adopted = _adopt_buyer_currency(cart, buyer.currency, has_lines=bool(lines))
    if sku.pk not in unit_prices(buyer.in_currency(cart.currency), [sku.pk]):
        raise DomainError(CartError.SKU_UNAVAILABLE, _not_sold_message(cart), status=409)
    before = line.quantity if line else 0
    after = before + quantity
    if after > MAX_QUANTITY:
        _check_quantity(after)
    _check_stock(sku, after)
    if line is None:
        lines.append(CartLine.objects.create(cart=cart, sku=sku, quantity=after))
    else:
        _LINE_QUANTITY.run(line_id=line.pk, quantity=after)
        line.quantity = after
    record(
        ctx,
        action=CartAction.LINE_ADDED,
        subject_kind="cart",
        subject_id=cart.pk,
        changes={"quantity": (before, after), **({"currency": adopted} if adopted else {})},
        data={"sku": sku.code, "version": cart.version},
    )
    tell_shopper(ctx, cart, f"added {sku.product.name}" if before == 0 else f"added another {sku.product.name}")
    cart.lines_read = lines


def _adopt_buyer_currency(cart: Cart, currency: str, *, has_lines: bool) -> tuple[str, str] | None:
    """An empty cart (locked by the caller) takes the currency its buyer buys in now: nothing in it
    was priced yet. A cart with items keeps its currency until it is re-priced as a whole
    (``carts/currency.py``); checkout refuses it meanwhile. Returns the change, if any."""
    if cart.currency == currency or has_lines:
        return None
    before, cart.currency = cart.currency, currency
    Cart.objects.filter(pk=cart.pk).update(currency=currency)
    return before, currency


def _not_sold_message(cart: Cart) -> str:
    if cart.currency != cart.store.currency:
        return f"This item cannot be bought in {cart.currency} in this store."
    return "This item cannot be bought in this store."


def cart_set_quantity(
    ctx: ActingContext,
    *,
    cart: Cart,
    line_id: int,
    quantity: int,
    anonymous_token: str | None = None,
    expected_version: int | None = None,
    lease_token: str | None = None,
) -> Cart:
    """Change a line's quantity; 0 removes the line."""
    if quantity == 0:
        return cart_remove(ctx, cart=cart, line_id=line_id, anonymous_token=anonymous_token,
                           expected_version=expected_version, lease_token=lease_token)  # fmt: skip
    quantity = _check_quantity(quantity)
    with transaction.atomic():
        cart = _changing_cart(
            ctx, cart.pk, anonymous_token=anonymous_token, expected_version=expected_version, lease_token=lease_token
        )
        lines = cart_lines(cart)
        line = next((line for line in lines if line.pk == line_id), None)
        if line is None:
            raise DomainError(CartError.LINE_NOT_FOUND, "That item is no longer in the cart.", status=404)
        _check_stock(line.sku, quantity)
        before = line.quantity
        _LINE_QUANTITY.run(line_id=line.pk, quantity=quantity)
        line.quantity = quantity
        cart.lines_read = lines
        record(
            ctx,
            action=CartAction.QUANTITY_CHANGED,
            subject_kind="cart",
            subject_id=cart.pk,
            changes={"quantity": (before, quantity)},
            data={"sku": line.sku.code, "version": cart.version},
        )
        tell_shopper(ctx, cart, f"changed the quantity of {line.sku.product.name} to {quantity}")
    return cart


def cart_remove(
    ctx: ActingContext,
    *,
    cart: Cart,
    line_id: int,
    anonymous_token: str | None = None,
    expected_version: int | None = None,
    lease_token: str | None = None,
) -> Cart:
    with transaction.atomic():
        cart = _changing_cart(
            ctx, cart.pk, anonymous_token=anonymous_token, expected_version=expected_version, lease_token=lease_token
        )
        lines = cart_lines(cart)
        line = next((line for line in lines if line.pk == line_id), None)
        if line is None:
            raise DomainError(CartError.LINE_NOT_FOUND, "That item is no longer in the cart.", status=404)
        CartLine.objects.filter(pk=line.pk).delete()
        lines.remove(line)
        cart.lines_read = lines
        record(
            ctx,
            action=CartAction.LINE_REMOVED,
            subject_kind="cart",
            subject_id=cart.pk,
            changes={"quantity": (line.quantity, 0)},
            data={"sku": line.sku.code, "version": cart.version},
        )
        tell_shopper(ctx, cart, f"removed {line.sku.product.name}")
    return cart
