"""The console in words, in a browser (issue 10.11): after a CSR works on an order, the Customer
Service home and the order's Notes tab read as sentences — the order by its number, the customer by
name, amounts as money, times with their zone — at 1280 px and 390 px wide (screenshots in artifacts/)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from concierge.orders.tests.builders import placed_order
from e2e.test_assist import sign_in
from e2e.test_layout import assert_fits

pytestmark = pytest.mark.django_db(transaction=True)
RAW = re.compile(r"\b(order|shipment|payment|cart)\.[a-z_]+\b|\b\d+\.\d\d USD\b")


def test_the_home_and_the_order_timeline_read_as_words(page: Page, shopper, store, csr):
    order = placed_order(shopper, store)
    first = order.shipments.order_by("number")[0].number
    # given: Ann releases a shipment of Jane's order and adds a note
    sign_in(page, csr.email)
    page.goto(f"/service/orders/{order.number}/?tab=details")
    page.get_by_role("button", name="Edit").click()
    page.locator(f"#shipment-{first}").locator("..").get_by_role("button", name="Release Shipment").click()
    expect(page.get_by_text(f"Shipment {first} released.")).to_be_visible()
    page.get_by_role("link", name="Notes").click()
    page.get_by_role("textbox", name="Note").fill("Customer asked for the first shipment today.")
    page.get_by_role("button", name="Add Note").click()

    # then: the order's timeline in words, with the amounts as money
    events = page.get_by_role("table").filter(has_text="Created by")
    expect(events).to_contain_text("Shipment released to the warehouse")
    expect(events).to_contain_text(re.compile(r"Payment captured \$\d+\.\d\d"))
    expect(events).to_contain_text(re.compile(r"Order placed \$\d+\.\d\d"))
    assert not RAW.search(page.get_by_role("main").inner_text())
    assert_fits(page, "order-timeline")

    # and the Customer Service home lists it as people read it, with links
    page.get_by_role("link", name="Customer Service").first.click()
    activity = page.get_by_role("region", name="Your recent activity")
    expect(activity).to_contain_text(f"Shipment released to the warehouse · Order {order.number} for Jane Shopper")
    expect(activity).to_contain_text(f"Note added · Order {order.number} for Jane Shopper")
    activity_text = activity.inner_text()
    assert not RAW.search(activity_text), activity_text
    assert f"order {order.pk}" not in activity_text
    assert_fits(page, "customer-service-activity")
    activity.get_by_role("link", name=f"Order {order.number}").first.click()
    expect(page.get_by_role("heading", name=f"Order {order.number}")).to_be_visible()
    page.go_back()
    page.get_by_role("region", name="Your recent activity").get_by_role("link", name="Jane Shopper").first.click()
    expect(page.get_by_role("heading", name="Jane Shopper")).to_be_visible()
