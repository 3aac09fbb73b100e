"""Changing an organization's preferred currency (seed 003 "How to change preferred currency for an
Organization") over the API: POST /api/v1/organizations/{id}/currency, under the record's lock and
version; with items in the organization's open cart it asks to confirm and then re-prices the cart."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from concierge.api.tests.test_commerce_api import token_headers
from concierge.audit.models import Event
from concierge.carts.currency import organization_currency_change
from concierge.carts.models import Cart
from concierge.catalog.models import Price, PriceList
from concierge.core.context import ActingContext
from concierge.core.edits import EditGuard
from concierge.core.errors import DomainError
from concierge.customers.locks import customer_lock
from concierge.customers.models import Customer
from concierge.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def euro_prices(store):
    return PriceList.objects.create(store=store, currency="EUR", name="Euro prices")


@pytest.fixture
def linen(store, euro_prices):
    sku = factories.product(store=store, name="Linen Set", price="100.00")
    Price.objects.create(price_list=euro_prices, sku=sku, amount=Decimal("92.00"))
    return sku


@pytest.fixture
def towel(store):
    """Sold in dollars only."""
    return factories.product(store=store, name="Bath Towel", price="12.00")


@pytest.fixture
def acme(store, seller):
    return factories.organization(store=store, name="Acme Hospitality", seller=seller)


def buyer_headers(seller, acme) -> dict[str, str]:
    return {**token_headers(seller.email), "X-Account": str(acme.pk)}


def add(headers: dict[str, str], sku, quantity: int = 1):
    response = Client().post("/api/v1/cart/lines", {"sku_id": sku.pk, "quantity": quantity},
                             content_type="application/json", headers=headers)  # fmt: skip
    assert response.status_code == 201, response.content
    return response.json()


def opened(user, account: Customer) -> dict[str, str]:
    """The record's lock for ``user`` and the version they loaded, as the edit sends them."""
    grant = customer_lock(ActingContext(user=user), customer_id=account.pk)
    account.refresh_from_db()
    return {"If-Match": f'"{account.version}"', "X-Lease-Token": grant.token}


def change(user, account: Customer, body: dict, headers: dict[str, str]):
    return Client().post(f"/api/v1/organizations/{account.pk}/currency", body, content_type="application/json",
                         headers={**token_headers(user.email), **headers})  # fmt: skip


def test_an_unconfirmed_change_with_items_in_the_cart_asks_to_confirm_and_changes_nothing(seller, acme, linen):
    # given: Acme's cart holds three items priced in dollars
    buying = buyer_headers(seller, acme)
    cart = add(buying, linen, 3)
    edit = opened(seller, acme)
    version = Customer.objects.get(pk=acme.pk).version
    # when
    response = change(seller, acme, {"currency": "EUR"}, edit)
    # then
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "organization.currency_confirm"
    assert (body["lines"], body["from"], body["to"]) == (1, "USD", "EUR")
    assert body["message"] == "Acme Hospitality's cart has 1 item priced in USD. Change to EUR and re-price them?"
    acme.refresh_from_db()
    assert (acme.preferred_currency, acme.version) == ("", version)
    assert Cart.objects.get(pk=cart["id"]).currency == "USD"
    assert Client().get("/api/v1/cart", headers=buying).json()["version"] == cart["version"]
    assert not Event.objects.filter(action__in=["cart.repriced", "customer.updated"]).exists()


def test_a_confirmed_change_re_prices_the_cart_in_the_new_currency(seller, acme, linen):
    # given
    buying = buyer_headers(seller, acme)
    before = add(buying, linen, 2)
    assert (before["currency"], before["subtotal"]["formatted"]) == ("USD", "$200.00")
    edit = opened(seller, acme)
    assert change(seller, acme, {"currency": "EUR"}, edit).status_code == 409
    # when: the seller confirms
    response = change(seller, acme, {"currency": "EUR", "confirm": True}, edit)
    # then
    assert response.status_code == 200, response.content
    assert response.json() == {"id": acme.pk, "currency": "EUR", "version": acme.version + 1, "cart_repriced": True,
                               "lines": 1}  # fmt: skip
    after = Client().get("/api/v1/cart", headers=buying).json()
    assert after["currency"] == "EUR"
    assert after["version"] == before["version"] + 1
    assert after["lines"][0]["unit_price"] == {"amount": "92.00", "currency": "EUR", "formatted": "€92.00"}
    assert (after["subtotal"]["amount"], after["subtotal"]["currency"]) == ("184.00", "EUR")
    acme.refresh_from_db()
    assert (acme.preferred_currency, acme.currency) == ("EUR", "EUR")
    assert not acme.lease_is_live()  # saved: the record unlocks
    repriced = Event.objects.get(action="cart.repriced")
    assert (repriced.data["from"], repriced.data["to"], repriced.actor_id, repriced.on_behalf_of_id) == (
        "USD", "EUR", seller.pk, acme.pk)  # fmt: skip
    updated = Event.objects.get(action="customer.updated", subject_id=str(acme.pk))
    assert updated.changes == {"preferred_currency": ["", "EUR"]}
    # what is added next is priced in euros too
    assert add(buying, linen, 1)["subtotal"]["amount"] == "276.00"


def test_a_currency_the_store_does_not_sell_in_is_refused(seller, acme, linen):
    response = change(seller, acme, {"currency": "GBP", "confirm": True}, opened(seller, acme))
    assert response.status_code == 422
    assert response.json()["code"] == "organization.currency_unavailable"
    assert response.json()["message"] == "Acme Hospitality can buy in USD, EUR only: choose one of them."
    assert Customer.objects.get(pk=acme.pk).preferred_currency == ""


def test_an_item_without_a_price_in_the_new_currency_is_named_and_nothing_changes(seller, acme, linen, towel):
    buying = buyer_headers(seller, acme)
    add(buying, linen)
    cart = add(buying, towel)
    response = change(seller, acme, {"currency": "EUR", "confirm": True}, opened(seller, acme))
    assert response.status_code == 422
    assert response.json()["code"] == "organization.currency_unavailable"
    assert "Bath Towel (Standard) cannot be bought in EUR" in response.json()["message"]
    assert "Linen Set" not in response.json()["message"]
    assert Customer.objects.get(pk=acme.pk).preferred_currency == ""
    assert Client().get("/api/v1/cart", headers=buying).json()["currency"] == cart["currency"] == "USD"


def test_a_change_based_on_a_stale_version_is_refused(seller, acme, linen):
    edit = opened(seller, acme)
    Customer.objects.filter(pk=acme.pk).update(version=acme.version + 5)  # someone else saved meanwhile
    response = change(seller, acme, {"currency": "EUR"}, edit)
    assert response.status_code == 412
    assert response.json()["code"] == "customer.stale"
    assert Customer.objects.get(pk=acme.pk).preferred_currency == ""


def test_a_change_without_the_version_or_the_lock_is_refused(seller, acme, linen):
    edit = opened(seller, acme)
    assert change(seller, acme, {"currency": "EUR"}, {"X-Lease-Token": edit["X-Lease-Token"]}).status_code == 428
    missing_lock = change(seller, acme, {"currency": "EUR"}, {"If-Match": edit["If-Match"]})
    assert (missing_lock.status_code, missing_lock.json()["code"]) == (409, "customer.lock_lost")


def test_an_organization_not_assigned_to_the_seller_is_not_found(seller, store, linen):
    other = factories.organization(store=store, name="Globex")
    response = change(seller, other, {"currency": "EUR"}, {"If-Match": '"1"', "X-Lease-Token": "x" * 20})
    assert response.status_code == 404
    assert Customer.objects.get(pk=other.pk).preferred_currency == ""


def test_an_empty_cart_follows_the_change_without_asking(seller, acme, linen):
    buying = buyer_headers(seller, acme)
    cart = add(buying, linen)
    Client().delete(f"/api/v1/cart/lines/{cart['lines'][0]['id']}", headers=buying)
    response = change(seller, acme, {"currency": "EUR"}, opened(seller, acme))
    assert response.status_code == 200
    assert (response.json()["cart_repriced"], response.json()["lines"]) == (True, 0)
    assert Cart.objects.get(pk=cart["id"]).currency == "EUR"


def test_a_new_cart_is_priced_in_the_organizations_currency(seller, acme, linen):
    Customer.objects.filter(pk=acme.pk).update(preferred_currency="EUR")
    cart = add(buyer_headers(seller, acme), linen)
    assert (cart["currency"], cart["total"]["formatted"]) == ("EUR", "€92.00")


def test_customer_service_with_the_update_privilege_changes_it_in_the_console(csr, acme, linen):
    edit = opened(csr, acme)
    response = change(csr, acme, {"currency": "EUR"}, edit)
    assert response.status_code == 200, response.content
    assert Customer.objects.get(pk=acme.pk).preferred_currency == "EUR"


def test_the_service_refuses_a_caller_without_the_privilege(warehouse, acme, linen):
    with pytest.raises(DomainError) as refused:
        organization_currency_change(ActingContext(user=warehouse), account_id=acme.pk, currency="EUR",
                                     guard=EditGuard(version=acme.version, lease_token="t"))  # fmt: skip
    assert refused.value.status == 404
    assert Customer.objects.get(pk=acme.pk).preferred_currency == ""


def test_the_storefront_cart_page_shows_the_organizations_currency(signed_in, seller, acme, linen):
    # given: the seller acting for Acme, whose currency is now the euro
    client = signed_in(seller)
    client.post(reverse("storefront:organizations"), {"account_id": acme.pk})
    client.post(reverse("storefront:cart_add"), {"sku": linen.pk, "quantity": 2})
    token = opened(seller, acme)["X-Lease-Token"]
    organization_currency_change(ActingContext(user=seller), account_id=acme.pk, currency="EUR", confirm=True,
                                 guard=EditGuard(version=acme.version, lease_token=token))  # fmt: skip
    # when
    page = client.get(reverse("storefront:cart"))
    # then
    assert page.status_code == 200
    text = page.content.decode()
    assert "€184.00" in text
    assert "$200.00" not in text
