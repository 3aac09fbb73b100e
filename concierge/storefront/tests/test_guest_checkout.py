"""Check out as guest (seed 004's single session user), the emailed order link, Find customer for
guests, and Attach my guest orders verified by an emailed link — each through the pages a shopper
or a CSR uses."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from concierge.audit.models import Event
from concierge.carts.models import Cart
from concierge.customers.models import Customer
from concierge.orders.models import Order
from concierge.stores.models import ShippingMethod
from concierge.testing import factories
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db
GUEST = {
    "first_name": "Gus", "last_name": "Guest", "email": "Gus.Guest@Example.com", "phone": "",
    "address_line1": "12 Harbor Rd", "address_city": "Portland", "address_region": "ME",
    "address_postal_code": "04101", "address_country": "us",
}  # fmt: skip
CARD = {"payment_source": "new", "card_number": "4242 4242 4242 4242", "card_exp_month": "12",
        "card_exp_year": "2031", "card_cvc": "123", "card_holder": "Gus Guest"}  # fmt: skip


@pytest.fixture
def sku(store):
    ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("5"))
    return factories.product(store=store, name="Harbor Rain Jacket", price="120.00")


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """``committing(action, *args)``: run ``action`` and then what it left for after the commit (its
    email), as a request outside a test's transaction would."""

    def run(action, *args):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args)

    return run


def add(client: Client, sku_id: int, quantity: int = 1) -> None:
    client.post(reverse("storefront:cart_add"), {"sku": sku_id, "quantity": quantity})


def become_guest(client: Client, **changes: str):
    return client.post(reverse("storefront:guest_start"), {**GUEST, **changes})


def place(client: Client, attempt: str = "") -> Any:
    """Place Order on the checkout page as it is shown: every item shipped to the guest's address."""
    return client.post(reverse("storefront:checkout"), place_fields(attempt))


def place_fields(attempt: str = "") -> dict[str, object]:
    cart = Cart.objects.get(status="ACTIVE", customer__kind="SINGLE_SESSION_USER")
    address = cart.customer.addresses.get()
    fields = {"action": "place", "billing_address": address.pk, "attempt": attempt, **CARD}
    for line in cart.lines.all():
        fields |= {f"delivery_{line.pk}": "ship", f"address_{line.pk}": address.pk, f"method_{line.pk}": "standard"}
    return fields


def emailed_link(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://\S+", str(message.body))
    assert found, message.body
    return found.group(0).removeprefix("http://testserver")


def guest_order(client: Client, sku, committing) -> Order:
    add(client, sku.pk, 2)
    become_guest(client)
    client.get(committing(place, client)["Location"])  # the confirmation
    return Order.objects.get(customer__kind="SINGLE_SESSION_USER")


def test_the_cart_offers_check_out_as_guest_beside_sign_in(client, sku):
    add(client, sku.pk)
    page = client.get(reverse("storefront:cart")).text
    assert "Check out as guest" in page
    assert "Sign in to check out" in page


def test_an_anonymous_shopper_checks_out_as_a_guest_and_sees_the_confirmation(client, sku):
    # given: an anonymous cart with two jackets
    add(client, sku.pk, 2)
    anonymous_key = client.session.session_key
    # when: they check out as guest, then place the order with a card
    started = become_guest(client)
    checkout = client.get(reverse("storefront:checkout"))
    placed = place(client)
    # then: the order is the guest's, with the cart's lines, and the confirmation shows it
    assert started["Location"] == reverse("storefront:checkout")
    assert client.session.session_key != anonymous_key  # a new session key for the guest (bar 2)
    assert "Checking out as a guest: Gus Guest (gus.guest@example.com)" in checkout.text
    order = Order.objects.get()
    assert (order.customer.kind, order.customer.user, order.customer.email) == (
        "SINGLE_SESSION_USER",
        None,
        "gus.guest@example.com",
    )
    assert [(line.sku_id, line.quantity) for line in order.lines.all()] == [(sku.pk, 2)]
    assert order.total == Decimal("245.00")
    assert Cart.objects.get(customer=order.customer).status == "ORDERED"
    assert placed["Location"] == reverse("storefront:guest_order", args=[order.number])
    confirmation = client.get(placed["Location"])
    assert confirmation.status_code == 200
    assert f"Order {order.number}" in confirmation.text
    assert "Harbor Rain Jacket" in confirmation.text
    assert Event.objects.filter(action="customer.guest_created", subject_id=str(order.customer_id)).exists()


def test_the_order_is_emailed_with_a_link_that_shows_it_read_only(client, sku, committing):
    order = guest_order(client, sku, committing)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["gus.guest@example.com"]
    assert order.number in message.subject
    page = Client().get(emailed_link(message))  # another browser: no session needed
    assert page.status_code == 200
    assert f"Order {order.number}" in page.text
    assert "<form" not in page.text.split("<main", 1)[-1].split("</main>", 1)[0]  # read-only


def test_placing_the_same_attempt_twice_places_and_emails_once(client, sku, committing):
    add(client, sku.pk)
    become_guest(client)
    fields = place_fields("attempt-1")
    committing(client.post, reverse("storefront:checkout"), fields)
    committing(client.post, reverse("storefront:checkout"), fields)  # a double click
    assert Order.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_tampered_or_expired_order_link_is_refused(client, sku, clock, committing):
    guest_order(client, sku, committing)
    link = emailed_link(mail.outbox[0])
    tampered = Client().get(link[:-3] + ("aaa" if not link.endswith("aaa/") else "bbb") + "/")
    assert tampered.status_code == 404
    assert "This link is not valid" in tampered.text
    clock.advance(dt.timedelta(days=31))
    expired = Client().get(link)
    assert expired.status_code == 410
    assert "This link has expired." in expired.text


def test_another_browser_does_not_see_the_guest_confirmation(client, sku, committing):
    order = guest_order(client, sku, committing)
    other = Client().get(reverse("storefront:guest_order", args=[order.number]))
    assert other.status_code == 404
    assert "Harbor Rain Jacket" not in other.text


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"first_name": ""}, "Enter your first name."),
        ({"last_name": " "}, "Enter your last name."),
        ({"email": "gus-at-example"}, "Enter your email address."),
        ({"first_name": "G" * 81}, "At most 80 characters. This has 81."),
        ({"email": "g" * 250 + "@x.com"}, "At most 254 characters. This has 256."),
        ({"address_line1": ""}, "Enter the street address."),
        ({"address_country": "U"}, "Enter the two-letter country code (e.g. US)."),
        ({"address_country": "USA"}, "At most 2 characters. This has 3."),
        ({"address_city": "x" * 81}, "At most 80 characters. This has 81."),
        ({"last_name": "Gu\x00est"}, "Remove the control characters (such as NUL) from this field."),
        ({"phone": "5" * 33}, "At most 32 characters. This has 33."),
    ],
)
def test_the_guest_form_refuses_bad_input_with_field_errors(client, sku, changes, field_message):
    add(client, sku.pk)
    response = become_guest(client, **changes)
    assert response.status_code == 400
    assert field_message in response.text
    assert not Customer.objects.filter(kind="SINGLE_SESSION_USER").exists()
    assert Cart.objects.get().customer is None


def test_check_out_as_guest_with_an_empty_cart_goes_back_to_the_cart(client, sku):
    response = become_guest(client)
    assert response["Location"] == reverse("storefront:cart")
    assert not Customer.objects.filter(kind="SINGLE_SESSION_USER").exists()


def test_checkout_without_sign_in_or_guest_asks_to_sign_in(client, sku):
    add(client, sku.pk)
    response = client.get(reverse("storefront:checkout"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("storefront:sign_in"))


def test_a_csr_finds_the_guest_and_sees_the_order_on_the_profile(client, signed_in, csr, sku, committing):
    order = guest_order(client, sku, committing)
    console = signed_in(csr)
    found = console.get(reverse("service:home"), {"email": "gus.guest@"})
    assert "Gus Guest" in found.text
    by_name = console.get(reverse("service:home"), {"last_name": "guest"})
    assert "Gus Guest" in by_name.text
    profile = console.get(reverse("service:customer", args=[order.customer_id]), {"tab": "orders"})
    assert order.number in profile.text


def test_signing_in_ends_the_guest_and_keeps_the_unplaced_cart(client, sku, shopper):
    # given: a guest who has not placed the order yet
    add(client, sku.pk, 3)
    become_guest(client)
    # when: they sign in instead
    client.post(reverse("storefront:sign_in"), {"email": shopper.email, "password": PASSWORD})
    # then: the items are in their own cart and the session no longer acts as the guest
    assert Cart.objects.get(customer=shopper, status="ACTIVE").lines.get().quantity == 3
    assert "guest_customer_id" not in client.session
    assert "Checking out as a guest" not in client.get(reverse("storefront:checkout")).text


def test_end_guest_checkout_gives_the_cart_back_to_the_anonymous_visitor(client, sku):
    # given: a guest who added one more item (which drops the anonymous cart cookie)
    add(client, sku.pk)
    become_guest(client)
    add(client, sku.pk)
    guest_key = client.session.session_key
    # when
    client.post(reverse("storefront:guest_end"))
    # then: an anonymous visitor again, under a new session key, whose cart still has both
    assert "guest_customer_id" not in client.session
    assert client.session.session_key != guest_key
    assert Cart.objects.get(status="ACTIVE").customer is None
    assert 'class="mini-cart-count">2<' in client.get(reverse("storefront:cart")).text
    assert client.get(reverse("storefront:checkout")).status_code == 302


# --- Attach my guest orders ------------------------------------------------------------------------


def register(client: Client, email: str = "gus.guest@example.com") -> Customer:
    client.post(reverse("storefront:register"), {"first_name": "Gus", "last_name": "Guest", "email": email,
                                                 "password": PASSWORD, "password_confirm": PASSWORD})  # fmt: skip
    return Customer.objects.get(user__email=email)


def ask_to_attach(client: Client, committing) -> str:
    committing(client.post, reverse("storefront:guest_orders"))
    return emailed_link(mail.outbox[-1])


def test_a_registered_shopper_attaches_guest_orders_by_the_emailed_link(client, sku, committing):
    # given: a guest order, then registration with the same email address
    order = guest_order(client, sku, committing)
    guest = order.customer
    customer = register(client)
    # when: My Account offers to attach, they ask, and follow the emailed link
    offer = client.get(reverse("storefront:my_account"))
    link = ask_to_attach(client, committing)
    confirm = client.get(link)
    attached = client.post(link, {"addresses": "on"})
    # then: the order is theirs, listed in their orders; the guest record is merged, not deleted
    assert "Attach my guest orders" in offer.text
    assert order.number not in offer.text  # a count only, until the link is followed
    assert mail.outbox[-1].to == ["gus.guest@example.com"]
    assert confirm.status_code == 200
    assert attached["Location"] == reverse("storefront:orders")
    order.refresh_from_db()
    assert order.customer == customer
    assert order.number in client.get(reverse("storefront:orders")).text
    guest.refresh_from_db()
    assert guest.status == "DISABLED"
    assert customer.addresses.filter(line1="12 Harbor Rd").exists()
    assert Event.objects.filter(action="customer.guest_order_moved", subject_id=str(order.pk)).exists()
    assert Event.objects.filter(action="customer.guest_orders_attached", subject_id=str(customer.pk)).exists()


def test_a_used_attach_link_is_refused(client, sku, committing):
    guest_order(client, sku, committing)
    register(client)
    link = ask_to_attach(client, committing)
    client.post(link)
    again = client.post(link)
    assert again.status_code == 409
    assert "This link has already been used" in again.text


def test_an_attach_link_followed_by_another_account_is_refused(client, sku, other_shopper, committing):
    order = guest_order(client, sku, committing)
    register(client)
    link = ask_to_attach(client, committing)
    other = Client()
    other.force_login(other_shopper.user, backend="concierge.identity.backends.EmailBackend")
    refused = other.post(link)
    assert refused.status_code == 403
    assert "This link was sent to another account" in refused.text
    order.refresh_from_db()
    assert order.customer.kind == "SINGLE_SESSION_USER"


def test_an_expired_or_tampered_attach_link_is_refused(client, sku, clock, committing):
    guest_order(client, sku, committing)
    register(client)
    link = ask_to_attach(client, committing)
    assert client.post(link.rstrip("/") + "x/").status_code == 404
    clock.advance(dt.timedelta(hours=25))
    expired = client.get(link)
    assert expired.status_code == 410
    assert "This link has expired." in expired.text


def test_nothing_is_attached_or_shown_without_the_link(client, sku, committing):
    # given: someone else's guest order with the email address a person registers with
    order = guest_order(client, sku, committing)
    stranger = Client()
    register(stranger)
    # then: their orders do not list it, and asking only sends the email to that address
    assert order.number not in stranger.get(reverse("storefront:orders")).text
    order.refresh_from_db()
    assert order.customer.kind == "SINGLE_SESSION_USER"


def test_asking_with_no_guest_orders_says_so(signed_in, shopper):
    client = signed_in(shopper.user)
    response = client.post(reverse("storefront:guest_orders"), follow=True)
    assert "There are no guest orders with your email address to attach." in response.text
    assert mail.outbox == []
