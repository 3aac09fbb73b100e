"""Cart takeover with an offline order in a browser (seed 001, Kibo's flow end to end): the CSR
creates a draft order, fills the shopper's cart, hands it back; the shopper checks out and the same
order number is placed, found in order search and on the customer profile, created by the CSR.
And the anonymous shopper's variant, picked up by the cart code (seed 002)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from concierge.audit.models import Event
from concierge.orders.models import Order
from concierge.stores.models import ShippingMethod
from concierge.testing import factories
from concierge.testing.factories import PASSWORD
from e2e.conftest import screenshot
from e2e.test_assist import sign_in
from e2e.test_layout import assert_fits
from e2e.test_shopping import fill_card

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(store):
    ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("5.95"))
    factories.product(store=store, name="Alpine Trail Runner", price="89.95", category="Footwear")
    factories.product(store=store, name="Summit Sun Hat", price="24.00", category="Apparel")
    return store


WIDEST = "Math.max(...[...document.querySelectorAll('main *')].map(e => e.getBoundingClientRect().right))"


def both_widths(page: Page, name: str) -> None:
    """Screenshots at 1280 px and 390 px wide; nothing in the page's content is wider than the screen."""
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"{name}-390")
    assert page.evaluate(WIDEST) <= 390, f"{name} is wider than 390 px"
    page.set_viewport_size({"width": 1280, "height": 800})


def add_item(agent: Page, query: str, product: str, quantity: str) -> None:
    agent.get_by_label("Search items").fill(query)
    agent.get_by_role("button", name="Search").click()
    agent.get_by_role("link", name=product).click()
    agent.get_by_label("Quantity").fill(quantity)
    agent.get_by_role("button", name="Add to Cart").click()
    expect(agent.get_by_text("Added to the user's cart.")).to_be_visible()


def check_out(page: Page) -> str:
    page.get_by_role("link", name="Checkout").click()
    fill_card(page, "4242 4242 4242 4242")
    page.get_by_role("button", name="Place Order").click()
    placed = page.get_by_text(re.compile(r"Thank you! Your order \w+ has been placed\."))
    expect(placed).to_be_visible()
    return re.search(r"order (\w+) has", placed.inner_text()).group(1)


def test_kibo_flow_the_shopper_checks_out_the_order_the_csr_created(
    new_page: Callable[[], Page], shop, shopper, csr, store
):
    # The shopper goes to their cart and calls customer service for help.
    shopper_page = new_page()
    sign_in(shopper_page, shopper.email)
    shopper_page.goto("/cart/")

    agent = new_page()
    sign_in(agent, csr.email)
    # Main > Orders, then Create New Order; the customer from the search and drop-down.
    agent.get_by_role("link", name="Orders", exact=True).click()
    agent.get_by_role("link", name="Create New Order").click()
    agent.get_by_label("Search customers").fill("jane")
    agent.get_by_role("button", name="Search").click()
    choice = agent.get_by_role("combobox", name="Customer")
    expect(choice).to_contain_text("Jane Shopper")
    both_widths(agent, "takeover-new")
    agent.get_by_role("button", name="Create Order").click()
    heading = agent.get_by_role("heading", name=re.compile(r"^Order [A-Z]{2}\d{8}$"))
    expect(heading).to_be_visible()
    number = heading.inner_text().removeprefix("Order ")
    expect(agent.get_by_label("Order status")).to_have_text("Draft")
    # View User's Cart: the order is associated with the cart.
    agent.get_by_role("button", name="View User's Cart").click()
    expect(agent.get_by_text("There are currently no items in the new order.")).to_be_visible()
    # An empty item search says what to do.
    agent.get_by_role("button", name="Search").click()
    expect(agent.get_by_text("Enter a keyword or SKU to search for.")).to_be_visible()
    add_item(agent, "trail", "Alpine Trail Runner", "2")
    both_widths(agent, "takeover-cart")
    shopper_page.reload()
    expect(shopper_page.get_by_text("Your cart is locked by Ann Agent")).to_be_visible()
    # Add Items to Cart: the order pane lists the items.
    agent.get_by_role("button", name="Add Items to Cart").click()
    expect(agent.get_by_text("The items are in Jane Shopper's cart.")).to_be_visible()
    pane = agent.get_by_role("region", name="Order details")
    expect(pane.get_by_text("Alpine Trail Runner")).to_be_visible()
    expect(pane.get_by_role("cell", name="$179.90")).to_be_visible()
    both_widths(agent, "takeover-handed-back")

    # The shopper clicks Checkout and sees the order created by the CSR.
    shopper_page.reload()
    expect(shopper_page.get_by_text("Your cart is locked")).to_have_count(0)
    shopper_page.get_by_role("link", name="Checkout").click()
    expect(shopper_page.get_by_text(f"Order {number}, prepared for you by Ann Agent")).to_be_visible()
    both_widths(shopper_page, "takeover-checkout")
    shopper_page.go_back()
    assert check_out(shopper_page) == number

    # The same order is now placed: in the Order Details pane, in order search, on the profile.
    agent.reload()
    expect(agent.get_by_label("Order status")).to_have_text("Created")
    expect(pane.get_by_text("Ann Agent for Jane Shopper")).to_be_visible()
    agent.get_by_role("link", name="Orders", exact=True).click()
    agent.get_by_label("Order number").fill(number)
    agent.get_by_role("button", name="Search").click()
    row = agent.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("Created")
    expect(row).to_contain_text("created by Ann Agent")
    assert_fits(agent, "takeover-placed-in-search")  # the results table scrolls in its own box at 390 px
    agent.set_viewport_size({"width": 1280, "height": 800})
    row.get_by_role("link", name=number).click()
    expect(agent.get_by_text("created by Ann Agent for Jane Shopper")).to_be_visible()
    both_widths(agent, "takeover-placed-order-summary")
    agent.goto(f"/service/customers/{shopper.pk}/?tab=orders")
    expect(agent.get_by_role("row").filter(has_text=number)).to_contain_text("Created")
    order = Order.objects.get(number=number)
    assert (order.customer, order.placed_by, order.lines.get().quantity) == (shopper, csr, 2)
    added = Event.objects.get(action="cart.line_added")
    assert (added.actor_id, added.on_behalf_of_id) == (csr.pk, shopper.pk)


def test_an_anonymous_shopper_picks_up_the_cart_by_its_code(new_page: Callable[[], Page], shop, csr, store):
    agent = new_page()
    sign_in(agent, csr.email)
    agent.goto("/service/takeovers/new/")
    guest = agent.get_by_role("region", name="Anonymous shopper")
    guest.get_by_label("First name").fill("Gina")
    guest.get_by_label("Last name").fill("Guest")
    guest.get_by_label("Email").fill("gina@example.com")
    guest.get_by_role("button", name="Create Guest Order").click()
    number = agent.get_by_role("heading", name=re.compile(r"^Order [A-Z]{2}\d{8}$")).inner_text().removeprefix("Order ")
    # View User's Cart pulls up an empty cart.
    agent.get_by_role("button", name="View User's Cart").click()
    expect(agent.get_by_text("There are currently no items in the new order.")).to_be_visible()
    add_item(agent, "sun hat", "Summit Sun Hat", "1")
    agent.get_by_role("button", name="Add Items to Cart").click()
    code = agent.locator(".cart-code-value").inner_text()
    both_widths(agent, "takeover-guest-handed-back")

    # The shopper, on their cart page, enters the code customer service reads out, signs in (checkout
    # needs an account), and checks out the order prepared for them.
    factories.shopper(store=store, email="gina@example.com", first_name="Gina", last_name="Guest")
    shopper = new_page()
    shopper.goto("/cart/")
    both_widths(shopper, "takeover-cart-code")
    shopper.get_by_label("Cart code").fill(code)
    shopper.get_by_role("button", name="Pick Up Cart").click()
    shopper.get_by_label("Email address").first.fill("gina@example.com")
    shopper.get_by_label("Password", exact=True).first.fill(PASSWORD)
    shopper.get_by_role("button", name="Sign In").click()
    expect(shopper.get_by_role("heading", name=f"Order {number}")).to_be_visible()
    both_widths(shopper, "takeover-pickup")
    shopper.get_by_role("button", name="Put the items in my cart").click()
    expect(shopper.get_by_text(f"(order {number})")).to_be_visible()
    assert check_out(shopper) == number
    order = Order.objects.get(number=number)
    assert (order.status, order.customer.email, order.lines.get().product_name) == (
        Order.Status.CREATED, "gina@example.com", "Summit Sun Hat",
    )  # fmt: skip
