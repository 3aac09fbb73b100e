"""The shared cart in a browser, with two people: Jane has her cart page open while Ann, from
customer service, adds to it; Jane's page says so and shows the line within 2 s, without a reload,
and tells her when Ann lets go of the cart."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import screenshot
from e2e.test_assist import add_product, find_and_access, open_mini_cart, shop, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["shop"]


def test_the_shoppers_cart_page_follows_what_customer_service_does(new_page: Callable[[], Page], shop, shopper, csr):
    jane = new_page()
    sign_in(jane, shopper.email)
    add_product(jane, "sun hat", "Summit Sun Hat", message="Added to your cart.")
    jane.goto("/cart/")
    expect(jane.locator("#main")).to_contain_text("Summit Sun Hat")

    ann = new_page()
    sign_in(ann, csr.email)
    find_and_access(ann, "shop", "Jane Shopper")
    open_mini_cart(ann)
    ann.get_by_role("menuitem", name="Lock").click()
    add_product(ann, "rain shell", "Ridge Rain Shell")

    # Jane's page: the notice, the new line and the count, within 2 s and without a reload.
    notice = jane.locator("[data-shared-cart]")
    expect(notice).to_have_text("Ann from customer service added Ridge Rain Shell.", timeout=2000)
    expect(jane.locator("#main")).to_contain_text("Ridge Rain Shell", timeout=2000)
    expect(jane.locator(".mini-cart-count")).to_have_text("2", timeout=2000)
    screenshot(jane, "shared-cart-shopper")

    open_mini_cart(ann)
    ann.get_by_role("menuitem", name="Unlock").click()
    expect(notice).to_have_text(
        "Ann from customer service has finished with your cart: you can check out now.", timeout=2000
    )


def test_without_its_live_stream_the_cart_page_looks_again_every_2_s(new_page: Callable[[], Page], shop, shopper, csr):
    jane = new_page()
    # Jane's network drops every event stream (a proxy that buffers them, say): the page polls.
    jane.route("**/live/stream**", lambda route: route.abort())
    sign_in(jane, shopper.email)
    add_product(jane, "sun hat", "Summit Sun Hat", message="Added to your cart.")
    jane.goto("/cart/")
    expect(jane.locator("#main")).to_contain_text("Summit Sun Hat")

    ann = new_page()
    sign_in(ann, csr.email)
    find_and_access(ann, "shop", "Jane Shopper")
    open_mini_cart(ann)
    ann.get_by_role("menuitem", name="Lock").click()
    add_product(ann, "rain shell", "Ridge Rain Shell")

    # No event reaches Jane, but her page shows the line within one poll, without a reload.
    expect(jane.locator("#main")).to_contain_text("Ridge Rain Shell", timeout=4000)
    expect(jane.locator(".mini-cart-count")).to_have_text("2", timeout=4000)
