"""The customer's ledger in a browser, with two people: Ann helps Jane; Jane, on her own device,
sees the live session in My Account → Customer service, with what Ann changed, and ends it with End
access now; Ann's next step is refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import screenshot
from e2e.test_assist import add_product, find_and_access, open_mini_cart, shop, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["shop"]


def test_the_customer_sees_the_live_session_and_ends_access_now(new_page: Callable[[], Page], shop, shopper, csr):
    jane = new_page()
    sign_in(jane, shopper.email)
    jane.goto("/account/customer-service/")
    expect(jane.get_by_text("Customer service has not worked in your account.")).to_be_visible()

    ann = new_page()
    sign_in(ann, csr.email)
    find_and_access(ann, "shop", "Jane Shopper")
    expect(ann.get_by_role("heading", name="My Account")).to_be_visible()
    open_mini_cart(ann)
    ann.get_by_role("menuitem", name="Lock").click()
    add_product(ann, "rain shell", "Ridge Rain Shell")

    # Jane's page shows the live session by itself, within its refresh, with what changed.
    live = jane.get_by_role("region", name="Live now Ann from customer service")
    expect(live).to_be_visible(timeout=8000)
    expect(live).to_contain_text("Added Ridge Rain Shell to your cart", timeout=8000)
    screenshot(jane, "ledger-live-session")
    live.get_by_role("button", name="End access now").click()
    expect(jane.get_by_text("You ended Ann's access to your account.")).to_be_visible()
    expect(jane.get_by_role("region", name="Ann from customer service")).to_contain_text("You ended it")

    # Ann's next step in Jane's account finds the session over.
    ann.get_by_label("Search products").fill("sun hat")
    ann.get_by_role("button", name="Search").click()
    expect(ann.get_by_text("Jane Shopper ended your access to their account.")).to_be_visible()
    expect(ann.get_by_role("region", name="Assisted session")).to_have_count(0)
    screenshot(ann, "ledger-agent-after-end")


def test_the_agent_undoes_a_cart_line_from_what_changed(new_page: Callable[[], Page], shop, shopper, csr):
    ann = new_page()
    sign_in(ann, csr.email)
    find_and_access(ann, "shop", "Jane Shopper")
    open_mini_cart(ann)
    ann.get_by_role("menuitem", name="Lock").click()
    add_product(ann, "rain shell", "Ridge Rain Shell")
    expect(ann.locator(".mini-cart-count")).to_have_text("1")

    ann.get_by_role("region", name="Assisted session").get_by_role("link", name="What changed").click()
    cart = ann.get_by_role("region", name="Cart")
    expect(cart).to_contain_text("Item added to the cart: Ridge Rain Shell")
    expect(cart).to_contain_text("0 → 1")
    screenshot(ann, "changeset-before-undo")
    cart.get_by_role("button", name="Undo").click()
    expect(ann.get_by_text("Undone: the cart line is back as it was.")).to_be_visible()
    expect(ann.locator(".mini-cart-count")).to_have_text("0")
    expect(ann.get_by_role("region", name="Cart")).to_contain_text("Already undone.")
