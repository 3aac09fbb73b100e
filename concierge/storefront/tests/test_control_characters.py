"""NUL bytes in HTML forms are field errors, never a 500 (repair item 17, bar 30)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from concierge.assist.models import AssistedSession
from concierge.customers.models import Address

pytestmark = pytest.mark.django_db
ADDRESS = {"first_name": "a\x00b", "last_name": "Shopper", "line1": "1 Main St", "city": "Springfield",
           "postal_code": "12345", "country": "US"}  # fmt: skip


def test_a_nul_in_an_address_name_is_a_field_error(signed_in, shopper):
    before = Address.objects.filter(customer=shopper).count()
    response = signed_in(shopper.user).post(reverse("storefront:addresses"), {"action": "add", **ADDRESS})
    assert response.status_code == 400
    assert "Remove the control characters (such as NUL) from this field." in response.text
    assert Address.objects.filter(customer=shopper).count() == before


def test_a_nul_in_a_card_holder_name_is_a_field_error(signed_in, shopper):
    response = signed_in(shopper.user).post(
        reverse("storefront:payment_methods"),
        {"number": "4242424242424242", "exp_month": "12", "exp_year": "2040", "cvc": "123", "holder_name": "J\x00S"},
    )
    assert response.status_code == 400
    assert "Remove the control characters (such as NUL) from this field." in response.text
    assert not shopper.payment_sources.exists()


def test_a_nul_in_the_access_reason_is_refused_clearly(signed_in, csr, shopper):
    client = signed_in(csr)
    response = client.post(reverse("service:access_customer"), {"customer": shopper.pk, "reason": "call\x00"})
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Null characters are not allowed." in page.text
    assert not AssistedSession.objects.exists()


def test_an_over_long_reason_is_refused_naming_the_limit(signed_in, csr, shopper):
    client = signed_in(csr)
    response = client.post(reverse("service:access_customer"), {"customer": shopper.pk, "reason": "x" * 81})
    assert "at most 80 characters" in client.get(response["Location"]).text
    assert not AssistedSession.objects.exists()
