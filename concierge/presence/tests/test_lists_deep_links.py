"""Deep links (service/deep_link_views.py): ``/service/assist/?customer=…&order=…&cart=…`` finds the
customer in the CSR's stores, asks to confirm Access customer's account (a GET starts nothing), and
after the confirm opens the order or the cart; anything not found, or another store's, is a clear
page with a way back."""

from __future__ import annotations

import pytest
from django.urls import reverse

from concierge.assist.context import ASSISTED_SESSION_KEY
from concierge.assist.models import AssistedSession
from concierge.carts.services import cart_open
from concierge.core.context import ActingContext
from concierge.customers.models import Customer
from concierge.testing import factories

pytestmark = pytest.mark.django_db

LINK = reverse("service:assist_link")


def _confirm(client, page: str, **extra: str):
    """Press Access customer's account on the confirm page (its hidden fields, as the browser posts)."""
    import re

    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    fields.update(extra)
    return client.post(reverse("service:access_customer"), fields)


def test_a_customer_id_asks_to_confirm_and_starts_nothing(signed_in, csr, shopper):
    response = signed_in(csr).get(LINK, {"customer": shopper.shared_id})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Access customer's account?" in page
    assert "Jane Shopper" in page
    assert AssistedSession.objects.count() == 0  # never silently


def test_confirming_opens_my_account(signed_in, csr, shopper):
    client = signed_in(csr)
    page = client.get(LINK, {"customer": "JANE@example.com", "ticket": "T-77"}).content.decode()
    assert 'name="ticket" maxlength="40" autocomplete="off" value="T-77"' in page  # the ticket the phone system passed
    done = _confirm(client, page, ticket="T-77")
    assert done.status_code == 302
    assert done["Location"] == reverse("storefront:my_account")
    session = AssistedSession.objects.get()
    assert (session.customer_id, session.agent_id, session.ticket) == (shopper.pk, csr.pk, "T-77")
    assert client.session[ASSISTED_SESSION_KEY] == session.pk


def test_an_order_link_opens_the_order(signed_in, csr, order):
    client = signed_in(csr)
    page = client.get(LINK, {"order": order.number}).content.decode()
    assert f"Order {order.number}" in page
    done = _confirm(client, page)
    assert done["Location"] == reverse("storefront:order_detail", args=[order.number])
    assert AssistedSession.objects.get().customer_id == order.customer_id
    assert b"Jane Shopper" in client.get(done["Location"]).content


def test_a_cart_link_opens_the_cart(signed_in, csr, store, shopper):
    cart, _ = cart_open(ActingContext(user=shopper.user, customer=shopper, store=store), anonymous_token=None)
    client = signed_in(csr)
    page = client.get(LINK, {"customer": shopper.shared_id, "cart": cart.code.lower()}).content.decode()
    assert "Their cart" in page
    assert _confirm(client, page)["Location"] == reverse("storefront:cart")


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"customer": "NOBODY"}, "No customer of your stores has the customer ID or email address “NOBODY”."),
        ({"order": "US00000000"}, "No order US00000000 was found in your stores."),
        ({"cart": "ZZZZZZZZ"}, "No cart ZZZZZZZZ was found in your stores."),
        ({}, "The link names no customer, order or cart."),
        ({"customer": "x" * 300}, "Customer in the link: At most 254 characters. This has 300."),
    ],
)
def test_what_cannot_be_found_says_so_with_a_way_back(signed_in, csr, query, words):
    response = signed_in(csr).get(LINK, query)
    page = response.content.decode()
    assert response.status_code == 404
    assert "This link cannot be opened" in page
    assert words in page
    assert 'href="/service/"' in page


def test_a_control_character_in_the_link_is_refused(signed_in, csr):
    response = signed_in(csr).get(LINK, {"customer": "bad\x00id"})
    assert response.status_code == 400
    assert AssistedSession.objects.count() == 0


def test_another_stores_customer_order_and_cart_are_not_found(signed_in, csr_other_store, store, shopper, order):
    cart, _ = cart_open(ActingContext(user=shopper.user, customer=shopper, store=store), anonymous_token=None)
    client = signed_in(csr_other_store)
    for query in ({"customer": shopper.shared_id}, {"order": order.number}, {"cart": cart.code}):
        response = client.get(LINK, query)
        assert response.status_code == 404
        assert b"Jane Shopper" not in response.content


def test_an_order_of_someone_else_is_refused(signed_in, csr, other_shopper, order):
    response = signed_in(csr).get(LINK, {"customer": other_shopper.shared_id, "order": order.number})
    assert response.status_code == 404
    assert f"Order {order.number} is not an order of Omar Other.".encode() in response.content


def test_an_email_two_customers_share_asks_for_the_customer_id(signed_in, csr, store, shopper):
    twin = factories.shopper(store=store, email="jane2@example.com")
    Customer.objects.filter(pk=twin.pk).update(email="jane@example.com")
    response = signed_in(csr).get(LINK, {"customer": "jane@example.com"})
    assert response.status_code == 404
    assert b"open the link with their customer ID instead" in response.content


def test_a_customer_who_opted_out_cannot_be_accessed(signed_in, csr, shopper):
    Customer.objects.filter(pk=shopper.pk).update(assistance_opt_out=True)
    page = signed_in(csr).get(LINK, {"customer": shopper.shared_id}).content.decode()
    assert "asked not to be assisted" in page
    assert 'name="then"' not in page


def test_a_link_from_another_site_cannot_send_the_browser_elsewhere(signed_in, csr, shopper):
    client = signed_in(csr)
    page = client.get(LINK, {"customer": shopper.shared_id}).content.decode()
    assert _confirm(client, page, then="https://evil.example/")["Location"] == reverse("storefront:my_account")


def test_the_link_needs_a_signed_in_csr(client, signed_in, shopper):
    assert client.get(LINK, {"customer": shopper.shared_id})["Location"].startswith("/account/sign-in/")
    assert signed_in(shopper.user).get(LINK, {"customer": shopper.shared_id}).status_code == 403


def test_the_link_page_changes_nothing_on_post(signed_in, csr, shopper):
    assert signed_in(csr).post(LINK, {"customer": shopper.shared_id}).status_code == 405
