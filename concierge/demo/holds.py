"""Orders on hold for the Holds tab (seed 004 "Order Holds"), placed through checkout as the customers
themselves: a large order shipped abroad matches both demo hold rules ("Large order review", which a
supervisor decides, and "Ships abroad"). One order waits with both holds open; on the other, Ann
Agent has already marked "Ships abroad" resolved and the worker settled it, so its history shows on
the Holds and Notes tabs while the large-order review still waits for a supervisor."""

from __future__ import annotations

import math
from decimal import Decimal

from concierge.carts.services import cart_add, cart_open
from concierge.catalog.models import Price
from concierge.checkout.plan import CheckoutPlan, ShipmentPlan
from concierge.checkout.services import checkout_submit
from concierge.core.context import ActingContext
from concierge.customers.models import Address, Customer
from concierge.identity.models import User
from concierge.identity.roles import Priv
from concierge.orders import locks
from concierge.orders.editing import EditGuard
from concierge.orders.holds import HoldDecision, hold_decide, hold_settle
from concierge.orders.models import Hold, HoldRule, Order
from concierge.payments.services import payment_source_add_card

LARGE_ORDER = Decimal("1600")  # above the demo's "Large order review" amount (1500)


def _abroad(customer: Customer) -> Address:
    address, _ = Address.objects.get_or_create(
        customer=customer, label="Cottage",
        defaults={"first_name": customer.first_name, "last_name": customer.last_name, "line1": "12 Lakeshore Rd",
                  "city": "Toronto", "region": "ON", "postal_code": "M5V 2T6", "country": "CA"},
    )  # fmt: skip
    return address


def _held_order(customer: Customer) -> Order:
    """A large order billed at home and shipped to the customer's address in Canada."""
    store = customer.store
    ctx = ActingContext(user=customer.user, customer=customer, store=store)
    price = (Price.objects.filter(price_list__store=store, price_list__segment=None, price_list__account=None,
                                  sku__stock_on_hand__gte=40, sku__kind="SHIPPABLE", sku__is_active=True)
             .select_related("sku").order_by("-amount", "sku_id").first())  # fmt: skip
    if price is None:
        raise RuntimeError("The demo catalog has no SKU in stock for an order on hold.")
    cart, _ = cart_open(ctx, anonymous_token=None)
    cart_add(
        ctx, cart=cart, sku_id=price.sku_id, quantity=min(20, math.ceil(LARGE_ORDER / max(price.amount, Decimal(1))))
    )
    source = customer.payment_sources.filter(is_active=True).first() or payment_source_add_card(
        ctx, customer=customer, number="4242424242424242", exp_month=12, exp_year=2031, cvc="123",
        holder_name=customer.display_name,
    )  # fmt: skip
    home = customer.addresses.order_by("-is_default_billing", "id").first()
    if home is None:
        raise RuntimeError(f"Demo customer {customer.shared_id} has no address.")
    line_ids = tuple(cart.lines.values_list("pk", flat=True))
    plan = CheckoutPlan(billing_address_id=home.pk, payment_source_id=source.pk, shipments=(
        ShipmentPlan(kind="SHIP", line_ids=line_ids, address_id=_abroad(customer).pk, shipping_method_code="standard"),
    ))  # fmt: skip
    cart.refresh_from_db()
    return checkout_submit(ctx, cart=cart, plan=plan)


def _resolve_ships_abroad(order: Order) -> None:
    """Ann decides the "Ships abroad" hold as on the Holds tab; the worker's settlement follows."""
    ann = ActingContext(user=User.objects.get(email="ann.agent@concierge.test"))
    hold = order.holds.get(rule__kind=HoldRule.Kind.COUNTRIES_DIFFER)
    token = locks.order_lock(ann, order_id=order.pk).token
    guard = EditGuard(version=Order.objects.get(pk=order.pk).version, lease_token=token)
    hold_decide(ann, hold_id=hold.pk, decision=HoldDecision.RESOLVED, guard=guard,
                comment="Customer confirmed by phone: the parcel goes to their cottage in Toronto.")  # fmt: skip
    locks.order_unlock(ann, order_id=order.pk, lease_token=token)
    hold_settle(ActingContext.system("hold processing"), hold_id=hold.pk)  # as the worker does


def seed_holds(*, customers: list[Customer]) -> int:
    """Two orders on hold (once: none is added when holds exist). Returns how many were placed."""
    HoldRule.objects.filter(name="Large order review").update(privilege=Priv.RESOLVE_REVIEW_HOLD)
    if Hold.objects.exists():
        return 0
    held = [c for c in customers if c.user_id and c.store.code == "us" and c.addresses.exists()][1:3]
    orders = [_held_order(customer) for customer in held]
    if len(orders) == 2 and orders[1].holds.count() == 2:
        _resolve_ships_abroad(orders[1])
    return len(orders)
