"""Shipping rates in other currencies than the store's, set by an administrator in the admin."""

from decimal import Decimal

import pytest

from concierge.audit.models import Event
from concierge.stores.models import ShippingMethod, ShippingRate
from concierge.stores.selectors import shipping_offers

pytestmark = pytest.mark.django_db
ADD = "/admin/stores/shippingrate/add/"


@pytest.fixture
def standard(store):
    return ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("10.00"))


def test_an_administrator_adds_a_euro_rate_and_euro_buyers_are_offered_the_method_at_it(
    signed_in, administrator, store, standard
):
    assert shipping_offers(store, "EUR") == []  # no rate in euros: not offered
    client = signed_in(administrator)
    response = client.post(ADD, {"method": standard.pk, "currency": "EUR", "price": "9.00"})
    assert response.status_code == 302, response.content.decode()[:500]
    assert Event.objects.filter(action="admin.shippingrate.added").exists()
    [offer] = shipping_offers(store, "EUR")
    assert (offer.method, str(offer.price)) == (standard, "9.00 EUR")
    [own] = shipping_offers(store, "USD")
    assert str(own.price) == "10.00 USD"


def test_a_rate_in_the_stores_own_currency_or_not_a_currency_code_is_refused(signed_in, administrator, store, standard):
    client = signed_in(administrator)
    own = client.post(ADD, {"method": standard.pk, "currency": "USD", "price": "9.00"})
    assert own.status_code == 200
    assert "USD is the store&#x27;s own currency: change the method&#x27;s price instead." in own.content.decode()
    garbage = client.post(ADD, {"method": standard.pk, "currency": "eu1", "price": "9.00"})
    assert "Enter an ISO 4217 code in capitals, e.g. EUR." in garbage.content.decode()
    assert not ShippingRate.objects.exists()
