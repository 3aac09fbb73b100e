"""Seed 003 guard rails: an administrator assigns organizations to sellers in the admin, each change
audited, and the seller reaches exactly the organizations assigned to them."""

import pytest
from django.test import Client
from django.urls import reverse

from concierge.audit.models import Event
from concierge.customers.models import SellerAssignment
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def seller_client(seller) -> Client:
    client = Client()
    client.force_login(seller, backend="concierge.identity.backends.EmailBackend")
    return client


def test_an_administrator_assigns_and_unassigns_an_organization_audited_and_the_seller_follows(
    signed_in, administrator, seller, store
):
    org = factories.organization(store=store, name="Kestrel Foods")
    sally = seller_client(seller)
    assert sally.get(f"/organizations/{org.pk}/").status_code == 404  # not hers yet
    # the administrator adds the assignment in the admin
    admin = signed_in(administrator)
    added = admin.post(reverse("admin:customers_sellerassignment_add"), {
        "seller": seller.pk, "organization": org.pk, "assigned_at_0": "2026-12-01", "assigned_at_1": "09:00:00",
    })  # fmt: skip
    assert added.status_code == 302
    assignment = SellerAssignment.objects.get(seller=seller, organization=org)
    event = Event.objects.get(action="admin.sellerassignment.added")
    assert (event.actor_id, event.subject_id) == (administrator.pk, str(assignment.pk))
    # the seller now lists and opens it
    assert "Kestrel Foods" in sally.get("/organizations/").content.decode()
    assert sally.get(f"/organizations/{org.pk}/").status_code == 200
    # the administrator removes it: audited, and the seller no longer reaches it
    admin.post(reverse("admin:customers_sellerassignment_delete", args=[assignment.pk]), {"post": "yes"})
    assert not SellerAssignment.objects.exists()
    assert Event.objects.filter(action="admin.sellerassignment.deleted", subject_id=str(assignment.pk)).exists()
    assert sally.get(f"/organizations/{org.pk}/").status_code == 404
    assert "Kestrel Foods" not in sally.get("/organizations/").content.decode()
