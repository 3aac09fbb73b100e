"""Live presence in a real browser: a second CSR opening an order shows on the first one's page
within 2 s, without a reload, and disappears when they leave."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from concierge.orders.tests.builders import placed_order
from concierge.testing import factories
from e2e.conftest import console_sign_in as sign_in
from e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_second_csr_on_an_order_shows_within_two_seconds(new_page, store, shopper, csr):
    order = placed_order(shopper, store)
    factories.staff("CSR", stores=[store], email="bob@concierge.test", first_name="Bob", last_name="Agent")
    ann = new_page()
    sign_in(ann, "ann@concierge.test")
    ann.goto(f"/service/orders/{order.number}/")
    others = ann.locator("[data-live-others]")
    expect(others).to_be_hidden()

    bob = new_page()
    sign_in(bob, "bob@concierge.test")
    bob.goto(f"/service/orders/{order.number}/")
    # Bob is told Ann is looking at it; Ann sees Bob arrive.
    expect(bob.locator("[data-live-notice]")).to_contain_text("Ann Agent is looking at this order")
    expect(others).to_contain_text("Bob Agent — viewing since", timeout=2000)
    expect(ann.locator("[data-live-notice]")).to_be_hidden()  # Ann was there first: no warning for her
    screenshot(ann, "live-presence-order")

    bob.goto("/service/")  # Bob leaves the order: his page says so as it goes
    expect(others).to_be_hidden(timeout=2000)
