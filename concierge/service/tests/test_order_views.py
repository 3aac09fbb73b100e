"""The order console pages: search, the order view, editing under the lock."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from concierge.orders.models import Order
from concierge.stores.models import Store
from concierge.testing import factories
from concierge.testing.clients import browser as other_browser

pytestmark = pytest.mark.django_db
SEARCH = reverse("service:orders")
TABS = ["summary", "details", "payments", "returns", "notes", "holds"]
WRITES = ("INSERT", "UPDATE", "DELETE")


def page(order: Order, tab: str = "summary") -> str:
    return reverse("service:order", args=[order.number]) + f"?tab={tab}"


def action(order: Order, name: str) -> str:
    return reverse(f"service:{name}", args=[order.number])


def test_search_lists_the_order_and_every_header_sorts_both_ways(signed_in, csr, order):
    client = signed_in(csr)
    body = client.get(SEARCH).content.decode()
    assert order.number in body
    for sort in ["number", "store", "customer", "placed", "total", "status"]:
        for direction in ["asc", "desc"]:
            response = client.get(SEARCH, {"sort": sort, "dir": direction, "last_name": "shop"})
            assert response.status_code == 200
            assert order.number in response.content.decode()
    assert 'aria-sort="descending"' in response.content.decode()


@override_settings(TIME_ZONE="America/Chicago")
def test_each_result_row_shows_the_order_as_the_seed_lists_it(signed_in, csr, supervisor, order):
    Store.objects.filter(pk=order.store_id).update(time_zone="America/Chicago")
    Order.objects.filter(pk=order.pk).update(
        from_draft=True, placed_by=supervisor, billing_last_name="O'Brien <&>", total=Decimal("1641.93"),
        placed_at=dt.datetime(2026, 11, 1, 17, 30, tzinfo=dt.UTC),
    )  # fmt: skip
    order.refresh_from_db()
    client = signed_in(csr)
    client.post(action(order, "order_edit"), {"version": order.version})  # opened for editing: the padlock shows
    body = client.get(SEARCH, {"number": order.number}).content.decode()
    row = re.search(r"<tr><td><a href=\"([^\"]+)\">([^<]+)</a>.*?</tr>", body, re.S)
    assert row is not None
    assert (row[1], row[2]) == (f"/service/orders/{order.number}/", order.number)
    cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row[0], re.S)]
    assert cells[1:6] == [
        order.store.name,
        f"O'Brien <&>, {order.billing_first_name} created by {supervisor.display_name}",
        "Nov 1, 2026, 11:30 AM CST",  # the store's time, after the clocks went back that morning
        "$1,641.93",
        "Created",
    ]
    assert "O&#x27;Brien &lt;&amp;&gt;, " in row[0]  # escaped, as every value of the row
    assert '<time datetime="2026-11-01T11:30:00-06:00">' in row[0]  # as the date filter's "c" gives it
    assert 'aria-label="Locked"' in row[0]


def test_get_never_changes_a_row(signed_in, csr, order, django_db_blocker):
    client = signed_in(csr)
    client.post(action(order, "order_edit"), {"version": order.version})  # Ann holds the lock
    with CaptureQueriesContext(connection) as queries:
        for tab in TABS:
            assert client.get(page(order, tab)).status_code == 200
        assert client.get(SEARCH, {"last_name": "shop"}).status_code == 200
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]
    # Only the session row may be written by the session machinery, never a domain row.
    assert [w for w in writes if "django_session" not in w] == []


def test_actions_refuse_get(signed_in, csr, order):
    client = signed_in(csr)
    for name in ["order_edit", "order_close", "order_unlock", "order_billing", "order_cancel", "order_note"]:
        assert client.get(action(order, name)).status_code == 405


def test_another_stores_csr_gets_404_for_the_order_and_its_actions(signed_in, csr_other_store, order):
    client = signed_in(csr_other_store)
    assert client.get(page(order)).status_code == 404
    assert client.post(action(order, "order_edit"), {"version": order.version}).status_code == 404
    assert client.post(action(order, "order_note"), {"text": "hi"}).status_code == 404
    body = client.get(SEARCH, {"number": order.number}).content.decode()
    assert "No orders match." in body
    assert f'href="/service/orders/{order.number}/"' not in body
    assert not Order.objects.get(pk=order.pk).lease_is_live()


@pytest.mark.parametrize("typed", ["G00\x0001", "G0000\x1f1", "G" + "0" * 30])
def test_an_order_number_no_order_can_have_is_not_found(signed_in, csr, order, typed):
    """A NUL byte in the address reached PostgreSQL, which refused it: a 500, not "not found"."""
    client = signed_in(csr)
    for response in (client.get(reverse("service:order", args=[typed])),
                     client.post(reverse("service:order_edit", args=[typed]), {"version": order.version})):  # fmt: skip
        assert response.status_code == 404
        body = response.content.decode()
        assert "Error 404" in body  # the styled page, with its way back
        assert "error-title" in body


def test_shoppers_are_refused_the_console(signed_in, shopper, order):
    assert signed_in(shopper.user).get(page(order)).status_code == 403


def test_edit_locks_and_shows_the_billing_form_then_save_unlocks(signed_in, csr, order):
    client = signed_in(csr)
    response = client.post(action(order, "order_edit"), {"version": order.version, "tab": "summary"})
    assert response.status_code == 302
    body = client.get(page(order)).content.decode()
    assert "Locked by <strong>Ann Agent</strong> (you)" in body
    assert 'aria-label="Billing address"' in body
    fields = {"version": order.version, "first_name": "Jane", "last_name": "Shopper", "line1": "9 Elm St",
              "city": "Dallas", "region": "TX", "postal_code": "75201", "country": "US"}  # fmt: skip
    response = client.post(action(order, "order_billing"), fields, follow=True)
    body = response.content.decode()
    assert f"Order {order.number} saved; it is unlocked." in body
    assert 'aria-label="Unlocked"' in body
    assert Order.objects.get(pk=order.pk).billing_city == "Dallas"


def test_invalid_billing_input_shows_field_errors_and_keeps_the_lock(signed_in, csr, order):
    client = signed_in(csr)
    client.post(action(order, "order_edit"), {"version": order.version})
    response = client.post(action(order, "order_billing"), {"version": order.version, "first_name": "Jane",
                                                            "country": "USA"})  # fmt: skip
    assert response.status_code == 422
    body = response.content.decode()
    assert "This field is required." in body
    assert "A two-letter country code" in body
    assert Order.objects.get(pk=order.pk).lease_holder_id == csr.pk


def test_a_second_csr_is_read_only_and_edit_shows_the_locked_dialog(signed_in, csr, store, order):
    bob = factories.staff("CSR", stores=[store], first_name="Bob", last_name="Agent")
    signed_in(csr).post(action(order, "order_edit"), {"version": order.version})
    bob_client = other_browser(bob)
    body = bob_client.get(page(order)).content.decode()
    assert "Ann Agent is modifying this order. You can only view it in read-only mode." in body
    assert "Unlock Order" not in body
    response = bob_client.post(action(order, "order_edit"), {"version": order.version})
    assert response.status_code == 409
    assert 'role="alertdialog"' in response.content.decode()


def test_supervisor_sees_unlock_order_and_must_give_a_reason(signed_in, csr, supervisor, order):
    signed_in(csr).post(action(order, "order_edit"), {"version": order.version})
    sam = other_browser(supervisor)
    assert "Unlock Order" in sam.get(page(order)).content.decode()
    assert sam.post(action(order, "order_unlock"), {"reason": ""}).status_code == 422
    assert Order.objects.get(pk=order.pk).lease_is_live()
    response = sam.post(action(order, "order_unlock"), {"reason": "Ann left for the day"}, follow=True)
    assert f"Order {order.number} unlocked." in response.content.decode()
    assert not Order.objects.get(pk=order.pk).lease_is_live()


def test_close_abandons_and_unlocks(signed_in, csr, order):
    client = signed_in(csr)
    client.post(action(order, "order_edit"), {"version": order.version})
    client.post(action(order, "order_close"))
    assert not Order.objects.get(pk=order.pk).lease_is_live()


def test_a_note_joins_the_timeline(signed_in, csr, order):
    client = signed_in(csr)
    client.post(action(order, "order_note"), {"text": "Customer asked to hold delivery until Monday."})
    body = client.get(page(order, "notes")).content.decode()
    assert "Customer asked to hold delivery until Monday." in body
    assert "Order placed" in body
