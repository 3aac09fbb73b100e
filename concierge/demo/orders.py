"""Past orders in every state, placed through checkout as the customers themselves."""

from __future__ import annotations

import random

from concierge.carts.services import cart_add, cart_open
from concierge.catalog.models import Sku
from concierge.checkout.plan import CheckoutPlan, Contact, ShipmentPlan
from concierge.checkout.services import checkout_submit
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.customers.models import Customer
from concierge.orders.editing import SYSTEM
from concierge.orders.models import Order
from concierge.orders.services import order_cancel, shipment_release, shipment_ship
from concierge.payments.models import PaymentSource
from concierge.payments.services import payment_source_add_card
from concierge.stores.models import PickupLocation

# What happens to each demo order after it is placed, through the order services: one order per
# state a shopper's order can reach before returns exist.
PATHS = ["", "release", "partial", "complete", "cancel", "complete"]


def _card(ctx: ActingContext, customer: Customer) -> PaymentSource:
    existing = customer.payment_sources.filter(is_active=True).first()
    if existing is not None:
        return existing
    today = clock.now().date()
    return payment_source_add_card(ctx, customer=customer, number="4242424242424242", exp_month=12,
                                   exp_year=today.year + 3, cvc="123", holder_name=customer.display_name)  # fmt: skip


def _advance(order: Order, path: str) -> None:
    ctx = ActingContext.system("demo data", store=order.store)
    shipments = list(order.shipments.order_by("number"))
    if path == "cancel":
        order_cancel(ctx, order_id=order.pk, reason="Customer changed their mind (demo data)", guard=SYSTEM)
        return
    if path == "partial" and len(shipments) < 2:
        path = "release"
    for index, shipment in enumerate(shipments):
        shipment_release(ctx, shipment_id=shipment.pk, guard=SYSTEM)
        if path == "complete" or (path == "partial" and index == 0):
            shipment_ship(ctx, shipment_id=shipment.pk, guard=SYSTEM)


def seed_orders(*, customers: list[Customer], per_customer: int = 3, seed: int = 11) -> int:
    if Order.objects.exists():
        return 0
    rng = random.Random(seed)
    placed = 0
    for n, customer in enumerate(customers):
        store = customer.store
        skus = list(Sku.objects.filter(prices__price_list__store=store, prices__price_list__segment=None,
                                       stock_on_hand__gt=5).distinct().order_by("id")[:300])  # fmt: skip
        location = PickupLocation.objects.filter(store=store).first()
        ctx = ActingContext(user=customer.user, customer=customer, store=store)
        source = _card(ctx, customer)
        address = customer.addresses.order_by("-is_default_shipping", "id").first()
        if address is None:  # a customer without an address places no demo orders
            continue
        for k in range(per_customer):
            cart, _ = cart_open(ctx, anonymous_token=None)
            for sku in rng.sample(skus, rng.randint(1, 3)):
                cart_add(ctx, cart=cart, sku_id=sku.pk, quantity=rng.randint(1, 2))
            lines = list(cart.lines.select_related("sku"))
            physical = [line.pk for line in lines if not line.sku.is_digital]
            shipments = []
            if physical and location and k % 3 == 2:
                primary = Contact(customer.first_name, customer.last_name, customer.email)
                shipments.append(
                    ShipmentPlan(
                        kind="PICKUP", line_ids=tuple(physical), pickup_location_id=location.pk, primary=primary
                    )
                )
            elif physical:
                shipments.append(ShipmentPlan(kind="SHIP", line_ids=tuple(physical), address_id=address.pk,
                                              shipping_method_code="standard"))  # fmt: skip
            cart.refresh_from_db()
            order = checkout_submit(ctx, cart=cart, plan=CheckoutPlan(billing_address_id=address.pk,
                                    payment_source_id=source.pk, shipments=tuple(shipments)))  # fmt: skip
            path = PATHS[(n * per_customer + k) % len(PATHS)]
            if order.status == Order.Status.CREATED and path:
                _advance(order, path)
            placed += 1
    return placed
