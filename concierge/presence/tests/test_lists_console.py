"""Customer lists in the console (service/list_views.py): the Customer Service page's lists and
counts, a list page with its columns, sortable headers, pages and self-refreshing table, the
empty states, and Pick-Up's Mark ready for pickup / Picked up (form POSTs under the order's lock and
the version the list showed)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from concierge.audit.models import Event
from concierge.core.context import ActingContext
from concierge.orders import locks
from concierge.orders.models import Order, Shipment
from concierge.orders.tests.pickup_support import pickup_order
from concierge.presence.models import CustomerList
from concierge.presence.tests.list_support import in_store
from concierge.testing import factories

pytestmark = pytest.mark.django_db

IN_STORE = reverse("service:lists_list", args=["current-in-store-customers"])
PICKUP = reverse("service:lists_list", args=["pick-up-in-store-customers"])


def _pickup_url(order: Order, step: str) -> str:
    return reverse("service:shipment_pickup", args=[order.number, order.shipments.get().number, step])


def test_the_customer_service_page_lists_the_lists_with_their_counts(signed_in, csr, store, shopper):
    in_store(shopper, store)
    client = signed_in(csr)
    page = client.get(reverse("service:home")).content.decode()
    # the page fetches its lists section once it is up, so the search never waits for the counts
    assert "Customer lists" in page
    assert f'hx-get="{reverse("service:lists_counts")}" hx-trigger="load"' in page
    section = client.get(reverse("service:lists_counts"), headers={"HX-Request": "true"}).content.decode()
    assert "Current In-Store Customers" in section
    assert 'aria-label="1 customer"' in section
    assert "Pick-Up In-Store Customers" in section
    assert 'aria-label="0 customers"' in section
    # the section refreshes itself
    assert 'hx-trigger="every 15s"' in section


def test_the_in_store_list_shows_zone_and_deep_links(signed_in, csr, store, shopper):
    in_store(shopper, store, zone="Footwear")
    response = signed_in(csr).get(IN_STORE)
    page = response.content.decode()
    assert response.status_code == 200
    for words in ("Name", "Email address", "Phone number", "Zone in store", "Footwear", "jane@example.com"):
        assert words in page
    assert f'href="/service/customers/{shopper.pk}/"' in page
    assert f"/service/assist/?customer={shopper.shared_id}" in page
    assert 'hx-trigger="every 5s"' in page  # the table fetches itself again while the page is open


def test_the_table_alone_for_the_page_refreshing_itself(signed_in, csr, store, shopper):
    in_store(shopper, store)
    response = signed_in(csr).get(IN_STORE, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="list-table"')
    assert "<html" not in body
    assert "Jane Shopper" in body


def test_a_customer_who_left_is_gone_on_the_next_refresh(signed_in, csr, store, shopper, clock):
    in_store(shopper, store)
    client = signed_in(csr)
    assert b"Jane Shopper" in client.get(IN_STORE, headers={"HX-Request": "true"}).content
    clock.advance(dt.timedelta(minutes=store.presence_quiet_minutes + 1))
    body = client.get(IN_STORE, headers={"HX-Request": "true"}).content.decode()
    assert "Jane Shopper" not in body
    assert "No customers are in your stores right now." in body


def test_sortable_headers_and_pages(signed_in, csr, store):
    for n, last in enumerate(["Young", "Adams", "Miller"]):
        in_store(factories.shopper(store=store, first_name="Kim", last_name=last), store, minutes_ago=n + 1)
    CustomerList.objects.filter(slug="current-in-store-customers").update(page_size=2)
    client = signed_in(csr)
    page = client.get(IN_STORE, {"sort": "name", "dir": "asc"}).content.decode()
    assert page.index("Kim Adams") < page.index("Kim Miller")
    assert "Kim Young" not in page
    assert 'aria-sort="ascending"' in page
    assert "?sort=name&amp;dir=desc" in page
    assert "page 1 of 2" in page
    second = client.get(IN_STORE, {"sort": "name", "dir": "asc", "page": "2"}).content.decode()
    assert "Kim Young" in second
    assert "Kim Adams" not in second


def test_a_sort_the_list_does_not_offer_shows_its_usual_order_with_a_word(signed_in, csr, store, shopper):
    in_store(shopper, store)
    response = signed_in(csr).get(IN_STORE, {"sort": "password"})
    assert response.status_code == 400
    assert b"This list cannot be sorted that way." in response.content
    assert b"Jane Shopper" in response.content


def test_empty_lists_say_so_in_plain_words(signed_in, csr):
    client = signed_in(csr)
    assert b"No customers are in your stores right now." in client.get(IN_STORE).content
    assert b"No orders are waiting to be picked up in your stores." in client.get(PICKUP).content


def test_another_stores_in_store_customers_are_not_shown(signed_in, csr_other_store, store, shopper):
    in_store(shopper, store)
    assert b"Jane Shopper" not in signed_in(csr_other_store).get(IN_STORE).content


def test_an_unknown_or_hidden_list_is_not_found(signed_in, csr):
    CustomerList.objects.filter(slug="recent-assisted-sessions").update(is_active=False)
    client = signed_in(csr)
    assert client.get(reverse("service:lists_list", args=["recent-assisted-sessions"])).status_code == 404
    assert client.get(reverse("service:lists_list", args=["nope"])).status_code == 404


def test_shoppers_and_warehouse_staff_cannot_open_lists(signed_in, shopper, warehouse, client):
    assert signed_in(shopper.user).get(IN_STORE).status_code == 403
    client.logout()
    assert signed_in(warehouse).get(IN_STORE).status_code == 403


def test_the_list_page_statements_do_not_grow_with_rows(signed_in, csr, store, django_assert_max_num_queries):
    client = signed_in(csr)
    client.get(IN_STORE)  # the session, the person's access: read once
    for _ in range(3):
        in_store(factories.shopper(store=store), store)
    with django_assert_max_num_queries(12) as few:
        client.get(IN_STORE, headers={"HX-Request": "true"})
    for _ in range(22):
        in_store(factories.shopper(store=store), store)
    with django_assert_max_num_queries(12) as many:
        client.get(IN_STORE, headers={"HX-Request": "true"})
    assert len(few.captured_queries) == len(many.captured_queries)


# --- Pick-Up In-Store Customers -------------------------------------------------------------------
def test_pickup_list_flags_a_customer_in_store_at_the_top(signed_in, csr, store, shopper, other_shopper):
    pickup_order(other_shopper, store)
    mine = pickup_order(shopper, store)
    in_store(shopper, store, zone="Entrance")
    page = signed_in(csr).get(PICKUP).content.decode()
    assert page.index(mine.number) < page.index("Omar Other")
    assert "In store now" in page
    assert "Not ready" in page
    assert "Mark ready for pickup" in page


def test_mark_ready_then_picked_up(signed_in, csr, store, shopper):
    order = pickup_order(shopper, store)
    client = signed_in(csr)
    # when the CSR marks it ready, with the version the list showed
    done = client.post(_pickup_url(order, "ready"), {"version": order.version, "back": PICKUP}, follow=True)
    assert f"Order {order.number} is ready for pickup.".encode() in done.content
    assert b"Ready for pickup" in done.content
    assert b"Picked up" in done.content
    order.refresh_from_db()
    assert order.shipments.get().is_ready_for_pickup
    assert not order.lease_is_live()
    # and when the customer collects it
    done = client.post(_pickup_url(order, "picked-up"), {"version": order.version, "back": PICKUP}, follow=True)
    assert f"Order {order.number} has been picked up.".encode() in done.content
    order.refresh_from_db()
    assert (order.status, order.shipments.get().status) == (Order.Status.COMPLETED, Shipment.Status.SHIPPED)
    assert b"No orders are waiting to be picked up" in done.content
    # the shopper's order page says so
    assert b"Picked up" in signed_in(shopper.user).get(reverse("storefront:order_detail", args=[order.number])).content


def test_the_shoppers_order_page_says_ready_for_pickup(signed_in, csr, store, shopper):
    order = pickup_order(shopper, store)
    signed_in(csr).post(_pickup_url(order, "ready"), {"version": order.version})
    page = signed_in(shopper.user).get(reverse("storefront:order_detail", args=[order.number])).content.decode()
    assert "Ready for pickup" in page


def test_a_stale_version_is_refused_and_changes_nothing(signed_in, csr, store, shopper):
    order = pickup_order(shopper, store)
    events = Event.objects.count()
    Order.objects.filter(pk=order.pk).update(version=order.version + 1)  # changed since the list showed it
    done = signed_in(csr).post(_pickup_url(order, "ready"), {"version": order.version, "back": PICKUP}, follow=True)
    assert b"cannot be edited as another user has made changes" in done.content
    assert order.shipments.get().ready_for_pickup_at is None
    assert Event.objects.count() == events


def test_no_version_is_refused(signed_in, csr, store, shopper):
    order = pickup_order(shopper, store)
    done = signed_in(csr).post(_pickup_url(order, "ready"), {}, follow=True)
    assert b"Name the version of the order you loaded" in done.content
    assert order.shipments.get().ready_for_pickup_at is None


def test_an_order_someone_else_has_open_is_refused_naming_them(signed_in, csr, store, shopper):
    order = pickup_order(shopper, store)
    bob = factories.staff("CSR", stores=[store], first_name="Bob", last_name="Agent")
    locks.order_lock(ActingContext(user=bob), order_id=order.pk)
    done = signed_in(csr).post(_pickup_url(order, "ready"), {"version": order.version}, follow=True)
    assert b"Bob Agent is modifying order" in done.content
    assert order.shipments.get().ready_for_pickup_at is None


def test_picked_up_before_ready_is_refused(signed_in, csr, store, shopper):
    order = pickup_order(shopper, store)
    done = signed_in(csr).post(_pickup_url(order, "picked-up"), {"version": order.version}, follow=True)
    assert b"is not ready for pickup: mark it ready first" in done.content


def test_another_stores_csr_cannot_mark_ready(signed_in, csr_other_store, store, shopper):
    order = pickup_order(shopper, store)
    assert signed_in(csr_other_store).post(_pickup_url(order, "ready"), {"version": order.version}).status_code == 404
    assert order.shipments.get().ready_for_pickup_at is None


def test_pickup_actions_are_post_only(signed_in, csr, store, shopper):
    order = pickup_order(shopper, store)
    assert signed_in(csr).get(_pickup_url(order, "ready")).status_code == 405
