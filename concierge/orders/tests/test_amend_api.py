"""Amending an order through the API: split, quantities with authorization, a decline, a decrease,
stock, a stale version and a dearer shipping method — every refusal in the one error shape."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from concierge.audit.models import Event
from concierge.catalog.models import Sku
from concierge.core.context import ActingContext
from concierge.orders.models import Order, OrderLine
from concierge.orders.tests.builders import placed_order
from concierge.payments.models import PaymentTransaction
from concierge.payments.services import payment_source_add_card
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW = {"first_name": "Jane", "last_name": "Shopper", "line1": "1 Harbour Rd", "city": "Portland", "region": "OR",
       "postal_code": "97201", "country": "US"}  # fmt: skip


class Editor:
    """A CSR's API client holding the order's lock, sending If-Match with the version it last saw."""

    def __init__(self, user, order: Order) -> None:
        created = Client().post("/api/v1/auth/tokens", {"email": user.email, "password": PASSWORD, "name": "t"},
                                content_type="application/json")  # fmt: skip
        self.client = Client(headers={"Authorization": f"Bearer {created.json()['key']}"})
        self.order = order
        self.token = self.client.post(f"/api/v1/service/orders/{order.number}/lock").json()["lease_token"]
        self.version = order.version

    def post(self, path: str, body: dict, *, version: int | None = None):
        response = self.client.post(
            f"/api/v1/service/orders/{self.order.number}{path}", body, content_type="application/json",
            headers={"If-Match": f'"{version or self.version}"', "X-Lease-Token": self.token},
        )  # fmt: skip
        if response.status_code == 200:
            self.version = response.json()["version"]
        return response


@pytest.fixture
def order(shopper, store):
    order = placed_order(shopper, store, shipments=2)
    Sku.objects.filter(pk__in=order.lines.values("sku_id")).update(stock_on_hand=10)
    return order


def _shoe(order: Order) -> OrderLine:
    return order.lines.order_by("id")[0]


def _card(order: Order) -> int:
    return order.customer.payment_sources.order_by("id").first().pk


def _assert_error_shape(response, status: int, code: str) -> dict:
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), body
    assert set(body) >= {"code", "message", "fields"}
    return body


def test_quantity_increase_is_proposed_then_authorized(csr, order):
    editor = Editor(csr, order)
    line = _shoe(order)
    proposed = editor.post("/quantities", {"lines": [{"line_id": line.pk, "quantity": 3, "total": "1.00"}]})
    body = proposed.json()
    assert (body["status"], body["to_authorize"]) == (
        "PENDING",
        "270.00",
    )  # 3 x 80 + 20 + 2 x 5 shipping; the sent "total" is ignored
    authorized = editor.post("/authorization", {"change_id": body["id"], "payment_source_id": _card(order)})
    assert authorized.status_code == 200, authorized.json()
    assert authorized.json()["status"] == "APPLIED"
    assert authorized.json()["authorized_on"] == "Visa ending in 4242"
    assert OrderLine.objects.get(pk=line.pk).quantity == 3
    assert Order.objects.get(pk=order.pk).total == Decimal("270.00")


def test_a_declined_card_answers_402_and_another_card_authorizes(csr, order, shopper):
    declined = payment_source_add_card(ActingContext(user=shopper.user, customer=shopper), customer=shopper,
                                       number="4000000000000002", exp_month=1, exp_year=2031, cvc="123",
                                       holder_name="Jane Shopper")  # fmt: skip
    editor = Editor(csr, order)
    change = editor.post("/quantities", {"lines": [{"line_id": _shoe(order).pk, "quantity": 2}]}).json()
    refused = editor.post("/authorization", {"change_id": change["id"], "payment_source_id": declined.pk})
    body = _assert_error_shape(refused, 402, "payment.declined")
    assert body["message"] == "Your card was declined."
    again = editor.post("/authorization", {"change_id": change["id"], "payment_source_id": _card(order)})
    assert again.json()["status"] == "APPLIED"


def test_split_makes_a_new_shipment_with_exact_totals_and_audits_it(csr, order):
    editor = Editor(csr, order)
    line = _shoe(order)
    change = editor.post("/quantities", {"lines": [{"line_id": line.pk, "quantity": 3}]}).json()
    editor.post("/authorization", {"change_id": change["id"], "payment_source_id": _card(order)})
    shipment = line.shipment.number
    split = editor.post(f"/shipments/{shipment}/split", {
        "lines": [{"line_id": line.pk, "quantity": 2}], "shipping_method": "express", "address": NEW})  # fmt: skip
    assert split.json()["status"] == "PENDING"
    done = editor.post("/authorization", {"change_id": split.json()["id"], "payment_source_id": _card(order)})
    assert done.json()["status"] == "APPLIED"
    current = Order.objects.get(pk=order.pk)
    assert current.shipments.count() == 3
    lines = list(OrderLine.objects.filter(order=order))
    assert current.total == sum(x.total for x in lines) + sum(s.shipping_price for s in current.shipments.all())
    assert current.total == Decimal("285.00")  # 270 + Express
    moved = OrderLine.objects.filter(sku_id=line.sku_id).order_by("id").last()
    assert (moved.quantity, moved.shipment.ship_city, moved.shipment.shipping_method_name) == (2, "Portland", "Express")
    detail = editor.client.get(f"/api/v1/service/orders/{order.number}").json()
    assert len(detail["shipments"]) == 3
    event = Event.objects.get(action="shipment.items_moved", subject_id=order.pk)
    assert event.data["new_shipment"] == moved.shipment.number


def test_a_decrease_is_applied_and_releases_the_difference(csr, order):
    editor = Editor(csr, order)
    line = _shoe(order)
    change = editor.post("/quantities", {"lines": [{"line_id": line.pk, "quantity": 3}]}).json()
    editor.post("/authorization", {"change_id": change["id"], "payment_source_id": _card(order)})
    decrease = editor.post("/quantities", {"lines": [{"line_id": line.pk, "quantity": 1}]})
    assert decrease.json()["status"] == "APPLIED"
    release = PaymentTransaction.objects.get(order=order, kind="REVERSE", amount=Decimal("160.00"))
    assert release.status == "SUCCEEDED"


def test_more_than_in_stock_and_a_quantity_below_one_are_refused(csr, order):
    editor = Editor(csr, order)
    line = _shoe(order)
    Sku.objects.filter(pk=line.sku_id).update(stock_on_hand=0)
    body = _assert_error_shape(editor.post("/quantities", {"lines": [{"line_id": line.pk, "quantity": 2}]}), 409,
                               "amendment.out_of_stock")  # fmt: skip
    assert "none left" in body["message"]
    _assert_error_shape(editor.post("/quantities", {"lines": [{"line_id": line.pk, "quantity": 0}]}), 422,
                        "request.invalid")  # fmt: skip
    assert OrderLine.objects.get(pk=line.pk).quantity == 1


def test_a_stale_version_is_refused_and_the_pending_change_cannot_be_authorized_on_it(csr, order):
    editor = Editor(csr, order)
    first = editor.version
    change = editor.post("/quantities", {"lines": [{"line_id": _shoe(order).pk, "quantity": 2}]}).json()
    stale = editor.post("/authorization", {"change_id": change["id"], "payment_source_id": _card(order)},
                        version=first)  # fmt: skip
    _assert_error_shape(stale, 412, "order.stale")
    assert OrderLine.objects.get(pk=_shoe(order).pk).quantity == 1


def test_a_dearer_shipping_method_is_refused_by_put_and_goes_through_authorization(csr, order):
    editor = Editor(csr, order)
    shipment = order.shipments.order_by("number").first().number
    put = editor.client.put(f"/api/v1/service/orders/{order.number}/shipments/{shipment}/shipping",
                            {"shipping_method": "express", "address": NEW}, content_type="application/json",
                            headers={"If-Match": f'"{editor.version}"', "X-Lease-Token": editor.token})  # fmt: skip
    _assert_error_shape(put, 409, "order.authorization_required")
    change = editor.post(f"/shipments/{shipment}/shipping-change", {"shipping_method": "express", "address": NEW})
    assert change.json()["to_authorize"] == "120.00"
    done = editor.post("/authorization", {"change_id": change.json()["id"], "payment_source_id": _card(order)})
    assert done.json()["status"] == "APPLIED"
    assert Order.objects.get(pk=order.pk).shipping_total == Decimal("20.00")


def test_discard_leaves_the_order_as_it_was(csr, order):
    editor = Editor(csr, order)
    change = editor.post("/quantities", {"lines": [{"line_id": _shoe(order).pk, "quantity": 2}]}).json()
    discarded = editor.post("/authorization/abandon", {"change_id": change["id"]})
    assert discarded.json()["status"] == "DISCARDED"
    again = editor.post("/authorization", {"change_id": change["id"], "payment_source_id": _card(order)})
    _assert_error_shape(again, 409, "amendment.not_pending")
