"""The commerce API: catalog, cart (anonymous and signed-in), checkout and the caller's orders."""

from decimal import Decimal

import pytest
from django.test import Client

from concierge.carts.models import Cart
from concierge.core.context import ActingContext
from concierge.orders.models import Order
from concierge.payments.services import payment_source_add_card
from concierge.stores.models import PickupLocation, ShippingMethod
from concierge.testing import factories
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def sku(store):
    ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("5.00"))
    PickupLocation.objects.create(
        store=store, name="Downtown", line1="1 Main", city="Austin", postal_code="78701", country="US"
    )
    return factories.product(store=store, name="Alpine Trail Runner", price="89.95")


def token_headers(email: str) -> dict[str, str]:
    key = (
        Client()
        .post("/api/v1/auth/tokens", {"email": email, "password": PASSWORD}, content_type="application/json")
        .json()["key"]
    )
    return {"Authorization": f"Bearer {key}"}


def add_card(customer, number: str):
    ctx = ActingContext(user=customer.user, customer=customer)
    return payment_source_add_card(
        ctx, customer=customer, number=number, exp_month=1, exp_year=2030, cvc="123", holder_name="J"
    )


def ship_all(cart: dict, address, card) -> dict:
    """A checkout body that ships every line of ``cart`` to ``address`` by Standard, paid by ``card``."""
    return {
        "billing_address_id": address.pk,
        "payment_source_id": card.pk,
        "shipments": [{"kind": "SHIP", "line_ids": [line["id"] for line in cart["lines"]], "address_id": address.pk,
                       "shipping_method": "standard"}],
    }  # fmt: skip


def checkout_body(shopper, sku, card_number: str) -> tuple[dict[str, str], dict]:
    """The shopper's API headers and a checkout body for a cart of one ``sku``, shipped to their
    address and paid by a new card of ``card_number``."""
    headers = token_headers(shopper.email)
    cart = Client().post("/api/v1/cart/lines", {"sku_id": sku.pk}, content_type="application/json", headers=headers)
    return headers, ship_all(cart.json(), shopper.addresses.get(), add_card(shopper, card_number))


def test_catalog_search_and_product_are_public_and_priced(client, sku):
    found = client.get("/api/v1/catalog/search", {"q": "alpine trail"}).json()
    assert found["total"] == 1
    assert found["items"][0]["from_price"] == {"amount": "89.95", "currency": "USD", "formatted": "$89.95"}
    product = client.get(f"/api/v1/catalog/products/{sku.product.slug}").json()
    assert product["skus"][0]["code"] == sku.code
    missing = client.get("/api/v1/catalog/products/nothing-here")
    assert (missing.status_code, missing.json()["code"]) == (404, "catalog.product_not_found")


def test_an_anonymous_cart_lives_by_its_token_and_ignores_client_prices(client, sku):
    created = client.post("/api/v1/cart/lines", {"sku_id": sku.pk, "quantity": 2, "unit_price": "0.01", "total": "0"},
                          content_type="application/json")  # fmt: skip
    assert created.status_code == 201
    body = created.json()
    assert body["token"]
    assert body["subtotal"]["amount"] == "179.90"
    # without the token there is no cart; with it, the same cart
    assert Client().get("/api/v1/cart").status_code == 404
    again = Client().get("/api/v1/cart", headers={"X-Cart-Token": body["token"]}).json()
    assert (again["id"], again["token"]) == (body["id"], None)


def test_a_stale_if_match_is_refused_with_412(client, sku):
    body = client.post("/api/v1/cart/lines", {"sku_id": sku.pk}, content_type="application/json").json()
    headers = {"X-Cart-Token": body["token"]}
    line = body["lines"][0]["id"]
    ok = client.patch(f"/api/v1/cart/lines/{line}", {"quantity": 3}, content_type="application/json",
                      headers={**headers, "If-Match": str(body["version"])})  # fmt: skip
    assert ok.status_code == 200
    stale = client.patch(f"/api/v1/cart/lines/{line}", {"quantity": 5}, content_type="application/json",
                         headers={**headers, "If-Match": str(body["version"])})  # fmt: skip
    assert (stale.status_code, stale.json()["code"]) == (412, "cart.stale")
    assert Cart.objects.get().lines.get().quantity == 3


@pytest.mark.parametrize("quantity", [0, -1, 1000, "two"])
def test_bad_quantities_are_422(client, sku, quantity):
    response = client.post(
        "/api/v1/cart/lines", {"sku_id": sku.pk, "quantity": quantity}, content_type="application/json"
    )
    assert response.status_code == 422
    assert not Cart.objects.exists()


def test_a_bad_token_is_401_not_anonymous(client, sku):
    response = client.get("/api/v1/catalog/search", {"q": "alpine"}, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_a_session_change_needs_the_csrf_token(shopper, sku):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(shopper.user, backend="concierge.identity.backends.EmailBackend")
    response = browser.post("/api/v1/cart/lines", {"sku_id": sku.pk}, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (403, "csrf.failed")
    assert not Cart.objects.exists()


def test_checkout_over_the_api_then_the_order_is_listed(shopper, store, sku):
    headers, payload = checkout_body(shopper, sku, "4242424242424242")
    payload = {**payload, "total": "0.01"}  # a client-sent total is ignored
    placed = Client().post("/api/v1/checkout", payload, content_type="application/json", headers=headers)
    assert placed.status_code == 201
    order = placed.json()
    assert (order["subtotal"], order["shipping_total"], order["total"]) == ("89.95", "5.00", "94.95")
    assert Order.objects.get().total == Decimal("94.95")
    listed = Client().get("/api/v1/orders", headers=headers).json()
    assert [o["number"] for o in listed] == [order["number"]]
    assert Client().get(f"/api/v1/orders/{order['number']}", headers=headers).json()["number"] == order["number"]


def test_another_customers_order_is_404(shopper, other_shopper, sku):
    order_number = "US00000001"
    Order.objects.create(number=order_number, store=other_shopper.store, customer=other_shopper, currency="USD",
                         billing_first_name="O", billing_last_name="O", billing_line1="1", billing_city="A",
                         billing_postal_code="1", billing_country="US")  # fmt: skip
    response = Client().get(f"/api/v1/orders/{order_number}", headers=token_headers(shopper.email))
    assert (response.status_code, response.json()["code"]) == (404, "order.not_found")


def test_a_declined_card_over_the_api_is_402_and_no_order(shopper, sku):
    headers, payload = checkout_body(shopper, sku, "4000000000000002")
    response = Client().post("/api/v1/checkout", payload, content_type="application/json", headers=headers)
    assert (response.status_code, response.json()["code"]) == (402, "payment.declined")
    assert not Order.objects.exists()


def test_an_idempotency_key_makes_a_retried_checkout_answer_the_same_order(shopper, sku):
    from concierge.payments.gateway import TestGateway

    headers, payload = checkout_body(shopper, sku, "4242424242424242")
    TestGateway.calls.clear()
    keyed = {**headers, "Idempotency-Key": "order-attempt-1"}
    first = Client().post("/api/v1/checkout", payload, content_type="application/json", headers=keyed)
    retry = Client().post("/api/v1/checkout", payload, content_type="application/json", headers=keyed)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert first.json() == retry.json()
    assert Order.objects.count() == 1
    assert [call[0] for call in TestGateway.calls] == ["authorize"]
    assert "holds" not in first.json()  # hold reasons are for staff


def test_an_old_cart_token_after_a_merge_starts_a_new_cart(shopper, sku):
    token = Client().post("/api/v1/cart/lines", {"sku_id": sku.pk}, content_type="application/json").json()["token"]
    Client().post("/api/v1/cart/merge", {"token": token}, content_type="application/json",
                  headers=token_headers(shopper.email))  # fmt: skip
    again = Client().post("/api/v1/cart/lines", {"sku_id": sku.pk}, content_type="application/json",
                          headers={"X-Cart-Token": token})  # fmt: skip
    assert again.status_code == 201


def test_checkout_options_list_what_a_checkout_names(shopper, other_shopper, sku):
    add_card(shopper, "4242424242424242")
    add_card(other_shopper, "5555555555554444")
    options = Client().get("/api/v1/checkout/options", headers=token_headers(shopper.email)).json()
    assert [a["line1"] for a in options["addresses"]] == ["100 Congress Ave"]
    assert [p["label"] for p in options["payment_sources"]] == ["Visa ending in 4242"]
    assert [m["code"] for m in options["shipping_methods"]] == ["standard"]
    assert [p["name"] for p in options["pickup_locations"]] == ["Downtown"]


@pytest.mark.parametrize("quantity", [True, False])
def test_a_boolean_is_not_a_quantity(client, sku, quantity):
    response = client.post(
        "/api/v1/cart/lines", {"sku_id": sku.pk, "quantity": quantity}, content_type="application/json"
    )
    assert response.status_code == 422
    assert not Cart.objects.exists()
