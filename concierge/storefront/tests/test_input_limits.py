"""Over-long input in the storefront's forms and the API is refused naming the limit, never stored
cut (repair item 12): checkout's email, attempt and pickup contacts, a gift certificate code, the
name on a card, an API token's name."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from concierge.carts.models import Cart
from concierge.checkout.plan import CheckoutPlan, ShipmentPlan
from concierge.checkout.services import checkout_submit
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.identity.models import ApiToken
from concierge.orders.models import Order
from concierge.payments.models import PaymentSource
from concierge.payments.services import payment_source_add_card
from concierge.stores.models import PickupLocation, ShippingMethod
from concierge.testing import factories
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(signed_in, store, shopper) -> Client:
    """The shopper signed in, one item in the cart, a shipping method and a store to pick up from."""
    ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("5"))
    PickupLocation.objects.create(store=store, name="Austin Downtown", line1="1 Main", city="Austin", region="TX",
                                  postal_code="78701", country="US")  # fmt: skip
    client = signed_in(shopper.user)
    sku = factories.product(store=store, name="Alpine Trail Runner", price="89.95")
    client.post(reverse("storefront:cart_add"), {"sku": sku.pk, "quantity": 1})
    return client


def place(client: Client, shopper, **fields: str):
    """Checkout's Place Order, shipping the one line the standard way and paying by a saved card."""
    ctx = ActingContext(user=shopper.user, customer=shopper, store=shopper.store)
    card = payment_source_add_card(ctx, customer=shopper, number="4242 4242 4242 4242", exp_month=12,
                                   exp_year=2040, cvc="123", holder_name="Jane Shopper")  # fmt: skip
    line = Cart.objects.get(customer=shopper, status=Cart.Status.ACTIVE).lines.get()
    address = shopper.addresses.first()
    form = {"action": "place", "billing_address": address.pk, "payment_source": card.pk,
            f"address_{line.pk}": address.pk, f"method_{line.pk}": "standard", **fields}  # fmt: skip
    return client.post(reverse("storefront:checkout"), {k.replace("LINE", str(line.pk)): v for k, v in form.items()})


def test_an_over_long_order_email_is_refused_naming_the_limit(shop, shopper):
    # when: 300 characters, of which the first 254 were once kept
    response = place(shop, shopper, email="a" * 288 + "@example.com")
    # then
    assert response.status_code == 400
    assert "At most 254 characters. This has 300." in response.content.decode()
    assert not Order.objects.exists()


def test_an_over_long_checkout_attempt_is_refused_not_cut(shop, shopper):
    response = place(shop, shopper, attempt="a" * 65)
    assert response.status_code == 400
    assert "Attempt: At most 64 characters. This has 65." in response.content.decode()
    assert not Order.objects.exists()


def test_a_pickup_contacts_email_is_kept_whole(shop, shopper):
    # given: an email of 200 characters (within the 254 an email may have; once cut to 120)
    email = "p" * 188 + "@example.com"
    contact = {"primary_first_name": "Pat", "primary_last_name": "Picker", "primary_email": email}
    # when
    pickup = {"delivery_LINE": "pickup", "pickup_location": str(PickupLocation.objects.get().pk)}
    response = place(shop, shopper, **pickup, **contact)
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Order.objects.get().shipments.get().primary_email == email


def test_an_over_long_pickup_contact_name_is_a_field_error(shop, shopper):
    contact = {"primary_first_name": "P" * 150, "primary_last_name": "Picker", "primary_email": "pat@example.com"}
    pickup = {"delivery_LINE": "pickup", "pickup_location": str(PickupLocation.objects.get().pk)}
    response = place(shop, shopper, **pickup, **contact)
    assert response.status_code == 400
    assert "At most 80 characters. This has 150." in response.content.decode()
    assert not Order.objects.exists()


def test_an_over_long_gift_certificate_code_is_refused_naming_the_limit(signed_in, shopper):
    response = signed_in(shopper.user).post(
        reverse("storefront:payment_methods"), {"action": "gift_certificate", "code": "ABCD-" * 10}
    )
    assert response.status_code == 400
    assert "At most 40 characters. This has 50." in response.content.decode()
    assert not PaymentSource.objects.exists()


def test_an_over_long_name_on_a_card_is_refused_naming_the_limit(signed_in, shopper):
    form = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2040", "cvc": "123", "holder_name": "J" * 121}
    response = signed_in(shopper.user).post(reverse("storefront:payment_methods"), form)
    assert response.status_code == 400
    assert "At most 120 characters. This has 121." in response.content.decode()
    assert not PaymentSource.objects.exists()


def test_an_api_token_name_as_long_as_the_schema_allows_is_kept_whole(shopper):
    # given: a name of 120 characters, which the API documents (once cut to 80)
    name = "n" * 120
    # when
    response = Client().post("/api/v1/auth/tokens", {"email": shopper.email, "password": PASSWORD, "name": name},
                             content_type="application/json")  # fmt: skip
    # then
    assert response.status_code == 201, response.content
    assert ApiToken.objects.get().name == name
    too_long = Client().post("/api/v1/auth/tokens", {"email": shopper.email, "password": PASSWORD, "name": name + "n"},
                             content_type="application/json")  # fmt: skip
    assert too_long.status_code == 422
    assert ApiToken.objects.count() == 1


def test_over_long_order_data_is_refused_naming_the_limit(shop, shopper):
    # Order data has no form or API field yet; the service refuses what it cannot store whole.
    ctx = ActingContext(user=shopper.user, customer=shopper, store=shopper.store)
    cart = Cart.objects.get(customer=shopper, status=Cart.Status.ACTIVE)
    line = cart.lines.get()
    plan = CheckoutPlan(billing_address_id=shopper.addresses.first().pk, payment_source_id=None,
                        shipments=(ShipmentPlan(kind="SHIP", line_ids=(line.pk,)),),
                        order_data={"gift_message": "x" * 501})  # fmt: skip
    with pytest.raises(DomainError) as refused:
        checkout_submit(ctx, cart=cart, plan=plan)
    assert refused.value.fields == {"order_data.gift_message": ["At most 500 characters. This has 501."]}
    assert not Order.objects.exists()
