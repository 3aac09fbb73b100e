"""The console's customer profile, linked from Find customer and the order view."""

from __future__ import annotations

import pytest
from django.urls import reverse

from concierge.audit.models import Event
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def test_a_csr_sees_the_profile_with_addresses_and_access(signed_in, csr, shopper):
    events = Event.objects.count()
    page = signed_in(csr).get(reverse("service:customer", args=[shopper.pk]))
    assert page.status_code == 200
    assert "Jane Shopper" in page.text
    assert "Customer Profile" in page.text
    assert "Access customer's account" in page.text
    addresses = signed_in(csr).get(reverse("service:customer", args=[shopper.pk]), {"tab": "addresses"})
    assert "78701" in addresses.text
    assert Event.objects.count() == events  # GET changes nothing


def test_a_customer_of_another_store_is_not_found(signed_in, csr_other_store, shopper):
    assert signed_in(csr_other_store).get(reverse("service:customer", args=[shopper.pk])).status_code == 404


def test_find_customer_links_to_the_profile(signed_in, csr, shopper):
    page = signed_in(csr).get(reverse("service:home"), {"last_name": "shopper"})
    assert reverse("service:customer", args=[shopper.pk]) in page.text


def test_an_organizations_profile_lists_its_orders_as_account(signed_in, csr, store):
    org = factories.organization(store=store, name="Acme Outfitters")
    page = signed_in(csr).get(reverse("service:customer", args=[org.pk]), {"tab": "orders"})
    assert "Child Accounts" in page.text  # an account record's tabs
    assert "No orders yet." in page.text
