"""A return or exchange of an order placed in dollars for an organization that has since moved to
euros is priced in the order's dollars: the currency an order was placed in is the one it is
returned and exchanged in (seed 003: a currency change applies to new purchases)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from concierge.catalog.models import Price, PriceList
from concierge.customers.models import Customer
from concierge.orders.models import Order
from concierge.payments.models import Refund
from concierge.returns.models import Return
from concierge.returns.tests.builders import SHOE, delivered_order
from concierge.returns.tests.test_received import create
from concierge.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def dollar_order_of_a_euro_account(shopper, store) -> Order:
    """Two shoes at 80.00 USD bought for Acme, which then moved to euros (where a sandal is 9.00)."""
    order = delivered_order(shopper, store, (SHOE,))
    acme = factories.organization(store=store, name="Acme Outfitters")
    Order.objects.filter(pk=order.pk).update(account=acme)
    Customer.objects.filter(pk=acme.pk).update(preferred_currency="EUR")
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def sandal(store):
    sku = factories.product(store=store, name="Sandal", price="10.00", sku_code="SANDAL-9")
    euros = PriceList.objects.create(store=store, currency="EUR", name="Euro prices")
    Price.objects.create(price_list=euros, sku=sku, amount=Decimal("9.00"))
    return sku


def test_a_return_of_a_dollar_order_is_refunded_in_dollars(dollar_order_of_a_euro_account, csr):
    order = dollar_order_of_a_euro_account
    ret = create(csr, order, 1, receipt_required=False)
    assert (ret.currency, ret.refund_amount) == ("USD", Decimal("80.00"))
    refund = Refund.objects.get(rma=ret.rma)
    assert (refund.currency, refund.amount) == ("USD", Decimal("80.00"))


def test_an_exchange_of_a_dollar_order_prices_the_replacement_in_dollars(dollar_order_of_a_euro_account, csr,
                                                                         sandal):  # fmt: skip
    order = dollar_order_of_a_euro_account
    ret = create(csr, order, 2, kind=Return.Kind.EXCHANGE, sku=sandal.code)
    assert ret.refund_amount == Decimal("140.00")  # 2 x (80.00 - 10.00), not the euro price
    exchange = Order.objects.get(exchange_for=ret)
    assert exchange.currency == "USD"
    line = exchange.lines.get()
    assert (line.sku_id, line.unit_price) == (sandal.pk, Decimal("10.00"))
