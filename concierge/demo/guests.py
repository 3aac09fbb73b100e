"""A guest order for the demo: an anonymous shopper who chose Check out as guest (a single session
user of the default store), placed through the same services the storefront uses."""

from __future__ import annotations

from django.urls import reverse

from concierge.assist.guest_checkout import guest_checkout_start, guest_order_mail
from concierge.carts.models import Cart
from concierge.carts.services import cart_add, cart_open
from concierge.catalog.models import Sku
from concierge.checkout.plan import CheckoutPlan, ShipmentPlan
from concierge.checkout.services import checkout_submit
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.customers.models import Customer
from concierge.payments.services import payment_source_add_card
from concierge.stores.models import Store

GUEST = {"first_name": "Gus", "last_name": "Guest", "email": "gus.guest@example.com", "phone": ""}
ADDRESS: dict[str, object] = {
    "first_name": "Gus", "last_name": "Guest", "line1": "12 Harbor Rd", "city": "Portland", "region": "ME",
    "postal_code": "04101", "country": "US",
}  # fmt: skip
DEMO_SITE = "http://127.0.0.1:8000"


def seed_guest_order(store: Store) -> int:
    """One guest order in ``store`` (once: nothing if the demo guest exists). Returns orders placed."""
    if Customer.objects.filter(kind=Customer.Kind.SINGLE_SESSION_USER, email=GUEST["email"], store=store).exists():
        return 0
    sku = Sku.objects.filter(prices__price_list__store=store, prices__price_list__segment=None,
                             stock_on_hand__gt=5, kind="SHIPPABLE").distinct().order_by("id").first()  # fmt: skip
    if sku is None:
        return 0
    anonymous = ActingContext(user=None, store=store)
    cart, token = cart_open(anonymous, anonymous_token=None)
    cart_add(anonymous, cart=cart, sku_id=sku.pk, quantity=1, anonymous_token=token)
    guest = guest_checkout_start(anonymous, anonymous_token=token, guest=GUEST, address=ADDRESS)
    ctx = anonymous.evolve(customer=guest)
    card = payment_source_add_card(ctx, customer=guest, number="4242424242424242", exp_month=12,
                                   exp_year=clock.now().year + 2, cvc="123", holder_name="Gus Guest",
                                   default_if_first=False)  # fmt: skip
    address = guest.addresses.get()
    cart = Cart.objects.get(customer=guest, status=Cart.Status.ACTIVE)
    order = checkout_submit(ctx, cart=cart, plan=CheckoutPlan(
        billing_address_id=address.pk, payment_source_id=card.pk,
        shipments=(ShipmentPlan(kind="SHIP", line_ids=tuple(cart.lines.values_list("pk", flat=True)),
                                address_id=address.pk, shipping_method_code="standard"),),
    ))  # fmt: skip
    # The email the guest receives, kept in the demo's Sent mail (admin).
    guest_order_mail(order=order, link=lambda t: DEMO_SITE + reverse("storefront:guest_order_link", args=[t]))
    return 1
