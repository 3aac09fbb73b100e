"""Orders for tests: one placed through checkout (with its events), or plain rows for search."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from concierge.carts.models import Cart
from concierge.carts.services import cart_add, cart_open
from concierge.checkout.plan import CheckoutPlan, ShipmentPlan
from concierge.checkout.services import checkout_submit
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.customers.models import Customer
from concierge.orders.models import Order
from concierge.payments.services import payment_source_add_card
from concierge.stores.models import ShippingMethod, Store
from concierge.testing import factories

_numbers = itertools.count(1)


def placed_order(customer: Customer, store: Store, *, shipments: int = 2, ctx: ActingContext | None = None) -> Order:
    """An order placed by ``customer`` through checkout: ``shipments`` shipments to their address
    (by whoever ``ctx`` is, e.g. an agent in an assisted session, when given)."""
    ShippingMethod.objects.get_or_create(store=store, code="standard",
                                         defaults={"name": "Standard", "price": Decimal("5.00")})  # fmt: skip
    ShippingMethod.objects.get_or_create(store=store, code="express",
                                         defaults={"name": "Express", "price": Decimal("15.00")})  # fmt: skip
    ShippingMethod.objects.get_or_create(store=store, code="economy",
                                         defaults={"name": "Economy", "price": Decimal("3.00")})  # fmt: skip
    ctx = ctx or ActingContext(user=customer.user, customer=customer, store=store)
    cart, _ = cart_open(ctx, anonymous_token=None)
    for name, price in [("Shoe", "80.00"), ("Hat", "20.00")][:shipments]:
        sku = factories.product(store=store, name=name, price=price, stock=5)
        cart_add(ctx, cart=cart, sku_id=sku.pk, quantity=1)
    card = payment_source_add_card(ctx, customer=customer, number="4242424242424242", exp_month=1, exp_year=2031,
                                   cvc="123", holder_name=customer.display_name)  # fmt: skip
    address = customer.addresses.order_by("id").first()
    plan = CheckoutPlan(
        billing_address_id=address.pk,
        payment_source_id=card.pk,
        shipments=tuple(
            ShipmentPlan(kind="SHIP", line_ids=(line.pk,), address_id=address.pk, shipping_method_code="standard")
            for line in cart.lines.order_by("id")
        ),
    )
    return checkout_submit(ctx, cart=Cart.objects.get(pk=cart.pk), plan=plan)


def order_row(customer: Customer, store: Store, **fields: Any) -> Order:
    """A bare order row (no lines), for search and sort tests."""
    n = next(_numbers)
    values: dict[str, Any] = {
        "number": f"{store.code.upper()}{n:08d}", "store": store, "customer": customer,
        "currency": store.currency, "total": Decimal("10.00"), "billing_first_name": "Pat",
        "billing_last_name": "Doe", "billing_line1": "1 Main St", "billing_city": "Austin",
        "billing_postal_code": "78701", "billing_country": "US", "email": f"pat{n}@example.com",
        "placed_at": clock.now() - dt.timedelta(days=n),
    }  # fmt: skip
    values.update(fields)
    return Order.objects.create(**values)


def held_order(customer: Customer, store: Store, *, review_by_supervisor: bool = False) -> Order:
    """An order placed On Hold by two hold rules (a large order, the customer's first order); the
    large-order review needs a supervisor when ``review_by_supervisor``."""
    from concierge.identity.roles import Priv
    from concierge.orders.models import HoldRule

    privilege = Priv.RESOLVE_REVIEW_HOLD if review_by_supervisor else Priv.RESOLVE_HOLD
    HoldRule.objects.get_or_create(name="Large order review", kind=HoldRule.Kind.TOTAL_ABOVE,
                                   defaults={"amount": Decimal("50"), "privilege": privilege})  # fmt: skip
    HoldRule.objects.get_or_create(name="First order", kind=HoldRule.Kind.FIRST_ORDER)
    order = placed_order(customer, store)
    assert order.status == Order.Status.ON_HOLD, order.status
    return order
