"""Changes to carts: open, add, change and remove lines, merge on sign-in, bind by code. Every
change bumps the cart's version and is audited; who may change a locked cart is ``carts/locks.py``'s
rule (it also answers ``cart_lock``/``cart_unlock``/``check_checkout_allowed`` for callers that
still import them from here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F

from concierge.audit.services import record
from concierge.carts.errors import CartError
from concierge.carts.locks import cart_lock as cart_lock
from concierge.carts.locks import cart_unlock as cart_unlock
from concierge.carts.locks import check_checkout_allowed as check_checkout_allowed
from concierge.carts.locks import guard_write, locked_by_staff_error, locked_cart
from concierge.carts.models import CODE_ALPHABET, CODE_LENGTH, Cart, CartLine
from concierge.carts.policies import check_may_transact
from concierge.carts.selectors import active_cart
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
    if (cart := active_cart(ctx, anonymous_token=anonymous_token)) is not None:
        return cart, None
    if ctx.user is not None and ctx.customer is None:
        raise DomainError(CommonError.PERMISSION_DENIED, "Staff do not shop as themselves.", status=403)
    if ctx.store is None:
        raise DomainError(CommonError.REQUEST_INVALID, "No store is set up yet.", status=503)
    check_may_transact(ctx)
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
    ctx: ActingContext,
    cart_id: int,
    *,
    anonymous_token: str | None,
    expected_version: int | None,
    lease_token: str | None = None,
) -> Cart:
    """The cart row locked for a change by ``ctx``, under its lease's rules (``carts/locks.py``)."""
    cart = locked_cart(ctx, cart_id, anonymous_token=anonymous_token, expected_version=expected_version)
    guard_write(ctx, cart, lease_token)
    return cart


def _close(cart: Cart, status: str) -> None:
    """Move ``cart`` (locked by the caller) out of ACTIVE by its state machine."""
    cart.transition_to(status)
    cart.updated_at = clock.now()
    cart.save(update_fields=["status", "updated_at"])


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
    lease_token: str | None = None,
) -> Cart:
    """Add ``quantity`` of a SKU (a line for it grows if there is one already)."""
    quantity = _check_quantity(quantity)
    sku = Sku.objects.select_related("product").filter(pk=sku_id, is_active=True, product__is_active=True).first()
    if sku is None:
        raise DomainError(CartError.SKU_UNAVAILABLE, "This item is no longer available.", status=404)
    if sku.pk not in unit_prices(buyer_for(ctx, store=cart.store), [sku.pk]):
        raise DomainError(CartError.SKU_UNAVAILABLE, "This item cannot be bought in this store.", status=409)
    with transaction.atomic():
        cart = _locked_cart(
            ctx, cart.pk, anonymous_token=anonymous_token, expected_version=expected_version, lease_token=lease_token
        )
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
    lease_token: str | None = None,
) -> Cart:
    """Change a line's quantity; 0 removes the line."""
    if quantity == 0:
        return cart_remove(ctx, cart=cart, line_id=line_id, anonymous_token=anonymous_token,
                           expected_version=expected_version, lease_token=lease_token)  # fmt: skip
    quantity = _check_quantity(quantity)
    with transaction.atomic():
        cart = _locked_cart(
            ctx, cart.pk, anonymous_token=anonymous_token, expected_version=expected_version, lease_token=lease_token
        )
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
    lease_token: str | None = None,
) -> Cart:
    with transaction.atomic():
        cart = _locked_cart(
            ctx, cart.pk, anonymous_token=anonymous_token, expected_version=expected_version, lease_token=lease_token
        )
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
    """On sign-in: the anonymous cart's lines join the customer's cart, and it is closed as MERGED.

    Not while customer service holds the customer's cart (409 ``cart.locked``; the anonymous cart
    stays as it is, for a later merge), and never by an agent, who binds a cart by its code.
    """
    if ctx.is_assisting:
        raise DomainError(
            CartError.NOT_ASSISTING, "Customer service binds a shopper's cart by the code it shows.", status=403
        )
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
        if target.lease_is_live():
            raise locked_by_staff_error(
                target,
                then="The items you added before signing in will join it when you next add to it after they unlock it.",
            )
        merged, skipped = _move_lines(ctx, source, target)
        _close(source, Cart.Status.MERGED)
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


def _move_lines(ctx: ActingContext, source: Cart, target: Cart) -> tuple[list[dict[str, object]], list[str]]:
    """Copy ``source``'s lines into ``target`` (both locked), adding to lines of the same SKU."""
    merged: list[dict[str, object]] = []
    skipped: list[str] = []
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
    return merged, skipped


def cart_bind(ctx: ActingContext, *, code: str, lease_token: str | None = None) -> Cart:
    """Bind an anonymous cart to the assisted customer's account (seed 002): the shopper reads out
    the code their cart shows, and its items join the customer's cart."""
    if not ctx.is_assisting or ctx.customer is None:
        raise DomainError(
            CartError.NOT_ASSISTING, "Access the customer's account before binding a cart to it.", status=403
        )
    code = "".join(ch for ch in (code or "").upper() if not ch.isspace() and ch != "-")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        message = f"Enter the {CODE_LENGTH}-character code shown on the shopper's cart page."
        raise DomainError(CartError.CODE_INVALID, message, status=422, fields={"code": [message]})
    source = Cart.objects.filter(code=code, customer__isnull=True, status=Cart.Status.ACTIVE).first()
    if source is None or source.store_id != ctx.customer.store_id:
        message = "No anonymous cart has this code. Ask the shopper to read it again from their cart page."
        raise DomainError(CartError.CODE_UNKNOWN, message, status=404, fields={"code": [message]})
    target, _ = cart_open(ctx, anonymous_token=None)
    with transaction.atomic():
        locked = {
            c.pk: c
            for c in Cart.objects.select_for_update(of=("self",)).select_related("store")
            .filter(pk__in=[source.pk, target.pk]).order_by("pk")
        }  # fmt: skip
        source, target = locked[source.pk], locked[target.pk]
        if source.status != Cart.Status.ACTIVE or not target.is_active:
            raise DomainError(CartError.NOT_ACTIVE, "That cart has just been checked out or bound.", status=409)
        guard_write(ctx, target, lease_token)
        merged, skipped = _move_lines(ctx, source, target)
        _close(source, Cart.Status.MERGED)
        _bump(target)
        data = {"from_cart": source.code, "lines": merged, "skipped": skipped, "version": target.version}
        record(ctx, action="cart.bound", subject_kind="cart", subject_id=target.pk, data=data)
        record(ctx, action="cart.merged_away", subject_kind="cart", subject_id=source.pk,
               data={"into_cart": target.code})  # fmt: skip
    return target
