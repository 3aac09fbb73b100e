"""Assisted shopping over the API: responses say who acts for whom; locks, takeover, bind."""

from __future__ import annotations

import pytest
from django.test import Client

from concierge.api.tests.test_commerce_api import token_headers
from concierge.assist.models import AssistedSession
from concierge.carts.models import Cart
from concierge.customers.search import FIND_FIELDS
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def post(path: str, body: dict | None = None, /, **headers: str):
    return Client().post(path, body or {}, content_type="application/json", headers=headers)


@pytest.fixture
def sku(store):
    return factories.product(store=store, name="Alpine Trail Runner", price="89.95")


@pytest.fixture
def ann(csr) -> dict[str, str]:
    return token_headers(csr.email)


def start(headers: dict[str, str], customer) -> dict[str, str]:
    response = post("/api/v1/assist/sessions", {"customer_id": customer.pk, "ticket": "T-9"}, **headers)
    assert response.status_code == 201, response.json()
    return {**headers, "X-Assisted-Session": str(response.json()["id"])}


def test_find_customers_is_scoped_limited_and_for_console_staff_only(ann, shopper, other_store, store):
    factories.shopper(store=other_store, first_name="Jane", last_name="Shopkeeper")
    found = Client().get("/api/v1/customers", {"last_name": "SHOP"}, headers=ann).json()
    assert [c["name"] for c in found["customers"]] == ["Jane Shopper"]
    assert found["more"] is False
    assert Client().get("/api/v1/customers", headers=ann).json() == {"customers": [], "more": False}
    refused = Client().get("/api/v1/customers", {"last_name": "shop"}, headers=token_headers(shopper.email))
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")


@pytest.mark.parametrize(("name", "limit"), [(name, limit) for name, (_, limit) in FIND_FIELDS.items()])
def test_every_find_criterion_is_a_query_parameter_limited_as_the_console_form(ann, name, limit):
    digits = "1" * limit  # a phone number too: digits only
    assert Client().get("/api/v1/customers", {name: digits}, headers=ann).status_code == 200
    refused = Client().get("/api/v1/customers", {name: digits + "1"}, headers=ann)
    assert refused.status_code == 422
    assert name in str(refused.json())


def test_a_session_names_both_identities_in_every_answer(ann, csr, shopper, sku):
    acting = start(ann, shopper)
    body = Client().get("/api/v1/assist/sessions/current", headers=acting).json()
    assert body["acting"]["agent"] == {"id": csr.pk, "name": "Ann Agent"}
    assert body["acting"]["on_behalf_of"] == {"id": shopper.pk, "name": "Jane Shopper"}
    added = post("/api/v1/cart/lines", {"sku_id": sku.pk}, **acting)
    assert added.status_code == 201
    assert added.json()["acting_as"] == "Ann Agent on behalf of Jane Shopper"
    assert (added["X-Acting-User"], added["X-On-Behalf-Of-Customer"]) == (str(csr.pk), str(shopper.pk))
    assert added["X-Assisted-Session"] == acting["X-Assisted-Session"]
    assert Cart.objects.get(customer=shopper).lines.count() == 1


def test_start_and_end_are_post_only(ann, shopper):
    acting = start(ann, shopper)
    assert Client().get("/api/v1/assist/sessions", headers=ann).status_code == 405
    assert Client().delete("/api/v1/assist/sessions/current/end", headers=acting).status_code == 405


def test_an_ended_session_is_an_error_never_a_silent_return_to_the_agent(ann, shopper, sku):
    acting = start(ann, shopper)
    ended = post("/api/v1/assist/sessions/current/end", **acting)
    assert (ended.status_code, ended.json()["end_reason"]) == (200, "SIGNED_IN_AS_SELF")
    again = post("/api/v1/cart/lines", {"sku_id": sku.pk}, **acting)
    assert (again.status_code, again.json()["code"]) == (409, "assist.session_ended")
    assert not Cart.objects.filter(customer=shopper).exists()


def test_lock_takeover_and_a_former_holders_write(ann, store, shopper, sku):
    bob_user = factories.staff("CSR", stores=[store], first_name="Bob", last_name="Agent")
    acting_ann = start(ann, shopper)
    acting_bob = start(token_headers(bob_user.email), shopper)
    post("/api/v1/cart/lines", {"sku_id": sku.pk}, **acting_ann)  # the first item locks the empty cart
    lock = post("/api/v1/assist/cart/lock", **acting_ann).json()
    refused = post("/api/v1/assist/cart/lock", **acting_bob)
    assert (refused.status_code, refused.json()["code"], refused.json()["locked_by"]) == (
        409,
        "cart.locked",
        "Ann Agent",
    )
    taken = post("/api/v1/assist/cart/lock", {"takeover": True}, **acting_bob).json()
    assert taken["took_over_from"] == "Ann Agent"
    stale = post("/api/v1/cart/lines", {"sku_id": sku.pk}, **acting_ann, **{"X-Lease-Token": lock["lease_token"]})
    assert (stale.status_code, stale.json()["code"], stale.json()["locked_by"]) == (409, "cart.lock_lost", "Bob Agent")
    ok = post("/api/v1/cart/lines", {"sku_id": sku.pk}, **acting_bob, **{"X-Lease-Token": taken["lease_token"]})
    assert ok.json()["lines"][0]["quantity"] == 2
    assert ok.json()["locked_by"] == "Bob Agent"
    unlocked = post("/api/v1/assist/cart/unlock", **acting_bob, **{"X-Lease-Token": taken["lease_token"]})
    assert unlocked.status_code == 204
    assert Cart.objects.get(customer=shopper).lease_holder is None


def test_bind_an_anonymous_cart(ann, shopper, sku):
    anonymous = post("/api/v1/cart/lines", {"sku_id": sku.pk, "quantity": 2}).json()
    acting = start(ann, shopper)
    bound = post("/api/v1/assist/cart/bind", {"code": anonymous["code"]}, **acting)
    assert bound.status_code == 200
    assert bound.json()["acting"]["on_behalf_of"]["name"] == "Jane Shopper"
    assert Cart.objects.get(customer=shopper, status="ACTIVE").lines.get().quantity == 2
    unknown = post("/api/v1/assist/cart/bind", {"code": "ZZZZZZZZ"}, **acting)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "cart.code_unknown")


def test_api_tokens_are_refused_on_behalf(ann, shopper):
    acting = start(ann, shopper)
    listed = Client().get("/api/v1/auth/tokens", headers=acting)
    assert (listed.status_code, listed.json()["code"]) == (403, "not_allowed_on_behalf")


def test_starting_for_b_ends_the_session_for_a(ann, csr, shopper, other_shopper):
    first = start(ann, shopper)
    start(ann, other_shopper)
    assert AssistedSession.objects.get(pk=first["X-Assisted-Session"]).end_reason == "REPLACED"
    stale = Client().get("/api/v1/assist/sessions/current", headers=first)
    assert stale.json()["code"] == "assist.session_ended"


def test_an_order_placed_for_the_customer_says_who_placed_it(ann, csr, shopper, store, client):
    from decimal import Decimal

    from django.urls import reverse

    from concierge.api.tests.test_commerce_api import add_card, ship_all
    from concierge.audit.models import Event
    from concierge.orders.models import Order
    from concierge.stores.models import ShippingMethod

    ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("5.00"))
    sku = factories.product(store=store, name="Alpine Trail Runner", price="89.95")
    card = add_card(shopper, "4242424242424242")
    acting = start(ann, shopper)
    cart = post("/api/v1/cart/lines", {"sku_id": sku.pk}, **acting).json()
    post("/api/v1/assist/cart/unlock", **acting, **{"X-Lease-Token": cart["lease_token"]})
    refused = post("/api/v1/checkout", ship_all(cart, shopper.addresses.get(), card), **acting)
    assert (refused.status_code, refused.json()["code"]) == (409, "cart.lock_required")
    lock = post("/api/v1/assist/cart/lock", **acting).json()
    stale = post("/api/v1/checkout", ship_all(cart, shopper.addresses.get(), card), **acting,
                 **{"X-Lease-Token": cart["lease_token"]})  # fmt: skip
    assert (stale.status_code, stale.json()["code"]) == (409, "cart.lock_lost")  # the token of the first lock
    placed = post("/api/v1/checkout", ship_all(cart, shopper.addresses.get(), card), **acting,
                  **{"X-Lease-Token": lock["lease_token"]})  # fmt: skip
    assert placed.status_code == 201, placed.json()
    order = Order.objects.get()
    assert (order.placed_by, order.customer, order.placed_on_behalf) == (csr, shopper, True)
    event = Event.objects.get(action="order.placed")
    assert (event.actor_id, event.on_behalf_of_id) == (csr.pk, shopper.pk)
    # The customer is told it was placed with help; staff see who placed it for whom.
    client.force_login(shopper.user, backend="concierge.identity.backends.EmailBackend")
    page = client.get(reverse("storefront:order_detail", args=[order.number]))
    assert "with help from our customer service" in page.text
    assert "Ann Agent" not in page.text
    staff = Client()
    staff.force_login(csr, backend="concierge.identity.backends.EmailBackend")
    console = staff.get(reverse("service:order", args=[order.number]))
    assert "placed by Ann Agent on behalf of Jane Shopper" in console.text


def test_locking_a_cart_without_an_assisted_session_is_refused_with_the_carts_code(ann):
    refused = post("/api/v1/assist/cart/lock", **ann)
    assert (refused.status_code, refused.json()["code"]) == (403, "cart.not_assisting")
    refused = post("/api/v1/assist/cart/unlock", **ann)
    assert (refused.status_code, refused.json()["code"]) == (403, "cart.not_assisting")
