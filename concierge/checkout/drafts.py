"""Draft orders: the offline order customer service prepares for a shopper (seed 001).

A draft is a real order in the Draft state: numbered like every order, found by order search and
on the customer's profile, it mirrors the cart it is associated with — its lines priced by the one
pricing function (``checkout_quote``) whenever the agent changes the cart — and holds no stock and
no payment. When the shopper checks that cart out, checkout places the draft itself (same number,
``checkout.services._order_row``); an abandoned draft is cancelled. Every change is audited in the
acting context of the caller: the agent acting for the customer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F

from concierge.audit.services import record
from concierge.carts.models import Cart, CartLine
from concierge.checkout.actions import CheckoutAction
from concierge.checkout.services import _order_line, _order_number, checkout_quote
from concierge.core import clock
from concierge.core.errors import CommonError, DomainError
from concierge.orders.models import Order, OrderLine, Shipment

if TYPE_CHECKING:
    from concierge.core.context import ActingContext
    from concierge.customers.models import Customer


def draft_create(ctx: ActingContext, *, customer: Customer) -> Order:
    """A new, empty draft order for ``customer``, created by the agent (``ctx.user``)."""
    store = customer.store
    fields = {
        "status": Order.Status.DRAFT, "store": store, "customer": customer, "account": ctx.account,
        "placed_by": ctx.user, "placed_on_behalf": True, "from_draft": True,
        "assist_reason": session.reason if (session := ctx.assisted_session) else "",
        "assist_case": session.ticket if session else "",
        "currency": customer.preferred_currency or store.currency,
        "email": customer.email, "billing_first_name": customer.first_name, "billing_last_name": customer.last_name,
    }  # fmt: skip
    for _ in range(5):
        try:
            with transaction.atomic():
                order = Order.objects.create(number=_order_number(store.code), **fields)
                record(ctx, action=CheckoutAction.DRAFT_CREATED, subject_kind="order", subject_id=order.pk,
                       data={"number": order.number})  # fmt: skip
            return order
        except IntegrityError:
            continue  # the random number was taken: draw another
    raise DomainError(CommonError.SERVER_ERROR, "Could not number the order; please try again.", status=503)


def draft_of_cart(cart: Cart) -> Order | None:
    """The draft order a cart carries, if customer service prepared one."""
    return Order.objects.filter(cart=cart, status=Order.Status.DRAFT).select_related("placed_by").first()


def draft_attach(ctx: ActingContext, *, order: Order, cart: Cart) -> Order:
    """Associate the draft with ``cart`` (View User's Cart) and mirror it. An older draft of the same
    cart (handed back, never checked out) is cancelled: a cart carries one draft."""
    with transaction.atomic():
        for older in (
            Order.objects.select_for_update().filter(cart=cart, status=Order.Status.DRAFT).exclude(pk=order.pk)
        ):
            _cancel(ctx, older, reason=f"replaced by order {order.number}")
        Order.objects.filter(pk=order.pk, status=Order.Status.DRAFT).update(cart=cart)
        order.cart = cart
        record(ctx, action=CheckoutAction.DRAFT_CART_ASSOCIATED, subject_kind="order", subject_id=order.pk,
               data={"number": order.number, "cart": cart.code})  # fmt: skip
        return draft_mirror(ctx, order=order)


def draft_mirror(ctx: ActingContext, *, order: Order) -> Order:
    """Make the draft's lines and totals those of its cart now, priced for the customer as checkout
    prices them before the shopper chooses delivery (no shipping or tax yet). Not a draft any more,
    or no cart: nothing changes."""
    with transaction.atomic():
        draft = Order.objects.select_for_update().filter(pk=order.pk, status=Order.Status.DRAFT).first()
        if draft is None or draft.cart_id is None:
            return draft or order
        cart = Cart.objects.select_related("store").get(pk=draft.cart_id)
        lines = list(CartLine.objects.filter(cart=cart).select_related("sku__product__category"))
        priced = checkout_quote(ctx, cart=cart)
        by_sku = {p.sku.pk: p for p in priced.lines}
        OrderLine.objects.filter(order=draft).delete()
        Shipment.objects.filter(order=draft).delete()
        physical = [line for line in lines if not line.sku.is_digital]
        digital = [line for line in lines if line.sku.is_digital]
        groups = [(kind, group) for kind, group in ((Shipment.Kind.SHIP, physical), (Shipment.Kind.DIGITAL, digital))]
        index = 0
        for kind, group in groups:
            if not group:
                continue
            index += 1
            shipment = Shipment.objects.create(
                order=draft, number=f"{draft.number}-{index}", kind=kind, status=Shipment.Status.DRAFT
            )
            OrderLine.objects.bulk_create([_order_line(draft, shipment, line, by_sku[line.sku.pk]) for line in group])
        before = str(draft.total)
        Order.objects.filter(pk=draft.pk).update(
            currency=priced.currency, subtotal=priced.subtotal.amount, discount_total=priced.discount.amount,
            shipping_total=priced.shipping.amount, tax_total=priced.tax.amount, total=priced.total.amount,
            promotions=list(priced.promotions), version=F("version") + 1, updated_at=clock.now(),
        )  # fmt: skip
        draft.refresh_from_db()
        record(ctx, action=CheckoutAction.DRAFT_UPDATED, subject_kind="order", subject_id=draft.pk,
               changes={"total": (before, str(draft.total))},
               data={"number": draft.number, "cart": cart.code, "lines": len(lines)})  # fmt: skip
    return draft


def draft_reassign(ctx: ActingContext, *, order: Order, customer: Customer, cart: Cart) -> Order:
    """An anonymous shopper picked up the cart prepared for them: the draft is now theirs (their
    customer record and their cart), still created by the agent who prepared it."""
    with transaction.atomic():
        draft = Order.objects.select_for_update().filter(pk=order.pk, status=Order.Status.DRAFT).first()
        if draft is None:
            raise DomainError(CommonError.REQUEST_INVALID, "This order is no longer a draft.", status=409)
        guest = draft.customer
        for older in (
            Order.objects.select_for_update().filter(cart=cart, status=Order.Status.DRAFT).exclude(pk=draft.pk)
        ):
            _cancel(ctx, older, reason=f"replaced by order {draft.number}")
        Order.objects.filter(pk=draft.pk).update(
            customer=customer, store=cart.store, cart=cart, email=customer.email or draft.email,
            billing_first_name=customer.first_name, billing_last_name=customer.last_name, updated_at=clock.now(),
        )  # fmt: skip
        record(ctx, action=CheckoutAction.DRAFT_PICKED_UP, subject_kind="order", subject_id=draft.pk,
               data={"number": draft.number, "cart": cart.code, "from_customer": guest.shared_id,
                     "customer": customer.shared_id})  # fmt: skip
        draft.refresh_from_db()
        return draft_mirror(ctx, order=draft)


def draft_cancel(ctx: ActingContext, *, order: Order, reason: str = "abandoned") -> Order:
    """Cancel an abandoned draft: it lets go of its cart (whose items stay where they are)."""
    with transaction.atomic():
        draft = Order.objects.select_for_update().filter(pk=order.pk).first()
        if draft is None or not draft.is_draft:
            raise DomainError(
                CommonError.REQUEST_INVALID, "Only a draft order is cancelled here; it was placed.", status=409
            )
        _cancel(ctx, draft, reason=reason)
    return draft


def _replace_older_drafts(ctx: ActingContext, cart: Cart, *, by: Order) -> None:
    """A cart carries one draft: another one it carried (handed back, never checked out) is cancelled."""
    for older in Order.objects.select_for_update().filter(cart=cart, status=Order.Status.DRAFT).exclude(pk=by.pk):
        _cancel(ctx, older, reason=f"replaced by order {by.number}")


def _cancel(ctx: ActingContext, draft: Order, *, reason: str) -> None:
    cart_code = Cart.objects.filter(pk=draft.cart_id or 0).values_list("code", flat=True).first() or ""
    draft.transition_to(Order.Status.CANCELLED)
    draft.cart = None
    draft.updated_at = clock.now()
    draft.version += 1
    draft.save(update_fields=["status", "cart", "updated_at", "version"])
    record(ctx, action=CheckoutAction.DRAFT_CANCELLED, subject_kind="order", subject_id=draft.pk,
           changes={"status": (Order.Status.DRAFT, Order.Status.CANCELLED)},
           data={"number": draft.number, "cart": cart_code, "reason": reason})  # fmt: skip
