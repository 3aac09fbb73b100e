"""The user record editor in a real browser (seed 004 "Editing a User record"): Ann finds Jane,
edits her profile's locale and sees the price preview change, saves; adds a segment and removes it
(PUBLIC cannot be); disables Jane, who then cannot sign in; resets her password, and Jane follows the
emailed link, sets a new password and signs in with it."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from concierge.customers.models import Customer, Segment
from concierge.testing.factories import PASSWORD
from e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)
NEW_PASSWORD = "a brand new passphrase 42"


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/account/sign-in/")
    page.get_by_label("Email address").first.fill(email)
    page.get_by_label("Password", exact=True).first.fill(password)
    page.get_by_role("button", name="Sign In").click()


def both_widths(page: Page, name: str) -> None:
    """Screenshots at 1280 and 390 px; nothing may be wider than the phone's screen."""
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name} is wider than 390 px"
    screenshot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 800})


@pytest.fixture
def segments(db) -> None:
    Segment.objects.create(code="vip", name="VIP", description="Customers customer service looks after first.")
    Segment.objects.create(code="newsletter", name="Newsletter", description="Reads the monthly newsletter.")


def test_edit_a_user_record_segments_disable_and_reset_the_password(new_page, store, shopper, csr, segments):
    ann, jane = new_page(), new_page()
    sign_in(ann, csr.email)
    expect(ann.get_by_role("heading", name="Customer Service", level=1)).to_be_visible()

    # given Ann finds Jane and opens her record
    ann.get_by_label("Last name").fill("Shopper")
    ann.get_by_role("button", name="Find").click()
    ann.get_by_role("link", name="Jane Shopper").click()
    expect(ann.get_by_role("heading", name="Registration Information")).to_be_visible()
    expect(ann.get_by_test_id("price-preview")).to_have_text("$14.25")
    both_widths(ann, "record-profile")

    # when she edits, the preferred locale's price preview follows the choice before any save
    ann.get_by_role("button", name="Edit").click()
    expect(ann.get_by_test_id("lock-indicator")).to_contain_text("Locked by Ann Agent (you)")
    ann.wait_for_load_state()  # the preview is asked for by htmx, which listens only once the page has loaded
    ann.get_by_label("Preferred Locale and Language").select_option(label="French (France)")
    expect(ann.get_by_test_id("price-preview")).to_have_text("14,25\u00a0$US")
    ann.get_by_label("Preferred Locale and Language").select_option(label="German (Germany)")
    expect(ann.get_by_test_id("price-preview")).to_have_text("14,25\u00a0$")
    ann.get_by_label("Telephone #").fill("+1 512 555 0100")
    both_widths(ann, "record-profile-editing")
    ann.get_by_role("toolbar", name="Record").get_by_role("button", name="Save").click()
    expect(ann.get_by_text("Jane Shopper saved; the record is unlocked.")).to_be_visible()
    expect(ann.get_by_test_id("lock-indicator")).to_contain_text("Unlocked")
    expect(ann.get_by_text("German (Germany)")).to_be_visible()
    assert Customer.objects.get(pk=shopper.pk).preferred_locale == "de_DE"

    # Customer Segments: add VIP through the dialog, PUBLIC has no Remove, remove VIP with the confirm
    ann.get_by_role("link", name="Customer Segments").click()
    ann.get_by_role("button", name="Edit").click()
    ann.get_by_role("button", name="Add Segment").click()
    dialog = ann.get_by_role("dialog", name="Add Customer Segment Membership")
    dialog.get_by_label("Segment Name").select_option(label="VIP")
    screenshot(ann, "record-segment-add-dialog")
    dialog.get_by_role("button", name="Save").click()
    expect(ann.get_by_text("Jane Shopper added to the VIP segment.")).to_be_visible()
    table = ann.get_by_role("table")
    expect(table).to_contain_text("PUBLIC")
    expect(table).to_contain_text("VIP")
    expect(ann.get_by_role("button", name="Remove Segment PUBLIC")).to_have_count(0)
    expect(table.get_by_role("row", name=re.compile("PUBLIC"))).to_contain_text("Every customer's segment")
    both_widths(ann, "record-segments")
    ann.get_by_role("button", name="Remove Segment VIP").click()
    confirm = ann.get_by_role("alertdialog", name="Remove Customer Segment Membership - Confirm")
    expect(confirm).to_contain_text("Remove Jane Shopper from the VIP customer segment?")
    screenshot(ann, "record-segment-remove-confirm")
    confirm.get_by_role("button", name="OK").click()
    expect(ann.get_by_text("Jane Shopper removed from the VIP segment.")).to_be_visible()
    expect(ann.get_by_role("table")).not_to_contain_text("VIP")
    assert not Customer.objects.get(pk=shopper.pk).segments.exists()

    # Disabled: Jane cannot sign in (her own browser)
    ann.get_by_role("link", name="Customer Profile").click()
    ann.get_by_role("radio", name=re.compile("^Disabled")).check()
    ann.get_by_role("toolbar", name="Record").get_by_role("button", name="Save").click()
    expect(ann.get_by_text("Jane Shopper saved; the record is unlocked.")).to_be_visible()
    expect(ann.get_by_role("heading", level=1)).to_contain_text("Disabled")
    sign_in(jane, shopper.email)
    expect(jane.get_by_text("This account is disabled, so you cannot sign in.")).to_be_visible()
    screenshot(jane, "record-disabled-sign-in-refused")
    # and Active again, reversibly
    ann.get_by_role("button", name="Edit").click()
    ann.get_by_role("radio", name=re.compile("^Active")).check()
    ann.get_by_role("toolbar", name="Record").get_by_role("button", name="Save").click()
    expect(ann.get_by_role("heading", level=1)).to_contain_text("Active")

    # Reset Customer Password: confirm, and Jane gets a link (Ann never sees it)
    mail.outbox.clear()
    ann.get_by_role("button", name="Reset Customer Password").click()
    reset = ann.get_by_role("alertdialog", name="Customer Password Reset - Confirm")
    expect(reset).to_be_visible()
    screenshot(ann, "record-password-reset-confirm")
    reset.get_by_role("button", name="OK").click()
    expect(ann.get_by_text("A password reset email has been sent to Jane Shopper.")).to_be_visible()
    assert "/account/reset/" not in ann.content()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/account/reset/\S+/", mail.outbox[0].body).group(0)
    jane.goto(link)
    expect(jane.get_by_role("heading", name="Choose a new password")).to_be_visible()
    jane.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    jane.get_by_label("New password again").fill(NEW_PASSWORD)
    both_widths(jane, "password-reset-choose")
    jane.get_by_role("button", name="Set password").click()
    expect(jane.get_by_text("Your password has been changed. Sign in with your new password.")).to_be_visible()
    sign_in(jane, shopper.email, NEW_PASSWORD)
    expect(jane.locator(".account-menu summary")).to_contain_text("Jane Shopper")
    screenshot(jane, "password-reset-signed-in")
    # the link works once
    jane.goto(link)
    expect(jane.get_by_text("This password reset link has already been used or has expired.")).to_be_visible()
    screenshot(jane, "password-reset-used-link")


def test_forgot_your_password_from_the_sign_in_page(page: Page, shopper):
    page.goto("/account/sign-in/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email address").fill(shopper.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("If an account uses that email address, we have sent it a link")).to_be_visible()
    both_widths(page, "password-reset-requested")
    assert mail.outbox[-1].to == [shopper.email]


def test_addresses_add_default_and_remove_with_confirm_and_the_orders_tab(new_page, store, shopper, csr, order):
    ann = new_page()
    sign_in(ann, csr.email)
    ann.goto(f"/service/customers/{shopper.pk}/?tab=addresses")
    ann.get_by_role("button", name="Edit").click()
    ann.get_by_text("Add Address").click()
    form = ann.get_by_role("form", name="Add Address")
    for label, value in (("First Name", "Jane"), ("Last Name", "Shopper"), ("Address Line 1", "9 Elm St"),
                         ("City", "Dallas"), ("Postal Code", "75201"), ("Country", "US")):  # fmt: skip
        form.get_by_label(label).fill(value)
    form.get_by_label("Default billing address").check()
    form.get_by_role("button", name="Save Address").click()
    expect(ann.get_by_text("Address added.")).to_be_visible()
    dallas = ann.get_by_role("listitem", name="Address 1")
    expect(dallas).to_contain_text("Dallas")
    expect(dallas).to_contain_text("Default billing")
    both_widths(ann, "record-addresses")
    austin = ann.get_by_role("listitem", name="Address 2")
    austin.get_by_role("button", name="Remove").click()
    confirm = ann.get_by_role("alertdialog", name="Remove Address - Confirm")
    expect(confirm).to_contain_text("Remove 100 Congress Ave, Austin")
    confirm.get_by_role("button", name="OK").click()
    expect(ann.get_by_text("Address removed.")).to_be_visible()
    expect(ann.get_by_role("listitem", name="Address 2")).to_have_count(0)

    # the Orders tab lists the order, links to it, and creates an order for the customer
    ann.get_by_role("link", name="Orders", exact=True).last.click()
    expect(ann.get_by_role("link", name=order.number)).to_be_visible()
    both_widths(ann, "record-orders")
    ann.get_by_role("button", name="Create Order").click()
    expect(ann).to_have_url(re.compile(r"/service/takeovers/"))
