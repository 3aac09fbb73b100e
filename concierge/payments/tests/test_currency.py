"""Payments in one currency: an organization's on-account credit is in a currency the store sells in
and pays only in it, a gift certificate only in its own, and the refund approval threshold counts in
the order's currency (docs/payments.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from concierge.carts.models import Cart
from concierge.carts.services import cart_add, cart_open
from concierge.catalog.models import Price, PriceList
from concierge.checkout.plan import CheckoutPlan, ShipmentPlan
from concierge.checkout.services import checkout_submit
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.core.money import Money
from concierge.customers.models import Customer
from concierge.orders.editing import SYSTEM
from concierge.orders.models import Order
from concierge.orders.refunds import order_refund_create
from concierge.orders.services import shipment_release
from concierge.orders.tests.refund_support import held
from concierge.payments.models import PaymentSource, Refund
from concierge.payments.services import (
    gift_certificate_issue,
    payment_authorize,
    payment_source_add_gift_certificate,
    payment_source_open_account,
)
from concierge.stores.models import ShippingMethod, ShippingRate
from concierge.testing import factories

pytestmark = pytest.mark.django_db
D = Decimal
TESTS = ActingContext.system("tests")


@pytest.fixture
def acme(store, seller):
    organization = factories.organization(store=store, name="Acme Hospitality", seller=seller)
    Customer.objects.filter(pk=organization.pk).update(preferred_currency="EUR")
    organization.refresh_from_db()
    factories.address(organization, is_default_billing=True, is_default_shipping=True)
    return organization


@pytest.fixture
def euros(store):
    return PriceList.objects.create(store=store, currency="EUR", name="Euro prices")


def euro_order(seller, acme, store, euros, *, price: str, source: PaymentSource) -> Order:
    """An order of Acme in euros, placed by its seller, every shipment released (captured)."""
    method, _ = ShippingMethod.objects.get_or_create(store=store, code="standard",
                                                     defaults={"name": "Standard", "price": D("5.00")})  # fmt: skip
    ShippingRate.objects.get_or_create(method=method, currency="EUR", defaults={"price": D("4.00")})
    sku = factories.product(store=store, name="Linen Set", price="999.00")
    Price.objects.create(price_list=euros, sku=sku, amount=D(price))
    ctx = ActingContext(user=seller, customer=acme, account=acme, store=store)
    cart, _ = cart_open(ctx, anonymous_token=None)
    cart_add(ctx, cart=cart, sku_id=sku.pk, quantity=1)
    address = acme.addresses.get()
    line = cart.lines.get()
    planned = ShipmentPlan(kind="SHIP", line_ids=(line.pk,), address_id=address.pk, shipping_method_code="standard")
    plan = CheckoutPlan(billing_address_id=address.pk, payment_source_id=source.pk, shipments=(planned,))
    order = checkout_submit(ctx, cart=Cart.objects.get(pk=cart.pk), plan=plan)
    for shipment in order.shipments.all():
        shipment_release(ActingContext.system("tests", store=store), shipment_id=shipment.pk, guard=SYSTEM)
    return Order.objects.get(pk=order.pk)


def test_an_account_is_opened_in_a_currency_the_store_sells_in(acme, euros):
    source = payment_source_open_account(TESTS, customer=acme, credit_limit=Money(D("1000"), "EUR"))
    assert (source.currency, source.label) == ("EUR", "On account (€1,000.00 of €1,000.00 credit available)")
    with pytest.raises(DomainError) as refused:
        payment_source_open_account(TESTS, customer=acme, credit_limit=Money(D("1000"), "GBP"))
    assert refused.value.fields == {"credit_limit": ["The credit limit is in a currency Northwind Outfitters "
                                                     "sells in: USD, EUR."]}  # fmt: skip


def test_credit_in_one_currency_is_never_held_for_an_amount_in_another(acme, euros):
    source = payment_source_open_account(TESTS, customer=acme, credit_limit=Money(D("1000"), "USD"))
    with pytest.raises(DomainError) as refused:
        payment_authorize(TESTS, source=source, amount=Money(D("10.00"), "EUR"), idempotency_key="k1")
    assert refused.value.code == "payment.currency_mismatch"
    source.refresh_from_db()
    assert source.credit_used == 0


def test_a_gift_certificate_pays_only_in_its_own_currency(seller, acme, store, euros):
    _, code = gift_certificate_issue(TESTS, store=store, amount=Money(D("500.00"), "USD"))
    ctx = ActingContext(user=seller, customer=acme, account=acme, store=store)
    certificate = payment_source_add_gift_certificate(ctx, customer=acme, code=code)
    with pytest.raises(DomainError) as refused:
        euro_order(seller, acme, store, euros, price="40.00", source=certificate)
    assert refused.value.code == "payment.gift_certificate_invalid"
    assert refused.value.message == "This gift certificate is in USD and this order is in EUR: pay another way."
    assert not Order.objects.exists()


def test_the_refund_approval_threshold_counts_in_the_orders_currency(seller, supervisor, acme, store, euros):
    # given: a threshold of 50.00 and an order of Acme in euros
    store.refund_approval_threshold = D("50.00")
    store.save(update_fields=["refund_approval_threshold"])
    credit = payment_source_open_account(TESTS, customer=acme, credit_limit=Money(D("1000"), "EUR"))
    order = euro_order(seller, acme, store, euros, price="200.00", source=credit)
    assert order.currency == "EUR"

    def refund(amount: str) -> Refund:
        return order_refund_create(ActingContext(user=supervisor), order_id=order.pk, guard=held(supervisor, order),
                                   amount=Money(D(amount), "EUR"), destination="ORIGINAL", source_id=None,
                                   note="Goodwill for a late parcel.")  # fmt: skip

    # then: 50.00 EUR is issued, 50.01 EUR waits for a second person
    assert refund("50.00").status == Refund.Status.ISSUED
    waiting = refund("50.01")
    assert (waiting.status, waiting.currency) == (Refund.Status.AWAITING_APPROVAL, "EUR")
