"""Returns, exchanges and the Warehouse in a real browser (seed 004 "Returns, Exchanges and Refunds",
"Searching for a Return or Exchange Order", "Digital Asset Return")."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from concierge.payments.models import Refund
from concierge.returns.models import Return, ReturnReason
from concierge.returns.reasons import SYSTEM_REASONS
from concierge.returns.tests.builders import EBOOK, SHOE, delivered_order
from concierge.testing import factories
from concierge.testing.factories import PASSWORD
from e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)
NARROW = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 800}


@pytest.fixture(autouse=True)
def system_reasons(db: None) -> None:
    """The reasons the data migration seeds (a transactional test empties the tables between tests)."""
    for position, name in enumerate(SYSTEM_REASONS, start=1):
        ReturnReason.objects.get_or_create(name=name, defaults={"is_system": True, "position": position})


def sign_in(page: Page, email: str, lands_on: str) -> None:
    page.goto("/account/sign-in/")
    page.get_by_label("Email address").first.fill(email)
    page.get_by_label("Password", exact=True).first.fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name=lands_on, level=1)).to_be_visible()


def both_widths(page: Page, name: str) -> None:
    screenshot(page, f"{name}-1280")
    page.set_viewport_size(NARROW)
    screenshot(page, f"{name}-390")
    page.set_viewport_size(WIDE)


def beside_their_labels_on_a_phone(page: Page) -> None:
    """At 390 px each refund option's radio sits on the first line of its words, not above them."""
    page.set_viewport_size(NARROW)
    assert page.locator("label.radio-choice").count() >= 2  # Original payment source, Manual Refund
    for option in page.locator("label.radio-choice").all():
        radio, words = option.locator("input").bounding_box(), option.locator("> span").bounding_box()
        assert radio
        assert words
        assert radio["x"] < words["x"], option.inner_text()
        assert abs(radio["y"] - words["y"]) < 12, option.inner_text()
    page.set_viewport_size(WIDE)


def open_for_editing(page: Page, number: str) -> None:
    page.goto(f"/service/orders/{number}/?tab=details")
    page.get_by_role("button", name="Edit").click()
    expect(page.get_by_test_id("lock-indicator")).to_contain_text("(you)")
    page.get_by_role("link", name="Details").click()


def test_a_return_received_in_the_warehouse_refunds_the_original_card(new_page, store, shopper, csr, warehouse):
    order = delivered_order(shopper, store, (SHOE,))
    ann = new_page()
    sign_in(ann, csr.email, "Customer Service")
    open_for_editing(ann, order.number)
    # Create Return: quantity, reason and comments of the item; the goods must be received first
    ann.get_by_role("button", name="Create Return").click()
    expect(ann.get_by_role("heading", name=re.compile("Create Return"))).to_be_visible()
    ann.get_by_label("Quantity of Shoe").fill("2")
    ann.get_by_label("Reason for Shoe").select_option(label="Wrong Size")
    ann.get_by_label("Comments on Shoe").fill("Customer no longer has the original packaging")
    expect(ann.get_by_label(re.compile("must be received in the warehouse"))).to_be_checked()
    both_widths(ann, "return-wizard-items")
    ann.get_by_role("button", name="Next").click()
    # the refund step: the suggested figure, to the original payment source
    expect(ann.get_by_test_id("suggested")).to_have_text("$160.00")
    expect(ann.get_by_label(re.compile("Original payment source"))).to_be_checked()
    beside_their_labels_on_a_phone(ann)
    both_widths(ann, "return-wizard-refund")
    ann.get_by_role("button", name="Next").click()
    rma = ann.get_by_test_id("rma").first.inner_text()
    expect(ann.get_by_role("heading", name=re.compile("Awaiting Receipt"))).to_be_visible()
    both_widths(ann, "return-wizard-done")
    ann.get_by_role("link", name="Finish").click()
    expect(ann.get_by_role("article", name=f"Return {rma}")).to_contain_text("Awaiting Receipt")
    both_widths(ann, "order-returns-tab")

    # the warehouse finds it by its RMA and receives the two shoes
    will = new_page()
    sign_in(will, warehouse.email, "Warehouse")
    expect(will.get_by_role("navigation", name="Console")).not_to_contain_text("Orders")
    will.get_by_label("RMA").fill(rma)
    will.get_by_role("button", name="Search").click()
    expect(will.get_by_role("table")).to_contain_text("Awaiting Receipt")
    both_widths(will, "warehouse-returns-search")
    will.get_by_role("link", name=rma).click()
    will.get_by_label("Quantity of Shoe received").fill("2")
    both_widths(will, "warehouse-return-receive")
    will.get_by_role("button", name="Receive").click()
    expect(will.get_by_text("received in full and completed: its refund is issued")).to_be_visible()
    expect(will.get_by_test_id("refund-status")).to_have_text("$160.00 to Visa ending in 4242 · Issued")
    both_widths(will, "warehouse-return-received")
    assert Return.objects.get(rma=rma).status == Return.Status.COMPLETED
    assert Refund.objects.get(rma=rma).status == Refund.Status.ISSUED

    # and the CSR's Returns and exchanges tab shows it completed
    ann.goto(f"/service/orders/{order.number}/?tab=returns")
    expect(ann.get_by_role("article", name=f"Return {rma}")).to_contain_text("Completed")


def test_an_exchange_for_the_same_sku_ships_at_once_without_receipt(new_page, store, shopper, csr):
    order = delivered_order(shopper, store, (SHOE,))
    ann = new_page()
    sign_in(ann, csr.email, "Customer Service")
    open_for_editing(ann, order.number)
    ann.get_by_role("button", name="Create Exchange").click()
    ann.get_by_label("Quantity of Shoe").fill("1")
    ann.get_by_label("Reason for Shoe").select_option(label="Defective")
    expect(ann.get_by_label("SKU to send instead of Shoe")).to_have_value(order.lines.get().sku_code)
    ann.get_by_label(re.compile("must be received in the warehouse")).uncheck()
    ann.get_by_role("button", name="Next").click()
    expect(ann.get_by_test_id("charge")).to_have_text("$0.00")
    both_widths(ann, "exchange-wizard-exchange")
    ann.get_by_role("button", name="Next").click()
    expect(ann.get_by_role("heading", name=re.compile("Completed"))).to_be_visible()
    exchange = Return.objects.get(order=order).exchange_order
    expect(ann.get_by_role("link", name=exchange.number)).to_be_visible()
    expect(ann.get_by_text("In Progress")).to_be_visible()
    expect(ann.locator("dl.facts")).to_contain_text("No refund")  # an even exchange: nothing to refund
    both_widths(ann, "exchange-wizard-done")
    ann.get_by_role("link", name=exchange.number).click()
    expect(ann.get_by_role("heading", name=re.compile(f"Order {exchange.number}"))).to_contain_text("In Progress")


def test_a_digital_return_with_a_manual_refund_completes_at_once(new_page, store, shopper, csr):
    order = delivered_order(shopper, store, (EBOOK,))
    ann = new_page()
    sign_in(ann, csr.email, "Customer Service")
    open_for_editing(ann, order.number)
    ann.get_by_role("button", name="Create Return").click()
    ann.get_by_label("Quantity of Trail Guide eBook").fill("1")
    ann.get_by_label("Reason for Trail Guide eBook").select_option(label="Defective")
    ann.get_by_role("button", name="Next").click()
    expect(ann.get_by_text("Nothing needs to be received: the return is completed at once.")).to_be_visible()
    ann.get_by_label(re.compile("Manual Refund")).check()
    ann.get_by_label("Note").fill("Cheque posted to the customer")
    ann.get_by_role("button", name="Next").click()
    expect(ann.get_by_role("heading", name=re.compile("Completed"))).to_be_visible()
    expect(ann.get_by_text("$12.00 Issued")).to_be_visible()
    # on a phone the returned items are cards with their labels, not a squeezed table
    ann.set_viewport_size(NARROW)
    expect(ann.get_by_test_id("return-items-done").locator("thead")).to_be_hidden()
    expect(ann.get_by_test_id("return-items-done").locator("td[data-label=Quantity]")).to_have_text("1")
    ann.set_viewport_size(WIDE)
    both_widths(ann, "digital-return-done")
    ann.get_by_role("link", name="Finish").click()
    expect(ann.get_by_role("article", name=re.compile("Return RMA-"))).to_contain_text("Manual Refund")


def test_an_exchange_requiring_receipt_ships_when_the_warehouse_receives_it(new_page, store, shopper, csr, warehouse):
    order = delivered_order(shopper, store, (SHOE,))
    ann = new_page()
    sign_in(ann, csr.email, "Customer Service")
    open_for_editing(ann, order.number)
    # Create Exchange: the same SKU, and the shoe must come back first
    ann.get_by_role("button", name="Create Exchange").click()
    ann.get_by_label("Quantity of Shoe").fill("1")
    ann.get_by_label("Reason for Shoe").select_option(label="Wrong Size")
    expect(ann.get_by_label(re.compile("must be received in the warehouse"))).to_be_checked()
    ann.get_by_role("button", name="Next").click()
    expect(ann.get_by_test_id("charge")).to_have_text("$0.00")
    ann.get_by_role("button", name="Next").click()
    # the exchange waits for the shoe; its order waits as Awaiting Exchange
    expect(ann.get_by_role("heading", name=re.compile("Awaiting Receipt"))).to_be_visible()
    rma = ann.get_by_test_id("rma").first.inner_text()
    exchange = Return.objects.get(rma=rma).exchange_order
    expect(ann.get_by_text(f"{exchange.number} · Awaiting Exchange")).to_be_visible()
    both_widths(ann, "exchange-receipt-wizard-done")
    ann.get_by_role("link", name=exchange.number).click()
    expect(ann.get_by_role("heading", name=re.compile(f"Order {exchange.number}"))).to_contain_text("Awaiting Exchange")

    # the warehouse finds it by its RMA and receives the shoe
    will = new_page()
    sign_in(will, warehouse.email, "Warehouse")
    will.get_by_label("RMA").fill(rma)
    will.get_by_role("button", name="Search").click()
    expect(will.get_by_role("table")).to_contain_text("Awaiting Receipt")
    will.get_by_role("link", name=rma).click()
    will.get_by_label("Quantity of Shoe received").fill("1")
    will.get_by_role("button", name="Receive").click()
    expect(will.get_by_text("received in full and completed: its exchange order is released")).to_be_visible()
    expect(will.get_by_text(f"{exchange.number} · In Progress")).to_be_visible()
    both_widths(will, "warehouse-exchange-received")

    # and the exchange order left Awaiting Exchange: its shipment is released to the warehouse
    ann.reload()
    expect(ann.get_by_role("heading", name=re.compile(f"Order {exchange.number}"))).to_contain_text("In Progress")
    ann.goto(f"/service/orders/{order.number}/?tab=returns")
    expect(ann.get_by_role("article", name=f"Exchange {rma}")).to_contain_text("Completed")


def test_a_return_rests_in_received_until_a_second_supervisor_approves_its_refund(new_page, store, shopper,
                                                                                   supervisor, warehouse):  # fmt: skip
    store.refund_approval_threshold = Decimal("50.00")
    store.save(update_fields=["refund_approval_threshold"])
    sue = factories.staff("Supervisor", stores=[store], email="sue@concierge.test", first_name="Sue",
                          last_name="Second")  # fmt: skip
    order = delivered_order(shopper, store, (SHOE,))
    sam = new_page()
    sign_in(sam, supervisor.email, "Customer Service")
    open_for_editing(sam, order.number)
    sam.get_by_role("button", name="Create Return").click()
    sam.get_by_label("Quantity of Shoe").fill("2")
    sam.get_by_label("Reason for Shoe").select_option(label="Damaged")
    sam.get_by_role("button", name="Next").click()
    expect(sam.get_by_test_id("suggested")).to_have_text("$160.00")
    sam.get_by_role("button", name="Next").click()
    rma = sam.get_by_test_id("rma").first.inner_text()
    sam.get_by_role("link", name="Finish").click()

    # the warehouse receives both shoes: the return is Received, its refund awaits approval
    will = new_page()
    sign_in(will, warehouse.email, "Warehouse")
    will.goto(f"/service/warehouse/returns/{rma}/")
    will.get_by_label("Quantity of Shoe received").fill("2")
    will.get_by_role("button", name="Receive").click()
    expect(will.get_by_role("heading", name=re.compile(rma))).to_contain_text("Received")
    expect(will.get_by_test_id("received-note")).to_contain_text("awaiting approval by a second person")
    expect(will.get_by_test_id("refund-status")).to_have_text("$160.00 to Visa ending in 4242 · Awaiting Approval")
    both_widths(will, "warehouse-return-received-awaiting-approval")
    will.goto("/service/warehouse/")
    will.get_by_label("Status").select_option(label="Received")
    will.get_by_role("button", name="Search").click()
    expect(will.get_by_role("table")).to_contain_text(rma)
    both_widths(will, "warehouse-search-received")

    # Sam, who created the return, sees why it is not completed, and cannot approve its refund
    sam.goto(f"/service/orders/{order.number}/?tab=returns")
    card = sam.get_by_role("article", name=f"Return {rma}")
    expect(card).to_contain_text("Received")
    expect(card.get_by_test_id("received-note")).to_contain_text("the refund is awaiting approval by a second person")
    expect(sam.locator(".refunds-card")).to_contain_text("(you requested it)")
    both_widths(sam, "order-returns-tab-received")
    sam.get_by_role("button", name="Close").click()

    # Sue, a second supervisor, approves it on the Payments tab: issued, the return completes
    sue_page = new_page()
    sign_in(sue_page, sue.email, "Customer Service")
    sue_page.goto(f"/service/orders/{order.number}/?tab=payments")
    sue_page.get_by_role("button", name="Edit").click()
    sue_page.get_by_role("button", name="Approve").click()
    expect(sue_page.get_by_text(f"Refund approved: issued. Order {order.number} is unlocked.")).to_be_visible()
    sue_page.get_by_role("link", name="Returns and exchanges").click()
    card = sue_page.get_by_role("article", name=f"Return {rma}")
    expect(card).to_contain_text("Completed")
    expect(card).to_contain_text("$160.00 to Visa ending in 4242 · Issued · approved by Sue Second")
    both_widths(sue_page, "order-returns-tab-approved")
    assert Return.objects.get(rma=rma).status == Return.Status.COMPLETED
    assert Refund.objects.get(rma=rma).decided_by == sue
