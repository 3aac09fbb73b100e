"""Checkout in an organization's preferred currency (seed 003): the order, its lines, shipping, tax,
total and payment all in the one currency of its cart; an account's credit in another currency, a
shipping method without a rate in it, and a cart priced before the currency changed are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from concierge.api.tests.test_commerce_api import ship_all, token_headers
from concierge.carts.currency import organization_currency_change
from concierge.carts.models import Cart
from concierge.carts.selectors import priced_cart
from concierge.catalog.models import Price, PriceList
from concierge.catalog.pricing import buyer_of
from concierge.core.context import ActingContext
from concierge.core.edits import EditGuard
from concierge.core.money import Money
from concierge.customers.locks import customer_lock
from concierge.customers.models import Customer
from concierge.orders.models import Order, OrderLine, Shipment
from concierge.payments.models import PaymentSource, PaymentTransaction
from concierge.payments.services import payment_source_open_account
from concierge.stores.models import ShippingMethod, ShippingRate, TaxRate
from concierge.testing import factories

pytestmark = pytest.mark.django_db
SYSTEM = ActingContext.system("tests")


@pytest.fixture
def linen(store):
    sku = factories.product(store=store, name="Linen Set", price="100.00")
    euros = PriceList.objects.create(store=store, currency="EUR", name="Euro prices")
    Price.objects.create(price_list=euros, sku=sku, amount=Decimal("92.00"))
    return sku


@pytest.fixture
def standard(store):
    method = ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("10.00"))
    ShippingRate.objects.create(method=method, currency="EUR", price=Decimal("9.00"))
    return method


@pytest.fixture
def express(store):
    """Offered in dollars only."""
    return ShippingMethod.objects.create(store=store, code="express", name="Express", price=Decimal("25.00"))


@pytest.fixture
def acme(store, seller, linen, standard):
    organization = factories.organization(store=store, name="Acme Hospitality", seller=seller)
    Customer.objects.filter(pk=organization.pk).update(preferred_currency="EUR")
    organization.refresh_from_db()
    factories.address(organization, is_default_billing=True, is_default_shipping=True)
    TaxRate.objects.create(store=store, country="US", rate=Decimal("0.0500"))
    return organization


def on_account(account: Customer, limit: str, currency: str) -> PaymentSource:
    return payment_source_open_account(SYSTEM, customer=account, credit_limit=Money(Decimal(limit), currency))


def buying(seller, acme) -> dict[str, str]:
    return {**token_headers(seller.email), "X-Account": str(acme.pk)}


def cart_of(headers: dict[str, str], sku, quantity: int) -> dict:
    response = Client().post("/api/v1/cart/lines", {"sku_id": sku.pk, "quantity": quantity},
                             content_type="application/json", headers=headers)  # fmt: skip
    assert response.status_code == 201, response.content
    return response.json()


def place(headers: dict[str, str], body: dict, key: str = "attempt-1"):
    return Client().post("/api/v1/checkout", body, content_type="application/json",
                         headers={**headers, "Idempotency-Key": key})  # fmt: skip


def test_an_organization_buying_in_euros_places_an_order_all_in_euros_on_its_euro_credit(seller, acme, linen):
    # given
    credit = on_account(acme, "1000.00", "EUR")
    headers = buying(seller, acme)
    cart = cart_of(headers, linen, 2)
    # when
    placed = place(headers, ship_all(cart, acme.addresses.get(), credit))
    # then: 2 x 92.00 + 5% tax + 9.00 shipping, in euros
    assert placed.status_code == 201, placed.content
    order = Order.objects.get(number=placed.json()["number"])
    assert (order.currency, order.subtotal, order.tax_total, order.shipping_total, order.total) == (
        "EUR", Decimal("184.00"), Decimal("9.20"), Decimal("9.00"), Decimal("202.20"))  # fmt: skip
    assert list(OrderLine.objects.filter(order=order).values_list("unit_price", flat=True)) == [Decimal("92.00")]
    assert Shipment.objects.get(order=order).shipping_price == Decimal("9.00")
    assert set(PaymentTransaction.objects.filter(order=order).values_list("currency", flat=True)) == {"EUR"}
    credit.refresh_from_db()
    assert credit.credit_used == order.total
    assert "€" in credit.label


def test_a_dollar_account_is_refused_for_a_euro_order_with_a_clear_message(seller, acme, linen):
    credit = on_account(acme, "1000.00", "USD")
    headers = buying(seller, acme)
    cart = cart_of(headers, linen, 1)
    refused = place(headers, ship_all(cart, acme.addresses.get(), credit))
    assert refused.status_code == 422
    assert refused.json()["code"] == "payment.currency_mismatch"
    assert refused.json()["message"] == (
        "The organization's account is in USD and this order is in EUR: pay another way, or ask for an account in EUR."
    )
    assert not Order.objects.exists()
    assert not PaymentTransaction.objects.exists()
    credit.refresh_from_db()
    assert credit.credit_used == 0


def test_a_cart_priced_before_the_currency_changed_is_refused_at_place_order(seller, acme, linen, store):
    # given: Acme's cart was priced in dollars; its preferred currency became the euro elsewhere
    Customer.objects.filter(pk=acme.pk).update(preferred_currency="")
    credit = on_account(acme, "1000.00", "EUR")
    headers = buying(seller, acme)
    cart = cart_of(headers, linen, 1)
    assert cart["currency"] == "USD"
    Customer.objects.filter(pk=acme.pk).update(preferred_currency="EUR")
    # when
    refused = place(headers, ship_all(cart, acme.addresses.get(), credit))
    # then
    assert refused.status_code == 409
    assert refused.json()["code"] == "cart.currency_changed"
    assert "This cart is priced in USD, and Acme Hospitality now buys in EUR." in refused.json()["message"]
    assert not Order.objects.exists()
    # re-pricing the cart (the change confirmed) lets the order through, in euros
    grant = customer_lock(ActingContext(user=seller), customer_id=acme.pk)
    acme.refresh_from_db()
    organization_currency_change(ActingContext(user=seller), account_id=acme.pk, currency="EUR", confirm=True,
                                 guard=EditGuard(version=acme.version, lease_token=grant.token))  # fmt: skip
    cart = Client().get("/api/v1/cart", headers=headers).json()
    placed = place(headers, ship_all(cart, acme.addresses.get(), credit), key="attempt-2")
    assert placed.status_code == 201, placed.content
    assert Order.objects.get().currency == "EUR"


def test_only_methods_with_a_rate_in_the_buyers_currency_are_offered(seller, acme, linen, express):
    credit = on_account(acme, "1000.00", "EUR")
    headers = buying(seller, acme)
    options = Client().get("/api/v1/checkout/options", headers=headers).json()
    assert [(m["code"], m["price"], m["currency"]) for m in options["shipping_methods"]] == [
        ("standard", "9.00", "EUR")]  # fmt: skip
    cart = cart_of(headers, linen, 1)
    body = ship_all(cart, acme.addresses.get(), credit)
    body["shipments"][0]["shipping_method"] = "express"
    refused = place(headers, body)
    assert refused.status_code == 422
    assert refused.json()["message"] == "Express is not offered in EUR: choose another shipping method."
    assert not Order.objects.exists()


def test_a_buyer_in_the_stores_currency_is_offered_every_method_at_its_price(shopper, standard, express):
    options = Client().get("/api/v1/checkout/options", headers=token_headers(shopper.email)).json()
    assert sorted((m["code"], m["price"], m["currency"]) for m in options["shipping_methods"]) == [
        ("express", "25.00", "USD"), ("standard", "10.00", "USD")]  # fmt: skip


def test_currency_is_never_mixed_in_a_cart_or_an_order(seller, acme, linen, store):
    """The invariant, after a walk through what changes a currency: a cart's lines are all priced in
    the cart's currency, and an order's lines, shipping and payments all in the order's."""
    # given: a dollar cart, re-priced in euros, added to, refused with dollar credit, placed with euro credit
    Customer.objects.filter(pk=acme.pk).update(preferred_currency="")
    dollars, euros = on_account(acme, "5000.00", "USD"), on_account(acme, "5000.00", "EUR")
    towel = factories.product(store=store, name="Bath Towel", price="12.00")
    Price.objects.create(price_list=PriceList.objects.get(currency="EUR"), sku=towel, amount=Decimal("11.00"))
    headers = buying(seller, acme)
    cart_of(headers, linen, 1)
    grant = customer_lock(ActingContext(user=seller), customer_id=acme.pk)
    acme.refresh_from_db()
    organization_currency_change(ActingContext(user=seller), account_id=acme.pk, currency="EUR", confirm=True,
                                 guard=EditGuard(version=acme.version, lease_token=grant.token))  # fmt: skip
    cart = cart_of(headers, towel, 3)
    assert place(headers, ship_all(cart, acme.addresses.get(), dollars)).status_code == 422
    assert place(headers, ship_all(cart, acme.addresses.get(), euros), key="attempt-2").status_code == 201
    # then: every cart, priced now, is in its own currency
    for each in Cart.objects.select_related("store"):
        buyer = buyer_of(store=each.store, customer=each.customer, account=each.customer)
        priced = priced_cart(buyer, each)
        assert {m.currency for line in priced.lines for m in (line.unit_price, line.total)} <= {each.currency}
    # and every order, with its lines (at the price list of its currency), shipping and payments, in one
    prices = {p.sku_id: p.amount for p in Price.objects.filter(price_list__currency="EUR")}
    for order in Order.objects.all():
        assert order.currency == "EUR"
        assert {t.currency for t in PaymentTransaction.objects.filter(order=order)} == {order.currency}
        for line in OrderLine.objects.filter(order=order):
            assert line.unit_price == prices[line.sku_id]
        assert order.shipping_total == sum(s.shipping_price for s in Shipment.objects.filter(order=order))
        assert order.shipping_total == Decimal("9.00")
    assert PaymentSource.objects.get(pk=dollars.pk).credit_used == 0
