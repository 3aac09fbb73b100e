"""Orders for refund tests: placed through checkout with a chosen card, then released (captured)."""

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
from concierge.orders.models import Order
from concierge.orders.services import shipment_release
from concierge.payments.services import payment_source_add_card
from concierge.stores.models import ShippingMethod, Store
from concierge.testing import factories

APPROVED_CARD = "4242424242424242"


def captured_order(
    customer: Customer,
    store: Store,
    *,
    card: str = APPROVED_CARD,
    prices: tuple[str, ...] = ("80.00",),
    release: bool = True,
) -> Order:
    """An order of ``customer`` paid with ``card``: one shipment per price (shipping 5.00 each), every
    shipment released, so each is captured (a capture of its lines plus shipping)."""
    ShippingMethod.objects.get_or_create(store=store, code="standard",
                                         defaults={"name": "Standard", "price": Decimal("5.00")})  # fmt: skip
    ctx = ActingContext(user=customer.user, customer=customer, store=store)
    cart, _ = cart_open(ctx, anonymous_token=None)
    for n, price in enumerate(prices):
        sku = factories.product(store=store, name=f"Item {n + 1}", price=price, stock=50)
        cart_add(ctx, cart=cart, sku_id=sku.pk, quantity=1)
    source = payment_source_add_card(ctx, customer=customer, number=card, exp_month=1, exp_year=2031, cvc="123",
                                     holder_name=customer.display_name)  # fmt: skip
    address = customer.addresses.order_by("id").first()
    assert address is not None
    plan = CheckoutPlan(
        billing_address_id=address.pk,
        payment_source_id=source.pk,
        shipments=tuple(
            ShipmentPlan(kind="SHIP", line_ids=(line.pk,), address_id=address.pk, shipping_method_code="standard")
            for line in cart.lines.order_by("id")
        ),
    )
    order = checkout_submit(ctx, cart=Cart.objects.get(pk=cart.pk), plan=plan)
    if release:
        warehouse = ActingContext.system("tests", store=store)
        for shipment in order.shipments.order_by("id"):
            shipment_release(warehouse, shipment_id=shipment.pk, guard=SYSTEM)
    return Order.objects.get(pk=order.pk)


def held(user: User, order: Order) -> EditGuard:
    """The guard of ``user`` editing ``order`` as it is now: the lock (taken or renewed) and version."""
    token = locks.order_lock(ActingContext(user=user), order_id=order.pk).token
    return EditGuard(version=Order.objects.get(pk=order.pk).version, lease_token=token)
