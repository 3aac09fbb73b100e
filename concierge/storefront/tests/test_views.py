"""Storefront pages: the header's Sign In / Register tab, My Account, the organization selector."""

import pytest
from django.urls import reverse

from concierge.assist.services import assisting, session_start
from concierge.carts.models import Cart
from concierge.carts.services import cart_add, cart_lock, cart_open, cart_unlock
from concierge.core.context import ActingContext
from concierge.storefront.cart_cookie import COOKIE
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def test_the_header_offers_sign_in_to_an_anonymous_visitor(client, store):
    page = client.get("/").content.decode()
    assert "Sign In / Register" in page
    assert "Northwind Outfitters" in page


def test_the_header_shows_the_signed_in_shoppers_name(signed_in, shopper):
    page = signed_in(shopper.user).get("/").content.decode()
    assert "Jane Shopper" in page
    assert "Sign In / Register" not in page
    assert "Customer Service" not in page


def test_names_in_the_header_are_escaped(signed_in, store):
    customer = factories.shopper(store=store, first_name="<script>x</script>", last_name="Q")
    page = signed_in(customer.user).get("/").content.decode()
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def test_my_account_shows_the_customers_own_record(signed_in, shopper, other_shopper):
    page = signed_in(shopper.user).get(reverse("storefront:my_account")).content.decode()
    assert shopper.shared_id in page
    assert "100 Congress Ave" in page
    assert other_shopper.shared_id not in page


def test_my_account_needs_sign_in(client, store):
    response = client.get(reverse("storefront:my_account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("storefront:sign_in"))


def test_staff_visiting_my_account_are_sent_to_the_console(signed_in, csr):
    assert signed_in(csr).get(reverse("storefront:my_account"))["Location"] == reverse("service:home")


def test_a_seller_sees_only_their_organizations_and_the_badge_after_choosing(signed_in, seller, store):
    mine = factories.organization(store=store, name="Acme Hospitality", seller=seller, contract="CT-1")
    factories.organization(store=store, name="Someone Elses Org", seller=factories.staff("Seller", stores=[store]))
    client = signed_in(seller)
    page = client.get(reverse("storefront:organizations")).content.decode()
    assert "Acme Hospitality" in page
    assert "CT-1" in page
    assert "Someone Elses Org" not in page
    # when the seller chooses the organization
    response = client.post(reverse("storefront:organizations"), {"account_id": mine.pk})
    # then every page shows the badge of the organization in use
    assert response["Location"] == reverse("storefront:home")
    home = client.get("/").content.decode()
    assert 'class="org-badge"' in home
    assert "You are buying for <strong>Acme Hospitality</strong>" in home


def test_a_seller_posting_another_organizations_id_gets_no_access(signed_in, seller, store):
    theirs = factories.organization(store=store, name="Hidden Org", seller=factories.staff("Seller", stores=[store]))
    client = signed_in(seller)
    page = client.post(reverse("storefront:organizations"), {"account_id": theirs.pk}, follow=True).content.decode()
    assert "No such organization is assigned to you." in page
    assert "org-badge" not in page


def test_the_organization_selector_is_for_sellers(signed_in, shopper):
    response = signed_in(shopper.user).get(reverse("storefront:organizations"))
    assert response.status_code == 302


def test_signing_in_while_customer_service_holds_the_cart_keeps_the_anonymous_items(client, shopper, csr, store):
    """The anonymous cart is not lost: its cookie stays, and the items join on the next add."""
    sku = factories.product(store=store)
    own = ActingContext(user=shopper.user, customer=shopper, store=store)
    cart, _ = cart_open(own, anonymous_token=None)
    cart_add(own, cart=cart, sku_id=sku.pk, quantity=1)
    agent = assisting(ActingContext(user=csr), session_start(ActingContext(user=csr), customer_id=shopper.pk))
    grant = cart_lock(agent, cart=cart)
    client.post("/cart/add/", {"sku": sku.pk, "quantity": 2})
    anonymous = Cart.objects.get(customer__isnull=True)
    response = client.post("/account/sign-in/", {"email": shopper.email, "password": factories.PASSWORD}, follow=True)
    assert "locked by Ann Agent" in response.text
    assert client.cookies[COOKIE].value  # kept
    cart_unlock(agent, cart=cart, lease_token=grant.token)
    client.post("/cart/add/", {"sku": sku.pk, "quantity": 1})
    cart.refresh_from_db()
    assert cart.lines.get().quantity == 1 + 2 + 1
    anonymous.refresh_from_db()
    assert anonymous.status == Cart.Status.MERGED
    assert not client.cookies[COOKIE].value  # now forgotten
