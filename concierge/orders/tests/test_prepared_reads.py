"""The order reads compiled once per process (core/prepared.py) answer what their querysets answer:
the order view's order with its parties, the id and version a lock reads first, the row under the
lock; another store's order is "not found" through each."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test import Client
from django.test.utils import CaptureQueriesContext

from concierge.api.tests.test_commerce_api import token_headers
from concierge.core.context import ActingContext
from concierge.core.errors import NotFound
from concierge.orders import locks
from concierge.orders.models import Hold, Order, OrderData
from concierge.orders.selectors import ORDER_NUMBER_MAX, access_order, access_order_ref
from concierge.orders.tests.builders import placed_order
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.fixture
def placed(shopper, store) -> Order:
    return placed_order(shopper, store)


def test_the_order_views_order_and_its_parties_are_the_querysets(csr, placed):
    ctx = ActingContext(user=csr)
    Order.objects.filter(pk=placed.pk).update(lease_holder=csr)  # a holder, and no account: both kinds of join
    expected = Order.objects.select_related("store", "customer", "account", "placed_by", "lease_holder").get(
        pk=placed.pk
    )
    numbers, line_count = sorted(s.number for s in expected.shipments.all()), expected.lines.count()
    order = access_order(ctx, placed.number.lower())  # as typed
    assert fields(order) == fields(expected)
    assert order.account is None
    with CaptureQueriesContext(connection) as queries:
        assert fields(order.store) == fields(expected.store)
        assert fields(order.customer) == fields(expected.customer)
        assert fields(order.lease_holder) == fields(expected.lease_holder)
        assert order.placed_by_id == expected.placed_by_id
        assert [s.number for s in order.shipments.all()] == numbers
        lines = sum(len(s.lines.all()) for s in order.shipments.all())
    assert len(queries) == 0  # the parties, the shipments and their lines came with the order
    assert lines == line_count


def test_the_order_views_shipments_lines_holds_and_data_are_what_prefetch_related_reads(csr, placed):
    Hold.objects.create(order=placed, reason="Address check")
    Hold.objects.create(order=placed, reason="Large order", status=Hold.Status.RESOLVED)
    OrderData.objects.create(order=placed, key="gift", value="yes")
    OrderData.objects.create(order=placed, key="channel", value="phone")
    expected = Order.objects.prefetch_related("shipments__pickup_location", "shipments__shipping_method",
                                              "shipments__lines", "holds", "data_values").get(pk=placed.pk)  # fmt: skip
    order = access_order(ActingContext(user=csr), placed.number)
    with CaptureQueriesContext(connection) as queries:
        shipments = list(order.shipments.all())
        assert [fields(s) for s in shipments] == [fields(s) for s in expected.shipments.all()]
        assert [fields(s.shipping_method) for s in shipments] == [
            fields(s.shipping_method) for s in expected.shipments.all()
        ]
        assert [[fields(line) for line in s.lines.all()] for s in shipments] == [
            [fields(line) for line in s.lines.all()] for s in expected.shipments.all()
        ]
        assert all(line.shipment is s for s in shipments for line in s.lines.all())
        assert all(s.order is order for s in shipments)
        assert [h.reason for h in order.holds.all()] == ["Address check", "Large order"]
        assert [fields(h) for h in order.holds.all()] == [fields(h) for h in expected.holds.all()]
        assert [(d.key, d.value) for d in order.data_values.all()] == [("channel", "phone"), ("gift", "yes")]
    assert len(queries) == 0
    assert len(shipments) == 2
    assert sum(len(s.lines.all()) for s in shipments) == 2


def test_an_order_with_no_holds_or_data_has_empty_lists_and_a_later_hold_is_read_anew(csr, placed):
    order = access_order(ActingContext(user=csr), placed.number)
    with CaptureQueriesContext(connection) as queries:
        assert list(order.holds.all()) == []
        assert list(order.data_values.all()) == []
    assert len(queries) == 0
    Hold.objects.create(order=placed, reason="Address check")
    assert [h.reason for h in order.holds.filter(status=Hold.Status.OPEN)] == ["Address check"]  # a query, not the list
    assert [h.reason for h in access_order(ActingContext(user=csr), placed.number).holds.all()] == ["Address check"]


def test_the_id_and_version_a_lock_reads_first(csr, placed):
    ref = access_order_ref(ActingContext(user=csr), f" {placed.number} ")
    assert (ref.id, ref.version) == (placed.pk, placed.version)


def test_another_stores_order_is_not_found_through_every_read(placed):
    other = factories.store(code="ca", name="Northwind Canada", currency="CAD", locale="en_CA")
    elsewhere = ActingContext(user=factories.staff("CSR", stores=[other], email="cam@concierge.test"))
    with pytest.raises(NotFound):
        access_order(elsewhere, placed.number)
    with pytest.raises(NotFound):
        access_order_ref(elsewhere, placed.number)
    with transaction.atomic(), pytest.raises(NotFound):
        locks.locked_order(elsewhere, placed.pk)


@pytest.mark.django_db(transaction=True)
def test_the_row_under_the_lock_is_read_in_a_transaction_only(csr, placed):
    ctx = ActingContext(user=csr)
    with transaction.atomic():
        assert fields(locks.locked_order(ctx, placed.pk, with_parties=False)) == fields(Order.objects.get(pk=placed.pk))
    with pytest.raises(TransactionManagementError):
        locks.locked_order(ctx, placed.pk)


def test_a_number_longer_than_any_orders_is_not_cut_down_to_one_that_exists(csr, placed, client):
    assert Order._meta.get_field("number").max_length == ORDER_NUMBER_MAX
    Order.objects.filter(pk=placed.pk).update(number="US-00000000000000001")  # as long as a number gets
    ctx = ActingContext(user=csr)
    assert access_order(ctx, "us-00000000000000001").pk == placed.pk
    client.force_login(csr)
    api = token_headers(csr.email)
    for over_long in ("US-00000000000000001X", "US-00000000000000001" + "7" * 200):
        with pytest.raises(NotFound):
            access_order(ctx, over_long)
        with pytest.raises(NotFound):
            access_order_ref(ctx, over_long)
        assert client.get(f"/service/orders/{over_long}/").status_code == 404
    # over the API: one character over is "not found"; far over, the route refuses it by its limit
    one_over = Client().post("/api/v1/service/orders/US-00000000000000001X/lock", {}, content_type="application/json",
                             headers=api)  # fmt: skip
    assert (one_over.status_code, one_over.json()["code"]) == (404, "order.not_found")
    far_over = Client().get("/api/v1/service/orders/US-" + "7" * 300, headers=api)
    assert far_over.status_code == 422
    assert Order.objects.get(pk=placed.pk).lease_holder_id is None  # nothing was locked
