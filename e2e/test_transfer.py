"""Warm transfer in a browser: Ann offers Jane's session to Bob with a note; Bob accepts on his
Customer Service page and is in Jane's account holding the cart lock; Ann is out of the session."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from concierge.testing import factories
from e2e.conftest import screenshot
from e2e.test_assist import add_product, find_and_access, open_mini_cart, shop, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["shop"]


def test_a_warm_transfer_moves_the_session_and_its_lock(new_page: Callable[[], Page], shop, shopper, csr, store):
    factories.staff("CSR", stores=[store], email="bob@concierge.test", first_name="Bob", last_name="Agent")
    bob = new_page()
    sign_in(bob, "bob@concierge.test")
    ann = new_page()
    sign_in(ann, csr.email)
    find_and_access(ann, "shop", "Jane Shopper")
    open_mini_cart(ann)
    ann.get_by_role("menuitem", name="Lock").click()
    add_product(ann, "rain shell", "Ridge Rain Shell")

    ann.get_by_role("region", name="Assisted session").get_by_role("link", name="Transfer").click()
    ann.get_by_label("Colleague").select_option(label="Bob Agent")
    ann.get_by_label("Note for them").fill("Wants the shell by Friday")
    ann.get_by_role("button", name="Offer the session").click()
    expect(ann.get_by_role("heading", name="Offered to Bob Agent")).to_be_visible()

    bob.goto("/service/")
    offers = bob.get_by_role("region", name="Sessions offered to you")
    expect(offers).to_contain_text("Wants the shell by Friday")
    screenshot(bob, "transfer-offered")
    offers.get_by_role("button", name="Accept").click()
    expect(bob.get_by_text("You now have Jane Shopper's session with the cart lock.")).to_be_visible()
    expect(bob.get_by_role("region", name="Assisted session")).to_contain_text("Bob Agent is acting for Jane Shopper")
    add_product(bob, "sun hat", "Summit Sun Hat")  # he holds the lock: no "Lock it first"
    expect(bob.locator(".mini-cart-count")).to_have_text("2")

    ann.goto("/")
    expect(ann.get_by_role("region", name="Assisted session")).to_have_count(0)
