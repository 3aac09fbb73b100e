"""The Create Return / Create Exchange wizards and the Warehouse, through the test client."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from concierge.orders.models import Order
from concierge.payments.models import Refund
from concierge.returns.models import Return, ReturnReason
from concierge.returns.tests.builders import EBOOK, SHOE, delivered_order
from concierge.testing.clients import browser

pytestmark = pytest.mark.django_db


def url(name: str, *args: str) -> str:
    return reverse(f"service:{name}", args=args)


def editing(user, order: Order):
    client = browser(user)
    assert client.post(url("order_edit", order.number), {"version": order.version}).status_code == 302
    return client


def wrong_size() -> int:
    return ReturnReason.objects.get(name="Wrong Size").pk


def test_create_return_is_on_details_while_editing(csr, shopper, store):
    order = delivered_order(shopper, store, (SHOE,))
    viewer = browser(csr)
    assert (
        "Choose Edit to create a return or an exchange." in viewer.get(url("order", order.number) + "?tab=details").text
    )
    body = editing(csr, order).get(url("order", order.number) + "?tab=details").text
    create = f'action="{url("order_return_new", order.number)}"><button class="button" type="submit">Create Return'
    assert create in body
    assert 'value="EXCHANGE"><button class="button" type="submit">Create Exchange' in body


def test_the_return_wizard_next_writes_nothing_and_next_again_creates_the_return(csr, shopper, store):
    order = delivered_order(shopper, store, (SHOE,))
    line = order.lines.get()
    client = editing(csr, order)
    step1 = client.get(url("order_return_new", order.number))
    assert step1.status_code == 200
    assert "Create Return" in step1.text
    assert 'name="quantity-' in step1.text
    form = {"kind": "RETURN", "version": order.version, f"quantity-{line.pk}": "1",
            f"reason-{line.pk}": wrong_size(), f"comments-{line.pk}": "No box", "receipt_required": "1"}  # fmt: skip
    # Next: the refund step with the suggestion, nothing written
    step2 = client.post(url("order_return_next", order.number), form)
    assert step2.status_code == 200
    assert 'data-testid="suggested">$80.00<' in step2.text
    assert "Manual Refund" in step2.text
    assert not Return.objects.exists()
    # Next again: the return is created and its RMA shown, with Finish
    done = client.post(url("order_return_create", order.number), {**form, "amount": "80.00", "destination": "ORIGINAL"})
    assert done.status_code == 302
    ret = Return.objects.get()
    page = client.get(done["Location"])
    assert ret.rma in page.text
    assert "Finish" in page.text
    assert "Awaiting Receipt" in page.text
    tab = client.get(url("order", order.number) + "?tab=returns").text
    assert ret.rma in tab
    assert "Awaiting Receipt" in tab
    assert "Wrong Size" in tab
    assert Order.objects.get(pk=order.pk).version == order.version + 1


def test_bad_items_are_field_errors_on_step_one(csr, shopper, store):
    order = delivered_order(shopper, store, (SHOE,))
    line = order.lines.get()
    client = editing(csr, order)
    response = client.post(url("order_return_next", order.number),
                           {"kind": "RETURN", "version": order.version, f"quantity-{line.pk}": "5"})  # fmt: skip
    assert response.status_code == 422
    assert "At most 2 can be returned (shipped 2, already returned 0)." in response.text
    assert "Choose the reason for the return." in response.text
    over = client.post(url("order_return_next", order.number), {
        "kind": "RETURN", "version": order.version, f"quantity-{line.pk}": "1", f"reason-{line.pk}": wrong_size(),
        f"comments-{line.pk}": "x" * 600})  # fmt: skip
    assert over.status_code == 422
    assert "At most 500 characters. This has 600." in over.text


def test_a_refund_above_the_suggestion_is_refused_on_step_two(csr, shopper, store):
    order = delivered_order(shopper, store, (SHOE,))
    line = order.lines.get()
    client = editing(csr, order)
    form = {"kind": "RETURN", "version": order.version, f"quantity-{line.pk}": "1", f"reason-{line.pk}": wrong_size(),
            "amount": "99.00", "destination": "ORIGINAL"}  # fmt: skip
    response = client.post(url("order_return_create", order.number), form)
    assert response.status_code == 422
    assert "The refund can be at most 80.00 USD, the amount suggested." in response.text
    assert not Return.objects.exists()


def test_a_digital_return_with_a_manual_refund_completes_at_once(csr, shopper, store):
    order = delivered_order(shopper, store, (EBOOK,))
    line = order.lines.get()
    client = editing(csr, order)
    done = client.post(url("order_return_create", order.number), {
        "kind": "RETURN", "version": order.version, f"quantity-{line.pk}": "1", f"reason-{line.pk}": wrong_size(),
        "receipt_required": "1", "destination": "MANUAL", "note": "Cheque posted"})  # fmt: skip
    assert done.status_code == 302
    ret = Return.objects.get()
    assert ret.status == Return.Status.COMPLETED
    refund = Refund.objects.get(rma=ret.rma)
    assert (refund.destination, refund.status, refund.amount) == ("MANUAL", "ISSUED", Decimal("12.00"))
    assert "Completed" in client.get(done["Location"]).text


def test_an_exchange_through_the_wizard_creates_an_order_awaiting_exchange(csr, shopper, store):
    order = delivered_order(shopper, store, (SHOE,))
    line = order.lines.get()
    client = editing(csr, order)
    form = {"kind": "EXCHANGE", "version": order.version, f"quantity-{line.pk}": "1",
            f"reason-{line.pk}": wrong_size(), f"sku-{line.pk}": line.sku_code, "receipt_required": "1"}  # fmt: skip
    step2 = client.post(url("order_return_next", order.number), form)
    assert step2.status_code == 200
    assert 'data-testid="charge">$0.00<' in step2.text
    done = client.post(url("order_return_create", order.number), form)
    assert done.status_code == 302
    ret = Return.objects.get()
    assert ret.exchange_order.status == Order.Status.AWAITING_EXCHANGE
    assert ret.exchange_order.number in client.get(url("order", order.number) + "?tab=returns").text


def test_the_wizard_needs_the_lock_and_the_privilege(csr, shopper, store, warehouse):
    order = delivered_order(shopper, store, (SHOE,))
    line = order.lines.get()
    form = {"kind": "RETURN", "version": order.version, f"quantity-{line.pk}": "1", f"reason-{line.pk}": wrong_size()}
    response = browser(csr).post(url("order_return_create", order.number), form)
    assert response.status_code == 409
    assert 'role="alertdialog"' in response.text
    assert browser(warehouse).get(url("order_return_new", order.number)).status_code == 403
    assert browser(warehouse).post(url("order_return_create", order.number), form).status_code == 403
    assert not Return.objects.exists()


# --- The Warehouse ---------------------------------------------------------------------------------


def a_return(csr, order: Order) -> Return:
    line = order.lines.filter(sku__kind="SHIPPABLE").first()
    client = editing(csr, order)
    client.post(url("order_return_create", order.number), {
        "kind": "RETURN", "version": order.version, f"quantity-{line.pk}": "2", f"reason-{line.pk}": wrong_size(),
        "receipt_required": "1", "destination": "ORIGINAL"})  # fmt: skip
    return Return.objects.get(order=order)


def test_warehouse_staff_land_in_the_warehouse_and_see_only_it(warehouse, shopper, store, csr):
    order = delivered_order(shopper, store, (SHOE,))
    client = browser(warehouse)
    page = client.get(url("warehouse"))
    assert page.status_code == 200
    assert "Search Terms" in page.text
    assert 'href="/service/orders/"' not in page.text  # the nav shows only Warehouse
    assert client.get(url("order", order.number)).status_code == 403
    assert client.get(url("orders")).status_code == 403
    assert client.get(url("customer", str(shopper.pk))).status_code == 403
    # and customer service staff without the privilege cannot use the Warehouse
    assert browser(csr).get(url("warehouse")).status_code == 403


def test_search_by_each_term_and_more_terms_narrow(warehouse, shopper, other_shopper, store, csr):
    mine = a_return(csr, delivered_order(shopper, store, (SHOE,)))
    other = a_return(csr, delivered_order(other_shopper, store, (SHOE,)))
    client = browser(warehouse)

    def found(**terms: str) -> set[str]:
        body = client.get(url("warehouse"), terms).text
        return {rma for rma in (mine.rma, other.rma) if url("warehouse_return", rma) in body}

    assert found(rma=mine.rma.lower()) == {mine.rma}
    assert found(order_number=other.order_number) == {other.rma}
    assert found(name="shopper") == {mine.rma}
    assert found(name="jane shop") == {mine.rma}
    assert found(email="omar@") == {other.rma}
    assert found(status="AWAITING_RECEIPT") == {mine.rma, other.rma}
    assert found(status="AWAITING_RECEIPT", email="jane") == {mine.rma}
    assert found(status="COMPLETED") == set()
    today = mine.created_at.date().isoformat()
    assert found(created_from=today, created_to=today) == {mine.rma, other.rma}
    bad = client.get(url("warehouse"), {"created_from": "2026-02-30"})
    assert bad.status_code == 400
    assert "Not a date" in bad.text


def test_receive_in_two_parts_completes_the_return_and_issues_its_refund(warehouse, shopper, store, csr):
    order = delivered_order(shopper, store, (SHOE,))
    ret = a_return(csr, order)
    line = ret.lines.get()
    client = browser(warehouse)
    page = client.get(url("warehouse_return", ret.rma))
    assert "Receive" in page.text
    assert f'name="received-{line.pk}"' in page.text
    first = client.post(url("warehouse_receive", ret.rma), {"version": ret.version, f"received-{line.pk}": "1"})
    assert first.status_code == 302
    assert "Received items of" in client.get(first["Location"]).text
    # a second tab still showing the first version is told the return changed
    stale = client.post(url("warehouse_receive", ret.rma), {"version": ret.version, f"received-{line.pk}": "1"})
    assert stale.status_code == 412
    assert "Return changed" in stale.text
    ret.refresh_from_db()
    done = client.post(url("warehouse_receive", ret.rma), {"version": ret.version, f"received-{line.pk}": "1"})
    assert done.status_code == 302
    body = client.get(done["Location"]).text
    assert "received in full and completed: its refund is issued" in body
    assert "$160.00 to Visa ending in 4242 · Issued" in body
    assert Return.objects.get(pk=ret.pk).status == Return.Status.COMPLETED


def test_over_receiving_is_a_field_error(warehouse, shopper, store, csr):
    ret = a_return(csr, delivered_order(shopper, store, (SHOE,)))
    line = ret.lines.get()
    response = browser(warehouse).post(url("warehouse_receive", ret.rma), {"version": ret.version,
                                                                           f"received-{line.pk}": "3"})  # fmt: skip
    assert response.status_code == 422
    assert "At most 2 of this item are still to be received." in response.text
    assert Return.objects.get(pk=ret.pk).lines.get().received_quantity == 0


def test_another_stores_warehouse_finds_nothing(shopper, store, other_store, csr):
    from concierge.testing import factories

    ret = a_return(csr, delivered_order(shopper, store, (SHOE,)))
    far = browser(factories.staff("Warehouse", stores=[other_store]))
    page = far.get(url("warehouse"), {"rma": ret.rma}).text
    assert "No returns match." in page
    assert url("warehouse_return", ret.rma) not in page
    assert far.get(url("warehouse_return", ret.rma)).status_code == 404
