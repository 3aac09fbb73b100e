"""Signing in and out in a real browser (seed 000 steps 1, 2 and 8)."""

import re

import pytest
from playwright.sync_api import Page, expect

from concierge.testing.factories import PASSWORD
from e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def fill_sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email address").first.fill(email)
    page.get_by_label("Password", exact=True).first.fill(password)
    page.get_by_role("button", name="Sign In").click()


def test_a_csr_signs_in_lands_on_customer_service_and_signs_out(page: Page, csr):
    # given the storefront
    page.goto("/")
    # when the CSR uses the Sign In / Register tab and signs in
    page.get_by_role("link", name="Sign In / Register").click()
    fill_sign_in(page, csr.email, PASSWORD)
    # then they land on the Customer Service page, named in the header
    expect(page).to_have_url(re.compile(r"/service/$"))
    expect(page.get_by_role("heading", name="Customer Service", level=1)).to_be_visible()
    expect(page.locator(".account-menu summary")).to_contain_text("Ann Agent")
    screenshot(page, "csr-customer-service")
    # when they open their name and choose Sign Out
    page.locator(".account-menu summary").click()
    page.get_by_role("menuitem", name="Sign Out").click()
    # then they are signed out
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page.get_by_role("link", name="Sign In / Register")).to_be_visible()
    page.goto("/service/")
    expect(page).to_have_url(re.compile(r"/account/sign-in/\?next=/service/"))


def test_a_shopper_signs_in_and_lands_back_on_the_storefront(page: Page, shopper):
    page.goto("/")
    page.get_by_role("link", name="Sign In / Register").click()
    screenshot(page, "sign-in-page")
    fill_sign_in(page, shopper.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Welcome to Northwind Outfitters")).to_be_visible()
    expect(page.locator(".account-menu summary")).to_contain_text("Jane Shopper")
    screenshot(page, "shopper-home")


def test_a_wrong_password_shows_a_clear_error(page: Page, shopper):
    page.goto("/account/sign-in/")
    fill_sign_in(page, shopper.email, "not my password")
    expect(page.get_by_role("alert")).to_have_text("The email address or password you entered is incorrect.")
    expect(page.get_by_role("link", name="Sign In / Register")).to_be_visible()
    screenshot(page, "sign-in-wrong-password")


def test_a_new_shopper_registers_from_the_register_tab(page: Page, store):
    page.goto("/account/sign-in/")
    page.get_by_role("tab", name="Register").click()
    page.get_by_label("First name").fill("Rita")
    page.get_by_label("Last name").fill("Ramos")
    page.locator("#register").get_by_label("Email address").fill("rita@example.com")
    page.locator("#register").get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_label("Confirm password").fill("a long enough passphrase")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("Welcome, Rita. Your account has been created.")).to_be_visible()
    page.goto("/account/")
    expect(page.get_by_role("heading", name="My Account")).to_be_visible()
    screenshot(page, "my-account")


def test_a_seller_chooses_an_organization_and_sees_its_badge(page: Page, seller, store):
    from concierge.testing import factories

    factories.organization(store=store, name="Acme Hospitality Group", seller=seller, contract="CT-2026-0101")
    page.goto("/account/sign-in/")
    fill_sign_in(page, seller.email, PASSWORD)
    expect(page.get_by_role("heading", name="Customer Organizations")).to_be_visible()
    screenshot(page, "seller-organizations")
    page.get_by_role("button", name="Profile: buy for Acme Hospitality Group").click()
    page.get_by_role("button", name="Start buying for Acme Hospitality Group").click()
    expect(page.locator(".org-badge")).to_have_text("Acme Hospitality Group")
    screenshot(page, "seller-badge")
