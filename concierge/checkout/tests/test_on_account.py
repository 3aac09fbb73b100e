"""A seller buys for an organization on account (seed 003): the organization is the customer served."""

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from concierge.carts.models import Cart
from concierge.core.context import ActingContext
from concierge.core.money import Money
from concierge.orders.editing import SYSTEM
from concierge.orders.models import Order
from concierge.orders.services import order_cancel
from concierge.payments.models import PaymentSource
from concierge.payments.services import payment_source_open_account
from concierge.stores.models import ShippingMethod
from concierge.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(store, seller):
    ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("10.00"))
    organization = factories.organization(store=store, name="Acme Hospitality", seller=seller)
    factories.address(organization, is_default_billing=True, is_default_shipping=True)
    payment_source_open_account(ActingContext.system("tests"), customer=organization,
                                credit_limit=Money(Decimal("1000"), "USD"))  # fmt: skip
    return organization


def buy_for(client: Client, org, sku, quantity: int) -> Any:
    client.post(reverse("storefront:organizations"), {"account_id": org.pk})
    client.post(reverse("storefront:cart_add"), {"sku": sku.pk, "quantity": quantity})
    line = Cart.objects.get(customer=org, status="ACTIVE").lines.get()
    address = org.addresses.get()
    return client.post(reverse("storefront:checkout"), {
        "action": "place", f"delivery_{line.pk}": "ship", f"address_{line.pk}": address.pk,
        f"method_{line.pk}": "standard", "billing_address": address.pk,
        "payment_source": org.payment_sources.get().pk,
    })  # fmt: skip


def test_a_seller_places_an_order_for_the_organization_on_account(signed_in, seller, org, store):
    sku = factories.product(store=store, name="Linen Set", price="100.00")
    response = buy_for(signed_in(seller), org, sku, 3)
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.customer, order.account, order.placed_by, order.placed_on_behalf) == (org, org, seller, True)
    assert PaymentSource.objects.get(customer=org).credit_used == order.total == Decimal("310.00")
    # cancelling gives the credit back
    order_cancel(ActingContext.system("tests"), order_id=order.pk, reason="Duplicate", guard=SYSTEM)
    assert PaymentSource.objects.get(customer=org).credit_used == 0


def test_an_order_over_the_available_credit_is_declined(signed_in, seller, org, store):
    sku = factories.product(store=store, name="Linen Set", price="100.00")
    response = buy_for(signed_in(seller), org, sku, 10)  # 1,010.00 against 1,000.00
    assert response.status_code == 400
    assert "over the organization&#x27;s available credit" in response.content.decode()
    assert not Order.objects.exists()
    assert PaymentSource.objects.get(customer=org).credit_used == 0


def test_only_administrators_open_accounts(csr, org):
    from concierge.core.errors import DomainError

    with pytest.raises(DomainError):
        payment_source_open_account(ActingContext(user=csr), customer=org, credit_limit=Money(Decimal(5), "USD"))
