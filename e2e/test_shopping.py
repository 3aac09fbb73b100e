"""A shopper buys on the storefront from search to a placed order (issue: commerce core)."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from concierge.orders.models import Order
from concierge.stores.models import PickupLocation, ShippingMethod, TaxRate
from concierge.testing import factories
from concierge.testing.factories import PASSWORD
from e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(store):
    ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("5.95"))
    ShippingMethod.objects.create(store=store, code="express", name="Express", price=Decimal("14.95"), sort_order=1)
    PickupLocation.objects.create(store=store, name="Northwind Austin Downtown", line1="600 Congress Ave",
                                  city="Austin", region="TX", postal_code="78701", country="US")  # fmt: skip
    TaxRate.objects.create(store=store, country="US", region="TX", rate=Decimal("0.0825"))
    factories.product(store=store, name="Alpine Trail Runner", price="89.95", category="Footwear")
    factories.product(store=store, name="Summit Sun Hat", price="24.00", category="Apparel")
    return store


def add_from_search(page: Page, query: str, product: str) -> None:
    page.get_by_label("Search products").fill(query)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name=f"Results for “{query}”")).to_be_visible()
    page.get_by_role("link", name=product).click()
    page.get_by_role("button", name="Add to Cart").click()
    expect(page.get_by_text("Added to your cart.")).to_be_visible()


def fill_card(page: Page, number: str) -> None:
    page.get_by_label("A new card").check()
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry month").fill("12")
    page.get_by_label("Expiry year").fill("2030")
    page.get_by_label("Security code").fill("123")


def test_search_add_sign_in_merge_and_check_out_with_ship_and_pickup(page: Page, shop, shopper):
    # an anonymous shopper searches by keyword and adds two products
    page.goto("/")
    add_from_search(page, "trail", "Alpine Trail Runner")
    add_from_search(page, "sun hat", "Summit Sun Hat")
    expect(page.locator(".mini-cart-count")).to_have_text("2")
    screenshot(page, "shop-cart-anonymous")
    # signs in from the cart: the anonymous cart merges into theirs, and checkout opens
    page.get_by_role("link", name="Sign in to check out").click()
    page.get_by_label("Email address").first.fill(shopper.email)
    page.get_by_label("Password", exact=True).first.fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Checkout", level=1)).to_be_visible()
    expect(page.locator(".mini-cart-count")).to_have_text("2")
    page.wait_for_load_state()  # the summary is re-priced by htmx, which listens only once the page has loaded
    # the summary re-prices as choices change: the shoe by Express and the hat by Standard are two
    # shipments ($14.95 + $5.95); both by Standard to one address are one shipment again
    summary = page.locator("#order-summary")
    shipping = summary.locator("dd").nth(1)
    shoe_method = page.locator(".delivery-item", has_text="Alpine Trail Runner").get_by_label("Shipping method")
    expect(shipping).to_have_text("$5.95")
    shoe_method.select_option("express")
    expect(shipping).to_have_text("$20.90")
    shoe_method.select_option("standard")
    expect(shipping).to_have_text("$5.95")
    # the shoe is shipped, the hat picked up with an alternate contact who must be saved first
    hat = page.locator(".delivery-item", has_text="Summit Sun Hat")
    hat.get_by_label("Pick up in store").check()
    page.get_by_label("First name").nth(1).fill("Omar")
    page.locator("#alternate_last_name").fill("Other")
    page.locator("#alternate_email").fill("omar@example.com")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Alternate contact saved.")).to_be_visible()
    expect(page.locator(".delivery-item", has_text="Summit Sun Hat").get_by_label("Pick up in store")).to_be_checked()
    fill_card(page, "4242 4242 4242 4242")
    screenshot(page, "shop-checkout")
    page.get_by_role("button", name="Place Order").click()
    # the order is placed and shown with both shipments
    expect(page.get_by_text(re.compile(r"Thank you! Your order \w+ has been placed\."))).to_be_visible()
    expect(page.get_by_text("Pick up at Northwind Austin Downtown")).to_be_visible()
    expect(page.get_by_text("Alternate contact: Omar Other")).to_be_visible()
    screenshot(page, "shop-order-placed")
    order = Order.objects.get(customer=shopper)
    assert sorted(order.shipments.values_list("kind", flat=True)) == ["PICKUP", "SHIP"]
    # and it is listed in My Account
    page.get_by_role("navigation", name="My Account").get_by_role("link", name="Orders").click()
    expect(page.get_by_role("link", name=order.number)).to_be_visible()
    screenshot(page, "shop-my-orders")


def test_a_declined_card_shows_a_clear_error_and_places_no_order(page: Page, shop, shopper):
    page.goto("/account/sign-in/")
    page.get_by_label("Email address").first.fill(shopper.email)
    page.get_by_label("Password", exact=True).first.fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    add_from_search(page, "trail", "Alpine Trail Runner")
    page.get_by_role("link", name="Checkout").click()
    fill_card(page, "4000 0000 0000 0002")
    page.get_by_role("button", name="Place Order").click()
    expect(page.get_by_role("alert").filter(has_text="Your card was declined.").first).to_be_visible()
    screenshot(page, "shop-declined")
    assert not Order.objects.exists()
    page.goto("/account/orders/")
    expect(page.get_by_text("No orders yet.")).to_be_visible()
