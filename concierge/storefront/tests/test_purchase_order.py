"""Buying billed to an organization (seed 003): the purchase-order number at checkout, shipping and
payment offered in the organization's currency, and the on-account credit said as money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from concierge.api.tests.test_commerce_api import ship_all, token_headers
from concierge.carts.models import Cart
from concierge.catalog.models import Price, PriceList
from concierge.core.context import ActingContext
from concierge.core.money import Money
from concierge.customers.models import Customer
from concierge.orders.models import Order
from concierge.payments.models import PaymentSource
from concierge.payments.services import payment_source_open_account
from concierge.stores.models import ShippingMethod, ShippingRate
from concierge.testing import factories

pytestmark = pytest.mark.django_db
SYSTEM = ActingContext.system("tests")


def credit(org: Customer, limit: str, currency: str) -> PaymentSource:
    return payment_source_open_account(SYSTEM, customer=org, credit_limit=Money(Decimal(limit), currency))


@pytest.fixture
def linen(store):
    sku = factories.product(store=store, name="Linen Set", price="100.00")
    euros = PriceList.objects.create(store=store, currency="EUR", name="Euro prices")
    Price.objects.create(price_list=euros, sku=sku, amount=Decimal("92.00"))
    return sku


@pytest.fixture
def standard(store):
    method = ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("5.95"))
    ShippingRate.objects.create(method=method, currency="EUR", price=Decimal("5.47"))
    return method


@pytest.fixture
def express(store):
    """Offered in dollars only."""
    return ShippingMethod.objects.create(store=store, code="express", name="Express", price=Decimal("25.00"))


def organization(store, seller, *, currency: str = "") -> Customer:
    org = factories.organization(store=store, name="Acme Hotels", seller=seller)
    Customer.objects.filter(pk=org.pk).update(preferred_currency=currency)
    org.refresh_from_db()
    factories.address(org, is_default_billing=True, is_default_shipping=True)
    return org


def buying(signed_in, seller, org: Customer, sku) -> Client:
    client = signed_in(seller)
    client.post(reverse("storefront:organization_select", args=[org.pk]))
    client.post(reverse("storefront:cart_add"), {"sku": sku.pk, "quantity": 1})
    return client


def place(client: Client, org: Customer, source: PaymentSource, **extra: Any) -> Any:
    cart = Cart.objects.get(customer=org, status="ACTIVE")
    line, address = cart.lines.get(), org.addresses.get()
    return client.post(reverse("storefront:checkout"), {
        "action": "place", f"delivery_{line.pk}": "ship", f"address_{line.pk}": address.pk,
        f"method_{line.pk}": "standard", "billing_address": address.pk, "payment_source": source.pk, **extra,
    }, follow=True)  # fmt: skip


# --- The purchase-order number ----------------------------------------------------------------------


def test_the_purchase_order_number_is_asked_stored_and_shown(signed_in, seller, store, linen, standard, csr):
    org = organization(store, seller)
    account = credit(org, "25000.00", "USD")
    client = buying(signed_in, seller, org, linen)
    page = client.get(reverse("storefront:checkout")).content.decode()
    assert "Purchase order number (optional)" in page
    # when
    placed = place(client, org, account, purchase_order="  PO-2026-0042 ")
    # then: stored as typed (trimmed), shown on the confirmation
    assert placed.status_code == 200
    order = Order.objects.get()
    assert order.purchase_order == "PO-2026-0042"
    confirmation = placed.content.decode()
    assert "has been placed" in confirmation
    assert "Purchase order number" in confirmation
    assert "PO-2026-0042" in confirmation
    # and the order pages say "On account", not a credit figure from before the order
    assert "On account" in confirmation
    assert "credit available" not in confirmation
    # and in the console's order summary
    client.logout()
    summary = signed_in(csr).get(reverse("service:order", args=[order.number])).content.decode()
    assert "PO-2026-0042" in summary


def test_an_order_without_a_purchase_order_number_is_placed(signed_in, seller, store, linen, standard):
    org = organization(store, seller)
    account = credit(org, "25000.00", "USD")
    placed = place(buying(signed_in, seller, org, linen), org, account)
    assert placed.status_code == 200
    assert Order.objects.get().purchase_order == ""
    assert "Purchase order number" not in placed.content.decode()


def test_an_over_long_purchase_order_number_is_refused_naming_the_limit(signed_in, seller, store, linen, standard):
    org = organization(store, seller)
    account = credit(org, "25000.00", "USD")
    refused = place(buying(signed_in, seller, org, linen), org, account, purchase_order="P" * 41)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "At most 40 characters. This has 41." in page
    assert 'value="' + "P" * 41 + '"' in page  # kept on the form to correct, never cut
    assert not Order.objects.exists()


def test_a_purchase_order_number_with_a_control_character_is_refused(signed_in, seller, store, linen, standard):
    org = organization(store, seller)
    account = credit(org, "25000.00", "USD")
    refused = place(buying(signed_in, seller, org, linen), org, account, purchase_order="PO\x0742")
    assert refused.status_code == 400
    assert "control character" in refused.content.decode()
    assert not Order.objects.exists()


def test_a_shopper_without_an_account_is_not_asked_for_a_purchase_order(signed_in, shopper, store, linen, standard):
    client = signed_in(shopper.user)
    client.post(reverse("storefront:cart_add"), {"sku": linen.pk, "quantity": 1})
    assert "Purchase order number" not in client.get(reverse("storefront:checkout")).content.decode()


def test_the_api_takes_the_purchase_order_number_and_answers_it(seller, store, linen, standard):
    org = organization(store, seller)
    account = credit(org, "25000.00", "USD")
    headers = {**token_headers(seller.email), "X-Account": str(org.pk)}
    cart = Client().post("/api/v1/cart/lines", {"sku_id": linen.pk, "quantity": 1}, content_type="application/json",
                         headers=headers).json()  # fmt: skip
    body = {**ship_all(cart, org.addresses.get(), account), "purchase_order": "PO-77"}
    placed = Client().post("/api/v1/checkout", body, content_type="application/json",
                           headers={**headers, "Idempotency-Key": "po-1"})  # fmt: skip
    assert placed.status_code == 201, placed.content
    assert placed.json()["purchase_order"] == "PO-77"
    assert Order.objects.get().purchase_order == "PO-77"
    number = placed.json()["number"]
    assert Client().get(f"/api/v1/orders/{number}", headers=headers).json()["purchase_order"] == "PO-77"
    # over-long: refused with the one error shape, nothing placed
    body["purchase_order"] = "P" * 41
    refused = Client().post("/api/v1/checkout", body, content_type="application/json",
                            headers={**headers, "Idempotency-Key": "po-2"})  # fmt: skip
    assert refused.status_code in (400, 422)
    assert refused.json()["code"]
    assert Order.objects.count() == 1


# --- Shipping and payment in the organization's currency -----------------------------------------


def test_a_euro_buyer_sees_shipping_priced_in_euros_only(signed_in, seller, store, linen, standard, express):
    org = organization(store, seller, currency="EUR")
    credit(org, "25000.00", "EUR")
    page = buying(signed_in, seller, org, linen).get(reverse("storefront:checkout")).content.decode()
    assert "Standard — €5.47" in page
    assert "Express" not in page  # no rate in euros: not offered
    assert "$" not in page


def test_credit_in_another_currency_is_shown_disabled_and_not_preselected(signed_in, seller, store, linen, standard):
    org = organization(store, seller, currency="EUR")
    dollars = credit(org, "25000.00", "USD")
    page = buying(signed_in, seller, org, linen).get(reverse("storefront:checkout")).content.decode()
    assert f'value="{dollars.pk}" data-on-account disabled' in page
    assert "not for this order: credit in USD" in page
    assert 'value="new" checked' in page  # a new card, the one way left to pay
    assert "Purchase order number" not in page  # nothing to pay on account with


def test_credit_in_the_orders_currency_is_preselected(signed_in, seller, store, linen, standard):
    org = organization(store, seller, currency="EUR")
    dollars = credit(org, "25000.00", "USD")
    euros = credit(org, "25000.00", "EUR")
    PaymentSource.objects.filter(pk=dollars.pk).update(is_default=True)
    PaymentSource.objects.filter(pk=euros.pk).update(is_default=False)
    page = buying(signed_in, seller, org, linen).get(reverse("storefront:checkout")).content.decode()
    assert f'value="{euros.pk}" data-on-account checked' in page
    assert f'value="{dollars.pk}" data-on-account disabled' in page
    assert 'value="new" checked' not in page


def test_the_credit_is_said_as_money_in_the_viewers_locale(signed_in, seller, store, linen, standard):
    org = organization(store, seller, currency="EUR")
    credit(org, "25000.00", "EUR")
    page = buying(signed_in, seller, org, linen).get(reverse("storefront:checkout")).content.decode()
    assert "On account (€25,000.00 of €25,000.00 credit available)" in page
    assert "25000.00" not in page


# --- Changing the preferred currency with credit in the current one ------------------------------


def test_the_currency_confirm_warns_that_the_credit_stays_in_its_currency(signed_in, seller, store, linen):
    org = organization(store, seller)
    credit(org, "25000.00", "USD")
    client = buying(signed_in, seller, org, linen)
    org.refresh_from_db()
    asked = client.post(reverse("storefront:organization_currency", args=[org.pk]),
                        {"currency": "EUR", "version": org.version})  # fmt: skip
    assert asked.status_code == 409
    warning = ("Its on-account credit is in US Dollar (USD): orders in Euro (EUR) are paid another way until an "
               "administrator opens credit in EUR.")  # fmt: skip
    assert warning in asked.content.decode()
    # confirmed: the change is saved, and the seller is told again
    org.refresh_from_db()
    done = client.post(reverse("storefront:organization_currency", args=[org.pk]),
                       {"currency": "EUR", "version": org.version, "lease_token": org.lease_token, "confirm": "1"},
                       follow=True)  # fmt: skip
    assert warning in done.content.decode()


def test_no_credit_warning_when_the_organization_has_credit_in_the_new_currency(signed_in, seller, store, linen):
    org = organization(store, seller)
    credit(org, "25000.00", "USD")
    credit(org, "20000.00", "EUR")
    client = buying(signed_in, seller, org, linen)
    org.refresh_from_db()
    asked = client.post(reverse("storefront:organization_currency", args=[org.pk]),
                        {"currency": "EUR", "version": org.version})  # fmt: skip
    assert asked.status_code == 409
    assert "Change to EUR and re-price them?" in asked.content.decode()
    assert "on-account credit is in" not in asked.content.decode()
