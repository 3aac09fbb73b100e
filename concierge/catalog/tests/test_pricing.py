"""The one pricing function: prices for the customer served, promotions, taxes, totals."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concierge.catalog.models import Price, PriceList, Promotion
from concierge.catalog.pricing import LineIn, buyer_of, price_lines
from concierge.core.errors import DomainError
from concierge.customers.models import Segment
from concierge.stores.models import TaxRate
from concierge.testing import factories

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def gold(db):
    return Segment.objects.create(code="gold", name="Gold members")


def test_a_customer_in_a_segment_gets_the_segment_price(store, shopper, other_shopper, gold):
    sku = factories.product(store=store, price="20.00")
    gold_list = PriceList.objects.create(name="Gold", store=store, currency="USD", segment=gold)
    Price.objects.create(price_list=gold_list, sku=sku, amount=D("17.00"))
    shopper.segments.add(gold)
    member = price_lines(buyer_of(store=store, customer=shopper), [LineIn(sku, 1)])
    other = price_lines(buyer_of(store=store, customer=other_shopper), [LineIn(sku, 1)])
    assert member.lines[0].unit_price.amount == D("17.00")
    assert other.lines[0].unit_price.amount == D("20.00")


def test_account_specific_pricing_beats_the_segment_price(store, seller, gold):
    sku = factories.product(store=store, price="20.00")
    org = factories.organization(store=store, name="Acme")
    org.segments.add(gold)
    Price.objects.create(
        price_list=PriceList.objects.create(name="Gold", store=store, currency="USD", segment=gold),
        sku=sku,
        amount=D("17"),
    )
    Price.objects.create(
        price_list=PriceList.objects.create(name="Acme contract", store=store, currency="USD", account=org),
        sku=sku,
        amount=D("15"),
    )
    priced = price_lines(buyer_of(store=store, customer=None, account=org), [LineIn(sku, 2)])
    assert priced.subtotal.amount == D("30.00")


def test_a_segment_promotion_applies_only_to_that_segment(store, shopper, other_shopper, gold):
    sku = factories.product(store=store, price="40.00")
    Promotion.objects.create(
        name="Gold members save 25%", store=store, kind="PERCENT_OFF", value=D(25), target="PRODUCT",
        product=sku.product, segment=gold,
    )  # fmt: skip
    shopper.segments.add(gold)
    member = price_lines(buyer_of(store=store, customer=shopper), [LineIn(sku, 1)])
    other = price_lines(buyer_of(store=store, customer=other_shopper), [LineIn(sku, 1)])
    assert (member.discount.amount, member.promotions) == (D("10.00"), ("Gold members save 25%",))
    assert (other.discount.amount, other.promotions) == (D("0"), ())


def test_a_promotion_outside_its_window_does_not_apply(store, shopper, clock):
    sku = factories.product(store=store, price="40.00")
    Promotion.objects.create(
        name="Next week", store=store, kind="AMOUNT_OFF", value=D(5), target="CART",
        starts_at=clock.now() + dt.timedelta(days=7),
    )  # fmt: skip
    assert price_lines(buyer_of(store=store, customer=shopper), [LineIn(sku, 1)]).discount.amount == 0
    clock.advance(dt.timedelta(days=8))
    assert price_lines(buyer_of(store=store, customer=shopper), [LineIn(sku, 1)]).discount.amount == D("5.00")


def test_a_cart_discount_is_spread_over_lines_and_taxed_per_line(store, shopper):
    a = factories.product(store=store, name="A", price="10.00")
    b = factories.product(store=store, name="B", price="30.00")
    Promotion.objects.create(name="$10 off", store=store, kind="AMOUNT_OFF", value=D(10), target="CART")
    TaxRate.objects.create(store=store, country="US", region="TX", rate=D("0.0825"))
    priced = price_lines(
        buyer_of(store=store, customer=shopper), [LineIn(a, 1), LineIn(b, 1)], tax_country="US", tax_region="TX"
    )
    assert [line.discount.amount for line in priced.lines] == [D("2.50"), D("7.50")]
    assert [line.tax.amount for line in priced.lines] == [D("0.62"), D("1.86")]
    assert priced.total.amount == D("40.00") - D("10.00") + D("2.48")


def test_a_discount_never_exceeds_the_price(store, shopper):
    sku = factories.product(store=store, price="3.00")
    Promotion.objects.create(
        name="$5 off", store=store, kind="AMOUNT_OFF", value=D(5), target="PRODUCT", product=sku.product
    )
    assert price_lines(buyer_of(store=store, customer=shopper), [LineIn(sku, 1)]).total.amount == 0


def test_a_sku_without_a_price_in_the_store_cannot_be_priced(store, other_store, shopper):
    sku = factories.product(store=other_store, price="3.00")
    with pytest.raises(DomainError) as refused:
        price_lines(buyer_of(store=store, customer=shopper), [LineIn(sku, 1)])
    assert refused.value.code == "catalog.price_missing"


def test_quantities_must_be_positive(store, shopper):
    sku = factories.product(store=store)
    with pytest.raises(DomainError):
        price_lines(buyer_of(store=store, customer=shopper), [LineIn(sku, 0)])


@given(
    st.lists(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2), min_size=1, max_size=6),
    st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=4),
)
def test_a_cart_discount_spreads_exactly_and_never_below_zero(prices, fraction):
    from concierge.catalog.pricing import _spread
    from concierge.core.money import Money

    weights = [Money(p, "USD") for p in prices]
    amount = Money(sum(prices) * fraction, "USD").rounded()
    shares = _spread(amount, weights)
    assert sum(s.amount for s in shares) == amount.amount
    assert all(Decimal(0) <= s.amount <= w.amount for s, w in zip(shares, weights, strict=True))
