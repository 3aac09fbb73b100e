"""Turning a cart into an order: validate the plan, price on the server, authorize the payment,
take the stock, write the order with its shipments, lines and holds — all or nothing.

An order is in one currency: its cart's, which must be the one its buyer buys in now (an
organization's preferred currency; ``cart.currency_changed`` otherwise). Its lines, shipping, tax,
total and payment are all in it: shipping at each method's price in that currency (a method
without one is not offered), paid by a card, or by an account's credit or a gift certificate in
that same currency."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.db import IntegrityError, transaction
from django.db.models import F

from concierge.audit.services import record
from concierge.carts.errors import CartError
from concierge.carts.models import Cart, CartLine
from concierge.carts.policies import check_may_purchase, owns_cart
from concierge.carts.services import check_checkout_allowed
from concierge.catalog.models import Sku
from concierge.catalog.pricing import Buyer, LineIn, Priced, PricedLine, buyer_for, price_lines
from concierge.checkout.actions import CheckoutAction
from concierge.checkout.errors import CheckoutError
from concierge.checkout.idempotency import idempotent_checkout
from concierge.checkout.plan import (
    ATTEMPT_LIMIT,
    EMAIL_LIMIT,
    ORDER_DATA_KEY_LIMIT,
    ORDER_DATA_VALUE_LIMIT,
    PURCHASE_ORDER_LIMIT,
    CheckoutPlan,
    ShipmentPlan,
)
from concierge.core import clock
from concierge.core.errors import CommonError, DomainError
from concierge.core.forms import text_errors, text_problem
from concierge.core.money import Money
from concierge.customers.models import Address, Customer
from concierge.customers.policies import associate_role
from concierge.customers.services import organization_session
from concierge.identity.roles import Priv
from concierge.orders.models import Hold, HoldRule, Order, OrderLine, Shipment
from concierge.orders.selectors import placed_orders
from concierge.payments.errors import PaymentError
from concierge.payments.models import PaymentSource, PaymentTransaction
from concierge.payments.services import card_expired, check_source_currency, payment_authorize, payment_reverse
from concierge.stores.models import PickupLocation, ShippingMethod
from concierge.stores.selectors import shipping_offers

if TYPE_CHECKING:
    from concierge.core.context import ActingContext

logger = logging.getLogger("concierge.checkout")


def _invalid(message: str, **fields: list[str]) -> DomainError:
    return DomainError(CheckoutError.PLAN_INVALID, message, status=422, fields=fields)


@dataclass(frozen=True)
class _Group:
    plan: ShipmentPlan
    kind: str
    lines: tuple[CartLine, ...]
    address: Address | None = None
    method: ShippingMethod | None = None
    shipping: Money | None = None  # the method's price in the order's currency
    location: PickupLocation | None = None


def _resolve(ctx: ActingContext, cart: Cart, plan: CheckoutPlan, lines: list[CartLine]) -> list[_Group]:
    customer = ctx.customer
    currency = cart_currency(cart)
    by_id = {line.pk: line for line in lines}
    digital = [line for line in lines if line.sku.is_digital]
    planned: set[int] = set()
    groups: list[_Group] = []
    for shipment in plan.shipments:
        ids = tuple(dict.fromkeys(shipment.line_ids))
        if not ids:
            continue
        for line_id in ids:
            if line_id not in by_id or by_id[line_id].sku.is_digital:
                raise _invalid("A shipment names an item that is not in the cart.")
            if line_id in planned:
                raise _invalid("An item can be in only one shipment.")
            planned.add(line_id)
        group_lines = tuple(by_id[i] for i in ids)
        if shipment.kind == Shipment.Kind.SHIP:
            address = Address.objects.filter(pk=shipment.address_id or 0, customer=customer).first()
            if address is None:
                raise _invalid("Choose a shipping address.", address=["Choose a shipping address."])
            method = (
                ShippingMethod.objects.filter(store=cart.store, code=shipment.shipping_method_code, is_active=True)
                .select_related("store")
                .first()
            )
            if method is None:
                raise _invalid("Choose a shipping method.", shipping_method=["Choose a shipping method."])
            if (price := method.price_in(currency)) is None:
                message = f"{method.name} is not offered in {currency}: choose another shipping method."
                raise _invalid(message, shipping_method=[message])
            groups.append(_Group(shipment, Shipment.Kind.SHIP, group_lines, address=address, method=method,
                                 shipping=Money(price, currency)))  # fmt: skip
        elif shipment.kind == Shipment.Kind.PICKUP:
            location = PickupLocation.objects.filter(
                pk=shipment.pickup_location_id or 0, store=cart.store, is_active=True
            ).first()
            if location is None:
                raise _invalid("Choose the store to pick up from.", pickup_location=["Choose a store."])
            if errors := shipment.primary.missing():
                raise _invalid(
                    "Complete the primary contact for pickup.", **{f"primary_{k}": v for k, v in errors.items()}
                )
            if shipment.alternate.started:
                if not shipment.alternate_saved:
                    raise DomainError(
                        CheckoutError.ALTERNATE_CONTACT_UNSAVED,
                        "Save the alternate contact before you submit the order.",
                        status=422,
                        fields={"alternate": ["Save the alternate contact before you submit the order."]},
                    )
                if errors := shipment.alternate.missing():
                    raise _invalid(
                        "Complete the alternate contact.", **{f"alternate_{k}": v for k, v in errors.items()}
                    )
            groups.append(_Group(shipment, Shipment.Kind.PICKUP, group_lines, location=location))
        else:
            raise _invalid("A shipment is either shipped or picked up.")
    unplanned = [line for line in lines if not line.sku.is_digital and line.pk not in planned]
    if unplanned:
        names = ", ".join(line.sku.product.name for line in unplanned)
        raise _invalid(f"Choose how to receive: {names}.")
    addresses = {g.address.pk for g in groups if g.address is not None}
    if not cart.store.multi_ship and len(addresses) > 1:
        raise DomainError(CheckoutError.SINGLE_SHIP_ONLY, "This store ships an order to one address.", status=422)
    if digital:
        groups.append(
            _Group(ShipmentPlan(kind=Shipment.Kind.DIGITAL, line_ids=()), Shipment.Kind.DIGITAL, tuple(digital))
        )
    return groups


def _taxed_lines(lines: list[CartLine], groups: list[_Group]) -> list[LineIn]:
    """Each line with the place it is delivered: its shipping address or pickup store; digital
    lines (and any without a place) are taxed at the billing address."""
    place: dict[int, tuple[str, str]] = {}
    for group in groups:
        where = group.address or group.location
        if where is not None:
            for line in group.lines:
                place[line.pk] = (where.country, where.region)
    return [LineIn(line.sku, line.quantity, *place.get(line.pk, ("", ""))) for line in lines]


def _holds(order: Order, customer: Customer, groups: list[_Group]) -> list[Hold]:
    holds = []
    rules = HoldRule.objects.filter(is_active=True).filter(store__isnull=True) | HoldRule.objects.filter(
        is_active=True, store=order.store
    )
    ship_countries = {g.address.country for g in groups if g.address is not None}
    for rule in rules.order_by("id"):
        if rule.kind == HoldRule.Kind.TOTAL_ABOVE and rule.amount is not None and order.total > rule.amount:
            locale = order.store.locale  # the reason is stored: written in the store's words
            total, limit = (Money(a, order.currency).format(locale) for a in (order.total, rule.amount))
            reason = f"{rule.name}: order total {total} is above {limit}"
        elif (
            rule.kind == HoldRule.Kind.FIRST_ORDER
            and not placed_orders(Order.objects.filter(customer=customer)).exclude(pk=order.pk).exists()
        ):
            reason = f"{rule.name}: the customer's first order"
        elif rule.kind == HoldRule.Kind.COUNTRIES_DIFFER and ship_countries - {order.billing_country}:
            reason = f"{rule.name}: ships to {', '.join(sorted(ship_countries))}, billed to {order.billing_country}"
        else:
            continue
        holds.append(Hold(order=order, rule=rule, reason=reason[:200], privilege=rule.privilege))
    return holds


def _order_number(store_code: str) -> str:
    return f"{store_code.upper()[:4]}{secrets.randbelow(10**8):08d}"


def cart_currency(cart: Cart) -> str:
    """The currency of ``cart`` and of the order it becomes."""
    return cart.currency or cart.store.currency


def _cart_buyer(ctx: ActingContext, cart: Cart) -> Buyer:
    """The buyer, pricing ``cart`` in its own currency (the order is never in two)."""
    return buyer_for(ctx, store=cart.store).in_currency(cart_currency(cart))


def check_cart_currency(ctx: ActingContext, cart: Cart) -> None:
    """Place Order: the cart is in the currency its buyer buys in now. An organization whose
    preferred currency changed while its cart was priced in the old one re-prices the cart first
    (``carts/currency.py``), so that one order is never in two currencies."""
    buys_in = buyer_for(ctx, store=cart.store).currency
    if (currency := cart_currency(cart)) != buys_in:
        who = ctx.customer.display_name if ctx.customer is not None else "The buyer"
        message = (f"This cart is priced in {currency}, and {who} now buys in {buys_in}. Change the "
                   f"organization's currency to {buys_in} to re-price the cart, then place the order.")  # fmt: skip
        raise DomainError(CartError.CURRENCY_CHANGED, message, status=409, data={"cart": currency, "buyer": buys_in})


def checkout_quote(ctx: ActingContext, *, cart: Cart, plan: CheckoutPlan | None = None) -> Priced:
    """What the order would cost now, priced as checkout_submit will price it: shipping for the
    methods the plan names, each line taxed where it is delivered (choices that do not resolve yet
    are left out rather than refused). In the cart's currency."""
    lines = list(cart.lines.select_related("sku__product__category"))
    currency = cart_currency(cart)
    shipping = Money.zero(currency)
    tax_country = tax_region = ""
    place: dict[int, tuple[str, str]] = {}
    if plan is not None:
        addresses = {a.pk: a for a in Address.objects.filter(customer=ctx.customer)} if ctx.customer else {}
        locations = {p.pk: p for p in PickupLocation.objects.filter(store=cart.store, is_active=True)}
        methods = {o.method.code: o for o in shipping_offers(cart.store, currency)}
        for shipment in plan.shipments:
            where: Address | PickupLocation | None = None
            if shipment.kind == Shipment.Kind.SHIP:
                if (offer := methods.get(shipment.shipping_method_code)) is not None:
                    shipping += offer.price
                where = addresses.get(shipment.address_id or 0)
            elif shipment.kind == Shipment.Kind.PICKUP:
                where = locations.get(shipment.pickup_location_id or 0)
            if where is not None:
                place.update({line_id: (where.country, where.region) for line_id in shipment.line_ids})
        if (billing := addresses.get(plan.billing_address_id)) is not None:
            tax_country, tax_region = billing.country, billing.region
    return price_lines(
        _cart_buyer(ctx, cart),
        [LineIn(line.sku, line.quantity, *place.get(line.pk, ("", ""))) for line in lines],
        shipping=shipping,
        tax_country=tax_country,
        tax_region=tax_region,
    )


@dataclass(frozen=True)
class Placement:
    """One checkout attempt as checkout_submit resolved it: what ``_place`` writes, all or nothing."""

    cart: Cart
    customer: Customer
    lines: tuple[CartLine, ...]
    groups: tuple[_Group, ...]
    billing: Address
    priced: Priced
    plan: CheckoutPlan
    attempt: str
    lease_token: str | None


@idempotent_checkout
def checkout_submit(ctx: ActingContext, *, cart: Cart, plan: CheckoutPlan, lease_token: str | None = None) -> Order:
    """Place the order for the customer served. The same attempt submitted again answers the
    order it placed, the same attempt with another plan is refused (``idempotent_checkout``); a
    declined or failed attempt can be retried. A cart customer service prepared carries a draft
    order: placing the cart places that order, same number."""
    customer = ctx.customer
    if customer is None:
        raise DomainError(CommonError.AUTH_REQUIRED, "Sign in to check out.", status=401)
    # A purchase: a suspended account is refused before anything else is looked at
    # (``account.suspended``), and an associate must be in a role that places orders.
    check_may_purchase(ctx)
    _refuse_over_long(plan)
    lines = _checkout_lines(ctx, cart, lease_token)
    check_cart_currency(ctx, cart)
    attempt = plan.attempt or secrets.token_hex(16)
    groups = _resolve(ctx, cart, plan, lines)
    billing = Address.objects.filter(pk=plan.billing_address_id, customer=customer).first()
    if billing is None:
        raise _invalid("Choose a billing address.", billing_address=["Choose a billing address."])
    source = _payment_source(customer, plan)
    check_source_currency(source, cart_currency(cart))
    placement = Placement(
        cart=cart, customer=customer, lines=tuple(lines), groups=tuple(groups), billing=billing,
        priced=_priced(ctx, cart, lines, groups, billing, plan), plan=plan, attempt=attempt, lease_token=lease_token,
    )  # fmt: skip

    # Authorize first, outside the order's transaction: the gateway is not part of our database.
    # The key names this attempt, so submitting it twice reaches the gateway once.
    auth_key = f"checkout-{customer.pk}-{attempt}-authorize"
    authorization = _authorize(ctx, source, placement.priced, auth_key)
    try:
        return _place(ctx, placement, authorization)
    except Exception:
        if (placed := Order.objects.filter(customer=customer, checkout_key=attempt).first()) is not None:
            return placed  # the same attempt, submitted at the same moment, placed it
        try:
            payment_reverse(ctx, authorization=authorization, idempotency_key=f"{auth_key}-reverse")
        except DomainError:
            logger.exception("Could not reverse authorization %s; the orphan task will retry", authorization.pk)
        raise


_FIELD_NAMES = {"purchase_order": "Purchase order number"}


def _refuse_over_long(plan: CheckoutPlan) -> None:
    """The plan's own text (its email, attempt and order data) as sent, or a refusal naming the
    limit: never stored cut."""
    sent = {"email": plan.email, "attempt": plan.attempt, "purchase_order": plan.purchase_order}
    limits = {"email": EMAIL_LIMIT, "attempt": ATTEMPT_LIMIT, "purchase_order": PURCHASE_ORDER_LIMIT}
    errors = text_errors(sent, limits)
    for key, value in plan.order_data.items():
        if problem := text_problem(key, limit=ORDER_DATA_KEY_LIMIT):
            errors.setdefault("order_data", []).append(problem)
        elif problem := text_problem(str(value), limit=ORDER_DATA_VALUE_LIMIT):
            errors[f"order_data.{key}"] = [problem]
    if errors:  # said on the page too, where a field such as the attempt has no place of its own
        said = " ".join(
            f"{_FIELD_NAMES.get(name, name.capitalize())}: {problems[0]}" for name, problems in errors.items()
        )
        raise _invalid(said, **errors)


def _checkout_lines(ctx: ActingContext, cart: Cart, lease_token: str | None) -> list[CartLine]:
    """The lines of a cart the customer served may check out now, every one still sold."""
    if not owns_cart(ctx, cart, anonymous_token=None):
        raise DomainError(CartError.NOT_FOUND, "No such cart.", status=404)
    if not cart.is_active:
        raise DomainError(CartError.NOT_ACTIVE, "This cart has already been checked out.", status=409)
    check_checkout_allowed(ctx, cart, lease_token)
    lines = list(cart.lines.select_related("sku__product__category"))
    if not lines:
        raise DomainError(CartError.EMPTY, "Your cart is empty.", status=409)
    gone = [line.sku.product.name for line in lines if not (line.sku.is_active and line.sku.product.is_active)]
    if gone:
        message = f"No longer sold: {', '.join(gone)}. Remove it from your cart."
        raise DomainError(CheckoutError.ITEM_UNAVAILABLE, message, status=409)
    return lines


def _payment_source(customer: Customer, plan: CheckoutPlan) -> PaymentSource:
    source = PaymentSource.objects.filter(pk=plan.payment_source_id or 0, customer=customer, is_active=True).first()
    if source is None:
        raise DomainError(
            CheckoutError.PAYMENT_REQUIRED, "Choose how to pay.", status=422, fields={"payment": ["Choose how to pay."]}
        )
    if card_expired(source):
        raise DomainError(
            PaymentError.CARD_INVALID, f"{source.label} has expired.", status=422, fields={"payment": ["Expired."]}
        )
    return source


def _priced(
    ctx: ActingContext, cart: Cart, lines: list[CartLine], groups: list[_Group], billing: Address, plan: CheckoutPlan
) -> Priced:
    """The order priced on the server: shipping of the chosen methods, each line taxed where it is
    delivered; refused when there is nothing to pay or the total is not the one shown."""
    buyer = _cart_buyer(ctx, cart)
    shipping = Money.zero(buyer.currency)
    for group in groups:
        if group.shipping is not None:
            shipping += group.shipping
    priced = price_lines(
        buyer,
        _taxed_lines(lines, groups),
        shipping=shipping,
        tax_country=billing.country,
        tax_region=billing.region,
    )
    if priced.total.amount <= 0:
        raise _invalid("There is nothing to pay for.")
    if plan.expected_total is not None and priced.total.amount != plan.expected_total:
        shown = priced.total.format(buyer.locale)
        message = f"The total is now {shown}. Review it and place the order again."
        raise DomainError(CheckoutError.TOTAL_CHANGED, message, status=409, fields={"total": [message]})
    return priced


def _authorize(ctx: ActingContext, source: PaymentSource, priced: Priced, auth_key: str) -> PaymentTransaction:
    authorization = payment_authorize(ctx, source=source, amount=priced.total, idempotency_key=auth_key)
    if authorization.status != PaymentTransaction.Status.SUCCEEDED:
        raise DomainError(
            PaymentError.DECLINED, authorization.message or "The payment was declined.", status=402,
            fields={"payment": [authorization.message or "The payment was declined."]},
        )  # fmt: skip
    if authorization.children.filter(kind=PaymentTransaction.Kind.REVERSE, status="SUCCEEDED").exists():
        message = "This attempt was cancelled. Review your order and place it again."
        raise DomainError(CheckoutError.ATTEMPT_SPENT, message, status=409)
    return authorization


def _place(ctx: ActingContext, placement: Placement, authorization: PaymentTransaction) -> Order:
    """Write the order in one transaction: the cart (still the one priced) is closed, the stock
    taken, the order (a new one, or the cart's draft with its number) written with its shipments,
    lines and holds, and the authorization attached to it."""
    with transaction.atomic():
        cart = _locked_unchanged_cart(ctx, placement)
        _take_stock(placement.lines)
        order = _order_row(ctx, placement, cart)
        _write_shipments(order, placement)
        holds = _apply_holds(order, placement)
        PaymentTransaction.objects.filter(pk=authorization.pk).update(order=order)
        Cart.objects.filter(pk=cart.pk).update(
            status=Cart.Status.ORDERED, version=F("version") + 1, updated_at=clock.now()
        )
        data = {
            "number": order.number, "total": str(order.total), "currency": order.currency,
            "placed_on_behalf": order.placed_on_behalf, "shipments": len(placement.groups),
            "holds": [h.reason for h in holds], "cart": cart.code,
        }  # fmt: skip
        if order.placed_by is not None and order.placed_by != ctx.user:
            data["created_by"] = order.placed_by.display_name  # a draft customer service prepared
        record(ctx, action=CheckoutAction.ORDER_PLACED, subject_kind="order", subject_id=order.pk, data=data)
    return order


def _locked_unchanged_cart(ctx: ActingContext, placement: Placement) -> Cart:
    locked = Cart.objects.select_for_update().get(pk=placement.cart.pk)
    if not locked.is_active or locked.version != placement.cart.version or locked.currency != placement.cart.currency:
        raise DomainError(
            CartError.STALE, "Your cart changed while you were checking out. Review it and try again.", status=409
        )
    check_checkout_allowed(ctx, locked, placement.lease_token)
    return locked


class _Stocked(Protocol):
    """What taking stock reads of a line: a cart's line, or an exchange order's (checkout/exchange.py)."""

    @property
    def sku_id(self) -> int: ...

    @property
    def quantity(self) -> int: ...

    @property
    def sku(self) -> Sku: ...


def _take_stock(lines: Sequence[_Stocked]) -> None:
    # Stock rows are taken in SKU order, so two checkouts never wait on each other in a cycle.
    for line in sorted(lines, key=lambda item: item.sku_id):
        sku = line.sku
        if sku.track_stock and not sku.is_digital:
            taken = Sku.objects.filter(pk=sku.pk, stock_on_hand__gte=line.quantity).update(
                stock_on_hand=F("stock_on_hand") - line.quantity
            )
            if not taken:
                raise DomainError(CartError.OUT_OF_STOCK, f"{sku.product.name} ({sku.name}) just sold out.", status=409)


def _write_shipments(order: Order, placement: Placement) -> None:
    priced_by_sku = {p.sku.pk: p for p in placement.priced.lines}
    for index, group in enumerate(placement.groups, start=1):
        shipment = Shipment.objects.create(order=order, number=f"{order.number}-{index}", **_shipment_fields(group))
        OrderLine.objects.bulk_create(
            [_order_line(order, shipment, line, priced_by_sku[line.sku.pk]) for line in group.lines]
        )


def _apply_holds(order: Order, placement: Placement) -> list[Hold]:
    holds = _holds(order, placement.customer, list(placement.groups))
    Hold.objects.bulk_create(holds)
    if holds:
        order.transition_to(Order.Status.ON_HOLD)
        order.save(update_fields=["status"])
        Shipment.objects.filter(order=order).update(status=Shipment.Status.ON_HOLD)
    return holds


def _order_row(ctx: ActingContext, placement: Placement, cart: Cart) -> Order:
    """The order being placed: the cart's draft (customer service prepared it; it keeps its number
    and who created it, and loses its draft lines) or a new order."""
    fields = _order_fields(ctx, placement, cart)
    draft = Order.objects.select_for_update().filter(cart=cart, status=Order.Status.DRAFT).first()
    if draft is None:
        return _create_order(cart, fields, placement.plan)
    OrderLine.objects.filter(order=draft).delete()
    Shipment.objects.filter(order=draft).delete()
    for name in ("placed_by", "placed_on_behalf", "assist_reason", "assist_case"):
        fields.pop(name)  # "created by <agent> for <customer> — case …" stays
    for name, value in fields.items():
        setattr(draft, name, value)
    draft.transition_to(Order.Status.CREATED)
    draft.placed_at = draft.updated_at = clock.now()
    draft.version += 1
    draft.save()
    _add_order_data(draft, placement.plan)
    return draft


def _session_stamp(ctx: ActingContext) -> dict[str, str]:
    """The reason and case reference of the assisted session the order is placed in, if any."""
    session = ctx.assisted_session
    if session is None:
        if ctx.account is not None and ctx.user is not None and ctx.has_perm(Priv.ACT_FOR_ORGANIZATION):
            # a seller's organization session: the reason and case it started with
            reason, case = organization_session(seller_id=ctx.user.pk, account_id=ctx.account.pk)
            return {"assist_reason": reason, "assist_case": case}
        return {"assist_reason": "", "assist_case": ""}
    return {"assist_reason": session.reason, "assist_case": session.ticket}


def _order_fields(ctx: ActingContext, placement: Placement, cart: Cart) -> dict[str, object]:
    customer, priced, billing = placement.customer, placement.priced, placement.billing
    return {
        "checkout_key": placement.attempt,
        "store": cart.store, "customer": customer, "account": ctx.account, "placed_by": ctx.user,
        # Placed for the customer by someone else: an agent or a seller. An associate buying for their
        # own account places it themself (the order is the account's, placed_by names them).
        "placed_on_behalf": ctx.user is not None and ctx.user.pk != customer.user_id and associate_role(ctx) is None,
        **_session_stamp(ctx),
        "cart": cart,
        "currency": priced.currency, "subtotal": priced.subtotal.amount, "discount_total": priced.discount.amount,
        "shipping_total": priced.shipping.amount, "tax_total": priced.tax.amount, "total": priced.total.amount,
        "promotions": list(priced.promotions), "email": placement.plan.email or customer.email,
        "purchase_order": placement.plan.purchase_order.strip(),
        "billing_first_name": billing.first_name, "billing_last_name": billing.last_name,
        "billing_line1": billing.line1, "billing_line2": billing.line2, "billing_city": billing.city,
        "billing_region": billing.region, "billing_postal_code": billing.postal_code,
        "billing_country": billing.country, "billing_phone": billing.phone,
    }  # fmt: skip


def _create_order(cart: Cart, fields: dict[str, object], plan: CheckoutPlan) -> Order:
    for _ in range(5):
        try:
            with transaction.atomic():
                order = Order.objects.create(number=_order_number(cart.store.code), **fields)
            break
        except IntegrityError:
            continue
    else:
        raise DomainError(CommonError.SERVER_ERROR, "Could not number the order; please try again.", status=503)
    _add_order_data(order, plan)
    return order


def _add_order_data(order: Order, plan: CheckoutPlan) -> None:
    for key, value in plan.order_data.items():
        order.data_values.create(key=key, value=str(value))


def _shipment_fields(group: _Group) -> dict[str, object]:
    fields: dict[str, object] = {"kind": group.kind}
    if group.method is not None and group.shipping is not None:
        fields.update(
            shipping_method=group.method, shipping_method_name=group.method.name, shipping_price=group.shipping.amount
        )
    if group.address is not None:
        a = group.address
        fields.update(
            ship_first_name=a.first_name, ship_last_name=a.last_name, ship_line1=a.line1, ship_line2=a.line2,
            ship_city=a.city, ship_region=a.region, ship_postal_code=a.postal_code, ship_country=a.country,
        )  # fmt: skip
    if group.location is not None:
        p, alt = group.plan.primary, group.plan.alternate
        fields.update(
            pickup_location=group.location, shipping_method_name="Pick up in store",
            primary_first_name=p.first_name.strip(), primary_last_name=p.last_name.strip(),
            primary_email=p.email.strip(), primary_phone=p.phone.strip(),
            alternate_first_name=alt.first_name.strip(), alternate_last_name=alt.last_name.strip(),
            alternate_email=alt.email.strip(), alternate_phone=alt.phone.strip(),
        )  # fmt: skip
    return fields


def _order_line(order: Order, shipment: Shipment, line: CartLine, priced_line: PricedLine) -> OrderLine:
    return OrderLine(
        order=order, shipment=shipment, sku=line.sku, sku_code=line.sku.code, product_name=line.sku.product.name,
        sku_name=line.sku.name, quantity=line.quantity, unit_price=priced_line.unit_price.amount,
        subtotal=priced_line.subtotal.amount, discount=priced_line.discount.amount, tax=priced_line.tax.amount,
        total=priced_line.total.amount, promotions=list(priced_line.promotions),
    )  # fmt: skip
