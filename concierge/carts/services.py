"""Changes to carts. Every change bumps the cart's version and is audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F

from concierge.audit.services import record
from concierge.carts.errors import CartError
from concierge.carts.models import Cart, CartLine
from concierge.carts.policies import owns_cart
from concierge.catalog.models import Sku
from concierge.catalog.pricing import buyer_for, unit_prices
from concierge.core import clock
from concierge.core.errors import CommonError, DomainError

if TYPE_CHECKING:
    from concierge.core.context import ActingContext

MAX_QUANTITY = 999


def cart_open(ctx: ActingContext, *, anonymous_token: str | None) -> tuple[Cart, str | None]:
    """The active cart of the customer served (or of the anonymous visitor), created if there is
    none. Returns the cart and, when an anonymous cart was created, the new cookie token."""
    from concierge.carts.selectors import active_cart

    if (cart := active_cart(ctx, anonymous_token=anonymous_token)) is not None:
        return cart, None
    if ctx.user is not None and ctx.customer is None:
        raise DomainError(CommonError.PERMISSION_DENIED, "Staff do not shop as themselves.", status=403)
    if ctx.store is None:
        raise DomainError(CommonError.REQUEST_INVALID, "No store is set up yet.", status=503)
    token = None if ctx.customer is not None else (anonymous_token or Cart.new_token())
    for _ in range(5):
        try:
            with transaction.atomic():
                cart = Cart.objects.create(
                    store=ctx.store,
                    customer=ctx.customer,
                    anonymous_digest=Cart.digest_of(token) if token else None,
                    code=Cart.new_code(),
                )
                record(ctx, action="cart.created", subject_kind="cart", subject_id=cart.pk, data={"code": cart.code})
            return cart, token if ctx.customer is None else None
        except IntegrityError:
            # Another request created the customer's cart first (one active cart per customer), or
            # the random code was taken: use theirs, or try another code.
            if (cart := active_cart(ctx, anonymous_token=token)) is not None:
                return cart, None
    raise DomainError(CommonError.SERVER_ERROR, "Could not create a cart; please try again.", status=503)


def _locked_cart(
    ctx: ActingContext, cart_id: int, *, anonymous_token: str | None, expected_version: int | None
) -> Cart:
    # of=("self",): lock the cart row only, not the store row the join reads (locking the shared
    # store row serialized every cart change and deadlocked against the audit chain head).
    cart = Cart.objects.select_for_update(of=("self",)).select_related("store").filter(pk=cart_id).first()
    if cart is None or not owns_cart(ctx, cart, anonymous_token=anonymous_token):
        raise DomainError(CartError.NOT_FOUND, "No such cart.", status=404)
    if not cart.is_active:
        raise DomainError(CartError.NOT_ACTIVE, "This cart has already been checked out or merged.", status=409)
    if expected_version is not None and cart.version != expected_version:
        raise DomainError(
            CartError.STALE, "The cart has changed since it was loaded. Reload it and try again.", status=412
        )
    return cart


def _bump(cart: Cart) -> None:
    Cart.objects.filter(pk=cart.pk).update(version=F("version") + 1, updated_at=clock.now())
    cart.refresh_from_db(fields=["version", "updated_at"])


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
) -> Cart:
    """Add ``quantity`` of a SKU (a line for it grows if there is one already)."""
    quantity = _check_quantity(quantity)
    sku = Sku.objects.select_related("product").filter(pk=sku_id, is_active=True, product__is_active=True).first()
    if sku is None:
        raise DomainError(CartError.SKU_UNAVAILABLE, "This item is no longer available.", status=404)
    if sku.pk not in unit_prices(buyer_for(ctx, store=cart.store), [sku.pk]):
        raise DomainError(CartError.SKU_UNAVAILABLE, "This item cannot be bought in this store.", status=409)
    with transaction.atomic():
        cart = _locked_cart(ctx, cart.pk, anonymous_token=anonymous_token, expected_version=expected_version)
        line = CartLine.objects.filter(cart=cart, sku=sku).first()
        before = line.quantity if line else 0
        after = before + quantity
        if after > MAX_QUANTITY:
            _check_quantity(after)
        _check_stock(sku, after)
        if line is None:
            CartLine.objects.create(cart=cart, sku=sku, quantity=after)
        else:
            CartLine.objects.filter(pk=line.pk).update(quantity=after)
        _bump(cart)
        record(
            ctx,
            action="cart.line_added",
            subject_kind="cart",
            subject_id=cart.pk,
            changes={"quantity": (before, after)},
            data={"sku": sku.code, "version": cart.version},
        )
    return cart


def cart_set_quantity(
    ctx: ActingContext,
    *,
    cart: Cart,
    line_id: int,
    quantity: int,
    anonymous_token: str | None = None,
    expected_version: int | None = None,
) -> Cart:
    """Change a line's quantity; 0 removes the line."""
    if quantity == 0:
        return cart_remove(
            ctx, cart=cart, line_id=line_id, anonymous_token=anonymous_token, expected_version=expected_version
        )
    quantity = _check_quantity(quantity)
    with transaction.atomic():
        cart = _locked_cart(ctx, cart.pk, anonymous_token=anonymous_token, expected_version=expected_version)
        line = CartLine.objects.select_related("sku__product").filter(pk=line_id, cart=cart).first()
        if line is None:
            raise DomainError(CartError.LINE_NOT_FOUND, "That item is no longer in the cart.", status=404)
        _check_stock(line.sku, quantity)
        before = line.quantity
        CartLine.objects.filter(pk=line.pk).update(quantity=quantity)
        _bump(cart)
        record(
            ctx,
            action="cart.quantity_changed",
            subject_kind="cart",
            subject_id=cart.pk,
            changes={"quantity": (before, quantity)},
            data={"sku": line.sku.code, "version": cart.version},
        )
    return cart


def cart_remove(
    ctx: ActingContext,
    *,
    cart: Cart,
    line_id: int,
    anonymous_token: str | None = None,
    expected_version: int | None = None,
) -> Cart:
    with transaction.atomic():
        cart = _locked_cart(ctx, cart.pk, anonymous_token=anonymous_token, expected_version=expected_version)
        line = CartLine.objects.select_related("sku").filter(pk=line_id, cart=cart).first()
        if line is None:
            raise DomainError(CartError.LINE_NOT_FOUND, "That item is no longer in the cart.", status=404)
        line.delete()
        _bump(cart)
        record(
            ctx,
            action="cart.line_removed",
            subject_kind="cart",
            subject_id=cart.pk,
            changes={"quantity": (line.quantity, 0)},
            data={"sku": line.sku.code, "version": cart.version},
        )
    return cart


def cart_merge_anonymous(ctx: ActingContext, *, anonymous_token: str) -> Cart | None:
    """On sign-in: the anonymous cart's lines join the customer's cart, and it is closed as MERGED."""
    if ctx.customer is None or not anonymous_token:
        return None
    source = Cart.objects.filter(
        anonymous_digest=Cart.digest_of(anonymous_token), customer__isnull=True, status=Cart.Status.ACTIVE
    ).first()
    if source is None:
        return None
    target, _ = cart_open(ctx, anonymous_token=None)
    with transaction.atomic():
        # Both carts locked in primary-key order, as every multi-row lock in Concierge.
        locked = {
            c.pk: c for c in Cart.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
        }
        source, target = locked[source.pk], locked[target.pk]
        if source.status != Cart.Status.ACTIVE:
            return target
        merged, skipped = [], []
        sold_here = unit_prices(buyer_for(ctx, store=target.store), list(source.lines.values_list("sku_id", flat=True)))
        for line in source.lines.select_related("sku__product"):
            if line.sku_id not in sold_here or not line.sku.is_active:
                skipped.append(line.sku.code)  # not sold in the customer's store
                continue
            existing = CartLine.objects.filter(cart=target, sku=line.sku).first()
            if existing is None:
                CartLine.objects.create(cart=target, sku=line.sku, quantity=line.quantity)
            else:
                CartLine.objects.filter(pk=existing.pk).update(
                    quantity=min(existing.quantity + line.quantity, MAX_QUANTITY)
                )
            merged.append({"sku": line.sku.code, "quantity": line.quantity})
        Cart.objects.filter(pk=source.pk).update(status=Cart.Status.MERGED, updated_at=clock.now())
        _bump(target)
        record(
            ctx,
            action="cart.merged",
            subject_kind="cart",
            subject_id=target.pk,
            data={"from_cart": source.code, "lines": merged, "skipped": skipped, "version": target.version},
        )
        record(
            ctx, action="cart.merged_away", subject_kind="cart", subject_id=source.pk, data={"into_cart": target.code}
        )
    return target
