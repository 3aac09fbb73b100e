"""The customer record's frame: tabs by kind, Edit locks the record for the CSR, Close unlocks it,
and someone else sees it read-only naming the holder."""

import pytest
from django.test import Client
from django.urls import reverse

from concierge.audit.models import Event
from concierge.customers.models import Customer
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def test_a_user_record_shows_the_user_tabs_and_no_account_tabs(signed_in, csr, shopper):
    page = signed_in(csr).get(reverse("service:customer", args=[shopper.pk]))
    for label in ("Customer Profile", "Addresses", "Orders", "Customer Segments", "Customer Data Policies"):
        assert label in page.text
    assert "Child Accounts" not in page.text


def test_edit_locks_the_record_and_close_unlocks_it(signed_in, csr, supervisor, shopper):
    agent = signed_in(csr)
    opened = agent.post(reverse("service:customer_open", args=[shopper.pk]), {"version": shopper.version}, follow=True)
    assert "Locked by" in opened.text
    assert "(you)" in opened.text
    assert "Editing" in opened.text
    assert Event.objects.filter(action="customer.locked", subject_id=str(shopper.pk)).count() == 1
    other_browser = Client()
    other_browser.force_login(supervisor)
    other = other_browser.get(reverse("service:customer", args=[shopper.pk]))
    assert "Ann Agent is editing this record" in other.text
    agent.post(reverse("service:customer_close", args=[shopper.pk]))
    assert not Customer.objects.get(pk=shopper.pk).lease_is_live()


def test_edit_of_a_record_that_moved_on_is_refused_with_reload(signed_in, csr, shopper):
    page = signed_in(csr).post(
        reverse("service:customer_open", args=[shopper.pk]), {"version": shopper.version - 1 or 99}
    )
    assert page.status_code == 412
    assert "Reload" in page.text
    assert not Customer.objects.get(pk=shopper.pk).lease_is_live()


def test_an_account_record_has_child_accounts_and_associates(signed_in, csr, store):
    org = factories.organization(store=store, name="Acme Outfitters")
    page = signed_in(csr).get(reverse("service:customer", args=[org.pk]), {"tab": "associates"})
    assert "Associates" in page.text
    assert "Child Accounts" in page.text
    assert "Customer Data Policies" not in page.text
