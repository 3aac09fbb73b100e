"""Refunds in a real browser: Create Refund with a Manual Refund (seed 004 "Creating a Refund"), and a
refund above the store's threshold approved by a second supervisor (four-eyes, RELIABILITY bar 20)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from concierge.orders.tests.refund_support import captured_order
from concierge.payments.models import Refund
from concierge.testing import factories
from e2e.conftest import console_sign_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def both_widths(page: Page, name: str) -> None:
    """A screenshot at 1280 px and one at 390 px (a phone), back at 1280 px after."""
    screenshot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def order(store, shopper):
    store.refund_approval_threshold = Decimal("50.00")
    store.save(update_fields=["refund_approval_threshold"])
    return captured_order(shopper, store)


@pytest.fixture
def second_supervisor(store):
    return factories.staff("Supervisor", stores=[store], email="sue@concierge.test", first_name="Sue",
                           last_name="Second")  # fmt: skip


def open_create_refund(page: Page, number: str) -> None:
    page.goto(f"/service/orders/{number}/?tab=details")
    expect(page.get_by_text("Create Refund: choose Edit to lock the order first.")).to_be_visible()
    page.get_by_role("button", name="Edit").click()
    expect(page.get_by_test_id("lock-indicator")).to_contain_text("(you)")
    page.get_by_role("button", name="Create Refund").click()
    expect(page.get_by_role("dialog", name="Create Refund")).to_contain_text("Step 1 of 2")


def test_create_refund_with_a_manual_refund(page, order, supervisor):
    number = order.number
    console_sign_in(page, supervisor.email)
    # given Sam opens the order's Details tab and chooses Edit, then Create Refund
    open_create_refund(page, number)
    wizard = page.get_by_role("dialog", name="Create Refund")
    expect(wizard.get_by_label("Original payment source")).to_be_checked()
    expect(wizard).to_contain_text("Visa ending in 4242")
    # when he enters the amount and a note, chooses Manual Refund in Refund Options
    wizard.get_by_label("Refund amount (USD)").fill("20.00")
    wizard.get_by_label("Note").fill("Cheque 1042 mailed: the customer's parcel arrived late.")
    wizard.get_by_label("Manual Refund").check()
    both_widths(page, "refund-wizard-manual")
    # and clicks Next
    wizard.get_by_role("button", name="Next").click()
    # then the refund is recorded, not sent, and Finish closes the wizard
    done = page.get_by_role("dialog", name="Create Refund")
    expect(done).to_contain_text("Step 2 of 2: Refund created")
    expect(done).to_contain_text("Manual refund of $20.00 recorded.")
    both_widths(page, "refund-wizard-done")
    done.get_by_role("link", name="Finish").click()
    # and it is listed on Payments, and on Returns and exchanges
    refunds = page.locator(".refunds-card")
    expect(refunds).to_contain_text("$20.00")
    expect(refunds).to_contain_text("Manual Refund")
    expect(refunds).to_contain_text("Issued")
    expect(page.get_by_test_id("lock-indicator")).to_contain_text("Unlocked")
    both_widths(page, "refund-payments-tab")
    page.get_by_role("link", name="Returns and exchanges").click()
    expect(page.locator(".refunds-card")).to_contain_text("Cheque 1042 mailed")
    assert Refund.objects.get().destination == Refund.Destination.MANUAL


def test_a_refund_above_the_threshold_is_approved_by_a_second_supervisor(new_page, order, supervisor,
                                                                        second_supervisor):  # fmt: skip
    sam_page, sue_page = new_page(), new_page()
    number = order.number
    # given Sam creates a refund of 60.00, above the store's threshold of 50.00
    console_sign_in(sam_page, supervisor.email)
    open_create_refund(sam_page, number)
    wizard = sam_page.get_by_role("dialog", name="Create Refund")
    wizard.get_by_label("Refund amount (USD)").fill("60.00")
    wizard.get_by_label("Note").fill("The jacket arrived torn; the customer keeps it.")
    wizard.get_by_role("button", name="Next").click()
    done = sam_page.get_by_role("dialog", name="Create Refund")
    expect(done).to_contain_text("This refund of $60.00 is Awaiting Approval")
    both_widths(sam_page, "refund-awaiting-approval-requester")
    done.get_by_role("link", name="Finish").click()
    # then he sees it waiting, and cannot approve his own refund
    expect(sam_page.locator(".refunds-card")).to_contain_text("Awaiting Approval")
    expect(sam_page.locator(".refunds-card")).to_contain_text("(you requested it)")
    sam_page.get_by_role("button", name="Edit").click()
    expect(sam_page.get_by_role("button", name="Approve")).to_have_count(0)
    sam_page.get_by_role("button", name="Close").click()

    # when Sue, a second supervisor, signs in, the refund is on her Customer Service home
    console_sign_in(sue_page, second_supervisor.email)
    awaiting = sue_page.get_by_role("region", name="Refunds awaiting approval")
    expect(awaiting).to_contain_text("$60.00")
    expect(awaiting).to_contain_text(supervisor.display_name)
    both_widths(sue_page, "refunds-awaiting-approval-home")
    awaiting.get_by_role("link", name=f"Order {number}").click()
    expect(sue_page.get_by_text("Choose Edit to approve or reject this refund.")).to_be_visible()
    # and she opens the order for editing and approves it
    sue_page.get_by_role("button", name="Edit").click()
    expect(sue_page.get_by_role("button", name="Approve")).to_be_visible()
    both_widths(sue_page, "refund-approve")
    sue_page.get_by_role("button", name="Approve").click()
    # then it is issued to the original card, with who approved it, and the order is unlocked
    expect(sue_page.get_by_text(f"Refund approved: issued. Order {number} is unlocked.")).to_be_visible()
    refunds = sue_page.locator(".refunds-card")
    expect(refunds).to_contain_text("Issued")
    expect(refunds).to_contain_text("Approved by Sue Second")
    both_widths(sue_page, "refund-approved")
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.ISSUED
    assert refund.decided_by == second_supervisor
    # and Sam, the requester, sees the outcome
    sam_page.goto(f"/service/orders/{number}/?tab=payments")
    expect(sam_page.locator(".refunds-card")).to_contain_text("Approved by Sue Second")
    sam_page.get_by_role("link", name="Notes").click()
    expect(sam_page.get_by_role("table")).to_contain_text("Refund approved")
