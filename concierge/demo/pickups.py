"""Orders to pick up in store (seed 002 "Pick-Up In-Store Customers", seed 001 BOPIS): a few demo
customers bought online to collect at the demo store's pickup location; the store has made some of
them ready for pickup. Placed through checkout as the customers themselves, made ready through the
pickup service."""

from __future__ import annotations

from concierge.carts.services import cart_add, cart_open
from concierge.catalog.models import Price
from concierge.checkout.plan import CheckoutPlan, Contact, ShipmentPlan
from concierge.checkout.services import checkout_submit
from concierge.core.context import ActingContext
from concierge.customers.models import Customer
from concierge.orders.editing import SYSTEM
from concierge.orders.models import Order, Shipment
from concierge.orders.pickup import pickup_mark_ready
from concierge.payments.services import payment_source_add_card
from concierge.stores.models import PickupLocation

PICKUPS = 4  # orders placed to pick up; the first READY of them are made ready
READY = 2


def _pickup_order(customer: Customer, location: PickupLocation, price: Price, *, with_alternate: bool) -> Order:
    store = customer.store
    ctx = ActingContext(user=customer.user, customer=customer, store=store)
    cart, _ = cart_open(ctx, anonymous_token=None)
    cart_add(ctx, cart=cart, sku_id=price.sku_id, quantity=1)
    source = customer.payment_sources.filter(is_active=True).first() or payment_source_add_card(
        ctx, customer=customer, number="4242424242424242", exp_month=12, exp_year=2030, cvc="123",
        holder_name=customer.display_name,
    )  # fmt: skip
    address = customer.addresses.order_by("-is_default_billing", "id").first()
    if address is None:
        raise ValueError(f"{customer.display_name} has no address to bill.")
    alternate = Contact("Sam", customer.last_name, f"sam.{customer.last_name.lower()}@example.com") if with_alternate \
        else Contact()  # fmt: skip
    plan = CheckoutPlan(
        billing_address_id=address.pk,
        payment_source_id=source.pk,
        shipments=(ShipmentPlan(kind="PICKUP", line_ids=tuple(cart.lines.values_list("pk", flat=True)),
                                pickup_location_id=location.pk,
                                primary=Contact(customer.first_name, customer.last_name, customer.email,
                                                customer.phone),
                                alternate=alternate, alternate_saved=with_alternate),),
    )  # fmt: skip
    cart.refresh_from_db()
    return checkout_submit(ctx, cart=cart, plan=plan)


def seed_pickups(*, customers: list[Customer]) -> int:
    """``PICKUPS`` orders to collect at the first pickup location of each customer's store (customers
    with an address, in the order given); the first ``READY`` of them ready for pickup. Once only:
    nothing when an order has been made ready already."""
    if Shipment.objects.filter(ready_for_pickup_at__isnull=False).exists():
        return 0
    placed = 0
    for customer in customers:
        if placed == PICKUPS:
            break
        location = PickupLocation.objects.filter(store=customer.store, is_active=True).order_by("id").first()
        price = (Price.objects.filter(price_list__store=customer.store, price_list__segment=None,
                                      price_list__account=None, price_list__currency=customer.store.currency,
                                      sku__kind="SHIPPABLE", sku__is_active=True, sku__stock_on_hand__gte=10,
                                      amount__lte=200).order_by("amount", "sku_id").first())  # fmt: skip
        if location is None or price is None or not customer.addresses.exists() or customer.user is None:
            continue
        order = _pickup_order(customer, location, price, with_alternate=placed % 2 == 0)
        shipment = order.shipments.get(kind=Shipment.Kind.PICKUP)
        if placed < READY and order.status == Order.Status.CREATED:
            pickup_mark_ready(ActingContext.system("demo data", store=order.store), shipment_id=shipment.pk,
                              guard=SYSTEM)  # fmt: skip
        placed += 1
    return placed
