"""An associate buys for the account (seed 004 "Managing Associates"), then customer service
suspends the account with its Customer Status and the purchase is refused with account.suspended
("Disabling or Suspending an Account record")."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from concierge.catalog.models import Price, PriceList
from concierge.core.context import ActingContext
from concierge.core.money import Money
from concierge.customers.models import AccountAssociate, Customer
from concierge.orders.models import Order
from concierge.payments.services import payment_source_open_account
from concierge.stores.models import ShippingMethod
from concierge.testing import factories
from concierge.testing.factories import PASSWORD
from e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)
SUSPENDED = (
    "Acme Outfitters is suspended: you can browse and add to its cart, but purchases are blocked "
    "until it is re-activated."
)


@pytest.fixture
def acme(store, shopper):
    ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("10.00"))
    account = factories.organization(store=store, name="Acme Outfitters")
    factories.address(account, is_default_billing=True, is_default_shipping=True)
    payment_source_open_account(ActingContext.system("tests"), customer=account,
                                credit_limit=Money(Decimal("5000"), "USD"))  # fmt: skip
    west = Customer.objects.create(shared_id="A-WEST-1", kind=Customer.Kind.ACCOUNT, store=store,
                                   organization_name="Acme — West region", parent=account)  # fmt: skip
    AccountAssociate.objects.create(account=account, user=shopper.user, role=AccountAssociate.Role.BUYER)
    AccountAssociate.objects.create(account=west, user=shopper.user, role=AccountAssociate.Role.CATALOG_BROWSER)
    sku = factories.product(store=store, name="Summit Boot", price="100.00", category="Footwear")
    own = PriceList.objects.create(name="Acme contract", store=store, currency="USD", account=account)
    Price.objects.create(price_list=own, sku=sku, amount=Decimal("80.00"))
    return account


def sign_in(page: Page, email: str) -> None:
    page.goto("/account/sign-in/")
    page.get_by_label("Email address").first.fill(email)
    page.get_by_label("Password", exact=True).first.fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def choose(page: Page, whom: str) -> None:
    page.locator("[data-testid=account-switcher] summary").click()
    page.get_by_role("menuitemradio", name=re.compile(whom)).click()


def at_both_widths(page: Page, name: str) -> None:
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"{name}-390")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 800})


def test_an_associate_buys_for_the_account_then_its_suspension_refuses_the_purchase(
    page: Page, new_page, acme, shopper, csr
):
    # Jane signs in and buys for herself at first; the header offers her accounts
    sign_in(page, shopper.email)
    switcher = page.locator("[data-testid=account-switcher]")
    expect(switcher.locator("summary")).to_contain_text("Buying for: Myself")
    switcher.locator("summary").click()
    expect(page.get_by_role("menuitemradio", name=re.compile("Acme — West region"))).to_contain_text("Catalog browser")
    at_both_widths(page, "associate-switcher-open")
    page.keyboard.press("Escape")
    # she switches to Acme Outfitters: the header shows it, the catalog its prices
    page.goto("/")
    choose(page, "Acme Outfitters")
    expect(page.get_by_text("You are now buying for Acme Outfitters.")).to_be_visible()
    expect(switcher.locator(".switcher-current")).to_have_text("Acme Outfitters")
    page.get_by_label("Search products").fill("summit")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Summit Boot").click()
    expect(page.locator("main")).to_contain_text("$80.00")
    at_both_widths(page, "associate-account-prices")
    # she buys: the order is the account's, placed by her
    page.get_by_role("button", name="Add to Cart").click()
    page.get_by_role("link", name="Checkout").click()
    page.get_by_role("button", name="Place Order").click()
    expect(page.get_by_text(re.compile(r"Thank you! Your order \w+ has been placed\."))).to_be_visible()
    expect(page.get_by_text("Jane Shopper for Acme Outfitters")).to_be_visible()
    order = Order.objects.get()
    assert (order.customer_id, order.account_id, order.placed_by_id) == (acme.pk, acme.pk, shopper.user_id)
    page.get_by_role("navigation", name="My Account").get_by_role("link", name="Orders").click()
    expect(page.get_by_role("link", name=order.number)).to_be_visible()
    at_both_widths(page, "associate-account-orders")
    # customer service suspends the account: Edit, Customer Status Suspended, Save
    ann = new_page()
    sign_in(ann, csr.email)
    ann.goto(f"/service/customers/{acme.pk}/")
    ann.get_by_role("button", name="Edit").click()
    ann.get_by_role("radio", name=re.compile("^Suspended")).check()
    ann.get_by_role("toolbar", name="Record").get_by_role("button", name="Save").click()
    expect(ann.get_by_role("heading", level=1)).to_contain_text("Suspended")
    at_both_widths(ann, "associate-account-suspended-by-csr")
    assert Customer.objects.get(pk=acme.pk).status == Customer.Status.SUSPENDED
    # browsing and the cart go on, every page says so, Place Order is refused
    page.goto("/")
    expect(page.get_by_text(SUSPENDED)).to_be_visible()
    page.get_by_label("Search products").fill("summit")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Summit Boot").click()
    page.get_by_role("button", name="Add to Cart").click()
    expect(page.get_by_text("Added to your cart.")).to_be_visible()
    page.get_by_role("link", name="Checkout").click()
    page.get_by_role("button", name="Place Order").click()
    expect(page.locator(".message-error", has_text=SUSPENDED)).to_be_visible()
    at_both_widths(page, "associate-suspended-refused")
    assert Order.objects.count() == 1
    # back to herself: the store's prices again
    choose(page, "Myself")
    expect(page.get_by_text("You are buying for yourself.")).to_be_visible()
    expect(page.get_by_text(SUSPENDED)).to_have_count(0)


def test_an_account_administrator_adds_and_removes_an_associate(page: Page, acme, shopper, other_shopper):
    AccountAssociate.objects.filter(account=acme, user=shopper.user).update(role=AccountAssociate.Role.ADMIN)
    sign_in(page, shopper.email)
    choose(page, "Acme Outfitters")
    page.locator("[data-testid=account-switcher] summary").click()
    page.get_by_role("menuitem", name="Associates").click()
    expect(page.get_by_role("heading", name="Associates of Acme Outfitters")).to_be_visible()
    # Add Associate: User Email, Role, Save
    page.get_by_label("User Email").fill(other_shopper.email)
    page.get_by_label("Role").select_option(label="Catalog browser")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Omar Other is now an associate (Catalog browser).")).to_be_visible()
    at_both_widths(page, "associate-admin-added")
    # on a phone each associate is a block across the whole card, its separator too
    page.set_viewport_size({"width": 390, "height": 844})
    table = page.locator(".associates-table").bounding_box()
    rows = [row.bounding_box() for row in page.locator(".associates-table tbody tr").all()]
    assert table
    assert len(rows) == 2
    assert all(row and row["width"] >= table["width"] - 4 for row in rows), (table, rows)  # inside its border
    page.set_viewport_size({"width": 1280, "height": 800})
    # Remove Associate, then OK in the Remove Associate dialog
    page.get_by_role("link", name="Remove Associate Omar Other").click()
    dialog = page.get_by_role("alertdialog", name="Remove Associate")
    expect(dialog).to_contain_text("This will not delete the user")
    at_both_widths(page, "associate-admin-remove-dialog")
    dialog.get_by_role("button", name="OK").click()
    expect(page.get_by_text("The associate was removed.")).to_be_visible()
    assert not AccountAssociate.objects.filter(user=other_shopper.user).exists()
