"""Orders to pick up in store, placed through checkout, for the pickup and customer list tests."""

from __future__ import annotations

from concierge.carts.models import Cart
from concierge.carts.services import cart_add, cart_open
from concierge.checkout.plan import CheckoutPlan, Contact, ShipmentPlan
from concierge.checkout.services import checkout_submit
from concierge.core.context import ActingContext
from concierge.customers.models import Customer
from concierge.orders.models import Order
from concierge.payments.services import payment_source_add_card
from concierge.stores.models import PickupLocation, Store
from concierge.testing import factories


def pickup_location(store: Store, name: str = "") -> PickupLocation:
    location, _ = PickupLocation.objects.get_or_create(
        store=store, name=name or f"{store.name} pickup counter",
        defaults={"line1": "100 Congress Ave", "city": "Austin", "postal_code": "78701", "country": "US"},
    )  # fmt: skip
    return location


def pickup_order(customer: Customer, store: Store, *, location: PickupLocation | None = None,
                 alternate: Contact | None = None) -> Order:  # fmt: skip
    """An order of ``customer``, one product picked up at ``location`` (the store's counter)."""
    location = location or pickup_location(store)
    ctx = ActingContext(user=customer.user, customer=customer, store=store)
    cart, _ = cart_open(ctx, anonymous_token=None)
    sku = factories.product(store=store, name="Lantern", price="40.00", stock=10)
    cart_add(ctx, cart=cart, sku_id=sku.pk, quantity=1)
    card = customer.payment_sources.filter(is_active=True).first() or payment_source_add_card(
        ctx, customer=customer, number="4242424242424242", exp_month=1, exp_year=2031, cvc="123",
        holder_name=customer.display_name,
    )  # fmt: skip
    address = customer.addresses.order_by("id").first()
    line = cart.lines.get()
    plan = CheckoutPlan(
        billing_address_id=address.pk,
        payment_source_id=card.pk,
        shipments=(ShipmentPlan(kind="PICKUP", line_ids=(line.pk,), pickup_location_id=location.pk,
                                primary=Contact(customer.first_name, customer.last_name, customer.email,
                                                "+15125550100"),
                                alternate=alternate or Contact(), alternate_saved=alternate is not None),),
    )  # fmt: skip
    return checkout_submit(ctx, cart=Cart.objects.get(pk=cart.pk), plan=plan)
