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
    # no promotion on the order: the Promotions column says so rather than minus nothing
    assert 'data-label="Promotions">—<' in step2.text
    assert "\u2212$0.00" not in step2.text  # a minus sign before nothing
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


def test_search_with_no_term_says_what_to_enter_and_lists_nothing(warehouse, shopper, store, csr):
    ret = a_return(csr, delivered_order(shopper, store, (SHOE,)))
    client = browser(warehouse)
    # the tab opened: no advice yet
    assert "Enter at least one search term" not in client.get(url("warehouse")).text
    # Search with every term empty, as the form sends it
    page = client.get(url("warehouse"), {"rma": "", "order_number": "", "name": "", "email": "", "status": "",
                                         "created_from": "", "created_to": ""})  # fmt: skip
    assert page.status_code == 200
    assert "Enter at least one search term" in page.text
    assert url("warehouse_return", ret.rma) not in page.text


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


# --- Another payment source, and a return resting in Received --------------------------------------


def closed(order: Order) -> Order:
    """The CSR who edited the order closed it (the wizard keeps the lock until then)."""
    Order.objects.filter(pk=order.pk).update(lease_holder=None, lease_token="", lease_acquired_at=None,
                                             lease_expires_at=None)  # fmt: skip
    return Order.objects.get(pk=order.pk)


def a_card(customer, number: str):
    from concierge.core.context import ActingContext
    from concierge.payments.services import payment_source_add_card

    return payment_source_add_card(ActingContext.system("tests", store=customer.store), customer=customer,
                                   number=number, exp_month=4, exp_year=2033, cvc="123",
                                   holder_name=customer.display_name or "Accounts")  # fmt: skip


def test_the_wizard_refunds_to_another_card_of_the_customer_or_of_the_orders_account(csr, shopper, other_shopper,
                                                                                     store):  # fmt: skip
    from concierge.testing import factories

    order = delivered_order(shopper, store, (EBOOK, SHOE))
    org = factories.organization(store=store, name="Acme Outfitters")
    Order.objects.filter(pk=order.pk).update(account=org)
    customers, accounts = a_card(shopper, "5555555555554444"), a_card(org, "5105105105105100")
    strangers = a_card(other_shopper, "4012888888881881")
    ebook, shoe = order.lines.get(product_name="Trail Guide eBook"), order.lines.get(product_name="Shoe")
    client = editing(csr, order)

    def create(line, quantity: str, source):
        version = Order.objects.get(pk=order.pk).version
        return client.post(url("order_return_create", order.number), {
            "kind": "RETURN", "version": version, f"quantity-{line.pk}": quantity, f"reason-{line.pk}": wrong_size(),
            "destination": "OTHER_SOURCE", "source": source.pk})  # fmt: skip

    refused = create(ebook, "1", strangers)
    assert refused.status_code == 422
    assert "Choose one of the customer&#x27;s cards." in refused.text
    assert create(ebook, "1", customers).status_code == 302
    assert create(shoe, "2", accounts).status_code == 302
    by_rma = {r.lines.get().order_line_id: r for r in Return.objects.all()}
    assert set(Refund.objects.filter(rma=by_rma[ebook.pk].rma).values_list("source_id", flat=True)) == {customers.pk}
    assert set(Refund.objects.filter(rma=by_rma[shoe.pk].rma).values_list("source_id", flat=True)) == {accounts.pk}
    assert all(r.status == Return.Status.COMPLETED for r in by_rma.values())


def test_a_received_return_waiting_for_approval_on_the_tab_and_in_the_warehouse(csr, supervisor, warehouse,
                                                                                 shopper, store):  # fmt: skip
    store.refund_approval_threshold = Decimal("50.00")
    store.save(update_fields=["refund_approval_threshold"])
    order = delivered_order(shopper, store, (SHOE,))
    ret = a_return(csr, order)
    line = ret.lines.get()
    will = browser(warehouse)
    received = will.post(url("warehouse_receive", ret.rma), {"version": ret.version, f"received-{line.pk}": "2"})
    assert received.status_code == 302
    page = will.get(received["Location"]).text
    assert (
        f"All items of {ret.rma} received. The return completes when its refund is issued (awaiting approval)." in page
    )
    assert "the rest is still awaited" not in page
    assert 'class="status status-received">Received<' in page
    assert "Received in full. The return completes when its refund is issued;" in page
    assert "the refund is awaiting approval by a second person in customer service" in page
    assert "$160.00 to Visa ending in 4242 · Awaiting Approval" in page
    search = will.get(url("warehouse"), {"status": "RECEIVED"}).text
    assert url("warehouse_return", ret.rma) in search
    assert "Received: the goods are back in full; the return completes when its refund is issued." in search
    assert url("warehouse_return", ret.rma) not in will.get(url("warehouse"), {"status": "AWAITING_RECEIPT"}).text
    # the CSR's Returns and exchanges tab says why it is not completed
    order = closed(order)
    tab = browser(csr).get(url("order", order.number) + "?tab=returns").text
    assert "Received in full." in tab
    assert "the refund is awaiting approval by a second person with the Approve Refund privilege" in tab
    # the refunds list names the return by its RMA, once
    assert f'data-testid="refund-rma">· {ret.rma}<' in tab
    assert "RMA RMA-" not in tab
    # a supervisor approves it on the Payments tab: it is issued and the return completes
    sam = editing(supervisor, order)
    refund = Refund.objects.get(rma=ret.rma)
    approved = sam.post(url("refund_approve", order.number, str(refund.pk)),
                        {"version": Order.objects.get(pk=order.pk).version})  # fmt: skip
    assert approved.status_code == 302
    assert Return.objects.get(pk=ret.pk).status == Return.Status.COMPLETED
    tab = browser(csr).get(url("order", order.number) + "?tab=returns").text
    assert "Received in full." not in tab
    assert f"$160.00 to Visa ending in 4242 · Issued · approved by {supervisor.display_name}<" in tab


def test_a_rejected_refund_is_shown_beside_the_received_return(csr, supervisor, warehouse, shopper, store):
    store.refund_approval_threshold = Decimal("50.00")
    store.save(update_fields=["refund_approval_threshold"])
    order = delivered_order(shopper, store, (SHOE,))
    ret = a_return(csr, order)
    browser(warehouse).post(url("warehouse_receive", ret.rma), {"version": ret.version,
                                                                f"received-{ret.lines.get().pk}": "2"})  # fmt: skip
    order = closed(order)
    sam = editing(supervisor, order)
    refund = Refund.objects.get(rma=ret.rma)
    form = {"version": Order.objects.get(pk=order.pk).version, "reason": "Only one shoe was worn"}
    rejected = sam.post(url("refund_reject", order.number, str(refund.pk)), form)
    assert rejected.status_code == 302
    tab = browser(csr).get(url("order", order.number) + "?tab=returns").text
    assert "Its refund was not issued (see its status below)" in tab
    assert f"$160.00 to Visa ending in 4242 · Rejected by {supervisor.display_name}: Only one shoe was worn" in tab
    assert Return.objects.get(pk=ret.pk).status == Return.Status.RECEIVED


# --- Issue Refund: another refund for a received return whose refund was rejected -------------------


def rejected(csr, supervisor, warehouse, shopper, store) -> tuple[Order, Return]:
    """A return of two shoes received in full whose 160.00 refund a supervisor rejected; the order
    unlocked."""
    store.refund_approval_threshold = Decimal("50.00")
    store.save(update_fields=["refund_approval_threshold"])
    order = delivered_order(shopper, store, (SHOE,))
    ret = a_return(csr, order)
    browser(warehouse).post(url("warehouse_receive", ret.rma), {"version": ret.version,
                                                                f"received-{ret.lines.get().pk}": "2"})  # fmt: skip
    order = closed(order)
    sam = editing(supervisor, order)
    refund = Refund.objects.get(rma=ret.rma)
    sam.post(url("refund_reject", order.number, str(refund.pk)),
             {"version": Order.objects.get(pk=order.pk).version, "reason": "Only one shoe was worn"})  # fmt: skip
    return closed(order), Return.objects.get(pk=ret.pk)


def test_issue_refund_for_a_rejected_refund_issues_it_and_the_return_completes(csr, supervisor, warehouse,
                                                                                shopper, store):  # fmt: skip
    order, ret = rejected(csr, supervisor, warehouse, shopper, store)
    assert ret.status == Return.Status.RECEIVED
    issue = url("order_return_refund", order.number, ret.rma)
    # not editing: the tab says to lock the order first
    assert (
        "Issue Refund: choose Edit to lock the order first."
        in browser(csr).get(url("order", order.number) + "?tab=returns").text
    )
    client = editing(csr, order)
    tab = client.get(url("order", order.number) + "?tab=returns").text
    assert f'action="{issue}"><button class="button" type="submit">Issue Refund</button>' in tab
    # the wizard's first page: the amount left of its refund, a note and the Refund Options
    page = client.get(issue)
    assert page.status_code == 200
    assert f"Issue Refund for {ret.rma}" in page.text
    assert 'name="amount" inputmode="decimal" autocomplete="off" value="160.00"' in page.text
    assert "Up to $160.00 can be refunded for" in page.text
    for words in ("Refund Options", "Original payment source", "Manual Refund", ">Next<", "Note"):
        assert words in page.text
    version = Order.objects.get(pk=order.pk).version
    # more than the shoes are worth is a field error, and nothing is written
    too_much = client.post(issue, {"version": version, "amount": "160.01", "destination": "MANUAL"})
    assert too_much.status_code == 422
    assert f"Another refund of {ret.rma} can be at most 160.00 USD" in too_much.text
    assert Refund.objects.filter(rma=ret.rma).count() == 1
    # Next: a Manual Refund of one shoe, within the threshold, is issued and the return completes
    done = client.post(issue, {"version": version, "amount": "45.00", "destination": "MANUAL",
                               "note": "Cheque for the worn shoe"})  # fmt: skip
    assert done.status_code == 302, done.text[:300]
    last = client.get(done["Location"]).text
    assert "Manual refund of $45.00 recorded." in last
    assert f"{ret.rma} is completed." in last
    assert "Cheque for the worn shoe" in last
    assert 'class="button primary-inline" href="' + url("order", order.number) + '?tab=returns">Finish<' in last
    assert Return.objects.get(pk=ret.pk).status == Return.Status.COMPLETED
    assert list(Refund.objects.filter(rma=ret.rma).order_by("pk").values_list("status", "amount")) == [
        ("REJECTED", Decimal("160.00")), ("ISSUED", Decimal("45.00"))]  # fmt: skip
    # and the completed return offers no Issue Refund any more
    tab = client.get(url("order", order.number) + "?tab=returns").text
    assert "Issue Refund" not in tab


def test_issue_refund_for_a_return_not_received_is_refused(csr, shopper, store):
    order = delivered_order(shopper, store, (SHOE,))
    ret = a_return(csr, order)
    assert ret.status == Return.Status.AWAITING_RECEIPT
    client = editing(csr, closed(order))
    issue = url("order_return_refund", order.number, ret.rma)
    assert "Issue Refund" not in client.get(url("order", order.number) + "?tab=returns").text
    opened = client.get(issue)
    assert opened.status_code == 409
    assert "another refund is only for a received return" in opened.text
    response = client.post(issue, {"version": Order.objects.get(pk=order.pk).version, "amount": "10.00",
                                   "destination": "MANUAL"})  # fmt: skip
    assert response.status_code == 409
    assert 'role="alertdialog"' in response.text
    assert f"{ret.rma} is awaiting receipt: another refund is only for a received return." in response.text
    assert not Refund.objects.filter(rma=ret.rma).exists()
    assert Return.objects.get(pk=ret.pk).status == Return.Status.AWAITING_RECEIPT


def test_issue_refund_needs_the_privilege_and_the_lock(csr, supervisor, warehouse, shopper, store):
    from django.contrib.auth.models import Group, Permission

    order, ret = rejected(csr, supervisor, warehouse, shopper, store)
    issue = url("order_return_refund", order.number, ret.rma)
    form = {"version": order.version, "amount": "45.00", "destination": "MANUAL"}
    # warehouse staff work in the Warehouse only
    assert browser(warehouse).get(issue).status_code == 403
    assert browser(warehouse).post(issue, form).status_code == 403
    # a CSR who has not opened the order for editing is told so, and nothing is refunded
    response = browser(csr).post(issue, form)
    assert response.status_code == 409
    assert 'role="alertdialog"' in response.text
    # a CSR without Create Return is refused
    client = editing(csr, order)
    Group.objects.get(name="CSR").permissions.remove(Permission.objects.get(codename="create_return"))
    refused = client.post(issue, {**form, "version": Order.objects.get(pk=order.pk).version})
    assert refused.status_code == 403
    assert "Issuing a refund for a return needs the Can Create Return privilege." in refused.text
    assert client.get(issue).status_code == 403
    assert Refund.objects.filter(rma=ret.rma).count() == 1
    assert Return.objects.get(pk=ret.pk).status == Return.Status.RECEIVED


def test_a_full_receipt_whose_refund_was_declined_says_so_in_the_warehouse(csr, warehouse, shopper, store):
    from concierge.payments.gateway import REFUND_DECLINE_CARD

    order = delivered_order(shopper, store, (SHOE,), card_number=REFUND_DECLINE_CARD)
    ret = a_return(csr, order)
    will = browser(warehouse)
    received = will.post(url("warehouse_receive", ret.rma), {"version": ret.version,
                                                             f"received-{ret.lines.get().pk}": "2"})  # fmt: skip
    assert received.status_code == 302
    page = will.get(received["Location"]).text
    assert (
        f"All items of {ret.rma} received. The return completes when its refund is issued (its refund was not "
        "issued: customer service issues another)." in page
    )
    assert "the rest is still awaited" not in page
    assert Return.objects.get(pk=ret.pk).status == Return.Status.RECEIVED


def test_the_wizards_refund_options_offer_the_orders_account_cards(csr, shopper, other_shopper, store):
    from concierge.testing import factories

    order = delivered_order(shopper, store, (SHOE,))
    org = factories.organization(store=store, name="Acme Outfitters")
    Order.objects.filter(pk=order.pk).update(account=org)
    customers, accounts = a_card(shopper, "5555555555554444"), a_card(org, "5105105105105100")
    strangers = a_card(other_shopper, "4012888888881881")
    line = order.lines.get()
    client = editing(csr, order)
    step2 = client.post(url("order_return_next", order.number), {
        "kind": "RETURN", "version": order.version, f"quantity-{line.pk}": "1", f"reason-{line.pk}": wrong_size(),
        "receipt_required": "1"})  # fmt: skip
    assert step2.status_code == 200
    assert f'<option value="{customers.pk}">{customers.label}</option>' in step2.text
    assert f'<option value="{accounts.pk}">{accounts.label}</option>' in step2.text
    assert f'<option value="{strangers.pk}"' not in step2.text
