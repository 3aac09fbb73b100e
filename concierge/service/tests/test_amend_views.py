"""The Details tab's amendments through the console's forms (seed 004 "Splitting a Shipment",
"Updating an Order"): Move Item and its dialog, Item Details on a quantity with Save, the Payment
Authorization dialog (Authorize, Done; a decline, Back, another card), a decrease, stock, a stale
page and a dearer shipping method."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from concierge.audit.models import Event
from concierge.catalog.models import Sku
from concierge.core.context import ActingContext
from concierge.orders.models import Amendment, Order, OrderLine, Shipment
from concierge.orders.tests.builders import placed_order
from concierge.payments.models import PaymentTransaction
from concierge.payments.services import payment_source_add_card
from concierge.testing.clients import browser

pytestmark = pytest.mark.django_db

NEW = {"first_name": "Jane", "last_name": "Shopper", "line1": "1 Harbour Rd", "city": "Portland", "region": "OR",
       "postal_code": "97201", "country": "US"}  # fmt: skip


def _editing(user, order: Order):
    client = browser(user)
    assert (
        client.post(reverse("service:order_edit", args=[order.number]), {"version": order.version}).status_code == 302
    )
    return client


def _version(order: Order) -> int:
    return Order.objects.get(pk=order.pk).version


def _details(client, order: Order, query: str = "") -> str:
    return client.get(reverse("service:order", args=[order.number]) + "?tab=details" + query).content.decode()


@pytest.fixture
def order(shopper, store):
    order = placed_order(shopper, store, shipments=2)
    Sku.objects.filter(pk__in=order.lines.values("sku_id")).update(stock_on_hand=10)
    return order


def _move(client, order: Order, shipment: Shipment, data: dict):
    return client.post(reverse("service:amend_move", args=[order.number, shipment.number]),
                       {"version": _version(order), **data})  # fmt: skip


def test_move_item_to_a_new_address_with_another_method(csr, order):
    client = _editing(csr, order)
    first = order.shipments.order_by("number").first()
    line = first.lines.get()
    page = _details(client, order)
    assert "Move Item" in page
    assert "Item Details" in page
    assert "Shipping Information" in page
    # Move Item opens the dialog with the customer's saved addresses and the methods
    opened = _move(client, order, first, {"move": line.pk, "step": "choose"})
    body = opened.content.decode()
    assert opened.status_code == 200
    assert "A new address (enter it in the next step)" in body
    assert "Express" in body
    # OK with "a new address" asks for it in the next step
    step = _move(client, order, first, {"move": line.pk, "step": "ok", "address_choice": "new",
                                        "shipping_method": "express"})  # fmt: skip
    assert 'name="line1"' in step.content.decode()
    # the new address, incomplete: refused on the step, nothing moved
    bad = _move(client, order, first, {"move": line.pk, "step": "address", "shipping_method": "express",
                                       **{**NEW, "city": ""}})  # fmt: skip
    assert bad.status_code == 422
    assert "This field is required." in bad.content.decode()
    # then OK with the whole address: a line of one is moved whole, leaving shipment 1 ... refused
    whole = _move(client, order, first, {"move": line.pk, "step": "address", "shipping_method": "express", **NEW})
    assert whole.status_code == 422
    assert "Leave at least one item in shipment" in whole.content.decode()
    assert order.shipments.count() == 2


def test_move_part_of_a_line_through_payment_authorization(csr, order):
    client = _editing(csr, order)
    first = order.shipments.order_by("number").first()
    line = first.lines.get()
    # three shoes first (Item Details on the quantity, Save, Authorize)
    client.post(reverse("service:amend_quantities", args=[order.number]),
                {"version": _version(order), f"quantity-{line.pk}": "3"})  # fmt: skip
    amendment = Amendment.objects.get(order=order, status="PENDING")
    card = order.customer.payment_sources.get()
    done = client.post(reverse("service:amend_authorize", args=[order.number]),
                {"change": amendment.pk, "version": _version(order), "payment_source": card.pk})  # fmt: skip
    assert done.status_code == 302
    # move one of them to a saved address by Express
    address = order.customer.addresses.get()
    ok = _move(client, order, first, {"move": line.pk, f"move-quantity-{line.pk}": "1", "step": "ok",
                                      "address_choice": address.pk, "shipping_method": "express"})  # fmt: skip
    assert ok.status_code == 302
    pending = Amendment.objects.get(order=order, status="PENDING")
    page = _details(client, order)
    assert "Payment Authorization" in page
    assert "Authorize" in page
    assert "To authorize" in page
    assert "$15.00" not in page.split("To authorize")[0][-5:]
    authorized = client.post(
        reverse("service:amend_authorize", args=[order.number]),
        {"change": pending.pk, "version": _version(order), "payment_source": card.pk, "total": "0.01"},
    )
    assert authorized.status_code == 302
    done_page = client.get(authorized["Location"]).content.decode()
    assert "Done" in done_page
    assert "Authorized" in done_page
    current = Order.objects.get(pk=order.pk)
    assert current.shipments.count() == 3
    new = current.shipments.order_by("number").last()
    assert new.lines.get().quantity == 1
    assert OrderLine.objects.get(pk=line.pk).quantity == 2
    assert current.total == pending.new_total  # the server's figure, never the posted "total"
    assert "Shipping Information" in _details(client, order).split(f"Shipment {new.number}")[1]
    assert Event.objects.filter(action="shipment.items_moved", subject_id=order.pk).exists()
    notes = client.get(reverse("service:order", args=[order.number]) + "?tab=notes").content.decode()
    assert "Items moved to a new shipment" in notes
    assert "Item quantities changed" in notes


def test_a_declined_card_then_back_then_another_card(csr, order, shopper):
    ctx = ActingContext(user=shopper.user, customer=shopper)
    declined = payment_source_add_card(ctx, customer=shopper, number="4000000000000002", exp_month=1,
                                       exp_year=2031, cvc="123", holder_name="Jane Shopper")  # fmt: skip
    client = _editing(csr, order)
    line = order.lines.order_by("id").first()
    client.post(reverse("service:amend_quantities", args=[order.number]),
                {"version": _version(order), f"quantity-{line.pk}": "2"})  # fmt: skip
    amendment = Amendment.objects.get(order=order, status="PENDING")
    failed = client.post(reverse("service:amend_authorize", args=[order.number]),
                {"change": amendment.pk, "version": _version(order), "payment_source": declined.pk})  # fmt: skip
    body = failed.content.decode()
    assert failed.status_code == 402
    assert "Your card was declined." in body
    assert ">Back</button>" in body
    assert OrderLine.objects.get(pk=line.pk).quantity == 1
    # Back: the dialog again, with the sources to choose from
    back = _details(client, order)
    assert "Authorize" in back
    assert declined.label in back
    good = order.customer.payment_sources.exclude(pk=declined.pk).get()
    ok = client.post(reverse("service:amend_authorize", args=[order.number]),
                {"change": amendment.pk, "version": _version(order), "payment_source": good.pk})  # fmt: skip
    assert ok.status_code == 302
    assert OrderLine.objects.get(pk=line.pk).quantity == 2
    assert Order.objects.get(pk=order.pk).lease_holder_id == csr.pk  # the lock stayed with the editor


def test_discarding_the_change_leaves_the_order_as_it_was(csr, order):
    client = _editing(csr, order)
    line = order.lines.order_by("id").first()
    total = order.total
    client.post(reverse("service:amend_quantities", args=[order.number]),
                {"version": _version(order), f"quantity-{line.pk}": "4"})  # fmt: skip
    amendment = Amendment.objects.get(order=order, status="PENDING")
    response = client.post(reverse("service:amend_abandon", args=[order.number]),
                {"change": amendment.pk, "version": _version(order)})  # fmt: skip
    assert response.status_code == 302
    assert Amendment.objects.get(pk=amendment.pk).status == "DISCARDED"
    assert (OrderLine.objects.get(pk=line.pk).quantity, Order.objects.get(pk=order.pk).total) == (1, total)
    assert "Payment Authorization" not in _details(client, order)


def test_a_decrease_is_saved_at_once_and_releases_the_difference(csr, order):
    client = _editing(csr, order)
    line = order.lines.order_by("id").first()
    client.post(reverse("service:amend_quantities", args=[order.number]),
                {"version": _version(order), f"quantity-{line.pk}": "3"})  # fmt: skip
    amendment = Amendment.objects.get(order=order, status="PENDING")
    client.post(
        reverse("service:amend_authorize", args=[order.number]),
        {"change": amendment.pk, "version": _version(order), "payment_source": order.customer.payment_sources.get().pk},
    )
    response = client.post(reverse("service:amend_quantities", args=[order.number]),
                           {"version": _version(order), f"quantity-{line.pk}": "2"})  # fmt: skip
    assert response.status_code == 302
    assert OrderLine.objects.get(pk=line.pk).quantity == 2
    release = PaymentTransaction.objects.get(order=order, kind="REVERSE", amount=Decimal("80.00"))
    assert release.status == "SUCCEEDED"
    assert Sku.objects.get(pk=line.sku_id).stock_on_hand == 9


def test_more_than_in_stock_or_a_zero_quantity_is_refused_on_the_form(csr, order):
    client = _editing(csr, order)
    line = order.lines.order_by("id").first()
    Sku.objects.filter(pk=line.sku_id).update(stock_on_hand=2)
    response = client.post(reverse("service:amend_quantities", args=[order.number]),
                           {"version": _version(order), f"quantity-{line.pk}": "9"})  # fmt: skip
    assert response.status_code == 409
    assert "only 2 more" in response.content.decode()
    zero = client.post(reverse("service:amend_quantities", args=[order.number]),
                       {"version": _version(order), f"quantity-{line.pk}": "0"})  # fmt: skip
    assert zero.status_code == 422
    assert "Enter a quantity from 1 to 999." in zero.content.decode()
    assert not Amendment.objects.filter(order=order).exists()


def test_a_stale_page_shows_order_changed_and_reverses_nothing_it_did_not_do(csr, order):
    client = _editing(csr, order)
    line = order.lines.order_by("id").first()
    stale = _version(order)
    client.post(reverse("service:amend_quantities", args=[order.number]),
                {"version": stale, f"quantity-{line.pk}": "2"})  # fmt: skip
    amendment = Amendment.objects.get(order=order, status="PENDING")
    response = client.post(
        reverse("service:amend_authorize", args=[order.number]),
        {"change": amendment.pk, "version": stale, "payment_source": order.customer.payment_sources.get().pk},
    )
    assert response.status_code == 412
    assert "Order changed" in response.content.decode()
    assert OrderLine.objects.get(pk=line.pk).quantity == 1
    assert not PaymentTransaction.objects.filter(idempotency_key__startswith=f"amendment-{amendment.pk}").exists()


def test_the_order_moving_on_after_authorizing_reverses_the_new_authorization(csr, order, monkeypatch):
    from concierge.orders import amendments

    client = _editing(csr, order)
    line = order.lines.order_by("id").first()
    client.post(reverse("service:amend_quantities", args=[order.number]),
                {"version": _version(order), f"quantity-{line.pk}": "2"})  # fmt: skip
    amendment = Amendment.objects.get(order=order, status="PENDING")
    authorize = amendments.payment_authorize

    def authorize_then_the_order_moves_on(*args, **kwargs):
        result = authorize(*args, **kwargs)
        Order.objects.filter(pk=order.pk).update(version=Order.objects.get(pk=order.pk).version + 1)
        return result

    monkeypatch.setattr(amendments, "payment_authorize", authorize_then_the_order_moves_on)
    response = client.post(
        reverse("service:amend_authorize", args=[order.number]),
        {"change": amendment.pk, "version": _version(order), "payment_source": order.customer.payment_sources.get().pk},
    )
    assert response.status_code == 412
    assert "Order changed" in response.content.decode()
    new = PaymentTransaction.objects.get(idempotency_key=f"amendment-{amendment.pk}-authorize-1")
    assert new.children.get(kind="REVERSE").status == "SUCCEEDED"
    assert OrderLine.objects.get(pk=line.pk).quantity == 1
    assert Event.objects.filter(action="order.change_refused", subject_id=order.pk).exists()


def test_a_dearer_shipping_method_opens_payment_authorization(csr, order):
    client = _editing(csr, order)
    first = order.shipments.order_by("number").first()
    response = client.post(reverse("service:amend_shipping", args=[order.number, first.number]),
                           {"version": _version(order), "shipping_method": "express", **NEW})  # fmt: skip
    assert response.status_code == 302
    amendment = Amendment.objects.get(order=order, status="PENDING")
    assert amendment.to_authorize == order.total + Decimal("10.00")
    page = _details(client, order)
    assert "Payment Authorization" in page
    done = client.post(
        reverse("service:amend_authorize", args=[order.number]),
        {"change": amendment.pk, "version": _version(order), "payment_source": order.customer.payment_sources.get().pk},
    )
    assert done.status_code == 302
    first.refresh_from_db()
    assert (first.shipping_method_name, first.ship_city) == ("Express", "Portland")
    # a cheaper one is simply saved
    cheaper = client.post(reverse("service:amend_shipping", args=[order.number, first.number]),
                          {"version": _version(order), "shipping_method": "economy", **NEW})  # fmt: skip
    assert cheaper.status_code == 302
    assert Shipment.objects.get(pk=first.pk).shipping_method_name == "Economy"
