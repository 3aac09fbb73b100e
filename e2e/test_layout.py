"""Pages hold at 1280 px and 390 px wide, and a 500-character search term stretches nothing
(issue 10.13): the storefront while assisting, the Customer Service page and the order view."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from concierge.testing import factories
from e2e.conftest import screenshot
from e2e.test_assist import find_and_access, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
WIDTHS = {"desktop": 1280, "phone": 390}
LONG_TERM = "x" * 500


def assert_fits(page: Page, name: str) -> None:
    """No horizontal scrolling at each width; a screenshot of each for review (artifacts/)."""
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        # Two animation frames: the page has laid itself out at the new width (no sleep).
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        screenshot(page, f"layout-{name}-{label}")
        assert inner_width == width
        assert scroll_width <= inner_width, f"{name} at {width} px is {scroll_width} px wide"


def test_the_console_and_the_assisted_storefront_fit_at_1280_and_390_px(page: Page, store, shopper, csr, order):
    factories.product(store=store, name="Alpine Trail Runner", price="89.95", category="Footwear")
    # given: a CSR on the Customer Service page, after a 500-character customer search
    sign_in(page, csr.email)
    expect(page.get_by_role("heading", name="Find customer")).to_be_visible()
    page.get_by_label("Last name").fill(LONG_TERM)
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#find-customer .result-note")).to_be_visible()  # the search has answered
    assert_fits(page, "customer-service-long-search")
    page.get_by_label("Last name").fill("Shopper")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("row").filter(has_text="Jane Shopper")).to_be_visible()
    assert_fits(page, "customer-service")

    # the order view, and the order search after a 500-character order number
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/service/orders/{order.number}/")
    expect(page.get_by_role("heading", name=f"Order {order.number}")).to_be_visible()
    assert_fits(page, "order-view")
    page.goto(f"/service/orders/?last_name={LONG_TERM}")
    assert_fits(page, "order-search-long-term")

    # the storefront while assisting: the assist bar, the header and the account menu
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/service/")
    find_and_access(page, "Shopper", "Jane Shopper")
    expect(page.get_by_text("Jane Shopper").first).to_be_visible()
    assert_fits(page, "storefront-assisting")
    page.get_by_label("Search products").fill(LONG_TERM)
    page.get_by_role("button", name="Search").click()
    assert_fits(page, "storefront-assisting-long-search")
    page.set_viewport_size({"width": 390, "height": 900})
    menu = page.locator(".account-menu summary").last
    menu.click()
    box = page.locator(".account-menu .menu").last.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390, "the account menu is cut off at 390 px"
    screenshot(page, "layout-storefront-assisting-account-menu-phone")
