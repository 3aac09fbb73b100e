"""The supervisor's desk in a real browser: Sam opens the desk from the console's header, reads each
queue's count, opens every queue, approves a refund in place, unlocks an order with a reason and
ends Ann's live session with a reason — and Ann's next step tells her who ended it and why."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from concierge.desk.tests.queue_support import awaiting_refund, locked_order, on_hold
from concierge.orders.models import Order
from concierge.payments.models import Refund
from concierge.testing import factories
from e2e.conftest import screenshot
from e2e.test_assist import find_and_access, shop, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["shop"]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def both_widths(page: Page, name: str) -> None:
    screenshot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)


def test_a_supervisor_works_the_desks_queues(
    new_page: Callable[[], Page], shop, store, shopper, other_shopper, csr, supervisor, administrator
):
    bob = factories.staff("CSR", stores=[store], email="bob@concierge.test", first_name="Bob", last_name="Baker")
    held = on_hold(other_shopper, store)
    refund = awaiting_refund(administrator, other_shopper, store)  # Ada asked: Sam decides
    locked_order(bob, held)
    # Ann is acting for Jane now
    ann = new_page()
    sign_in(ann, csr.email)
    find_and_access(ann, "Shopper", "Jane Shopper")
    expect(ann.get_by_text("You have successfully accessed the customer account")).to_be_visible()

    sam = new_page()
    sign_in(sam, supervisor.email)
    sam.get_by_role("navigation", name="Console").get_by_role("link", name="Desk").click()
    expect(sam.get_by_role("heading", name="Supervisor's desk", level=1)).to_be_visible()
    for queue, count in [("Orders On Hold", 1), ("Refunds Awaiting Approval", 1), ("Locked orders and carts", 1),
                         ("Live assisted sessions", 1)]:  # fmt: skip
        expect(sam.get_by_role("link", name=f"{queue}: {count}")).to_contain_text(f"{count} {queue}")
    expect(sam.get_by_role("link", name="Open the analytics")).to_have_attribute("href", "/service/desk/analytics/")
    both_widths(sam, "desk-home")

    # Orders On Hold: the holds by name, how long, and the order opens on its Holds tab
    sam.get_by_role("link", name="Orders On Hold: 1").click()
    row = sam.get_by_role("row").filter(has_text=held.number)
    expect(row).to_contain_text("Large order review")
    expect(row).to_contain_text("First order")
    expect(row).to_contain_text("less than a minute")
    both_widths(sam, "desk-on-hold")
    row.get_by_role("link", name=held.number).click()
    expect(sam.get_by_role("heading", name="Holds", level=2)).to_be_visible()
    assert sam.url.endswith(f"/service/orders/{held.number}/?tab=holds")
    expect(sam.get_by_role("region", name="Holds")).to_contain_text("Large order review")

    # Refunds Awaiting Approval: approve in place
    sam.goto("/service/desk/")
    sam.get_by_role("link", name="Refunds Awaiting Approval: 1").click()
    row = sam.get_by_role("row").filter(has_text=refund.order.number)
    expect(row).to_contain_text("$60.00")
    both_widths(sam, "desk-refunds")
    row.get_by_role("button", name=f"Approve the refund of order {refund.order.number}").click()
    expect(sam.get_by_text(f"Refund of order {refund.order.number} approved: issued.")).to_be_visible()
    expect(sam.get_by_text("No refunds are awaiting approval in your stores.")).to_be_visible()
    assert Refund.objects.get(pk=refund.pk).status == Refund.Status.ISSUED

    # Locked orders and carts: Bob holds the order; unlock it with a reason
    sam.get_by_role("navigation", name="Queues").get_by_role("link", name="Locked orders and carts").click()
    row = sam.get_by_role("row").filter(has_text=f"Order {held.number}")
    expect(row).to_contain_text("Bob Baker")
    row.locator("summary").filter(has_text="Unlock").click()
    row.get_by_label("Reason for unlocking").fill("Bob went home with the order open.")
    both_widths(sam, "desk-locks")
    row.get_by_role("button", name=f"Unlock order {held.number}").click()
    expect(sam.get_by_text(f"Order {held.number} is unlocked.")).to_be_visible()
    assert not Order.objects.get(pk=held.pk).lease_is_live()

    # Live assisted sessions: Ann for Jane; end it with a reason
    sam.get_by_role("navigation", name="Queues").get_by_role("link", name="Live assisted sessions").click()
    row = sam.get_by_role("row").filter(has_text="Jane Shopper")
    expect(row).to_contain_text("Ann Agent")
    expect(row.get_by_role("link", name="Transfer")).to_be_visible()
    row.locator("summary").filter(has_text="End session").click()
    row.get_by_label("Reason for ending the session").fill("Jane asked to speak to a supervisor.")
    both_widths(sam, "desk-sessions")
    row.get_by_role("button", name="End the session of Ann Agent for Jane Shopper").click()
    expect(sam.get_by_text("The session of Ann Agent for Jane Shopper has ended.")).to_be_visible()
    expect(sam.get_by_text("Nobody is assisting a customer in your stores now.")).to_be_visible()

    # Ann's next step tells her
    ann.goto("/account/")
    told = (f"{supervisor.display_name} ended your session on behalf of Jane Shopper. Reason: Jane asked to speak to "
            "a supervisor. You are signed in as yourself.")  # fmt: skip
    expect(ann.get_by_text(told)).to_be_visible()
    screenshot(ann, "desk-agent-told-1280")


def test_an_open_queue_shows_new_rows_but_never_while_the_supervisor_writes_a_reason(
    new_page: Callable[[], Page], shop, store, shopper, other_shopper, supervisor, settings
):
    settings.DESK_QUEUE_REFRESH_SECONDS = 1
    first = on_hold(other_shopper, store)
    sam = new_page()
    sign_in(sam, supervisor.email)
    sam.goto("/service/desk/queues/locks/")
    expect(sam.get_by_text("Nobody holds the lock of an order or a cart in your stores now.")).to_be_visible()

    # Bob opens an order for editing: Sam's page shows it without a reload
    bob = factories.staff("CSR", stores=[store], first_name="Bob", last_name="Baker")
    locked_order(bob, first)
    row = sam.get_by_role("row").filter(has_text=first.number)
    expect(row).to_contain_text("Bob Baker", timeout=5000)

    # Sam starts writing an unlock reason: a second lock waits until he is done
    row.locator("summary", has_text="Unlock").click()
    sam.get_by_label("Reason for unlocking").fill("Bob is away")
    second = on_hold(shopper, store)
    locked_order(bob, second)
    sam.wait_for_timeout(2500)
    expect(sam.get_by_role("row").filter(has_text=second.number)).to_have_count(0)
    expect(sam.get_by_label("Reason for unlocking")).to_have_value("Bob is away")
