"""The demo's data policies: three, with their data points, and Jane's consents; safe to run twice."""

import pytest

from concierge.customers.models import Customer, CustomerConsent, DataPolicy
from concierge.customers.privacy import CATALOGUE
from concierge.demo.privacy import seed_data_policies

pytestmark = pytest.mark.django_db


def test_the_demo_policies_and_consents_are_seeded_once(shopper):
    Customer.objects.filter(pk=shopper.pk).update(shared_id="C000000000")
    assert seed_data_policies() == 2
    assert seed_data_policies() == 0
    assert set(DataPolicy.objects.values_list("name", flat=True)) == {
        "Marketing emails", "Order history analytics", "Personalised recommendations",
    }  # fmt: skip
    assert all(p.data_points.exists() for p in DataPolicy.objects.all())
    assert all(key in CATALOGUE for key in DataPolicy.objects.values_list("data_points__key", flat=True))
    assert CustomerConsent.objects.filter(customer=shopper, given=True).count() == 2
