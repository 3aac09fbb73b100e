"""Customer lists in a browser (seed 002 "Customer List"): a customer seen in the store appears in
Current In-Store Customers without a reload, with their zone; the CSR follows the row's deep link
into Access customer's account; after the store's quiet time the customer is gone (the clock is
moved, not slept). Pick-Up In-Store Customers shows a BOPIS order placed in the test, flagged while
its customer is in the store; the CSR marks it ready for pickup, then picked up."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from concierge.core import clock
from concierge.orders.models import Order
from concierge.orders.tests.pickup_support import pickup_order
from concierge.presence.models import InStore
from concierge.presence.tests.list_support import in_store
from e2e.conftest import screenshot
from e2e.test_assist import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def default_lists() -> None:
    """The lists the data migration adds (a transactional test's flush removes them)."""
    importlib.import_module("concierge.presence.migrations.0002_lists_defaults").add_defaults(apps, None)


@pytest.fixture
def frozen_clock() -> Iterator[None]:
    """The live server runs in this process: moving Concierge's clock moves it for the pages too."""
    with clock.frozen():
        yield


def _open_list(page: Page, name: str) -> None:
    page.goto("/service/")
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def test_a_customer_appears_is_accessed_and_leaves(page: Page, frozen_clock, csr, store, shopper):
    sign_in(page, csr.email)
    _open_list(page, "Current In-Store Customers")
    expect(page.get_by_text("No customers are in your stores right now.")).to_be_visible()
    # when a device sees Jane in Footwear (what the feed writes), the open page shows her by itself
    in_store(shopper, store, zone="Footwear")
    row = page.get_by_role("row").filter(has_text="Jane Shopper")
    expect(row).to_be_visible(timeout=12_000)
    expect(row.get_by_role("cell", name="Footwear")).to_be_visible()
    expect(row.get_by_text("jane@example.com")).to_be_visible()
    screenshot(page, "customer-lists-in-store-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "customer-lists-in-store-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    # the row's deep link asks before accessing the account, then opens it
    row.get_by_role("link", name="Access customer's account").click()
    expect(page.get_by_role("heading", name="Access customer's account?")).to_be_visible()
    screenshot(page, "customer-lists-deep-link-confirm")
    page.get_by_role("button", name="Access customer's account").click()
    expect(page.get_by_text("You have successfully accessed the customer account")).to_be_visible()
    expect(page.get_by_text("Jane Shopper").first).to_be_visible()
    # back to the console as herself, the CSR watches the list while the store's quiet time passes
    page.goto("/service/lists/current-in-store-customers/")
    page.get_by_role("button", name="End Session").click()
    expect(page.get_by_role("heading", level=1, name="Current In-Store Customers")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Jane Shopper")).to_be_visible()
    clock.advance(dt.timedelta(minutes=store.presence_quiet_minutes, seconds=1))
    expect(page.get_by_text("No customers are in your stores right now.")).to_be_visible(timeout=12_000)
    expect(page.get_by_role("row").filter(has_text="Jane Shopper")).to_have_count(0)
    assert InStore.objects.filter(customer=shopper).exists()  # the row stays; the quiet time decides
    screenshot(page, "customer-lists-in-store-empty")


def test_pickup_in_store_ready_and_picked_up(page: Page, csr, store, shopper, other_shopper):
    waiting = pickup_order(other_shopper, store)
    order = pickup_order(shopper, store)
    in_store(shopper, store, zone="Customer service desk")
    sign_in(page, csr.email)
    expect(page.get_by_role("heading", name="Customer lists")).to_be_visible()
    screenshot(page, "customer-lists-home")
    _open_list(page, "Pick-Up In-Store Customers")
    rows = page.locator("table.customer-list tbody tr")
    expect(rows).to_have_count(2)
    # Jane is in the store: her order comes first, flagged
    expect(rows.first).to_contain_text(order.number)
    expect(rows.first.get_by_text("In store now")).to_be_visible()
    expect(rows.nth(1)).to_contain_text(waiting.number)
    expect(rows.first.get_by_text("Not ready")).to_be_visible()
    screenshot(page, "customer-lists-pickup-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "customer-lists-pickup-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name=f"Mark ready for pickup: order {order.number}").click()
    expect(page.get_by_text(f"Order {order.number} is ready for pickup.")).to_be_visible()
    expect(rows.first.get_by_text("Ready for pickup")).to_be_visible()
    page.get_by_role("button", name=f"Picked up: order {order.number}").click()
    expect(page.get_by_text(f"Order {order.number} has been picked up.")).to_be_visible()
    expect(rows).to_have_count(1)
    screenshot(page, "customer-lists-pickup-done")
    assert Order.objects.get(pk=order.pk).status == Order.Status.COMPLETED
    # the order number links to the order page
    page.get_by_role("link", name=waiting.number).click()
    expect(page.get_by_text(waiting.number).first).to_be_visible()
