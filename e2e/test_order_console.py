"""The order console in a real browser: seed 004's Bob-and-Ann locking scenarios and the supervisor's
Unlock Order, each person in their own browser context."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from concierge.orders.tests.builders import placed_order
from concierge.testing import factories
from e2e.conftest import console_sign_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def billing_city(page: Page, city: str) -> None:
    page.get_by_role("form", name="Billing address").get_by_label("City").fill(city)


@pytest.fixture
def order(store, shopper):
    return placed_order(shopper, store)


@pytest.fixture
def bob(store):
    return factories.staff("CSR", stores=[store], email="bob@concierge.test", first_name="Bob", last_name="Agent")


def test_bob_and_ann_then_the_supervisor_unlocks(new_page, order, csr, bob, supervisor):
    ann_page, bob_page, sam_page = new_page(), new_page(), new_page()
    number = order.number

    # given Ann finds the order by the customer's last name (billing address) and opens it
    console_sign_in(ann_page, csr.email)
    ann_page.get_by_role("link", name="Orders").click()
    ann_page.get_by_label("Last name").fill("shop")
    ann_page.get_by_role("button", name="Search").click()
    expect(ann_page.get_by_role("table")).to_contain_text("Shopper, Jane")
    screenshot(ann_page, "orders-search-results")
    ann_page.get_by_role("link", name=number).click()
    expect(ann_page.get_by_test_id("lock-indicator")).to_contain_text("Unlocked")
    # when Ann edits it, it locks automatically: closed padlock and her name
    ann_page.get_by_role("button", name="Edit").click()
    expect(ann_page.get_by_test_id("lock-indicator")).to_contain_text("Locked by Ann Agent (you)")
    expect(ann_page.get_by_role("img", name="Locked")).to_be_visible()
    screenshot(ann_page, "order-ann-editing")

    # then Bob sees it read-only, and trying to edit is refused with the seed's explanation
    console_sign_in(bob_page, bob.email)
    bob_page.goto(f"/service/orders/{number}/")
    expect(bob_page.get_by_test_id("lock-indicator")).to_contain_text("Locked by Ann Agent")
    expect(
        bob_page.get_by_text("Ann Agent is modifying this order. You can only view it in read-only mode.")
    ).to_be_visible()
    expect(bob_page.get_by_role("button", name="Unlock Order")).to_have_count(0)
    expect(bob_page.get_by_role("form", name="Billing address")).to_have_count(0)
    bob_page.get_by_role("button", name="Edit").click()
    dialog = bob_page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(f"Ann Agent is modifying order {number}. You can only view it in read-only mode.")
    screenshot(bob_page, "order-bob-refused-locked")
    dialog.get_by_role("button", name="OK").click()
    expect(bob_page.get_by_role("alertdialog")).to_have_count(0)

    # when Ann saves, the order unlocks
    billing_city(ann_page, "Dallas")
    ann_page.get_by_role("button", name="Save").click()
    expect(ann_page.get_by_text(f"Order {number} saved; it is unlocked.")).to_be_visible()
    expect(ann_page.get_by_test_id("lock-indicator")).to_contain_text("Unlocked")
    expect(ann_page.get_by_role("img", name="Unlocked")).to_be_visible()

    # then Bob, who had the order open, gets "another user has made changes" with Reload and Cancel
    bob_page.get_by_role("button", name="Edit").click()
    dialog = bob_page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(f"Order {number} cannot be edited as another user has made changes.")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_visible()
    screenshot(bob_page, "order-bob-stale-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    expect(bob_page.get_by_role("alertdialog")).to_have_count(0)
    bob_page.get_by_role("button", name="Edit").click()
    bob_page.get_by_role("alertdialog").get_by_role("link", name="Reload").click()
    expect(bob_page.get_by_role("main")).to_contain_text("Dallas")
    bob_page.get_by_role("button", name="Edit").click()
    expect(bob_page.get_by_test_id("lock-indicator")).to_contain_text("Locked by Bob Agent (you)")
    bob_page.get_by_role("button", name="Close").click()
    expect(bob_page.get_by_test_id("lock-indicator")).to_contain_text("Unlocked")

    # given Ann edits again and leaves her change unsaved
    ann_page.get_by_role("button", name="Edit").click()
    billing_city(ann_page, "Houston")

    # when the supervisor opens the order, sees Unlock Order, unlocks it with a reason and changes it
    console_sign_in(sam_page, supervisor.email)
    sam_page.goto(f"/service/orders/{number}/")
    expect(sam_page.get_by_test_id("lock-indicator")).to_contain_text("Locked by Ann Agent")
    screenshot(sam_page, "order-supervisor-sees-unlock")
    sam_page.get_by_label("Reason").fill("Ann is out sick; customer on the phone")
    sam_page.get_by_role("button", name="Unlock Order").click()
    expect(sam_page.get_by_text(f"Order {number} unlocked.")).to_be_visible()
    sam_page.get_by_role("button", name="Edit").click()
    billing_city(sam_page, "El Paso")
    sam_page.get_by_role("button", name="Save").click()
    expect(sam_page.get_by_text(f"Order {number} saved; it is unlocked.")).to_be_visible()

    # then Ann's save is refused: the order has been modified since the page was loaded; nothing overwritten
    ann_page.get_by_role("button", name="Save").click()
    dialog = ann_page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("the order has been modified since the page was loaded")
    screenshot(ann_page, "order-ann-save-refused")
    dialog.get_by_role("link", name="Reload").click()
    expect(ann_page.get_by_role("main")).to_contain_text("El Paso")

    # when Ann reloads, edits again and saves, her change lands
    ann_page.get_by_role("button", name="Edit").click()
    billing_city(ann_page, "Houston")
    ann_page.get_by_role("button", name="Save").click()
    expect(ann_page.get_by_text(f"Order {number} saved; it is unlocked.")).to_be_visible()
    expect(ann_page.get_by_role("main")).to_contain_text("Houston")

    # and the Notes tab tells the story, newest first, with who did what and for whom
    ann_page.get_by_role("link", name="Notes").click()
    ann_page.get_by_role("textbox", name="Note").fill("Customer asked for the billing city to be Houston.")
    ann_page.get_by_role("button", name="Add Note").click()
    events = ann_page.get_by_role("table").filter(has_text="Created by")
    expect(events).to_contain_text("Order unlocked by a supervisor")
    expect(events).to_contain_text("Ann is out sick; customer on the phone")
    expect(events).to_contain_text("for Jane Shopper")
    expect(events.locator("tbody tr").first).to_contain_text("Customer asked for the billing city to be Houston.")
    screenshot(ann_page, "order-notes-timeline")


def test_details_tab_edits_shipping_until_released(new_page, order, csr):
    page = new_page()
    console_sign_in(page, csr.email)
    page.goto(f"/service/orders/{order.number}/?tab=details")
    page.get_by_role("button", name="Edit").click()
    first, second = (s.number for s in order.shipments.order_by("number"))
    shipping = page.get_by_role("form", name=f"Shipping of {first}")
    shipping.get_by_label("Shipping method").select_option("economy")
    shipping.get_by_label("City").fill("Round Rock")
    screenshot(page, "order-details-editing")
    shipping.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Order {order.number} saved; it is unlocked.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Economy ($3.00)")
    # when the second shipment is released, its shipping can no longer be edited
    page.get_by_role("button", name="Edit").click()
    page.locator(f"#shipment-{second}").locator("..").get_by_role("button", name="Release Shipment").click()
    expect(page.get_by_text(f"Shipment {second} released.")).to_be_visible()
    expect(page.get_by_role("form", name=f"Shipping of {second}")).to_have_count(0)
    expect(page.get_by_role("form", name=f"Shipping of {first}")).to_be_visible()
    screenshot(page, "order-details-after-release")
    page.get_by_role("link", name="Payments").click()
    expect(page.get_by_role("main")).to_contain_text("Capture")
    screenshot(page, "order-payments")


def test_close_prompts_to_save_or_abandon_and_leaving_the_page_unlocks(new_page, order, csr, bob):
    page = new_page()
    console_sign_in(page, csr.email)
    page.goto(f"/service/orders/{order.number}/")
    # given Ann edits the billing city and clicks Close without saving
    page.get_by_role("button", name="Edit").click()
    billing_city(page, "Houston")
    page.get_by_role("button", name="Close").click()
    # then she is asked to save or abandon the changes (seed 004), and may keep editing
    prompt = page.get_by_role("alertdialog", name="Save changes?")
    expect(prompt).to_be_visible()
    screenshot(page, "order-close-prompt")
    prompt.get_by_role("button", name="Keep editing").click()
    expect(prompt).to_be_hidden()
    expect(page.get_by_test_id("lock-indicator")).to_contain_text("Locked by Ann Agent (you)")
    # when she abandons them, the order unlocks and nothing changed
    page.get_by_role("button", name="Close").click()
    prompt.get_by_role("button", name="Abandon changes").click()
    expect(page.get_by_test_id("lock-indicator")).to_contain_text("Unlocked")
    expect(page.get_by_role("main")).not_to_contain_text("Houston")
    # when she edits again and chooses Save on the prompt, the change lands and the order unlocks
    page.get_by_role("button", name="Edit").click()
    billing_city(page, "Houston")
    page.get_by_role("button", name="Close").click()
    prompt.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Order {order.number} saved; it is unlocked.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Houston")
    # the open editor's heartbeat renews the lock
    page.get_by_role("button", name="Edit").click()
    with page.expect_response(lambda r: r.url.endswith("/heartbeat")) as beat:
        page.evaluate("window.orderEditorHeartbeat()")
    assert beat.value.status == 200
    # when she leaves the editor page for the order search, the page unlocks the order as it goes
    page.get_by_role("link", name="Orders").first.click()
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    # then Bob finds it unlocked (the beacon and his request may cross: he reloads, at most a few times)
    bob_page = new_page()
    console_sign_in(bob_page, bob.email)
    for _ in range(10):
        bob_page.goto(f"/service/orders/{order.number}/")
        if "Unlocked" in bob_page.get_by_test_id("lock-indicator").inner_text():
            break
    expect(bob_page.get_by_test_id("lock-indicator")).to_contain_text("Unlocked")
    bob_page.get_by_role("button", name="Edit").click()
    expect(bob_page.get_by_test_id("lock-indicator")).to_contain_text("Locked by Bob Agent (you)")


def test_cancel_order_is_not_offered_once_a_shipment_is_released(new_page, order, csr):
    page = new_page()
    console_sign_in(page, csr.email)
    page.goto(f"/service/orders/{order.number}/?tab=details")
    page.get_by_role("button", name="Edit").click()
    first = order.shipments.order_by("number").first().number
    page.locator(f"#shipment-{first}").locator("..").get_by_role("button", name="Release Shipment").click()
    expect(page.get_by_text(f"Shipment {first} released.")).to_be_visible()
    page.get_by_role("link", name="Summary").click()
    expect(page.get_by_role("button", name="Cancel Order")).to_have_count(0)
    expect(page.get_by_test_id("cancel-unavailable")).to_contain_text(
        f"Shipment {first} has been released to the warehouse, so the order can no longer be cancelled"
    )
    screenshot(page, "order-cancel-unavailable")
