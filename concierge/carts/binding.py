"""One cart into another: the anonymous cart joins the customer's on sign-in (merge), or an agent
binds an anonymous cart to the assisted customer by the code it shows (seed 002). The source cart
closes as MERGED; its lines add to the target's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from concierge.audit.services import record
from concierge.carts.actions import CartAction
from concierge.carts.errors import CartError
from concierge.carts.locks import guard_write, locked_by_staff_error
from concierge.carts.models import CODE_ALPHABET, CODE_LENGTH, Cart, CartLine
from concierge.carts.services import MAX_QUANTITY, bump, cart_open, close
from concierge.catalog.pricing import buyer_for, unit_prices
from concierge.core.errors import DomainError

if TYPE_CHECKING:
    from concierge.core.context import ActingContext


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
        merged, skipped = move_lines(ctx, source, target)
        close(source, Cart.Status.MERGED)
        bump(target)
        record(
            ctx,
            action=CartAction.MERGED,
            subject_kind="cart",
            subject_id=target.pk,
            data={"from_cart": source.code, "lines": merged, "skipped": skipped, "version": target.version},
        )
        record(
            ctx,
            action=CartAction.MERGED_AWAY,
            subject_kind="cart",
            subject_id=source.pk,
            data={"into_cart": target.code},
        )
    return target


def move_lines(ctx: ActingContext, source: Cart, target: Cart) -> tuple[list[dict[str, object]], list[str]]:
    """Copy ``source``'s lines into ``target`` (both locked), adding to lines of the same SKU."""
    merged: list[dict[str, object]] = []
    skipped: list[str] = []
    buyer = buyer_for(ctx, store=target.store).in_currency(target.currency or target.store.currency)
    sold_here = unit_prices(buyer, list(source.lines.values_list("sku_id", flat=True)))
    for line in source.lines.select_related("sku__product"):
        if line.sku_id not in sold_here or not line.sku.is_active:
            skipped.append(line.sku.code)  # not sold in the customer's store (in their cart's currency)
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
        merged, skipped = move_lines(ctx, source, target)
        close(source, Cart.Status.MERGED)
        bump(target)
        data = {"from_cart": source.code, "lines": merged, "skipped": skipped, "version": target.version}
        record(ctx, action=CartAction.BOUND, subject_kind="cart", subject_id=target.pk, data=data)
        record(ctx, action=CartAction.MERGED_AWAY, subject_kind="cart", subject_id=source.pk,
               data={"into_cart": target.code})  # fmt: skip
    return target
