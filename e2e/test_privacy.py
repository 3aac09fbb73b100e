"""Data policies in a real browser (seed 004 "Customer Data Policies"): the shopper gives consent in
My Account, a supervisor sees it on the record's Customer Data Policies tab with the data points'
values, and Remove customer data erases them (RELIABILITY bar 25) — the shopper is signed out; the
shopper withdraws consent, and once the policy's retention has run out the tab says the data was
removed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from concierge.customers.models import CustomerConsent, DataPoint, DataPolicy
from concierge.customers.retention import enforce_retention
from concierge.testing.factories import PASSWORD
from e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def sign_in(page: Page, email: str) -> None:
    page.goto("/account/sign-in/")
    page.get_by_label("Email address").first.fill(email)
    page.get_by_label("Password", exact=True).first.fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/sign-in/" not in url)


def both_widths(page: Page, name: str) -> None:
    """A screenshot at 1280 px and one at 390 px (a phone), back at 1280 px after."""
    screenshot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def marketing(store) -> DataPolicy:
    policy = DataPolicy.objects.create(
        name="Marketing emails", reference_key="marketing-emails", retention_days=365, state=DataPolicy.State.ACTIVE,
        description="News, offers and events by email, at most once a week.",
    )  # fmt: skip
    policy.data_points.add(
        DataPoint.objects.create(key="customer.email", name="Email address", description="Where we write to you"),
        DataPoint.objects.create(key="address.street", name="Street", description="For offers from nearby stores"),
    )
    return policy


def test_consent_given_seen_by_a_supervisor_then_customer_data_removed(new_page, shopper, supervisor, marketing):
    # given Jane gives her consent to marketing emails in My Account, Privacy
    jane = new_page()
    sign_in(jane, shopper.email)
    jane.goto("/account/")
    jane.get_by_role("navigation", name="My Account").get_by_role("link", name="Privacy").click()
    expect(jane.get_by_role("heading", name="Marketing emails")).to_be_visible()
    expect(jane.get_by_text("What it uses: email address, street.")).to_be_visible()
    jane.get_by_role("button", name="Give consent to Marketing emails").click()
    expect(jane.get_by_text("Thank you: you consent to “Marketing emails”.")).to_be_visible()
    expect(jane.get_by_test_id("consent-marketing-emails")).to_contain_text("You consent")
    both_widths(jane, "privacy-consent-given")

    # when Sam opens her record's Customer Data Policies tab
    sam = new_page()
    sign_in(sam, supervisor.email)
    sam.goto(f"/service/customers/{shopper.pk}/")
    sam.get_by_role("link", name="Customer Data Policies").click()
    row = sam.get_by_test_id("data-policies").get_by_role("row", name="Marketing emails")
    expect(row).to_contain_text("Yes")
    expect(row).to_contain_text("Active")
    # and selects the policy: its data points with the values collected
    row.get_by_role("link", name="Marketing emails").click()
    points = sam.get_by_test_id("data-points")
    expect(points.get_by_role("row", name="Email address")).to_contain_text("jane@example.com")
    expect(points.get_by_role("row", name="Street")).to_contain_text("100 Congress Ave")
    both_widths(sam, "privacy-record-tab")

    # then Remove customer data, confirmed with the Shared ID and a reason
    sam.get_by_role("button", name="Edit").click()
    expect(sam.get_by_test_id("lock-indicator")).to_contain_text("(you)")
    sam.get_by_role("button", name="Remove customer data").first.click()
    dialog = sam.get_by_role("dialog", name="Remove customer data - Confirm")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Type the Shared ID").fill(shopper.shared_id)
    dialog.get_by_label("Reason").fill("Erasure requested in writing, ticket 4711")
    both_widths(sam, "privacy-remove-confirm")
    dialog.get_by_role("button", name="Remove customer data").click()
    expect(sam.get_by_text("Customer data removed")).to_be_visible()
    expect(sam.get_by_role("heading", level=1)).to_contain_text(shopper.shared_id)
    expect(sam.get_by_role("heading", level=1)).to_contain_text("Disabled")
    expect(sam.get_by_text("This customer's data has been removed.")).to_be_visible()
    both_widths(sam, "privacy-removed")
    sam.get_by_role("link", name="Customer Profile").click()
    expect(sam.locator("dl.facts").first).to_be_visible()
    for facts in sam.locator("dl.facts").all():  # the record's header and the profile's
        expect(facts).not_to_contain_text("jane@example.com")
        expect(facts).not_to_contain_text("Jane")

    # and Jane's browser is signed out
    jane.goto("/account/privacy/")
    expect(jane).to_have_url(re.compile(r".*/account/sign-in/.*"))


def test_consent_withdrawn_in_the_browser_then_removed_under_retention(new_page, shopper, supervisor, marketing):
    # given Jane consents to marketing emails, then changes her mind
    jane = new_page()
    sign_in(jane, shopper.email)
    jane.goto("/account/privacy/")
    jane.get_by_role("button", name="Give consent to Marketing emails").click()
    expect(jane.get_by_test_id("consent-marketing-emails")).to_contain_text("You consent")
    # when she withdraws it
    jane.get_by_role("button", name="Withdraw consent to Marketing emails").click()
    # then the page says so, and offers to give it again
    expect(jane.get_by_text("You withdrew your consent to “Marketing emails”.")).to_be_visible()
    expect(jane.get_by_test_id("consent-marketing-emails")).to_contain_text("No consent given")
    expect(jane.get_by_role("button", name="Give consent to Marketing emails")).to_be_visible()
    both_widths(jane, "privacy-consent-withdrawn")
    consent = CustomerConsent.objects.get(customer=shopper, policy=marketing)
    assert consent.given is False

    # and the supervisor sees consent not given on her record
    sam = new_page()
    sign_in(sam, supervisor.email)
    sam.goto(f"/service/customers/{shopper.pk}/")
    sam.get_by_role("link", name="Customer Data Policies").click()
    row = sam.get_by_test_id("data-policies").get_by_role("row", name="Marketing emails")
    expect(row.get_by_role("cell").nth(1)).to_have_text("No")

    # when the policy's retention (365 days) has run out since she withdrew, and retention runs
    CustomerConsent.objects.filter(pk=consent.pk).update(updated_at=consent.updated_at - dt.timedelta(days=366))
    assert enforce_retention(limit=None).enforced == 1
    # then the tab says when her data was removed, and the street is no longer collected
    sam.reload()
    row = sam.get_by_test_id("data-policies").get_by_role("row", name="Marketing emails")
    expect(row.get_by_test_id("retention-removed")).to_contain_text("Data removed under retention on")
    row.get_by_role("link", name="Marketing emails").click()
    points = sam.get_by_test_id("data-points")
    expect(points.get_by_role("row", name="Street")).to_contain_text("None collected")
    expect(points.get_by_role("row", name="Email address")).to_contain_text("jane@example.com")  # her sign-in
    both_widths(sam, "privacy-removed-under-retention")
