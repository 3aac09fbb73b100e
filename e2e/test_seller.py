"""A seller on the seller platform (seed 003): SELECT ORGANIZATION → search by ERP ID → Profile → the
red badge → buy on account in the organization's currency; create an organization and activate it;
suspend one, see the purchase refused, re-activate it and buy; change the preferred currency with a
cart open and see it re-priced."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from concierge.catalog.models import Price, PriceList
from concierge.core.context import ActingContext
from concierge.core.money import Money
from concierge.customers.models import Contract, Customer
from concierge.orders.models import Order
from concierge.payments.services import payment_source_open_account
from concierge.stores.models import ShippingMethod, ShippingRate
from concierge.testing import factories
from concierge.testing.factories import PASSWORD
from e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)
SUSPENDED = (
    "Kestrel Foods is suspended: you can browse and add to its cart, but purchases are blocked "
    "until it is re-activated."
)


def organization(store, seller, name: str, erp_id: str, *, country: str, currency: str = "", city: str,
                 contract: str = "") -> Customer:  # fmt: skip
    org = factories.organization(store=store, name=name, seller=seller, contract=contract)
    Customer.objects.filter(pk=org.pk).update(erp_id=erp_id, country=country, preferred_currency=currency,
                                              contact_name="Dana Lee", contact_email="dana@example.com")  # fmt: skip
    org.refresh_from_db()
    factories.address(org, is_default_billing=True, is_default_shipping=True, city=city, country=country)
    payment_source_open_account(ActingContext.system("tests"), customer=org,
                                credit_limit=Money(Decimal("5000"), org.currency))  # fmt: skip
    return org


@pytest.fixture
def book(store, seller):
    """Sally's organizations: one buying in euros, one in dollars, others to search past; a linen
    set priced in both currencies."""
    method = ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("10.00"))
    ShippingRate.objects.create(method=method, currency="EUR", price=Decimal("9.00"))
    sku = factories.product(store=store, name="Linen Set", price="100.00", category="Linens")
    euros = PriceList.objects.create(store=store, currency="EUR", name="Euro prices")
    Price.objects.create(price_list=euros, sku=sku, amount=Decimal("90.00"))
    adler = organization(store, seller, "Hotel Adler", "ADL-4410", country="DE", currency="EUR", city="Munich",
                         contract="CT-2026-0410")  # fmt: skip
    kestrel = organization(store, seller, "Kestrel Foods", "KF-2001", country="US", city="Austin")
    Contract.objects.create(organization=kestrel, number="CT-2026-0777")
    for n, (name, country, city) in enumerate([("Acme Hospitality Group", "US", "Denver"),
                                                ("Bistro Lumière", "FR", "Lyon"),
                                                ("Northern Inns", "CA", "Calgary")]):  # fmt: skip
        organization(store, seller, name, f"ORG-{n + 1:03d}", country=country, city=city)
    return {"adler": adler, "kestrel": kestrel, "sku": sku}


def sign_in(page: Page, email: str) -> None:
    page.goto("/account/sign-in/")
    page.get_by_label("Email address").first.fill(email)
    page.get_by_label("Password", exact=True).first.fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def at_both_widths(page: Page, name: str) -> None:
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"{name}-390")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name} scrolls sideways"
    page.set_viewport_size({"width": 1280, "height": 800})


def select_organization(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Select Organization").click()
    expect(page.get_by_role("heading", name="Customer Organizations", level=1)).to_be_visible()


def search(page: Page, term: str) -> None:
    page.get_by_label("Search organizations").fill(term)
    page.get_by_role("search", name="Organizations").get_by_role("button", name="Search").click()


def buy(page: Page, sku_name: str = "Linen Set") -> None:
    page.get_by_label("Search products").fill("linen")
    page.get_by_role("banner").get_by_role("button", name="Search").click()
    page.get_by_role("link", name=sku_name).click()
    page.get_by_role("button", name="Add to Cart").click()
    expect(page.get_by_text("Added to your cart.")).to_be_visible()


def place_order(page: Page) -> None:
    page.get_by_role("link", name="Checkout").click()
    page.get_by_role("button", name="Place Order").click()


def change_status(page: Page, label: str, reason: str) -> None:
    page.locator("#status").get_by_role("link", name=label, exact=True).click()
    page.get_by_label("Reason").fill(reason)
    page.locator("#status").get_by_role("button", name=re.compile(f"^{label} ")).click()


def test_a_seller_finds_an_organization_by_erp_id_and_buys_for_it_on_account(page: Page, seller, book):
    adler = book["adler"]
    # Sally signs in: she lands on Customer Organizations, reached from SELECT ORGANIZATION too
    sign_in(page, seller.email)
    expect(page.get_by_role("heading", name="Customer Organizations")).to_be_visible()
    page.goto("/")
    select_organization(page)
    expect(page.get_by_test_id("org-row")).to_have_count(5)
    at_both_widths(page, "seller-organizations")
    # she searches by the beginning of an ERP ID, then by the whole of it
    search(page, "adl-44")
    expect(page.get_by_test_id("org-row")).to_have_count(1)
    search(page, "ADL-4410")
    row = page.get_by_test_id("org-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Hotel Adler")
    expect(row).to_contain_text("Germany")
    expect(row).to_contain_text("Euro (EUR)")
    expect(row).to_contain_text("CT-2026-0410")
    at_both_widths(page, "seller-search-erp-id")
    search(page, "nothing-like-it")
    expect(page.get_by_text("No organizations match “nothing-like-it”.")).to_be_visible()
    # Profile: the catalog, with the organization's name in the red badge top right
    search(page, "ADL-4410")
    page.get_by_role("button", name="Profile: buy for Hotel Adler").click()
    # why: a reason from the list and a case reference, as a CSR's start asks
    page.get_by_label("Reason").select_option("Sales")
    page.get_by_label("Case reference").fill("4711")
    at_both_widths(page, "seller-organization-reason")
    page.get_by_role("button", name="Start buying for Hotel Adler").click()
    expect(page.get_by_text("You are now buying for Hotel Adler.")).to_be_visible()
    badge = page.locator(".org-badge")
    expect(badge).to_have_text("Hotel Adler")
    assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(211, 47, 47)"
    box = badge.bounding_box()
    assert box is not None
    assert box["x"] > 640
    at_both_widths(page, "seller-badge")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(badge).to_be_visible()
    expect(page.get_by_role("button", name="Stop buying for Hotel Adler")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 800})
    # its prices are in euros; she buys on account
    buy(page)
    expect(page.locator("main")).to_contain_text("€90.00")
    place_order(page)
    expect(page.get_by_text(re.compile(r"Thank you! Your order \w+ has been placed\."))).to_be_visible()
    order = Order.objects.get()
    assert (order.account_id, order.placed_by_id, order.currency, order.total) == (
        adler.pk, seller.pk, "EUR", Decimal("99.00"))  # fmt: skip
    # the Modern Organization View shows the order, the credit it used and the spend
    badge.click()
    expect(page.get_by_role("heading", name=re.compile("Hotel Adler"), level=1)).to_be_visible()
    expect(page.locator("#recent-orders")).to_contain_text(order.number)
    expect(page.locator("#credit")).to_contain_text("€4,901.00")
    expect(page.locator("#spend")).to_contain_text("€99.00")
    at_both_widths(page, "seller-organization-view")


def test_a_seller_creates_an_organization_and_activates_it(page: Page, seller, book):
    sign_in(page, seller.email)
    page.get_by_role("link", name="Create Organization").click()
    expect(page.get_by_role("heading", name="Create a Customer Organization")).to_be_visible()
    # a first try without a name shows the error at the field
    page.get_by_label("ERP ID").fill("hs-200")
    page.get_by_role("button", name="Create Organization").click()
    expect(page.get_by_text("Enter the organization's name.")).to_be_visible()
    page.get_by_label("Organization name").fill("Harbor Supply")
    page.get_by_label("Country").select_option(label="Canada")
    page.get_by_label("Preferred currency").select_option(label="Euro (EUR)")
    page.get_by_label("Primary contact", exact=True).fill("Mira Chen")
    page.get_by_label("Contact email").fill("mira@example.com")
    page.get_by_label("Address line 1").fill("1 Harbour Rd")
    page.get_by_label("City").fill("Vancouver")
    page.get_by_label("Postal code").fill("V6B 1A1")
    screenshot(page, "seller-create-organization-1280")
    page.get_by_role("button", name="Create Organization").click()
    expect(page.get_by_text("Harbor Supply was created. It is Pending until you activate it.")).to_be_visible()
    expect(page.get_by_test_id("org-status")).to_have_text("Pending")
    change_status(page, "Activate", "Contract signed")
    expect(page.get_by_text("Harbor Supply is activated.")).to_be_visible()
    expect(page.get_by_test_id("org-status")).to_have_text("Active")
    assert Customer.objects.get(organization_name="Harbor Supply").status == "ACTIVE"
    # Edit the Basic Details: the record locks for her, Save unlocks it
    page.get_by_role("button", name="Edit Basic Details").click()
    expect(page.get_by_test_id("lock-indicator")).to_contain_text("Locked by Sally Seller (you)")
    page.get_by_label("Contract numbers").fill("CT-HS-1\nCT-HS-2")
    at_both_widths(page, "seller-edit-basic-details")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Basic Details of Harbor Supply saved; the record is unlocked.")).to_be_visible()
    expect(page.locator("#basic-details")).to_contain_text("CT-HS-1, CT-HS-2")
    assert Customer.objects.get(organization_name="Harbor Supply").lease_holder_id is None


def test_a_suspended_organization_is_refused_a_purchase_until_re_activated(page: Page, seller, book):
    sign_in(page, seller.email)
    search(page, "KF-2001")
    page.get_by_role("link", name="Kestrel Foods").click()
    change_status(page, "Suspend", "Unpaid invoices")
    expect(page.get_by_text("Kestrel Foods is suspended.")).to_be_visible()
    at_both_widths(page, "seller-organization-suspended")
    # buying for it: browse and cart go on, Place Order is refused
    page.get_by_role("button", name="Profile: buy for Kestrel Foods").click()
    page.get_by_role("button", name="Start buying for Kestrel Foods").click()
    buy(page)
    place_order(page)
    expect(page.locator(".message-error", has_text=SUSPENDED)).to_be_visible()
    assert not Order.objects.exists()
    # re-activated, the purchase goes through
    page.locator(".org-badge").click()
    change_status(page, "Re-activate", "Paid")
    expect(page.get_by_text("Kestrel Foods is re-activated.")).to_be_visible()
    page.locator("#open-carts").get_by_role("link", name="Open the cart").click()
    place_order(page)
    expect(page.get_by_text(re.compile(r"Thank you! Your order \w+ has been placed\."))).to_be_visible()
    assert Order.objects.get().account_id == book["kestrel"].pk


def test_changing_the_preferred_currency_with_a_cart_open_re_prices_it(page: Page, seller, book):
    sign_in(page, seller.email)
    search(page, "KF-2001")
    page.get_by_role("button", name="Profile: buy for Kestrel Foods").click()
    page.get_by_role("button", name="Start buying for Kestrel Foods").click()
    buy(page)
    expect(page.locator("main")).to_contain_text("$100.00")
    page.locator(".org-badge").click()
    page.get_by_label("Change preferred currency").select_option(label="Euro (EUR)")
    page.locator(".org-currency-form").get_by_role("button", name="Save").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Kestrel Foods's cart has 1 item priced in USD. Change to EUR and re-price them?")
    at_both_widths(page, "seller-currency-confirm")
    dialog.get_by_role("button", name="Change currency").click()
    expect(page.get_by_text("Kestrel Foods now buys in Euro (EUR). Its cart was re-priced in EUR.")).to_be_visible()
    expect(page.get_by_test_id("org-currency")).to_have_text("Euro (EUR)")
    page.get_by_role("link", name=re.compile("^Cart")).click()
    expect(page.locator("main")).to_contain_text("€90.00")
