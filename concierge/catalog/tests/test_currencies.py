"""Prices in the buyer's currency: an organization's preferred one, else the store's; the currencies a
store sells in; promotions by currency; nothing converted."""

from decimal import Decimal

import pytest

from concierge.catalog.models import Price, PriceList, Promotion
from concierge.catalog.pricing import LineIn, buyer_of, currencies_offered, price_lines, unit_prices
from concierge.core.errors import DomainError
from concierge.core.money import Money
from concierge.customers.models import Customer, Segment
from concierge.testing import factories

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def acme(store):
    org = factories.organization(store=store, name="Acme Hospitality")
    Customer.objects.filter(pk=org.pk).update(preferred_currency="EUR")
    org.refresh_from_db()
    return org


@pytest.fixture
def linen(store):
    sku = factories.product(store=store, name="Linen Set", price="100.00")
    euros = PriceList.objects.create(store=store, currency="EUR", name="Euro prices")
    Price.objects.create(price_list=euros, sku=sku, amount=D("92.00"))
    return sku


def test_an_organization_buys_in_its_preferred_currency_and_everyone_else_in_the_stores(store, acme, shopper, linen):
    assert buyer_of(store=store, customer=acme, account=acme).currency == "EUR"
    assert buyer_of(store=store, customer=shopper).currency == "USD"
    assert buyer_of(store=store, customer=None).currency == "USD"
    euro = price_lines(buyer_of(store=store, customer=acme, account=acme), [LineIn(linen, 2)])
    assert (euro.currency, euro.total) == ("EUR", Money(D("184.00"), "EUR"))
    assert price_lines(buyer_of(store=store, customer=shopper), [LineIn(linen, 1)]).total == Money(D("100.00"), "USD")


def test_the_currencies_offered_are_the_stores_first_then_those_of_its_price_lists_for_everyone(store, acme):
    PriceList.objects.create(store=store, currency="GBP", name="Pounds")
    PriceList.objects.create(store=store, currency="EUR", name="Euros")
    PriceList.objects.create(store=store, currency="EUR", name="More euros")
    # one account's list or one segment's does not make a currency the store sells in
    PriceList.objects.create(store=store, currency="CHF", name="Acme francs", account=acme)
    gold = Segment.objects.create(code="gold", name="Gold")
    PriceList.objects.create(store=store, currency="JPY", name="Gold yen", segment=gold)
    assert currencies_offered(store) == ["USD", "EUR", "GBP"]


def test_a_new_price_list_is_offered_at_once_in_this_process(store):
    assert currencies_offered(store) == ["USD"]
    PriceList.objects.create(store=store, currency="EUR", name="Euros")
    assert currencies_offered(store) == ["USD", "EUR"]


def test_an_item_without_a_price_in_the_buyers_currency_cannot_be_bought(store, acme):
    towel = factories.product(store=store, name="Bath Towel", price="12.00")
    buyer = buyer_of(store=store, customer=acme, account=acme)
    assert unit_prices(buyer, [towel.pk]) == {}  # never its dollar price converted
    with pytest.raises(DomainError) as refused:
        price_lines(buyer, [LineIn(towel, 1)])
    assert refused.value.code == "catalog.price_missing"
    assert refused.value.message == f"{towel.code} cannot be bought in Northwind Outfitters in EUR."


def test_a_percentage_promotion_applies_in_any_currency_an_amount_off_only_in_the_stores(store, acme, shopper, linen):
    Promotion.objects.create(name="Linen week: 10% off", store=store, kind="PERCENT_OFF", value=D(10),
                             target="PRODUCT", product=linen.product)  # fmt: skip
    Promotion.objects.create(name="$30 off your cart", store=store, kind="AMOUNT_OFF", value=D(30), target="CART")
    euro = price_lines(buyer_of(store=store, customer=acme, account=acme), [LineIn(linen, 1)])
    assert euro.promotions == ("Linen week: 10% off",)
    assert euro.discount == Money(D("9.20"), "EUR")
    dollar = price_lines(buyer_of(store=store, customer=shopper), [LineIn(linen, 1)])
    assert dollar.promotions == ("Linen week: 10% off", "$30 off your cart")
    assert dollar.discount == Money(D("40.00"), "USD")


def test_pinned_prices_are_priced_in_their_own_currency(store, acme, linen):
    """An order keeps what was agreed, in its currency, whatever the organization buys in now."""
    buyer = buyer_of(store=store, customer=acme, account=acme)  # EUR now
    kept = price_lines(buyer, [LineIn(linen, 1)], prices={linen.pk: Money(D("100.00"), "USD")})
    assert (kept.currency, kept.total) == ("USD", Money(D("100.00"), "USD"))
    assert buyer_of(store=store, customer=acme, account=acme, currency="USD").currency == "USD"
