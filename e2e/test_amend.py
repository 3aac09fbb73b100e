"""Amending an order in a real browser (seed 004 "Splitting a Shipment", "Updating an Order"): Move
Item to a new address with another method; a quantity increase through the Payment Authorization
dialog; a declined authorization, Back, and another card."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from concierge.catalog.models import Sku
from concierge.core.context import ActingContext
from concierge.orders.models import Order, OrderLine
from concierge.orders.tests.builders import placed_order
from concierge.payments.services import payment_source_add_card
from e2e.conftest import SCREENSHOTS, console_sign_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def order(store, shopper):
    order = placed_order(shopper, store)
    Sku.objects.filter(pk__in=order.lines.values("sku_id")).update(stock_on_hand=10)
    return order


def open_details(page: Page, order: Order) -> None:
    page.goto(f"/service/orders/{order.number}/?tab=details")
    page.get_by_role("button", name="Edit").click()
    expect(page.get_by_test_id("lock-indicator")).to_contain_text("(you)")


def change_quantity(page: Page, product: str, quantity: int) -> None:
    page.get_by_label(f"Item Details: quantity of {product}").click()
    details = page.locator("details.item-details[open]")
    details.get_by_role("spinbutton", name="Quantity").fill(str(quantity))
    details.get_by_role("button", name="Save").click()


def authorize(page: Page, source: str) -> None:
    dialog = page.get_by_role("dialog", name="Payment Authorization")
    expect(dialog).to_be_visible()
    dialog.get_by_label(source).check()
    dialog.get_by_role("button", name="Authorize").click()


def viewport_shot(page: Page, name: str) -> None:
    """What fits on the screen (a dialog over the page), besides the full page."""
    page.wait_for_load_state()
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def test_a_quantity_increase_then_move_item_to_a_new_address(new_page, order, csr):
    page = new_page()
    console_sign_in(page, csr.email)
    open_details(page, order)
    screenshot(page, "amend-details-editing")
    # Item Details on the quantity: three shoes, Save opens Payment Authorization
    change_quantity(page, "Shoe", 3)
    dialog = page.get_by_role("dialog", name="Payment Authorization")
    expect(dialog).to_contain_text("To authorize")
    expect(dialog).to_contain_text("$270.00")
    screenshot(page, "amend-payment-authorization")
    authorize(page, "Visa ending in 4242")
    done = page.get_by_role("dialog", name="Payment Authorization")
    expect(done).to_contain_text("Authorized $270.00 on Visa ending in 4242")
    screenshot(page, "amend-authorized-done")
    done.get_by_role("button", name="Done").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    # Move Item: one of the three shoes, to a new address by Express
    shipment = order.shipments.order_by("number").first()
    card = page.get_by_role("region", name=f"Shipment {shipment.number}")
    card.get_by_label("Move Shoe").check()
    card.get_by_label("Quantity of Shoe to move").fill("1")
    card.get_by_role("button", name="Move Item").click()
    move = page.get_by_role("dialog", name="Move Item")
    move.get_by_label("A new address (enter it in the next step)").check()
    move.get_by_label("Shipping method").select_option("express")
    screenshot(page, "amend-move-item")
    move.get_by_role("button", name="OK").click()
    move = page.get_by_role("dialog", name="Move Item")
    move.get_by_label("Address", exact=True).fill("1 Harbour Rd")
    move.get_by_label("City").fill("Portland")
    move.get_by_label("State/Region").fill("OR")
    move.get_by_label("Postal code").fill("97201")
    move.get_by_label("Country").fill("US")
    screenshot(page, "amend-move-new-address")
    move.get_by_role("button", name="OK").click()
    # the new shipping costs more than authorized: Payment Authorization again
    authorize(page, "Visa ending in 4242")
    page.get_by_role("dialog", name="Payment Authorization").get_by_role("button", name="Done").click()
    new_number = f"{order.number}-3"
    new_card = page.get_by_role("region", name=f"Shipment {new_number}")
    expect(new_card).to_contain_text("Shipping Information")
    expect(new_card.get_by_label("City")).to_have_value("Portland")
    expect(new_card.get_by_label("Shipping method")).to_have_value("express")
    screenshot(page, "amend-split-shipments")
    moved = OrderLine.objects.get(shipment__number=new_number)
    assert moved.quantity == 1
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "amend-split-shipments-390")
    new_card.screenshot(path=str(SCREENSHOTS / "amend-new-shipment-card-390.png"))


def test_a_declined_authorization_then_back_then_another_card(new_page, order, csr, shopper):
    payment_source_add_card(ActingContext(user=shopper.user, customer=shopper), customer=shopper,
                            number="4000000000000002", exp_month=1, exp_year=2031, cvc="123",
                            holder_name="Jane Shopper")  # fmt: skip
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    console_sign_in(page, csr.email)
    open_details(page, order)
    screenshot(page, "amend-details-390")
    change_quantity(page, "Hat", 2)
    expect(page.get_by_role("dialog", name="Payment Authorization")).to_contain_text("To authorize")
    viewport_shot(page, "amend-payment-authorization-390")
    authorize(page, "Visa ending in 0002")
    failed = page.get_by_role("dialog", name="Payment Authorization")
    expect(failed.get_by_role("alert")).to_contain_text("Your card was declined.")
    viewport_shot(page, "amend-authorization-declined-390")
    failed.get_by_role("button", name="Back").click()
    authorize(page, "Visa ending in 4242")
    done = page.get_by_role("dialog", name="Payment Authorization")
    expect(done).to_contain_text("Authorized")
    viewport_shot(page, "amend-authorized-390")
    done.get_by_role("button", name="Done").click()
    hat = OrderLine.objects.get(order=order, product_name="Hat")
    assert hat.quantity == 2
    expect(page.get_by_test_id("lock-indicator")).to_contain_text("Locked by Ann Agent (you)")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"/service/orders/{order.number}/?tab=notes")
    expect(page.get_by_text("Payment authorization for a change declined")).to_be_visible()
    screenshot(page, "amend-notes-timeline")
