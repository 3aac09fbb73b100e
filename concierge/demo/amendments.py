"""A demo order already split into two shipments (seed 004 "Splitting a Shipment"): Jane orders
three of one item; customer service moves one of them to a friend's address by Express, which the
Payment Authorization step authorizes on her card."""

from __future__ import annotations

from concierge.carts.services import cart_add, cart_open
from concierge.catalog.models import Sku
from concierge.checkout.plan import CheckoutPlan, ShipmentPlan
from concierge.checkout.services import checkout_submit
from concierge.core.context import ActingContext
from concierge.customers.models import Customer
from concierge.demo.orders import _card
from concierge.orders import amendments
from concierge.orders.editing import SYSTEM
from concierge.orders.models import Amendment

FRIEND = {"first_name": "Sam", "last_name": "Rivera", "line1": "88 Lakeshore Dr", "line2": "", "city": "Chicago",
          "region": "IL", "postal_code": "60601", "country": "US"}  # fmt: skip


def seed_split_order(customer: Customer) -> int:
    """Place and split the order once (nothing when it exists); answers how many orders were placed."""
    if Amendment.objects.filter(order__customer=customer, kind=Amendment.Kind.SPLIT).exists():
        return 0
    store = customer.store
    sold = Sku.objects.filter(prices__price_list__store=store, prices__price_list__segment=None)
    sku = sold.filter(kind=Sku.Kind.SHIPPABLE, stock_on_hand__gt=10).order_by("id").first()
    address = customer.addresses.order_by("-is_default_shipping", "id").first()
    if sku is None or address is None:
        return 0
    ctx = ActingContext(user=customer.user, customer=customer, store=store)
    source = _card(ctx, customer)
    cart, _ = cart_open(ctx, anonymous_token=None)
    cart_add(ctx, cart=cart, sku_id=sku.pk, quantity=3)
    cart.refresh_from_db()
    line = cart.lines.get()
    order = checkout_submit(ctx, cart=cart, plan=CheckoutPlan(
        billing_address_id=address.pk, payment_source_id=source.pk,
        shipments=(ShipmentPlan(kind="SHIP", line_ids=(line.pk,), address_id=address.pk,
                                shipping_method_code="standard"),),
    ))  # fmt: skip
    system = ActingContext.system("demo data", store=store)
    order_line = order.lines.get()
    change = amendments.propose_move(
        system, shipment_id=order_line.shipment_id, guard=SYSTEM, lines={order_line.pk: 1},
        shipping_method_code="express", address=FRIEND,
    )  # fmt: skip
    if change.status == Amendment.Status.PENDING:
        amendments.amendment_authorize(system, amendment_id=change.pk, guard=SYSTEM, source_id=source.pk)
    return 1
