"""The Holds tab (seed 004 "Order Holds"): select a hold, Mark Resolved or Mark Unresolvable, enter a
comment, Submit; the worker settles it; Reload shows the outcome and the order follows its holds."""

from __future__ import annotations

import pytest
from django.urls import reverse

from concierge.audit.models import Event
from concierge.catalog.models import Sku
from concierge.orders.models import Hold, Order, Shipment
from concierge.orders.tests.builders import held_order
from concierge.orders.tests.hold_steps import queued_settlements, run_settlements
from concierge.testing.clients import browser

pytestmark = pytest.mark.django_db


def holds_page(order: Order) -> str:
    return reverse("service:order", args=[order.number]) + "?tab=holds"


def open_for_editing(client, order: Order) -> None:
    response = client.post(reverse("service:order_edit", args=[order.number]), {"version": order.version})
    assert response.status_code == 302


def decide(client, order: Order, hold, decision: str, comment: str, *, version: int | None = None):
    version = Order.objects.get(pk=order.pk).version if version is None else version
    return client.post(reverse("service:hold_decide", args=[order.number]),
                       {"hold": hold.pk, "decision": decision, "comment": comment, "version": version})  # fmt: skip


def test_both_holds_resolved_in_one_sitting_put_the_order_in_progress(shopper, store, csr):
    # given an order On Hold with two holds, open for editing by Ann
    order = held_order(shopper, store)
    first, second = order.holds.all()
    ann = browser(csr)
    open_for_editing(ann, order)
    body = ann.get(holds_page(order)).content.decode()
    assert "Mark Resolved" in body
    assert "Mark Unresolvable" in body
    assert "Reload" in body
    # when she marks the first resolved with a comment
    response = decide(ann, order, first, "resolved", "Called the customer; the order is genuine.")
    # then it is Resolve pending, a settlement is queued, and the lock is still hers
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == Hold.Status.RESOLVE_PENDING
    assert (first.comment, first.decided_by) == ("Called the customer; the order is genuine.", csr)
    assert first.decided_at is not None
    assert first.settled_at is None
    assert len(queued_settlements()) == 1
    page = ann.get(holds_page(order)).content.decode()
    assert "Resolve pending" in page
    assert "data-holds-pending" in page  # the page reloads itself while a hold is pending
    assert Order.objects.get(pk=order.pk).lease_holder_id == csr.pk
    # and she decides the second in the same sitting
    assert decide(ann, order, second, "resolved", "First order checked.").status_code == 302
    # when the worker runs
    assert run_settlements() == ["RESOLVED", "RESOLVED"]
    # then Reload shows both Resolved and the order In Progress, its shipments back to Inventory Assigned
    page = ann.get(holds_page(order)).content.decode()
    assert page.count(">Resolved<") == 2
    assert "data-holds-pending" not in page
    order.refresh_from_db()
    assert order.status == Order.Status.IN_PROGRESS
    assert set(order.shipments.values_list("status", flat=True)) == {Shipment.Status.INVENTORY_ASSIGNED}
    assert all(h.settled_at for h in order.holds.all())
    # and the Notes tab tells the story in words
    notes = ann.get(reverse("service:order", args=[order.number]) + "?tab=notes").content.decode()
    assert "Hold marked resolved" in notes
    assert "Hold resolved" in notes
    assert "All holds resolved: the order is no longer on hold" in notes
    assert "Called the customer; the order is genuine." in notes


def test_one_hold_resolved_leaves_the_order_on_hold(shopper, store, csr):
    order = held_order(shopper, store)
    first = order.holds.first()
    ann = browser(csr)
    open_for_editing(ann, order)
    decide(ann, order, first, "resolved", "Fine.")
    run_settlements()
    assert Order.objects.get(pk=order.pk).status == Order.Status.ON_HOLD


def test_an_unresolvable_hold_cancels_the_order_reverses_the_payment_and_returns_the_stock(shopper, store, csr):
    order = held_order(shopper, store)
    hold = order.holds.first()
    stock_before = dict(Sku.objects.values_list("pk", "stock_on_hand"))
    ann = browser(csr)
    open_for_editing(ann, order)
    # when Ann marks it unresolvable and the worker runs
    assert decide(ann, order, hold, "unresolvable", "The card holder does not know this order.").status_code == 302
    assert "Unresolvable pending" in ann.get(holds_page(order)).content.decode()
    assert run_settlements() == ["UNRESOLVABLE"]
    # then the order is cancelled, its authorization reversed and its stock back
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert set(order.shipments.values_list("status", flat=True)) == {Shipment.Status.CANCELLED}
    assert order.transactions.filter(kind="REVERSE", status="SUCCEEDED").count() == 1
    lines = {line.sku_id: line.quantity for line in order.lines.all()}
    assert {pk: n for pk, n in Sku.objects.values_list("pk", "stock_on_hand") if pk in lines} == {
        pk: stock_before[pk] + q for pk, q in lines.items()
    }
    page = ann.get(holds_page(order)).content.decode()
    assert ">Unresolvable<" in page
    assert "The order is cancelled: its holds can no longer be decided." in page
    notes = ann.get(reverse("service:order", args=[order.number]) + "?tab=notes").content.decode()
    assert "Hold could not be resolved" in notes
    assert "Order cancelled" in notes


def test_a_missing_comment_is_a_field_error_and_changes_nothing(shopper, store, csr):
    order = held_order(shopper, store)
    hold = order.holds.first()
    ann = browser(csr)
    open_for_editing(ann, order)
    events = Event.objects.count()
    response = decide(ann, order, hold, "resolved", "   ")
    assert response.status_code == 422
    body = response.content.decode()
    assert "Enter a comment." in body
    assert 'class="field-error"' in body
    assert Hold.objects.get(pk=hold.pk).status == Hold.Status.OPEN
    assert (Event.objects.count(), queued_settlements()) == (events, [])


def test_an_over_long_comment_is_refused_naming_the_limit(shopper, store, csr):
    order = held_order(shopper, store)
    ann = browser(csr)
    open_for_editing(ann, order)
    response = decide(ann, order, order.holds.first(), "resolved", "x" * 1001)
    assert response.status_code == 422
    assert "At most 1,000 characters. This has 1,001." in response.content.decode()
    assert Hold.objects.filter(status=Hold.Status.OPEN).count() == 2


def test_a_comment_with_a_nul_is_a_field_error_not_a_400(shopper, store, csr):
    order = held_order(shopper, store)
    ann = browser(csr)
    open_for_editing(ann, order)
    response = decide(ann, order, order.holds.first(), "resolved", "ok\x00")
    assert response.status_code == 422
    assert 'class="field-error"' in response.content.decode()


def test_a_stale_page_gets_the_seeds_dialog(shopper, store, csr):
    order = held_order(shopper, store)
    first, second = order.holds.all()
    ann = browser(csr)
    open_for_editing(ann, order)
    loaded = Order.objects.get(pk=order.pk).version
    decide(ann, order, first, "resolved", "Fine.")  # the order moved on
    response = decide(ann, order, second, "resolved", "Also fine.", version=loaded)
    assert response.status_code == 412
    body = response.content.decode()
    assert 'role="alertdialog"' in body
    assert "Order changed" in body
    assert Hold.objects.get(pk=second.pk).status == Hold.Status.OPEN


def test_a_csr_without_the_holds_privilege_is_refused_and_told_why(shopper, store, csr, supervisor):
    # given a large-order review that needs a supervisor
    order = held_order(shopper, store, review_by_supervisor=True)
    review, first_order = order.holds.all()
    ann = browser(csr)
    open_for_editing(ann, order)
    # then the Holds tab says why Ann cannot decide it, and offers her only the other
    page = ann.get(holds_page(order)).content.decode()
    assert "Deciding this hold needs the privilege “Can resolve holds that need a supervisor&#x27;s review”" in page
    assert f'name="hold" value="{review.pk}"' not in page
    assert f'name="hold" value="{first_order.pk}"' in page
    # and a POST for it anyway is refused with a 403 in words
    response = decide(ann, order, review, "resolved", "Looks fine to me.")
    assert response.status_code == 403
    assert "which you do not have. Ask a supervisor." in response.content.decode()
    assert Hold.objects.get(pk=review.pk).status == Hold.Status.OPEN
    # while a supervisor may decide it
    ann.post(reverse("service:order_close", args=[order.number]))
    sam = browser(supervisor)
    open_for_editing(sam, order)
    assert decide(sam, order, review, "resolved", "Reviewed.").status_code == 302
    assert Hold.objects.get(pk=review.pk).status == Hold.Status.RESOLVE_PENDING


def test_the_holds_tab_is_read_only_unless_the_order_is_open_for_editing(shopper, store, csr):
    order = held_order(shopper, store)
    ann = browser(csr)
    page = ann.get(holds_page(order)).content.decode()
    assert "Mark Resolved" not in page
    assert 'type="radio"' not in page
    assert "Choose Edit to decide the holds" in page
    # and a POST without the lock is refused with the seed's dialog
    response = decide(ann, order, order.holds.first(), "resolved", "Fine.")
    assert response.status_code == 409
    assert 'role="alertdialog"' in response.content.decode()


def test_a_decided_hold_cannot_be_decided_again(shopper, store, csr):
    order = held_order(shopper, store)
    hold = order.holds.first()
    ann = browser(csr)
    open_for_editing(ann, order)
    decide(ann, order, hold, "resolved", "Fine.")
    response = decide(ann, order, hold, "unresolvable", "Changed my mind.")
    assert response.status_code == 409
    assert "This hold is resolve pending: it has been decided." in response.content.decode()
    assert len(queued_settlements()) == 1


def test_another_orders_hold_is_not_found(shopper, other_shopper, store, csr):
    order = held_order(shopper, store)
    other = held_order(other_shopper, store)
    ann = browser(csr)
    open_for_editing(ann, order)
    assert decide(ann, order, other.holds.first(), "resolved", "Fine.").status_code == 404
    assert decide(ann, order, order.holds.first(), "maybe", "Fine.").status_code == 422


def test_order_search_on_hold_filter_finds_held_orders(shopper, other_shopper, store, csr, order):
    held = held_order(other_shopper, store)
    body = browser(csr).get(reverse("service:orders"), {"status": "ON_HOLD"}).content.decode()
    assert held.number in body
    assert order.number not in body


def test_deciding_a_hold_refuses_get(shopper, store, csr):
    order = held_order(shopper, store)
    assert browser(csr).get(reverse("service:hold_decide", args=[order.number])).status_code == 405
