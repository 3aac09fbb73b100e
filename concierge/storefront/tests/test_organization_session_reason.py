"""A reason and case on a seller's organization session (issue 17 item 1, seed 003's Profile), as a
CSR's start asks them, and the session's reason and case beside each event done in it: on the
console order page's timeline and in the staff member's recent activity."""

from __future__ import annotations

import pytest
from django.urls import reverse

from concierge.assist.organization_sessions import session_labels
from concierge.audit.models import Event
from concierge.orders.models import Order
from concierge.storefront.tests.test_purchase_order import credit, organization, place
from concierge.stores.models import ShippingMethod
from concierge.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def linen(store):
    ShippingMethod.objects.create(store=store, code="standard", name="Standard", price="5.95")
    return factories.product(store=store, name="Linen Set", price="100.00")


def test_profile_asks_why_with_the_reasons_of_the_list_and_a_case(signed_in, seller, store):
    org = organization(store, seller)
    page = signed_in(seller).get(reverse("storefront:organizations")).content.decode()
    assert f'action="{reverse("storefront:organization_select", args=[org.pk])}"' in page
    start = signed_in(seller).get(reverse("storefront:organization_select", args=[org.pk])).content.decode()
    assert "Buy for Acme Hotels" in start
    assert '<option value="Order help">Order help</option>' in start
    assert "Case reference" in start
    assert "Start buying for Acme Hotels" in start


def test_the_reason_and_case_are_stamped_on_the_session_its_events_and_its_order(signed_in, seller, store, linen, csr):
    org = organization(store, seller)
    account = credit(org, "25000.00", "USD")
    client = signed_in(seller)
    response = client.post(reverse("storefront:organization_select", args=[org.pk]),
                           {"reason": "sales", "ticket": " 4711 "})  # fmt: skip
    assert response["Location"] == reverse("storefront:home")
    started = Event.objects.get(action="seller.organization_selected")
    assert started.data == {"reason": "Sales", "case": "4711"}  # the list's spelling, trimmed
    client.post(reverse("storefront:cart_add"), {"sku": linen.pk, "quantity": 1})
    assert place(client, org, account).status_code == 200
    order = Order.objects.get()
    assert (order.assist_reason, order.assist_case) == ("Sales", "4711")
    added = Event.objects.get(action="cart.line_added")
    assert session_labels([added]) == {added.pk: "case 4711 · Sales"}
    # the console's order page: "placed by … for Acme Hotels — case 4711 · Sales", and beside each event
    client.logout()
    console = signed_in(csr)
    summary = console.get(reverse("service:order", args=[order.number])).content.decode()
    assert "case 4711 · Sales" in summary
    notes = console.get(reverse("service:order", args=[order.number]) + "?tab=notes").content.decode()
    assert '<span class="event-case">case 4711 · Sales</span>' in notes


def test_after_stop_buying_nothing_is_stamped(signed_in, seller, store, linen):
    org = organization(store, seller)
    client = signed_in(seller)
    client.post(reverse("storefront:organization_select", args=[org.pk]), {"reason": "Sales", "ticket": "4711"})
    client.post(reverse("storefront:organization_stop"))
    client.post(reverse("storefront:organization_select", args=[org.pk]), {})  # again, no reason given
    client.post(reverse("storefront:cart_add"), {"sku": linen.pk, "quantity": 1})
    added = Event.objects.get(action="cart.line_added")
    assert session_labels([added]) == {}


def test_a_store_that_requires_the_reason_and_case_refuses_a_start_without_them(signed_in, seller, store):
    store.assist_reason_required = store.assist_case_required = True
    store.save()
    org = organization(store, seller)
    client = signed_in(seller)
    response = client.post(reverse("storefront:organization_select", args=[org.pk]), {"reason": "", "ticket": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose a reason." in page
    response = client.post(reverse("storefront:organization_select", args=[org.pk]), {"reason": "Sales"})
    assert response.status_code == 400
    assert "Enter the case reference." in response.content.decode()
    assert '<option value="Sales" selected>' in response.content.decode()  # what was chosen stays
    assert not Event.objects.filter(action="seller.organization_selected").exists()
    assert 'class="org-badge"' not in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("posted", "said"),
    [({"reason": "Because", "ticket": ""}, "Choose one of: Order help"),
     ({"reason": "Sales", "ticket": "9" * 41}, "At most 40 characters.")],
)  # fmt: skip
def test_a_reason_off_the_list_or_an_over_long_case_is_refused_with_the_field_error(
    signed_in, seller, store, posted, said
):
    org = organization(store, seller)
    response = signed_in(seller).post(reverse("storefront:organization_select", args=[org.pk]), posted)
    assert response.status_code == 400
    assert said in response.content.decode()
    assert not Event.objects.filter(action="seller.organization_selected").exists()


def test_a_csr_sessions_events_show_its_case_on_the_timeline_and_in_recent_activity(signed_in, csr, shopper, store):
    sku = factories.product(store=store, name="Canyon Base Layer")
    client = signed_in(csr)
    client.post("/service/assist/access/", {"customer": shopper.pk, "reason": "Order help", "ticket": "4711"})
    client.post("/cart/lock/")
    client.post("/cart/add/", {"sku": sku.pk, "quantity": 1})
    client.post(reverse("service:assist_end"))
    home = client.get(reverse("service:home")).content.decode()
    assert '<span class="event-case">case 4711 · Order help</span>' in home
