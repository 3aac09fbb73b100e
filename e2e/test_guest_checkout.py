"""An anonymous shopper checks out as a guest, later registers with the same email address and
attaches the guest order by the emailed link (issue 13, customer kinds)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from concierge.orders.models import Order
from concierge.stores.models import ShippingMethod
from concierge.testing import factories
from concierge.testing.factories import PASSWORD
from e2e.conftest import screenshot
from e2e.test_shopping import fill_card

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def jacket(store):
    ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("5.95"))
    return factories.product(store=store, name="Harbor Rain Jacket", price="120.00", category="Apparel")


def both_widths(page: Page, name: str) -> None:
    """A picture at 1280 px and at 390 px (a phone), and nothing wider than the window at 390."""
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"{name}-390")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 800})


def emailed_path(index: int) -> str:
    found = re.search(r"https?://[^/\s]+(/\S+)", str(mail.outbox[index].body))
    assert found, mail.outbox[index].body
    return found.group(1)


def test_check_out_as_guest_then_register_and_attach_the_order(page: Page, jacket):
    # an anonymous shopper adds the jacket to the cart
    page.goto(f"/p/{jacket.product.slug}/")
    page.get_by_role("button", name="Add to Cart").click()
    expect(page.get_by_text("Added to your cart.")).to_be_visible()
    expect(page.get_by_role("link", name="Check out as guest")).to_be_visible()
    both_widths(page, "guest-cart")
    # checks out as guest: name, email address and address
    page.get_by_role("link", name="Check out as guest").click()
    expect(page.get_by_role("heading", name="Check out as guest")).to_be_visible()
    page.get_by_role("button", name="Continue to Checkout").click()
    expect(page.get_by_text("Enter your first name.")).to_be_visible()  # nothing given: field errors
    page.get_by_label("First name").fill("Gus")
    page.get_by_label("Last name").fill("Guest")
    page.get_by_label("Email address").fill("gus.guest@example.com")
    page.get_by_label("Street address").fill("12 Harbor Rd")
    page.get_by_label("City").fill("Portland")
    page.get_by_label("State / region").fill("ME")
    page.get_by_label("Postal code").fill("04101")
    both_widths(page, "guest-form")
    page.get_by_role("button", name="Continue to Checkout").click()
    # the same checkout page, as the guest: shipping, a card, Place Order
    expect(page.get_by_role("heading", name="Checkout", level=1)).to_be_visible()
    expect(page.get_by_text("Checking out as a guest: Gus Guest (gus.guest@example.com)")).to_be_visible()
    fill_card(page, "4242 4242 4242 4242")
    both_widths(page, "guest-checkout")
    page.get_by_role("button", name="Place Order").click()
    order = Order.objects.get()
    expect(page.get_by_role("heading", name=f"Order {order.number}")).to_be_visible()
    expect(page.get_by_text(f"Thank you! Your order {order.number} has been placed.")).to_be_visible()
    expect(page.get_by_text("Harbor Rain Jacket")).to_be_visible()
    both_widths(page, "guest-confirmation")
    # the email holds a link that shows the order
    assert mail.outbox[0].to == ["gus.guest@example.com"]
    page.goto(emailed_path(0))
    expect(page.get_by_role("heading", name=f"Order {order.number}")).to_be_visible()
    # later they register with the same email address
    page.goto("/account/sign-in/")
    page.get_by_role("tab", name="Register").click()
    register = page.locator("#register")
    register.get_by_label("First name").fill("Gus")
    register.get_by_label("Last name").fill("Guest")
    register.get_by_label("Email address").fill("gus.guest@example.com")
    register.get_by_label("Password", exact=True).fill(PASSWORD)
    register.get_by_label("Confirm password").fill(PASSWORD)
    register.get_by_role("button", name="Register").click()
    # My Account offers to attach the guest order; asking sends a link
    page.goto("/account/")
    expect(page.get_by_role("heading", name="Orders placed as a guest")).to_be_visible()
    both_widths(page, "guest-attach-offer")
    page.get_by_role("link", name="Attach my guest orders").click()
    page.get_by_role("button", name="Attach my guest orders").click()
    expect(page.get_by_text("We have emailed a link to gus.guest@example.com")).to_be_visible()
    # following the emailed link, signed in, attaches it: the order is in My Account's orders
    page.goto(emailed_path(-1))
    expect(page.get_by_label("Also add the addresses I used as a guest to my address book")).to_be_checked()
    both_widths(page, "guest-attach-confirm")
    page.get_by_role("button", name="Attach", exact=True).click()
    expect(page.get_by_text(f"1 guest order attached to your account: {order.number}.")).to_be_visible()
    expect(page.get_by_role("link", name=order.number)).to_be_visible()
    both_widths(page, "guest-attached-orders")
    order.refresh_from_db()
    assert order.customer.user is not None
    assert order.customer.user.email == "gus.guest@example.com"
