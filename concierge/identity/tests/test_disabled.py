"""A disabled customer or organization is refused on its next request everywhere (bar 28; repair
issue item 2): sign-in, open sessions, API tokens, carts and checkout, assisted sessions for it,
a seller acting for it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from concierge.assist.models import AssistedSession
from concierge.carts.locks import check_checkout_allowed
from concierge.carts.models import Cart
from concierge.core.context import ActingContext
from concierge.core.edits import EditGuard
from concierge.core.errors import DomainError
from concierge.customers.locks import customer_lock
from concierge.customers.models import Customer
from concierge.customers.services import customer_set_status
from concierge.testing import factories
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db
DISABLED = Customer.Status.DISABLED


def disable(customer: Customer, by) -> None:
    """Customer service disables the record in its editor: lock, then change under the lock."""
    ctx = ActingContext(user=by)
    grant = customer_lock(ctx, customer_id=customer.pk)
    customer.refresh_from_db()
    customer_set_status(ctx, customer_id=customer.pk, status=DISABLED,
                        guard=EditGuard(version=customer.version, lease_token=grant.token))  # fmt: skip


def token_for(email: str) -> str:
    response = Client().post(
        "/api/v1/auth/tokens", {"email": email, "password": PASSWORD, "name": "phone"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()["key"]


def test_sign_in_is_refused_with_a_clear_message(client, shopper, csr):
    disable(shopper, csr)
    # given the right password: a clear refusal, not "incorrect"
    page = client.post(reverse("storefront:sign_in"), {"email": shopper.email, "password": PASSWORD})
    assert page.status_code == 400
    assert "This account is disabled, so you cannot sign in." in page.text
    assert "_auth_user_id" not in client.session
    # given a wrong password: nothing is revealed
    page = client.post(reverse("storefront:sign_in"), {"email": shopper.email, "password": "not-it-at-all"})
    assert "The email address or password you entered is incorrect." in page.text
    # the API says the same, with its code
    response = Client().post("/api/v1/auth/tokens", {"email": shopper.email, "password": PASSWORD, "name": "x"},
                             content_type="application/json")  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (403, "identity.account_disabled")


def test_an_open_session_and_an_api_token_stop_working_on_the_next_request(client, shopper, csr, store):
    sku = factories.product(store=store)
    key = token_for(shopper.email)
    client.force_login(shopper.user, backend="concierge.identity.backends.EmailBackend")
    assert client.get(reverse("storefront:my_account")).status_code == 200
    disable(shopper, csr)
    # the browser: signed out
    response = client.get(reverse("storefront:my_account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("storefront:sign_in"))
    # cart writes and checkout by the browser do not reach the customer's cart
    client.post(reverse("storefront:cart_add"), {"sku": sku.pk, "quantity": 1})
    assert not Cart.objects.filter(customer=shopper).exists()
    # the token
    auth = {"Authorization": f"Bearer {key}"}
    assert Client().get("/api/v1/me", headers=auth).status_code == 401
    added = Client().post("/api/v1/cart/lines", {"sku_id": sku.pk}, content_type="application/json", headers=auth)
    assert added.status_code == 401
    assert not Cart.objects.filter(customer=shopper).exists()


def test_a_csr_cannot_start_an_assisted_session_for_a_disabled_customer(signed_in, csr, shopper):
    disable(shopper, csr)
    client = signed_in(csr)
    response = client.post(reverse("service:access_customer"), {"customer": shopper.pk})
    page = client.get(response["Location"])
    assert "This customer&#x27;s account (Jane Shopper) is disabled" in page.text
    assert not AssistedSession.objects.exists()
    # the API too
    api = client.post("/api/v1/assist/sessions", {"customer_id": shopper.pk}, content_type="application/json")
    assert (api.status_code, api.json()["code"]) == (409, "assist.customer_inactive")


def test_an_assisted_session_for_a_customer_who_is_disabled_ends(signed_in, csr, shopper):
    client = signed_in(csr)
    client.post(reverse("service:access_customer"), {"customer": shopper.pk})
    disable(shopper, csr)
    page = client.get(reverse("storefront:home"))
    assert "is acting for" not in page.text
    assert AssistedSession.objects.get().end_reason == "ACCESS_LOST"


def test_a_disabled_organization_transacts_with_no_one(client, seller, csr, store):
    org = factories.organization(store=store, name="Acme Hospitality", seller=seller)
    client.force_login(seller, backend="concierge.identity.backends.EmailBackend")
    client.post(reverse("storefront:organizations"), {"account_id": org.pk})
    assert "Acme Hospitality" in client.get(reverse("storefront:home")).text
    disable(org, csr)
    # the seller acting for it: no longer, and told so
    page = client.get(reverse("storefront:home"))
    assert "You are no longer acting for that organization" in page.text
    assert client.get("/api/v1/me").json()["account"] is None
    # nor can they choose it again
    page = client.post(reverse("storefront:organizations"), {"account_id": org.pk}, follow=True)
    assert "You are now buying for" not in page.text
    assert client.get("/api/v1/me").json()["account"] is None
    # nor can customer service access it
    agent = Client()
    agent.force_login(csr, backend="concierge.identity.backends.EmailBackend")
    response = agent.post(reverse("service:access_customer"), {"customer": org.pk})
    assert "This organization (Acme Hospitality) is disabled" in agent.get(response["Location"]).text
    assert not AssistedSession.objects.exists()


def test_checkout_refuses_a_disabled_customer_whatever_the_caller(shopper, store, csr):
    # given a context resolved before the customer was disabled (a request in flight)
    cart = Cart.objects.create(store=store, customer=shopper, code="ABCDEFGH")
    disable(shopper, csr)
    shopper.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        check_checkout_allowed(ActingContext(user=shopper.user, customer=shopper, store=store), cart)
    assert (refused.value.code, refused.value.status) == ("customer.disabled", 403)


def test_changing_status_needs_the_privilege(shopper, other_shopper):
    with pytest.raises(DomainError) as refused:
        customer_set_status(ActingContext(user=other_shopper.user), customer_id=shopper.pk, status=DISABLED,
                            guard=EditGuard(version=shopper.version, lease_token="x"))  # fmt: skip
    assert refused.value.status == 403
    shopper.refresh_from_db()
    assert shopper.is_active
