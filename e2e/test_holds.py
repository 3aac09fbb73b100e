"""Seed 004 "Order Holds" in a real browser: find the order On Hold, open its Holds tab, Mark Resolved
(or Mark Unresolvable) with a comment, Submit; the worker (a real ``manage.py worker`` process) settles
the hold; Reload shows the outcome."""

from __future__ import annotations

import re

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import Page, expect

from concierge.core.tests.test_worker import start_worker, wait_for
from concierge.orders.models import Order
from concierge.orders.tests.builders import held_order
from concierge.orders.tests.hold_steps import SETTLE_HOLD, queued_settlements
from e2e.conftest import console_sign_in as sign_in
from e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def the_worker_settles(count: int) -> list[str]:
    """Start a worker process, as ``make run`` does, and wait until it has settled ``count`` holds;
    what each settlement came to, in the order they were decided."""
    assert len(queued_settlements()) == count  # nothing was settled before the worker ran
    settled = DBTaskResult.objects.filter(task_path=SETTLE_HOLD, status=TaskResultStatus.SUCCESSFUL)
    worker = start_worker("e2e-holds")
    try:
        wait_for(lambda: settled.count() == count, 30, "the worker to settle the holds")
    finally:
        worker.terminate()
        worker.wait(10)
    return [str(row.return_value) for row in settled.order_by("id")]


def both_widths(page: Page, name: str) -> None:
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 800})


def open_holds_tab(page: Page, order: Order) -> None:
    """Customers → Orders, Order Status On Hold, Search, open the order, its Holds tab, Edit."""
    page.get_by_role("link", name="Orders").click()
    page.get_by_label("Order Status").select_option(label="On Hold")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=order.number).click()
    page.get_by_role("link", name="Holds").click()
    page.get_by_role("button", name="Edit").click()
    expect(page.get_by_test_id("lock-indicator")).to_contain_text("Locked by Ann Agent (you)")


def decide(page: Page, reason_start: str, button: str, comment: str) -> None:
    page.get_by_role("radio", name=re.compile(f"Select hold: {reason_start}")).check()
    page.get_by_role("button", name=button).click()
    page.get_by_label("Comment").fill(comment)
    page.get_by_role("button", name="Submit").click()


def row(page: Page, reason_start: str):
    return page.get_by_role("row").filter(has_text=reason_start)


def test_mark_resolved_then_the_worker_then_reload_puts_the_order_in_progress(page, shopper, store, csr):
    order = held_order(shopper, store)
    sign_in(page, csr.email)
    open_holds_tab(page, order)
    expect(page.get_by_role("row")).to_have_count(3)  # the header and two holds
    both_widths(page, "holds-open")

    # when Ann marks the large-order review resolved with a comment
    page.get_by_role("radio", name=re.compile("Select hold: Large order review")).check()
    page.get_by_role("button", name="Mark Resolved").click()
    expect(page.get_by_label("Comment")).to_be_focused()
    page.get_by_label("Comment").fill("Called the customer: the order is genuine.")
    both_widths(page, "holds-mark-resolved-comment")
    page.get_by_role("button", name="Submit").click()
    # then the hold is Resolve pending (the message was sent to be processed)
    expect(row(page, "Large order review").get_by_test_id("hold-status")).to_have_text("Resolve pending")
    expect(page.get_by_text("A hold decision is being processed.")).to_be_visible()
    both_widths(page, "holds-resolve-pending")

    # and while it is pending the page reloads itself, keeping Ann's lock
    page.evaluate("window.notReloadedYet = true")
    page.wait_for_function("() => window.notReloadedYet === undefined", timeout=15_000)
    expect(page.get_by_test_id("lock-indicator")).to_contain_text("Locked by Ann Agent (you)")
    assert Order.objects.get(pk=order.pk).lease_holder_id == csr.pk

    # and she decides the other hold in the same sitting
    decide(page, "First order", "Mark Resolved", "Returning customer by phone; checked.")
    expect(row(page, "First order").get_by_test_id("hold-status")).to_have_text("Resolve pending")

    # when the worker processes the decisions, and Ann chooses Reload
    assert the_worker_settles(2) == ["RESOLVED", "RESOLVED"]
    page.get_by_role("link", name="Reload").click()
    # then both holds are Resolved and the order is In Progress
    expect(row(page, "Large order review").get_by_test_id("hold-status")).to_have_text("Resolved")
    expect(row(page, "First order").get_by_test_id("hold-status")).to_have_text("Resolved")
    expect(page.get_by_role("heading", level=1)).to_contain_text("In Progress")
    expect(page.get_by_text("A hold decision is being processed.")).to_have_count(0)
    both_widths(page, "holds-resolved-in-progress")
    # and the Notes tab tells what happened
    page.get_by_role("link", name="Notes").click()
    expect(page.get_by_text("All holds resolved: the order is no longer on hold")).to_be_visible()
    expect(page.get_by_text("Called the customer: the order is genuine.")).to_be_visible()


def test_mark_unresolvable_cancels_the_order_and_a_supervisors_hold_says_why(page, shopper, store, csr):
    order = held_order(shopper, store, review_by_supervisor=True)
    sign_in(page, csr.email)
    open_holds_tab(page, order)
    # the large-order review needs a supervisor: Ann is told why she cannot decide it
    expect(row(page, "Large order review")).to_contain_text("Ask a supervisor.")
    expect(page.get_by_role("radio", name=re.compile("Select hold: Large order review"))).to_have_count(0)
    both_widths(page, "holds-needs-supervisor")

    # when she marks the other hold unresolvable
    decide(page, "First order", "Mark Unresolvable", "The card holder does not know this order.")
    expect(row(page, "First order").get_by_test_id("hold-status")).to_have_text("Unresolvable pending")
    # and the worker processes it, and she chooses Reload
    assert the_worker_settles(1) == ["UNRESOLVABLE"]
    page.get_by_role("link", name="Reload").click()
    # then the hold is Unresolvable and the order Cancelled
    expect(row(page, "First order").get_by_test_id("hold-status")).to_have_text("Unresolvable")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cancelled")
    expect(page.get_by_role("button", name="Mark Resolved")).to_have_count(0)
    both_widths(page, "holds-unresolvable-cancelled")
    assert order.transactions.filter(kind="REVERSE", status="SUCCEEDED").count() == 1
