"""Orders for return tests: placed through checkout, then released (captured) and shipped, so their
items can come back."""

from __future__ import annotations

from decimal import Decimal

from concierge.carts.models import Cart
from concierge.carts.services import cart_add, cart_open
from concierge.checkout.plan import CheckoutPlan, ShipmentPlan
from concierge.checkout.services import checkout_submit
from concierge.core.context import ActingContext
from concierge.customers.models import Customer
from concierge.identity.models import User
from concierge.orders import locks
from concierge.orders.editing import SYSTEM, EditGuard
from concierge.orders.models import Order, Shipment
from concierge.orders.services import shipment_release, shipment_ship
from concierge.payments.services import payment_source_add_card
from concierge.stores.models import ShippingMethod, Store
from concierge.testing import factories

# (name, unit price, quantity, kind)
Item = tuple[str, str, int, str]
SHOE: Item = ("Shoe", "80.00", 2, "SHIPPABLE")
EBOOK: Item = ("Trail Guide eBook", "12.00", 1, "DIGITAL")


def delivered_order(
    customer: Customer, store: Store, items: tuple[Item, ...] = (SHOE,), *, ship: bool = True,
    card_number: str = "4242424242424242",
) -> Order:  # fmt: skip
    """An order of ``customer`` paid with ``card_number``: shippable items in one shipment to their
    address (shipping 5.00), digital ones delivered digitally; every shipment released (captured)
    and, with ``ship``, shipped."""
    ShippingMethod.objects.get_or_create(store=store, code="standard",
                                         defaults={"name": "Standard", "price": Decimal("5.00")})  # fmt: skip
    ctx = ActingContext(user=customer.user, customer=customer, store=store)
    cart, _ = cart_open(ctx, anonymous_token=None)
    for name, price, quantity, kind in items:
        sku = factories.product(store=store, name=name, price=price, stock=20, kind=kind)
        cart_add(ctx, cart=cart, sku_id=sku.pk, quantity=quantity)
    card = payment_source_add_card(ctx, customer=customer, number=card_number, exp_month=1, exp_year=2031,
                                   cvc="123", holder_name=customer.display_name)  # fmt: skip
    address = customer.addresses.order_by("id").first()
    assert address is not None
    shippable = [line.pk for line in cart.lines.order_by("id") if not line.sku.is_digital]
    plan = CheckoutPlan(
        billing_address_id=address.pk,
        payment_source_id=card.pk,
        shipments=(
            ShipmentPlan(
                kind="SHIP", line_ids=tuple(shippable), address_id=address.pk, shipping_method_code="standard"
            ),
        )
        if shippable
        else (),
    )
    order = checkout_submit(ctx, cart=Cart.objects.get(pk=cart.pk), plan=plan)
    warehouse = ActingContext.system("tests", store=store)
    for shipment in order.shipments.order_by("id"):
        shipment_release(warehouse, shipment_id=shipment.pk, guard=SYSTEM)
        if ship:
            shipment_ship(warehouse, shipment_id=shipment.pk, guard=SYSTEM)
    return Order.objects.get(pk=order.pk)


def held(user: User, order: Order) -> EditGuard:
    """The guard of ``user`` editing ``order`` now: the lock (taken or renewed) and the version."""
    token = locks.order_lock(ActingContext(user=user), order_id=order.pk).token
    return EditGuard(version=Order.objects.get(pk=order.pk).version, lease_token=token)


def shipped(order: Order) -> bool:
    return not order.shipments.exclude(status=Shipment.Status.SHIPPED).exists()
