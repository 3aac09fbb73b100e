"""Shopping on behalf of a customer in a browser: seed 000 from sign-in to ending the session, the
cart lock and its takeover, binding an anonymous cart (seed 002). Seed 001 is in test_takeover.py."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from concierge.audit.models import Event
from concierge.carts.models import Cart
from concierge.testing import factories
from concierge.testing.factories import PASSWORD
from e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(store):
    factories.product(store=store, name="Alpine Trail Runner", price="89.95", category="Footwear")
    factories.product(store=store, name="Summit Sun Hat", price="24.00", category="Apparel")
    factories.product(store=store, name="Ridge Rain Shell", price="129.00", category="Apparel")
    return store


def sign_in(page: Page, email: str) -> None:
    page.goto("/")
    page.get_by_role("link", name="Sign In / Register").click()
    page.get_by_label("Email address").first.fill(email)
    page.get_by_label("Password", exact=True).first.fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def add_product(page: Page, query: str, product: str, message: str = "Added to the customer's cart.") -> None:
    page.get_by_label("Search products").fill(query)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=product).click()
    page.get_by_role("button", name="Add to Cart").click()
    expect(page.get_by_text(message)).to_be_visible()


def find_and_access(page: Page, last_name: str, customer_name: str) -> None:
    page.get_by_label("Last name").fill(last_name)
    page.get_by_role("button", name="Find").click()
    row = page.get_by_role("row").filter(has_text=customer_name)
    row.get_by_text("Actions").click()
    row.get_by_role("button", name="Access customer's account").click()


def open_mini_cart(page: Page) -> None:
    page.locator(".mini-cart-menu summary").click()


def test_seed_000_shop_on_behalf_lock_takeover_and_both_ways_to_end(
    new_page: Callable[[], Page], shop, shopper, csr, store
):
    bob = factories.staff("CSR", stores=[store], email="bob@concierge.test", first_name="Bob", last_name="Agent")
    # The customer already has an item in their cart.
    customer_page = new_page()
    sign_in(customer_page, shopper.email)
    add_product(customer_page, "sun hat", "Summit Sun Hat", message="Added to your cart.")

    # 1-2. The CSR signs in with the Sign In / Register tab and lands on the Customer Service page.
    ann = new_page()
    sign_in(ann, csr.email)
    expect(ann.get_by_role("heading", name="Customer Service", level=1)).to_be_visible()
    # 3. Find customer: prefix, any case.
    ann.get_by_label("First name").fill("JA")
    ann.get_by_label("Last name").fill("shop")
    ann.get_by_role("button", name="Find").click()
    expect(ann.get_by_role("row").filter(has_text="Jane Shopper")).to_be_visible()
    screenshot(ann, "assist-find-customer")
    # 4-5. Actions → Access customer's account; the CSR is told it worked.
    row = ann.get_by_role("row").filter(has_text="Jane Shopper")
    row.get_by_text("Actions").click()
    row.get_by_label("Reason").select_option("Order help")
    row.get_by_label("Case reference").fill("T-1001")
    row.get_by_role("button", name="Access customer's account").click()
    expect(ann.get_by_text("You have successfully accessed the customer account")).to_be_visible()
    # 6. The Sign In/Register tab shows both names; 7. the customer's My Account page.
    expect(ann.get_by_role("heading", name="My Account")).to_be_visible()
    tab = ann.get_by_test_id("assist-tab")
    expect(tab).to_contain_text("Ann Agent")
    expect(tab).to_contain_text("Jane Shopper")
    expect(ann.get_by_role("region", name="Assisted session")).to_contain_text("Ann Agent is acting for Jane Shopper")
    screenshot(ann, "assist-my-account")

    # 7. The cart has items: the CSR must Lock it from the mini cart before adding more.
    add_product(ann, "rain shell", "Ridge Rain Shell", message="Lock it from the mini cart before changing it.")
    open_mini_cart(ann)
    expect(ann.locator(".mini-cart-panel")).to_contain_text("Not locked")
    screenshot(ann, "assist-mini-cart-lock")
    ann.get_by_role("menuitem", name="Lock").click()
    expect(ann.get_by_text("The customer's cart is locked for you.")).to_be_visible()
    add_product(ann, "rain shell", "Ridge Rain Shell")
    expect(ann.locator(".mini-cart-count")).to_have_text("2")

    # While locked, the customer's own changes are refused with a message naming the lock.
    customer_page.goto("/cart/")
    expect(customer_page.get_by_text("Your cart is locked by Ann Agent of customer service")).to_be_visible()
    customer_page.get_by_role("button", name="Remove").first.click()
    expect(customer_page.get_by_role("status").filter(has_text="locked by Ann Agent").first).to_be_visible()
    assert Cart.objects.get(customer=shopper).lines.count() == 2
    screenshot(customer_page, "assist-shopper-sees-lock")

    # A second CSR accesses the same customer and takes over the lock.
    bob_page = new_page()
    sign_in(bob_page, bob.email)
    find_and_access(bob_page, "Shopper", "Jane Shopper")
    open_mini_cart(bob_page)
    expect(bob_page.locator(".mini-cart-panel")).to_contain_text("Locked by Ann Agent")
    bob_page.get_by_role("menuitem", name="Take Over Lock").click()
    expect(bob_page.get_by_text("You took over the lock on the customer's cart.")).to_be_visible()
    add_product(bob_page, "trail", "Alpine Trail Runner")

    # Ann is told on her next action, and her write is refused.
    ann.goto("/")
    expect(ann.get_by_role("alert").filter(has_text="Bob Agent took over the lock")).to_be_visible()
    screenshot(ann, "assist-lock-taken-over")
    add_product(ann, "rain shell", "Ridge Rain Shell", message="This cart is locked by Bob Agent.")
    assert Cart.objects.get(customer=shopper).lines.count() == 3

    # 8a. Ann: her name → Sign in as Yourself → the Customer Service page, as herself.
    ann.get_by_test_id("assist-tab").click()
    ann.get_by_role("menuitem", name="Sign in as Yourself").click()
    expect(ann.get_by_role("heading", name="Customer Service", level=1)).to_be_visible()
    expect(ann.get_by_text("You are no longer acting for Jane Shopper")).to_be_visible()
    expect(ann.get_by_role("region", name="Assisted session")).to_have_count(0)

    # 8b. Bob: the Customer Service tab opens a dialog asking to confirm ending the session first;
    # Keep Assisting closes it and changes nothing, End Session POSTs the ending (bar 1).
    bob_page.get_by_role("link", name="Customer Service").click()
    dialog = bob_page.get_by_role("dialog", name="End the session?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Keep Assisting").click()
    expect(dialog).to_be_hidden()
    expect(bob_page.get_by_role("region", name="Assisted session")).to_be_visible()
    bob_page.get_by_role("link", name="Customer Service").click()
    expect(dialog).to_be_visible()
    screenshot(bob_page, "assist-end-confirm")
    dialog.get_by_role("button", name="End Session").click()
    expect(bob_page.get_by_role("heading", name="Customer Service", level=1)).to_be_visible()
    # Ending the session released Bob's lock: the customer can change the cart again.
    customer_page.goto("/cart/")
    expect(customer_page.get_by_text("Your cart is locked")).to_have_count(0)
    # And Sign Out from the name menu ends it too (Ann starts again, then signs out).
    find_and_access(ann, "Shopper", "Jane Shopper")
    ann.get_by_test_id("assist-tab").click()
    ann.get_by_role("menuitem", name="Sign Out").click()
    expect(ann.get_by_role("link", name="Sign In / Register")).to_be_visible()

    # Every write in the sessions names the agent and the customer.
    added = Event.objects.filter(
        action="cart.line_added", on_behalf_of_id=shopper.pk, assisted_session_id__isnull=False
    )
    assert {e.actor_label for e in added} == {"Ann Agent", "Bob Agent"}
    ended = Event.objects.filter(action="assist.session_ended").values_list("data__reason", flat=True)
    assert sorted(ended) == ["SIGNED_IN_AS_SELF", "SIGNED_IN_AS_SELF", "SIGNED_OUT"]


def test_seed_002_bind_an_anonymous_cart(new_page: Callable[[], Page], shop, shopper, csr):
    # A shopper who forgot to sign in adds items; their cart page shows a short code.
    anonymous = new_page()
    anonymous.goto("/")
    add_product(anonymous, "trail", "Alpine Trail Runner", message="Added to your cart.")
    anonymous.goto("/cart/")
    code = Cart.objects.get(customer__isnull=True, status="ACTIVE").code
    expect(anonymous.get_by_text(code)).to_be_visible()

    agent = new_page()
    sign_in(agent, csr.email)
    find_and_access(agent, "Shopper", "Jane Shopper")
    agent.get_by_label("Bind cart").fill(code.lower())
    agent.get_by_role("button", name="Bind").click()
    expect(agent.get_by_text("The cart was bound to Jane Shopper's account.")).to_be_visible()
    expect(agent.get_by_role("link", name="Alpine Trail Runner")).to_be_visible()
    screenshot(agent, "assist-bound-cart")

    # The customer signs in and sees the items in their cart.
    own = new_page()
    sign_in(own, shopper.email)
    own.goto("/cart/")
    expect(own.get_by_role("link", name="Alpine Trail Runner")).to_be_visible()
    assert Cart.objects.get(code=code).status == Cart.Status.MERGED
    assert [line.sku.product.name for line in Cart.objects.get(customer=shopper, status="ACTIVE").lines.all()] == [
        "Alpine Trail Runner"
    ]


def test_on_a_phone_the_actions_menu_of_a_customer_found_opens_within_the_screen(page: Page, shopper, csr):
    """At 390 px each customer found is a card with Actions at its left: the menu opens to the right
    of it, whole on screen, and the CSR can choose a reason and access the account from it."""
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, csr.email)
    page.goto("/service/")
    page.get_by_label("Last name").fill("Shopper")
    page.get_by_role("button", name="Find").click()
    row = page.get_by_role("row").filter(has_text="Jane Shopper")
    row.get_by_text("Actions").click()
    menu = row.locator(".actions-menu .menu")
    expect(menu).to_be_visible()
    box = menu.bounding_box()
    assert box is not None
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= 390, box
    screenshot(page, "find-customer-actions-390")
    row.get_by_role("button", name="Access customer's account").click()
    expect(page.get_by_text("You have successfully accessed the customer account")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/account/"))
